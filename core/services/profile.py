"""What a contact changes about itself in the portal."""

from core import validation
from core.audit import Actor, record
from core.db import transaction
from core.errors import PermissionDeniedError
from core.events import address_payload, contact_payload, record_event
from core.i18n import N_
from core.models import Contact, Customer, utcnow
from core.queries.scoping import ContactScope
from core.services.customers import clean_addresses, search_text_of


def update_contact_details(scope: ContactScope, *, first_name: str, last_name: str = "",
                           phone: str = "", ip: str = "") -> Contact:
    """Change the contact's own name and phone (never its email, customer or access state)."""
    first_name = validation.text(first_name, "first_name", max_length=100, required=True)
    last_name = validation.text(last_name, "last_name", max_length=100)
    phone = validation.text(phone, "phone", max_length=50)
    with transaction():
        (Contact.update(first_name=first_name, last_name=last_name, phone=phone,
                        updated_at=utcnow())
         .where(Contact.id == scope.contact.id).execute())
        record(scope.organization.id, Actor.contact(scope.contact.id, ip), "profile_updated",
               scope.contact, customer_id=scope.customer.id)
        changed = [name for name, value in (("first_name", first_name),
                                            ("last_name", last_name), ("phone", phone))
                   if getattr(scope.contact, name) != value]
        scope.contact.first_name, scope.contact.last_name = first_name, last_name
        scope.contact.phone = phone
        if changed:
            record_event(scope.organization.id, "contact.updated",
                         contact_payload(scope.contact, scope.customer, changed))
    return scope.contact


def update_customer_addresses(scope: ContactScope, ip: str = "", **addresses) -> Customer:
    """Change the customer's billing and shipping address, when the organization allows it."""
    if not scope.preferences.allow_address_edit:
        raise PermissionDeniedError(N_("Addresses can't be changed in the portal."))
    clean = clean_addresses(addresses)
    with transaction():
        customer = Customer.get_by_id(scope.customer.id)
        changed = [name for name, value in clean.items() if getattr(customer, name) != value]
        for name, value in clean.items():
            setattr(customer, name, value)
        customer.search_text = search_text_of(customer)
        customer.updated_at = utcnow()
        customer.save()
        record(scope.organization.id, Actor.contact(scope.contact.id, ip), "addresses_updated",
               customer, customer_id=customer.id, fields=sorted(clean))
        if changed:
            record_event(scope.organization.id, "customer.address_updated",
                         address_payload(customer, scope.contact, changed))
    return customer


def set_contact_language(scope: ContactScope, language: str | None, ip: str = "") -> Contact:
    """Choose the contact's own language (None falls back to the customer's portal language)."""
    language = validation.language(language)
    with transaction():
        (Contact.update(language=language, updated_at=utcnow())
         .where(Contact.id == scope.contact.id).execute())
        record(scope.organization.id, Actor.contact(scope.contact.id, ip), "language_changed",
               scope.contact, customer_id=scope.customer.id, language=language)
        if scope.contact.language != language:
            scope.contact.language = language
            record_event(scope.organization.id, "contact.updated",
                         contact_payload(scope.contact, scope.customer, ["language"]))
    scope.contact.language = language
    return scope.contact

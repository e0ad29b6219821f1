"""Customers and their contact persons: create, update, portal language, contacts."""

import pytest

from core.audit import Actor
from core.errors import NotFoundError, ValidationError
from core.models import AuditEvent, Contact, Customer, OutboxMessage
from core.services.customers import (
    add_contact,
    create_customer,
    set_portal_language,
    update_contact,
    update_customer,
)
from core.services.organizations import create_organization
from core.services.staff import create_staff
from tests.conftest import PASSWORD
from tests.core.helpers import unchanged


@pytest.fixture
def staff(admin):
    return Actor.staff(admin.id)


def new_customer(org, staff, **kwargs):
    kwargs.setdefault("display_name", "Brightwater Supplies")
    return create_customer(staff, **kwargs)


def test_a_customer_is_created_with_its_contacts_and_the_first_is_primary(org, staff):
    customer = new_customer(org, staff, company_name="Brightwater Ltd", phone="+1 555 0100",
                            portal_language="de", billing_city="Springfield",
                            contacts=[{"first_name": "Olivia", "last_name": "Parker",
                                       "email": "Olivia.Parker@Example.COM"},
                                      {"first_name": "Pat", "email": "pat@example.com"}])

    contacts = list(Contact.select().where(Contact.customer == customer).order_by(Contact.id))
    assert [c.email for c in contacts] == ["olivia.parker@example.com", "pat@example.com"]
    assert [c.is_primary for c in contacts] == [True, False]
    assert all(c.portal_state == "not_invited" for c in contacts)
    customer = Customer.get_by_id(customer.id)
    assert customer.email == "olivia.parker@example.com"
    assert (customer.portal_language, customer.billing_city, customer.currency) == (
        "de", "Springfield", "USD")
    assert "brightwater ltd" in customer.search_text
    event = AuditEvent.get(AuditEvent.action == "customer_created")
    assert (event.actor_type, event.actor_id, event.customer_id) == ("staff", staff.id,
                                                                     customer.id)


def test_allowing_portal_access_invites_the_primary_contact(org, staff):
    customer = new_customer(org, staff, allow_portal_access=True,
                            contacts=[{"first_name": "Olivia", "email": "o@example.com"},
                                      {"first_name": "Pat", "email": "pat@example.com",
                                       "is_primary": True}])

    primary = Contact.get(Contact.customer == customer, Contact.is_primary)
    assert primary.email == "pat@example.com" and primary.portal_state == "invited"
    assert Customer.get_by_id(customer.id).portal_status == "invited"
    assert [m.recipient for m in OutboxMessage.select()] == ["pat@example.com"]


@pytest.mark.parametrize("kwargs, field, message", [
    ({"display_name": "  "}, "display_name", "required"),
    ({"display_name": "x" * 201}, "display_name", "at most 200"),
    ({"currency": "XXX"}, "currency", "supported currency"),
    ({"portal_language": "xx"}, "portal_language", "offered languages"),
    ({"payment_terms_days": 400}, "payment_terms_days", "from 0 to 365"),
    ({"payment_terms_days": "soon"}, "payment_terms_days", "whole number"),
    ({"billing_city": "x" * 101}, "billing_city", "at most 100"),
    ({"contacts": [{"first_name": "Olivia", "email": "not-an-email"}]},
     "contacts.0.email", "valid email"),
    ({"contacts": [{"first_name": "", "email": "o@example.com"}]},
     "contacts.0.first_name", "required"),
    ({"contacts": [{"first_name": "A", "is_primary": True},
                   {"first_name": "B", "is_primary": True}]}, "contacts", "exactly one"),
    ({"contacts": [{"first_name": "A", "email": "same@example.com"},
                   {"first_name": "B", "email": "SAME@example.com"}]}, "contacts", "share"),
    ({"allow_portal_access": True, "contacts": [{"first_name": "A"}]},
     "allow_portal_access", "primary contact with an email"),
    ({"allow_portal_access": True}, "allow_portal_access", "primary contact with an email"),
])
def test_bad_customer_input_is_refused_and_nothing_is_created(org, staff, kwargs, field,
                                                              message):
    with unchanged(), pytest.raises(ValidationError, match=message) as caught:
        new_customer(org, staff, **kwargs)
    assert caught.value.field == field


def test_a_contact_email_already_used_in_the_customer_is_refused(org, staff):
    customer = new_customer(org, staff, contacts=[{"first_name": "A",
                                                   "email": "taken@example.com"}])
    with unchanged(), pytest.raises(ValidationError, match="already uses") as caught:
        add_contact(staff, customer.id, first_name="C",
                    email="taken@example.com")
    assert caught.value.field == "email"


def test_the_same_email_may_be_a_contact_of_another_customer_one_person_two_companies(
        org, staff):
    new_customer(org, staff, contacts=[{"first_name": "A", "email": "taken@example.com"}])
    second = new_customer(org, staff, display_name="Second",
                          contacts=[{"first_name": "B", "email": "ok@example.com"},
                                    {"first_name": "C", "email": "taken@example.com"}])
    assert sorted(c.email for c in second.contacts) == ["ok@example.com", "taken@example.com"]


def test_the_same_email_may_be_a_contact_in_another_organization(org, staff):
    new_customer(org, staff, contacts=[{"first_name": "A", "email": "shared@example.com"}])
    other = create_organization("Other Org")
    other_admin = create_staff(Actor.system(other.id), "x@other.example", "X", PASSWORD,
                               role="admin")
    create_customer(Actor.staff(other_admin.id), display_name="Theirs",
                    contacts=[{"first_name": "A", "email": "shared@example.com"}])
    assert Contact.select().where(Contact.email == "shared@example.com").count() == 2


def test_updating_a_customer_changes_only_the_given_fields(org, staff):
    customer = new_customer(org, staff, company_name="Old Co")
    updated = update_customer(staff, customer.id, display_name="New Name",
                              shipping_city="Leeds", payment_terms_days=14)

    customer = Customer.get_by_id(customer.id)
    assert (customer.display_name, customer.company_name, customer.shipping_city,
            customer.payment_terms_days) == ("New Name", "Old Co", "Leeds", 14)
    assert "new name" in customer.search_text
    assert updated.updated_at >= customer.created_at
    assert AuditEvent.select().where(AuditEvent.action == "customer_updated").count() == 1


@pytest.mark.parametrize("changes, message", [
    ({"display_name": ""}, "required"),
    ({"email": "x@example.com"}, "Unknown field: email"),
    ({"organization": 2}, "Unknown field: organization"),
    ({"portal_language": "klingon"}, "offered languages"),
])
def test_bad_customer_updates_change_nothing(org, staff, changes, message):
    customer = new_customer(org, staff)
    with unchanged(), pytest.raises(ValidationError, match=message):
        update_customer(staff, customer.id, **changes)


def test_staff_of_another_organization_cannot_see_or_change_the_customer(org, staff):
    customer = new_customer(org, staff, contacts=[{"first_name": "A", "email": "a@x.example"}])
    contact = Contact.get(Contact.customer == customer)
    other = create_organization("Other Org")
    outsider = Actor.staff(create_staff(Actor.system(other.id), "x@other.example", "X",
                                        PASSWORD).id)
    with unchanged():
        with pytest.raises(NotFoundError):
            update_customer(outsider, customer.id, display_name="Mine now")
        with pytest.raises(NotFoundError):
            add_contact(outsider, customer.id, first_name="Spy", email="spy@x.example")
        with pytest.raises(NotFoundError):
            update_contact(outsider, contact.id, first_name="Spy")
        with pytest.raises(NotFoundError):
            update_customer(staff, 10**7, display_name="Ghost")


def test_setting_the_portal_language_and_back_to_the_default(org, staff):
    customer = new_customer(org, staff)
    assert set_portal_language(staff, customer.id, "ja").portal_language == "ja"
    assert set_portal_language(staff, customer.id, None).portal_language is None
    assert Customer.get_by_id(customer.id).portal_language is None


def test_adding_a_primary_contact_moves_the_primary_flag_and_the_customer_email(org, staff):
    customer = new_customer(org, staff, contacts=[{"first_name": "A", "email": "a@x.example"}])
    added = add_contact(staff, customer.id, first_name="B", email="B@X.example",
                        is_primary=True, language="fr")

    assert added.is_primary and added.email == "b@x.example" and added.language == "fr"
    assert Contact.select().where(Contact.customer == customer, Contact.is_primary).count() == 1
    assert Customer.get_by_id(customer.id).email == "b@x.example"
    assert AuditEvent.select().where(AuditEvent.action == "contact_created").count() == 1


def test_the_first_contact_of_a_customer_is_always_primary(org, staff):
    customer = new_customer(org, staff)
    contact = add_contact(staff, customer.id, first_name="Only", email="only@x.example")
    assert contact.is_primary
    assert Customer.get_by_id(customer.id).email == "only@x.example"


@pytest.mark.parametrize("kwargs, field", [
    ({"first_name": ""}, "first_name"),
    ({"first_name": "B", "email": "nope"}, "email"),
    ({"first_name": "B", "email": "a@x.example"}, "email"),
    ({"first_name": "B", "language": "xx"}, "language"),
])
def test_a_bad_new_contact_is_refused(org, staff, kwargs, field):
    customer = new_customer(org, staff, contacts=[{"first_name": "A", "email": "a@x.example"}])
    with unchanged(), pytest.raises(ValidationError) as caught:
        add_contact(staff, customer.id, **kwargs)
    assert caught.value.field == field


def test_updating_a_contact(org, staff):
    customer = new_customer(org, staff, contacts=[{"first_name": "A", "email": "a@x.example"},
                                                  {"first_name": "B", "email": "b@x.example"}])
    second = Contact.get(Contact.customer == customer, Contact.email == "b@x.example")

    update_contact(staff, second.id, first_name="Bea", email="bea@x.example", is_primary=True)

    second = Contact.get_by_id(second.id)
    assert (second.first_name, second.email, second.is_primary) == ("Bea", "bea@x.example", True)
    assert Contact.select().where(Contact.customer == customer, Contact.is_primary).count() == 1
    assert Customer.get_by_id(customer.id).email == "bea@x.example"


def test_contact_updates_that_break_a_rule_change_nothing(org, staff, make_active_contact):
    customer = new_customer(org, staff, contacts=[{"first_name": "A", "email": "a@x.example"},
                                                  {"first_name": "B", "email": "b@x.example"}])
    primary = Contact.get(Contact.customer == customer, Contact.is_primary)
    portal_user = make_active_contact()
    cases = [
        (primary.id, {"is_primary": False}, "is_primary", "Make another contact primary"),
        (primary.id, {"email": "b@x.example"}, "email", "already uses"),
        (primary.id, {"email": "bad"}, "email", "valid email"),
        (primary.id, {"first_name": " "}, "first_name", "required"),
        (primary.id, {"customer": 3}, None, "Unknown field"),
        (portal_user.id, {"email": "new@x.example"}, "email", "Disable portal access"),
    ]
    for contact_id, changes, field, message in cases:
        with unchanged(), pytest.raises(ValidationError, match=message) as caught:
            update_contact(staff, contact_id, **changes)
        assert caught.value.field == field

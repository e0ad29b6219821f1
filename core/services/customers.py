"""Customers and their contact persons."""

from core import validation
from core.audit import Actor, event_row, record, record_many
from core.db import transaction
from core.errors import InvalidStateError, ValidationError
from core.guards import acting_organization, load_for_staff
from core.i18n import N_
from core.models import Contact, Customer, Organization, OutboxMessage, utcnow
from core.services.access import invite_contact_locked

ADDRESS_FIELDS = tuple(f"{kind}_{part}" for kind in ("billing", "shipping")
                       for part in ("street", "city", "postal_code", "region", "country"))
ADDRESS_LIMITS = {"street": 200, "city": 100, "postal_code": 20, "region": 100,
                  "country": 100}


def clean_addresses(values: dict) -> dict:
    """Validate billing_* and shipping_* address fields; unknown keys are refused."""
    unknown = set(values) - set(ADDRESS_FIELDS)
    if unknown:
        raise ValidationError(N_("Unknown field: %(name)s."), name=sorted(unknown)[0])
    return {name: validation.text(value, name, max_length=ADDRESS_LIMITS[name.split("_", 1)[1]])
            for name, value in values.items()}


def search_text_of(customer: Customer) -> str:
    """The lower-cased text the console's search looks in."""
    return " ".join([customer.display_name, customer.company_name, customer.email,
                     customer.phone]).lower()[:700]


def _clean_contact(data: dict, index: int | None) -> dict:
    # Field names: "contacts.<i>.email" on the new-customer form, plain "email" on its own.
    prefix = f"contacts.{index}." if index is not None else ""
    return {
        "first_name": validation.text(data.get("first_name"), prefix + "first_name",
                                      max_length=100, required=True),
        "last_name": validation.text(data.get("last_name"), prefix + "last_name",
                                     max_length=100),
        "email": validation.email(data.get("email"), prefix + "email", required=False),
        "phone": validation.text(data.get("phone"), prefix + "phone", max_length=50),
        "is_primary": bool(data.get("is_primary")),
        "language": validation.language(data.get("language"), prefix + "language"),
        "role": clean_role(data.get("role"), prefix + "role"),
    }


def clean_role(value, field: str = "role") -> str:
    """A contact role (billing, orders, full, admin); empty means the default, full."""
    return validation.role(value, field)


def _ensure_email_free(customer_id: int, email: str | None, field: str,
                       except_contact: int | None = None) -> None:
    # Per customer: one person (an email) may be a contact of several customers, and signs in
    # once for all of them (core.services.access).
    if not email:
        return
    query = Contact.select().where(Contact.customer == customer_id, Contact.email == email)
    if except_contact:
        query = query.where(Contact.id != except_contact)
    if query.exists():
        raise ValidationError(N_("Another contact already uses this email."), field=field)


def create_customer(actor: Actor, *, display_name: str,
                    company_name: str = "", phone: str = "", currency: str | None = None,
                    payment_terms_days: int = 30, portal_language: str | None = None,
                    contacts: list[dict] | None = None, allow_portal_access: bool = False,
                    **addresses) -> Customer:
    """Create a customer with its contacts; with portal access, invite the primary contact."""
    organization_id = acting_organization(actor)
    org = Organization.get_by_id(organization_id)
    values, cleaned = _prepare_customer(
        org, display_name=display_name, company_name=company_name, phone=phone,
        currency=currency, payment_terms_days=payment_terms_days,
        portal_language=portal_language, contacts=contacts, **addresses)
    primary = next((c for c in cleaned if c["is_primary"]), None)
    if allow_portal_access and not (primary and primary["email"]):
        raise ValidationError(N_("Portal access needs a primary contact with an email."),
                              field="allow_portal_access")
    with transaction():
        customer = Customer(organization=organization_id, **values,
                            email=(primary or {}).get("email") or "")
        customer.search_text = search_text_of(customer)
        customer.save()
        created = [Contact.create(organization=organization_id, customer=customer, **c)
                   for c in cleaned]
        record(organization_id, actor, "customer_created", customer, customer_id=customer.id,
               display_name=customer.display_name, contacts=len(created))
        if allow_portal_access:
            invite_contact_locked(actor, next(c for c in created if c.is_primary))
    return customer


def create_customers_many(actor: Actor, specs: list[dict]) -> list[Customer]:
    """`create_customer` (without portal access) for many customers, set-based: the same rows
    and audit events in one statement per customer and a few per batch. Each spec holds
    create_customer's arguments, and may hold the integration's `external_id` (for the
    customer and each contact: core.services.sync's upserts). All are checked before any is
    written; a bad one raises naming its index (`customers.<i>.<field>`)."""
    organization_id = acting_organization(actor)
    org = Organization.get_by_id(organization_id)
    prepared = []
    for index, spec in enumerate(specs):
        spec = dict(spec)
        contacts = spec.pop("contacts", None) or []
        external_id = spec.pop("external_id", None)
        try:
            values, cleaned = _prepare_customer(org, contacts=contacts, **spec)
        except ValidationError as error:
            raise ValidationError(error.message, field=f"customers.{index}.{error.field}",
                                  **error.params) from None
        for contact, raw in zip(cleaned, contacts, strict=True):
            contact["external_id"] = raw.get("external_id")
        prepared.append((values, cleaned, external_id))
    emails = [c["email"] for _v, cleaned, _e in prepared for c in cleaned if c["email"]]
    if len(emails) != len(set(emails)):
        raise ValidationError(N_("Two contacts cannot share an email."), field="contacts")
    # An email already used by another customer's contact is allowed, as in create_customer:
    # one person may be a contact of several customers (core.services.access).
    with transaction():
        now = utcnow()
        made = []
        for values, cleaned, external_id in prepared:
            primary = next((c for c in cleaned if c["is_primary"]), None)
            customer = Customer(organization=organization_id, **values,
                                email=(primary or {}).get("email") or "",
                                external_id=external_id, created_at=now, updated_at=now)
            customer.search_text = search_text_of(customer)
            made.append(customer)
        _insert_customers(made)
        contact_rows, events = [], []
        for customer, (_values, cleaned, _external_id) in zip(made, prepared, strict=True):
            contact_rows += [dict(organization=organization_id, customer=customer.id,
                                  created_at=now, updated_at=now, state_changed_at=now, **c)
                             for c in cleaned]
            events.append(event_row(organization_id, actor, "customer_created", customer,
                                    customer_id=customer.id,
                                    display_name=customer.display_name,
                                    contacts=len(cleaned)))
        for start in range(0, len(contact_rows), 100):
            Contact.insert_many(contact_rows[start:start + 100]).execute()
        record_many(events)
    return made


def _insert_customers(made: list[Customer]) -> None:
    """Insert new customers 100 a statement and give each its id. RETURNING hands the ids
    back in no promised order, so each is matched by its name; a batch where two share a name
    is saved one by one."""
    fields = [name for name in Customer._meta.sorted_field_names if name != "id"]
    for start in range(0, len(made), 100):
        chunk = made[start:start + 100]
        by_name = {customer.display_name: customer for customer in chunk}
        if len(by_name) < len(chunk):
            for customer in chunk:
                customer.save()
            continue
        # __data__: the raw values (the organization's id, not a query for the organization).
        returned = (Customer.insert_many([{name: c.__data__.get(name) for name in fields}
                                          for c in chunk])
                    .returning(Customer.id, Customer.display_name).tuples().execute())
        for customer_id, name in returned:
            by_name[name].id = customer_id


def _prepare_customer(org: Organization, *, display_name: str, company_name: str = "",
                      phone: str = "", currency: str | None = None,
                      payment_terms_days: int = 30, portal_language: str | None = None,
                      contacts: list[dict] | None = None, **addresses) -> tuple[dict, list]:
    """A new customer's checked values and contacts (one primary, emails distinct)."""
    values = {
        "display_name": validation.text(display_name, "display_name", max_length=200,
                                        required=True),
        "company_name": validation.text(company_name, "company_name", max_length=200),
        "phone": validation.text(phone, "phone", max_length=50),
        "currency": validation.currency(currency or org.currency),
        "payment_terms_days": validation.integer(payment_terms_days, "payment_terms_days",
                                                 minimum=0, maximum=365),
        "portal_language": validation.language(portal_language, "portal_language"),
        **clean_addresses(addresses),
    }
    cleaned = [_clean_contact(c, i) for i, c in enumerate(contacts or [])]
    if cleaned and sum(c["is_primary"] for c in cleaned) == 0:
        cleaned[0]["is_primary"] = True
    if sum(c["is_primary"] for c in cleaned) > 1:
        raise ValidationError(N_("Mark exactly one contact as primary."), field="contacts")
    emails = [c["email"] for c in cleaned if c["email"]]
    if len(emails) != len(set(emails)):
        raise ValidationError(N_("Two contacts cannot share an email."), field="contacts")
    return values, cleaned


def update_customer(actor: Actor, customer_id: int, **changes) -> Customer:
    """Change a customer's details or addresses."""
    allowed = {"display_name", "company_name", "phone", "payment_terms_days",
               "portal_language", *ADDRESS_FIELDS}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(N_("Unknown field: %(name)s."), name=sorted(unknown)[0])
    clean = clean_addresses({k: v for k, v in changes.items() if k in ADDRESS_FIELDS})
    if "display_name" in changes:
        clean["display_name"] = validation.text(changes["display_name"], "display_name",
                                                max_length=200, required=True)
    for name in ("company_name", "phone"):
        if name in changes:
            clean[name] = validation.text(changes[name], name,
                                          max_length=200 if name == "company_name" else 50)
    if "payment_terms_days" in changes:
        clean["payment_terms_days"] = validation.integer(
            changes["payment_terms_days"], "payment_terms_days", minimum=0, maximum=365)
    if "portal_language" in changes:
        clean["portal_language"] = validation.language(changes["portal_language"],
                                                       "portal_language")
    with transaction():
        customer = load_for_staff(actor, Customer, customer_id)
        for name, value in clean.items():
            setattr(customer, name, value)
        customer.search_text = search_text_of(customer)
        customer.updated_at = utcnow()
        customer.save()
        record(customer.organization_id, actor, "customer_updated", customer,
               customer_id=customer.id, fields=sorted(clean))
    return customer


def set_portal_language(actor: Actor, customer_id: int, language: str | None) -> Customer:
    """Set the language the customer's contacts see the portal and emails in."""
    return update_customer(actor, customer_id, portal_language=language)


def add_contact(actor: Actor, customer_id: int, *, first_name: str, last_name: str = "",
                email: str | None = None, phone: str = "", is_primary: bool = False,
                language: str | None = None, role: str | None = None) -> Contact:
    """Add a contact person to a customer (the first contact is always primary)."""
    data = _clean_contact({"first_name": first_name, "last_name": last_name, "email": email,
                           "phone": phone, "is_primary": is_primary, "language": language,
                           "role": role}, None)
    with transaction():
        customer = load_for_staff(actor, Customer, customer_id)
        contact = add_contact_locked(actor, customer, data)
    return contact


def add_contact_locked(actor: Actor, customer: Customer, data: dict) -> Contact:
    """Add a contact from cleaned fields (`clean_contact`) inside the caller's transaction."""
    _ensure_email_free(customer.id, data["email"], "email")
    has_contacts = Contact.select().where(Contact.customer == customer).exists()
    data["is_primary"] = data["is_primary"] or not has_contacts
    if data["is_primary"]:
        Contact.update(is_primary=False).where(Contact.customer == customer).execute()
    contact = Contact.create(organization=customer.organization_id, customer=customer, **data)
    _sync_customer_email(customer)
    record(customer.organization_id, actor, "contact_created", contact,
           customer_id=customer.id, email=data["email"], role=contact.role)
    return contact


def clean_contact(data: dict) -> dict:
    """A contact's fields validated (names, email, phone, primary flag, language, role)."""
    return _clean_contact(data, None)


def update_contact(actor: Actor, contact_id: int, **changes) -> Contact:
    """Change a contact's name, email, phone, language or primary flag (staff)."""
    allowed = {"first_name", "last_name", "email", "phone", "language", "is_primary", "role"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(N_("Unknown field: %(name)s."), name=sorted(unknown)[0])
    with transaction():
        contact = load_for_staff(actor, Contact, contact_id)
        merged = {f: getattr(contact, f) for f in allowed} | changes
        data = _clean_contact(merged, None)
        data = {k.split(".")[-1]: v for k, v in data.items()}
        _ensure_email_free(contact.customer_id, data["email"], "email", contact.id)
        if contact.email and data["email"] != contact.email and contact.portal_state in {
                "invited", "active"}:
            raise ValidationError(
                N_("Disable portal access before changing the email of a portal user."),
                field="email")
        if data["is_primary"] and not contact.is_primary:
            (Contact.update(is_primary=False)
             .where(Contact.customer == contact.customer_id).execute())
        elif not data["is_primary"] and contact.is_primary:
            raise ValidationError(N_("Make another contact primary instead."),
                                  field="is_primary")
        for name, value in data.items():
            setattr(contact, name, value)
        contact.updated_at = utcnow()
        contact.save()
        _sync_customer_email(contact.customer)
        record(contact.organization_id, actor, "contact_updated", contact,
               customer_id=contact.customer_id, fields=sorted(changes))
    return contact


# The invitation email states after which staff may correct the address and send again.
UNDELIVERED = ("failed", "cancelled")


def fix_email_and_reinvite(actor: Actor, contact_id: int, email: str) -> Contact:
    """Correct the address of an invited contact whose invitation email could not be delivered
    (failed or cancelled), then invite again: the old link dies, a new email goes out."""
    email = validation.email(email)
    with transaction():
        contact = load_for_staff(actor, Contact, contact_id)
        message = (OutboxMessage.get_or_none(OutboxMessage.id == contact.invitation_message_id)
                   if contact.invitation_message_id else None)
        if contact.portal_state != "invited" or message is None or (
                message.status not in UNDELIVERED):
            raise InvalidStateError(
                N_("Only an invitation whose email could not be delivered can be sent to a "
                   "corrected address."))
        _ensure_email_free(contact.customer_id, email, "email", contact.id)
        previous = contact.email
        contact.email = email
        contact.updated_at = utcnow()
        contact.save()
        _sync_customer_email(contact.customer)
        record(contact.organization_id, actor, "contact_email_fixed", contact,
               customer_id=contact.customer_id, previous=previous, email=email)
        invite_contact_locked(actor, contact)
    return contact


def _sync_customer_email(customer: Customer) -> None:
    primary = (Contact.select(Contact.email)
               .where(Contact.customer == customer.id, Contact.is_primary).first())
    customer.email = (primary.email if primary else "") or ""
    customer.search_text = search_text_of(customer)
    customer.save()

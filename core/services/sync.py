"""Upserts keyed by the business's own ids (`external_id`): what the integration API and the
console's import (core.importing) call to make Doorstep hold what the business's system holds.

Each `upsert_<kind>(actor, data)` takes the record as a plain dict (typed values: Decimal,
date, datetime, bool), creates it through the same core service the console uses, or compares
it with what is stored and changes only what differs. The same data twice writes nothing: no
row, no audit event, and `updated_at` stays.

With `natural_keys=True` (a spreadsheet import, where the old tool's ids may be missing) the
external_id is optional: a record without one, or whose external_id Doorstep does not know yet,
is matched on its natural key instead (a customer's email, else its unique name; a contact's
email, else its name within the customer; an item's SKU; a document's number; a payment's
reference on its invoice), and a record found that way takes the external_id it is given.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core import validation
from core.audit import Actor, record
from core.db import transaction
from core.errors import DoorstepError, InvalidStateError, PermissionDeniedError, ValidationError
from core.i18n import N_
from core.models import (
    Contact,
    Customer,
    Invoice,
    InvoiceLine,
    Item,
    Payment,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    TrackingEvent,
    utcnow,
)
from core.services import access, customers, payments, sales

CENT = Decimal("0.01")
BATCH_LIMIT = 500
ADDRESS_PARTS = ("street", "city", "postal_code", "region", "country")
# Statuses the API may set; "partially_paid" and "paid" follow from payments.
QUOTE_STATUSES = ("draft", "sent", "expired", "invoiced")
SALES_ORDER_STATUSES = ("draft", "confirmed", "closed", "void")
INVOICE_STATUSES = ("draft", "sent", "void")


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did: the record, and whether it was created or changed."""

    record: object
    created: bool
    changed: bool


def _external_id(value, field: str = "external_id") -> str:
    return validation.text(value, field, max_length=100, required=True)


def _find(model, organization_id: int, external_id: str):
    return model.get_or_none(model.organization == organization_id,
                             model.external_id == external_id)


def _referenced(model, organization_id: int, external_id, field: str):
    """The record another one points at by its external id; a clear error when missing."""
    row = _find(model, organization_id, _external_id(external_id, field))
    if row is None:
        raise ValidationError(N_("No record with this external_id."), field=field)
    return row


def _wanted_external_id(data: dict, natural_keys: bool) -> str | None:
    """The record's external_id: required, unless natural keys may match it instead."""
    if natural_keys:
        return validation.text(data.get("external_id"), "external_id", max_length=100) or None
    return _external_id(data.get("external_id"))


def _locate(model, organization_id: int, external_id: str | None, natural=None):
    """The stored record: by external_id, else by its natural key (`natural()`, imports)."""
    row = _find(model, organization_id, external_id) if external_id else None
    if row is None and natural is not None:
        row = natural()
        if row is not None and external_id and row.external_id not in (None, external_id):
            raise ValidationError(
                N_("This record already has another external_id in Doorstep: %(external_id)s."),
                field="external_id", external_id=row.external_id)
    return row


def _adopts(row, external_id: str | None) -> bool:
    """True when a record found by its natural key is to take the external_id it is given."""
    return external_id is not None and row.external_id != external_id


def _stamp(row, external_id: str | None) -> None:
    """Give a record its external id (None: keep its own) and a new updated_at (after a real
    change)."""
    now = utcnow()
    external_id = external_id or row.external_id
    type(row).update(external_id=external_id, updated_at=now).where(
        type(row).id == row.id).execute()
    row.external_id, row.updated_at = external_id, now


def _naive_utc(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def _organization_of(actor: Actor) -> int:
    """The organization an upsert writes into: the API key's (or staff member's)."""
    if actor.organization_id is None:
        raise PermissionDeniedError()
    return actor.organization_id


def _differences(row, wanted: dict, data: dict | None = None) -> dict:
    """The wanted values that differ from the row's; with `data` (an import's partial record),
    only those of fields the data names: what a file leaves out stays as it is."""
    return {name: value for name, value in wanted.items()
            if getattr(row, name) != value and (data is None or _given(data, name))}


def _given(data: dict, name: str) -> bool:
    kind, _, part = name.partition("_")
    if kind in ("billing", "shipping") and part in ADDRESS_PARTS:
        return isinstance(data.get(kind), dict) and part in data[kind]
    return name in data


# -- customers and contacts ------------------------------------------------------------------

def _clean_customer(data: dict) -> dict:
    clean = {
        "display_name": validation.text(data.get("display_name"), "display_name",
                                        max_length=200, required=True),
        "company_name": validation.text(data.get("company_name"), "company_name",
                                        max_length=200),
        "phone": validation.text(data.get("phone"), "phone", max_length=50),
        "payment_terms_days": validation.integer(data.get("payment_terms_days", 30),
                                                 "payment_terms_days", minimum=0, maximum=365),
        "portal_language": validation.language(data.get("portal_language"),
                                               "portal_language"),
    }
    for kind in ("billing", "shipping"):
        address = data.get(kind) or {}
        for part in ADDRESS_PARTS:
            name = f"{kind}_{part}"
            clean[name] = validation.text(address.get(part), f"{kind}.{part}",
                                          max_length=customers.ADDRESS_LIMITS[part])
    return clean


def _customer_by_email(organization_id: int, email: str | None):
    """The customer one of whose contacts has this email (emails are unique per organization)."""
    if not email:
        return None
    contact = Contact.get_or_none(Contact.organization == organization_id, Contact.email == email)
    return Customer.get_by_id(contact.customer_id) if contact else None


def _customer_by_name(organization_id: int, display_name: str):
    """The one customer with exactly this name (none when several share it)."""
    found = list(Customer.select().where(Customer.organization == organization_id,
                                         Customer.display_name == display_name).limit(2))
    return found[0] if len(found) == 1 else None


def upsert_customer(actor: Actor, data: dict, *, natural_keys: bool = False) -> UpsertResult:
    """Create or update the customer with this external_id (`natural_keys`: else the one with
    this `email`, else the one with this name)."""
    org_id = _organization_of(actor)
    external_id = _wanted_external_id(data, natural_keys)
    wanted = _clean_customer(data)
    currency = data.get("currency")
    natural = None
    if natural_keys:
        email = validation.email(data.get("email"), "email", required=False)

        def natural():
            return (_customer_by_email(org_id, email)
                    or _customer_by_name(org_id, wanted["display_name"]))
    with transaction():
        row = _locate(Customer, org_id, external_id, natural)
        if row is None:
            customer = customers.create_customer(actor, currency=currency, **wanted)
            if external_id:
                _stamp(customer, external_id)
            return UpsertResult(customer, True, True)
        if currency and validation.currency(currency) != row.currency:
            raise ValidationError(N_("The currency cannot change once documents may use it."),
                                  field="currency")
        changes = _differences(row, wanted, data if natural_keys else None)
        if not changes and not _adopts(row, external_id):
            return UpsertResult(row, False, False)
        customer = customers.update_customer(actor, row.id, **changes) if changes else row
        if _adopts(row, external_id):
            _stamp(customer, external_id)
        return UpsertResult(customer, False, True)


def _contact_by_email_or_name(customer, email: str | None, first_name: str, last_name: str):
    """The contact with this email in the organization, else with this name at the customer."""
    if email:
        return Contact.get_or_none(Contact.organization == customer.organization_id,
                                   Contact.email == email)
    return (Contact.select().where(Contact.customer == customer.id,
                                   Contact.first_name == first_name,
                                   Contact.last_name == last_name, Contact.email.is_null())
            .order_by(Contact.id).first())


def _texts(values) -> set[str]:
    return {value.strip() for value in values if isinstance(value, str) and value.strip()
            and "\x00" not in value}


def _existing(column, organization_id: int, wanted: set[str]) -> set[str]:
    """The values of `wanted` some row of the organization has in `column`."""
    model, found, wanted_list = column.model, set(), sorted(wanted)
    for start in range(0, len(wanted_list), 500):  # SQLite's bound parameters: stay small
        found |= {row[0] for row in model.select(column).where(
            model.organization == organization_id,
            column.in_(wanted_list[start:start + 500])).tuples()}
    return found


def new_customers(actor: Actor, records: list[tuple[dict, list[dict]]]) -> set[int]:
    """The indexes of the records (a customer's data, its contacts' data) that nothing stored
    matches, on external_id or natural key: those `create_customers` may write set-based."""
    org_id = _organization_of(actor)
    customer_ids = _existing(Customer.external_id, org_id,
                             _texts(data.get("external_id") for data, _c in records))
    names = _existing(Customer.display_name, org_id,
                      _texts(data.get("display_name") for data, _c in records))
    contact_ids = _existing(Contact.external_id, org_id, _texts(
        c.get("external_id") for _d, contacts in records for c in contacts))
    emails = _existing(Contact.email, org_id, {e.lower() for e in _texts(
        c.get("email") for _d, contacts in records for c in contacts)})
    # A name twice in the batch: one by one, so that the second finds the first by its name.
    seen: dict[str, int] = {}
    for data, _contacts in records:
        name = str(data.get("display_name") or "").strip()
        seen[name] = seen.get(name, 0) + 1
    names |= {name for name, count in seen.items() if count > 1}
    new = set()
    for index, (data, contacts) in enumerate(records):
        if (str(data.get("external_id") or "").strip() in customer_ids
                or str(data.get("display_name") or "").strip() in names
                or any(str(c.get("external_id") or "").strip() in contact_ids
                       or str(c.get("email") or "").strip().lower() in emails
                       for c in contacts)):
            continue
        new.add(index)
    return new


def create_customers(actor: Actor, records: list[tuple[dict, list[dict]]]
                     ) -> list[tuple[Customer, list[Contact]]]:
    """Create many new customers with their contacts at once (`new_customers` found them new):
    the values `upsert_customer` and `upsert_contact` would create, through
    customers.create_customers_many; all or none."""
    specs = []
    for data, contacts in records:
        specs.append({**_clean_customer(data), "currency": data.get("currency"),
                      "external_id": _wanted_external_id(data, True),
                      "contacts": [{**c, "external_id": _wanted_external_id(c, True)}
                                   for c in contacts]})
    made = customers.create_customers_many(actor, specs)
    by_customer: dict[int, list[Contact]] = {customer.id: [] for customer in made}
    ids = list(by_customer)
    for start in range(0, len(ids), 500):
        for contact in (Contact.select().where(Contact.customer.in_(ids[start:start + 500]))
                        .order_by(Contact.id)):
            by_customer[contact.customer_id].append(contact)
    return [(customer, by_customer[customer.id]) for customer in made]


def upsert_contact(actor: Actor, data: dict, *, customer=None,
                   natural_keys: bool = False) -> UpsertResult:
    """Create or update a contact; `portal_access` true invites it, false disables it, exactly
    as "Configure customer portal" does (absent: access is left as it is). `customer`: the
    customer it belongs to, when the caller has it already (an import's row)."""
    org_id = _organization_of(actor)
    external_id = _wanted_external_id(data, natural_keys)
    wanted: dict[str, Any] = {
        "first_name": validation.text(data.get("first_name"), "first_name", max_length=100,
                                      required=True),
        "last_name": validation.text(data.get("last_name"), "last_name", max_length=100),
        "email": validation.email(data.get("email"), "email", required=False),
        "phone": validation.text(data.get("phone"), "phone", max_length=50),
        "is_primary": bool(data.get("is_primary")),
        "language": validation.language(data.get("language"), "language"),
    }
    if "role" in data:  # absent: a new contact gets the default (full), an old one keeps its
        wanted["role"] = customers.clean_role(data["role"])
    portal_access = data.get("portal_access")
    with transaction():
        if customer is None or customer.organization_id != org_id:
            customer = _referenced(Customer, org_id, data.get("customer_external_id"),
                                   "customer_external_id")
        natural = None
        if natural_keys:

            def natural():
                return _contact_by_email_or_name(customer, wanted["email"],
                                                 wanted["first_name"], wanted["last_name"])
        row = _locate(Contact, org_id, external_id, natural)
        created = row is None
        if created:
            contact = customers.add_contact(actor, customer.id, **wanted)
            changed = True
        else:
            if row.customer_id != customer.id:
                raise ValidationError(N_("A contact cannot move to another customer."),
                                      field="customer_external_id")
            changes = _differences(row, wanted, data if natural_keys else None)
            if changes.get("is_primary") is False:
                changes.pop("is_primary")  # a contact stops being primary when another starts
            contact = customers.update_contact(actor, row.id, **changes) if changes else row
            changed = bool(changes) or _adopts(row, external_id)
        if portal_access is True and contact.portal_state in {"not_invited", "disabled"}:
            contact = access.invite_contact(actor, contact.id)
            changed = True
        elif portal_access is False and contact.portal_state in {"invited", "active"}:
            contact = access.disable_contact(actor, contact.id)
            changed = True
        if changed:
            _stamp(contact, external_id)
        # Read back only after a write (an unchanged contact is as it was read).
        return UpsertResult(Contact.get_by_id(contact.id) if changed else contact, created,
                            changed)


# -- items ---------------------------------------------------------------------------------

def upsert_item(actor: Actor, data: dict, *, natural_keys: bool = False) -> UpsertResult:
    """Create or update a catalogue item (`natural_keys`: matched on its SKU without an
    external_id)."""
    org_id = _organization_of(actor)
    external_id = _wanted_external_id(data, natural_keys)
    wanted: dict[str, Any] = {
        "sku": validation.text(data.get("sku"), "sku", max_length=64, required=True),
        "name": validation.text(data.get("name"), "name", max_length=200, required=True),
        "unit": validation.text(data.get("unit") or "pcs", "unit", max_length=20, required=True),
        "rate": validation.amount(data.get("rate"), "rate"),
        "stock_on_hand": validation.integer(data.get("stock_on_hand", 0), "stock_on_hand",
                                            minimum=-10**9, maximum=10**9),
    }
    natural = None
    if natural_keys:

        def natural():
            return Item.get_or_none(Item.organization == org_id, Item.sku == wanted["sku"])
    with transaction():
        row = _locate(Item, org_id, external_id, natural)
        if row is None:
            item = sales.create_item(actor, wanted["sku"], wanted["name"], wanted["rate"],
                                     unit=wanted["unit"], stock_on_hand=wanted["stock_on_hand"])
            if external_id:
                _stamp(item, external_id)
            return UpsertResult(item, True, True)
        changes = _differences(row, wanted, data if natural_keys else None)
        if not changes and not _adopts(row, external_id):
            return UpsertResult(row, False, False)
        item = sales.update_item(actor, row.id, **changes) if changes else row
        if _adopts(row, external_id):
            _stamp(item, external_id)
        return UpsertResult(item, False, True)


# -- quotes, sales orders, invoices ----------------------------------------------------------

DOCUMENTS = {
    "quote": (Quote, QuoteLine, "quote", QUOTE_STATUSES),
    "sales_order": (SalesOrder, SalesOrderLine, "sales_order", SALES_ORDER_STATUSES),
    "invoice": (Invoice, InvoiceLine, "invoice", INVOICE_STATUSES),
}


class _Known:
    """Rows a batch of documents refers to, read up front in a few queries instead of a few
    per record. A record written during the batch is forgotten here and read again if another
    record of the same batch names it."""

    def __init__(self, kind: str, organization_id: int, records: list):
        model, line_model, owner_field, _statuses = DOCUMENTS[kind]
        dicts = [r for r in records if isinstance(r, dict)]

        def ids(values):
            # Only ids that pass validation reach the database (PostgreSQL refuses a NUL in
            # a parameter); an invalid one is refused record by record as before.
            valid = set()
            for value in values:
                try:
                    valid.add(_external_id(value))
                except ValidationError:
                    pass
            return valid

        def by_external_id(row_model, wanted):
            found = {external_id: None for external_id in wanted}
            for start in range(0, len(wanted), 500):  # SQLite's bound parameters: stay small
                chunk = list(wanted)[start:start + 500]
                for row in row_model.select().where(row_model.organization == organization_id,
                                                    row_model.external_id.in_(chunk)):
                    found[row.external_id] = row
            return found

        self.rows = {
            Customer: by_external_id(Customer, ids(r.get("customer_external_id") for r in dicts)),
            model: by_external_id(model, ids(r.get("external_id") for r in dicts)),
            Item: by_external_id(Item, ids(
                line.get("item_external_id") for r in dicts
                if isinstance(r.get("lines"), list)
                for line in r["lines"] if isinstance(line, dict))),
        }
        documents = [row.id for row in self.rows[model].values() if row is not None]
        self.lines: dict[int, list[dict]] = {document_id: [] for document_id in documents}
        if documents:
            owner = getattr(line_model, owner_field)
            for line in (line_model.select().where(owner.in_(documents))
                         .order_by(owner, line_model.position, line_model.id)):
                self.lines[getattr(line, f"{owner_field}_id")].append(
                    {"description": line.description, "quantity": line.quantity,
                     "rate": line.rate, "item": line.item_id})

    def find(self, model, organization_id: int, external_id: str):
        """The row with this external_id (from the batch's reads when known)."""
        known = self.rows.get(model, {})
        if external_id in known:
            return known[external_id]
        return _find(model, organization_id, external_id)

    def forget(self, model, external_id: str, document_id: int | None) -> None:
        """A record was written: read it again next time."""
        self.rows.get(model, {}).pop(external_id, None)
        if document_id is not None:
            self.lines.pop(document_id, None)


def _known_or_read(known: "_Known | None", model, org_id: int, external_id, field: str):
    if known is None:
        return _referenced(model, org_id, external_id, field)
    row = known.find(model, org_id, _external_id(external_id, field))
    if row is None:
        raise ValidationError(N_("No record with this external_id."), field=field)
    return row


def _clean_document_lines(org_id: int, lines, known: "_Known | None" = None) -> list[dict]:
    if not isinstance(lines, list) or not lines:
        raise ValidationError(N_("Add at least one line."), field="lines")
    prepared = []
    for i, line in enumerate(lines):
        item_id = None
        if line.get("item_external_id"):
            item_id = _known_or_read(known, Item, org_id, line["item_external_id"],
                                     f"lines.{i}.item_external_id").id
        prepared.append({"description": line.get("description"),
                         "quantity": line.get("quantity", 1), "rate": line.get("rate"),
                         "item_id": item_id})
    return sales._clean_lines(prepared)


def _line_signature(lines) -> list[tuple]:
    return [(line["description"], Decimal(line["quantity"]).normalize(),
             Decimal(line["rate"]).quantize(CENT), line["item"]) for line in lines]


def _stored_lines(line_model, owner_field: str, document_id: int) -> list[dict]:
    return [{"description": line.description, "quantity": line.quantity, "rate": line.rate,
             "item": line.item_id}
            for line in line_model.select().where(getattr(line_model, owner_field) == document_id)
            .order_by(line_model.position, line_model.id)]


def _document_header(kind: str, data: dict, org_id: int) -> dict:
    header = {
        "number": validation.text(data.get("number"), "number", max_length=40, required=True),
        "notes": validation.text(data.get("notes"), "notes", max_length=5000),
    }
    if kind == "quote":
        header["issue_date"] = _date(data, "issue_date", required=True)
        header["expiry_date"] = _date(data, "expiry_date")
    elif kind == "sales_order":
        header["order_date"] = _date(data, "order_date", required=True)
        header["expected_shipment_date"] = _date(data, "expected_shipment_date")
    else:
        header["issue_date"] = _date(data, "issue_date", required=True)
        header["due_date"] = _date(data, "due_date")
    return header


def _date(data: dict, field: str, required: bool = False):
    value = data.get(field)
    if value is None:
        if required:
            raise ValidationError(N_("This field is required."), field=field)
        return None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationError(N_("The input is not valid."), field=field)
    return value


def _wanted_status(kind: str, data: dict) -> str:
    statuses = DOCUMENTS[kind][3]
    status = data.get("status") or statuses[1]
    if status not in statuses:
        raise ValidationError(N_("The input is not valid."), field="status")
    return status


def _stored_status(kind: str, document) -> str:
    # An invoice with payments on it is still "sent" as far as the business's system is
    # concerned; its balance tells the rest.
    if kind == "invoice" and document.status in {"partially_paid", "paid"}:
        return "sent"
    # A quote the contact accepted or declined keeps the contact's answer.
    if kind == "quote" and document.status in {"accepted", "declined"}:
        return "sent"
    return document.status


def _document_customer(known: "_Known | None", org_id: int, data: dict, natural_keys: bool):
    """The customer a document names: by customer_external_id, or (`natural_keys`) by the
    email of one of its contacts in customer_email."""
    if natural_keys and not data.get("customer_external_id"):
        email = validation.email(data.get("customer_email"), "customer_email", required=False)
        if not email:
            raise ValidationError(N_("Name the customer by its external_id or email."),
                                  field="customer_external_id")
        customer = _customer_by_email(org_id, email)
        if customer is None:
            raise ValidationError(N_("No customer has a contact with this email."),
                                  field="customer_email")
        return customer
    return _known_or_read(known, Customer, org_id, data.get("customer_external_id"),
                          "customer_external_id")


def upsert_document(actor: Actor, kind: str, data: dict, known: _Known | None = None, *,
                    natural_keys: bool = False) -> UpsertResult:
    """Create or update a quote, sales order or invoice with its lines, taxes and status
    (`known`: the batch's rows read up front; `natural_keys`: matched on its number without
    an external_id)."""
    model, line_model, owner_field, _statuses = DOCUMENTS[kind]
    org_id = _organization_of(actor)
    external_id = _wanted_external_id(data, natural_keys)
    header = _document_header(kind, data, org_id)
    status = _wanted_status(kind, data)
    tax_rate = sales._number(data.get("tax_rate", Decimal("0")), "tax_rate")
    with transaction():
        customer = _document_customer(known, org_id, data, natural_keys)
        lines = _clean_document_lines(org_id, data.get("lines"), known)
        totals = sales._totals(lines, tax_rate)
        if known is not None and external_id is not None:
            row = known.find(model, org_id, external_id)
        else:
            natural = None
            if natural_keys:

                def natural():
                    return model.get_or_none(model.organization == org_id,
                                             model.number == header["number"])
            row = _locate(model, org_id, external_id, natural)
        if row is None:
            if known is not None and external_id is not None:
                known.forget(model, external_id, None)
            document = _create_document(actor, kind, customer, header, lines, status, tax_rate)
            if external_id:
                _stamp(document, external_id)
            return UpsertResult(document, True, True)
        if row.customer_id != customer.id:
            raise ValidationError(N_("A document cannot move to another customer."),
                                  field="customer_external_id")
        changes = _differences(row, {**header, "tax_total": totals["tax_total"]})
        if kind == "invoice" and header["due_date"] is None:
            changes.pop("due_date", None)  # absent: the due date the terms gave it stays
        stored = (known.lines.get(row.id) if known else None)
        if stored is None:
            stored = _stored_lines(line_model, owner_field, row.id)
        lines_changed = _line_signature(lines) != _line_signature(stored)
        status_changed = status != _stored_status(kind, row)
        if not (changes or lines_changed or status_changed or _adopts(row, external_id)):
            return UpsertResult(row, False, False)
        if known is not None and external_id is not None:
            known.forget(model, external_id, row.id)
        if changes or lines_changed:
            _replace_content(actor, kind, row, header, lines, totals,
                             sorted(changes) + (["lines"] if lines_changed else []))
        if status_changed:
            _change_status(actor, kind, model.get_by_id(row.id), status)
        document = model.get_by_id(row.id)
        _stamp(document, external_id)
        return UpsertResult(document, False, True)


def _create_document(actor, kind, customer, header, lines, status, tax_rate):
    raw_lines = [{"description": line["description"], "quantity": line["quantity"],
                  "rate": line["rate"], "item_id": line["item"]} for line in lines]
    if kind == "quote":
        return sales.create_quote(actor, customer.id, header["number"], raw_lines,
                                  issue_date=header["issue_date"],
                                  expiry_date=header["expiry_date"], status=status,
                                  tax_rate=tax_rate, notes=header["notes"])
    if kind == "sales_order":
        order = sales.create_sales_order(actor, customer.id, header["number"], raw_lines,
                                         order_date=header["order_date"],
                                         expected_shipment_date=header["expected_shipment_date"],
                                         status=status, tax_rate=tax_rate)
        if header["notes"]:
            SalesOrder.update(notes=header["notes"]).where(SalesOrder.id == order.id).execute()
        return order
    return sales.create_invoice(actor, customer.id, header["number"], raw_lines,
                                issue_date=header["issue_date"], due_date=header["due_date"],
                                status=status, tax_rate=tax_rate, notes=header["notes"])


def _replace_content(actor, kind, document, header, lines, totals, fields) -> None:
    """Put new header fields, lines and totals on a document (inside the transaction)."""
    model, line_model, owner_field, _statuses = DOCUMENTS[kind]
    if header["number"] != document.number and model.select().where(
            model.organization == document.organization_id,
            model.number == header["number"]).exists():
        raise ValidationError(N_("This number is already used."), field="number")
    if kind == "sales_order" and (SalesOrderLine.select()
                                  .where(SalesOrderLine.sales_order == document.id,
                                         SalesOrderLine.quantity_shipped > 0).exists()
                                  and "lines" in fields):
        raise InvalidStateError(N_("This action is not possible in the record's current state."))
    for name, value in header.items():
        if not (kind == "invoice" and name == "due_date" and value is None):
            setattr(document, name, value)
    old_total = document.total
    document.subtotal, document.tax_total = totals["subtotal"], totals["tax_total"]
    document.total = totals["total"]
    if kind == "invoice" and document.status in payments.PAYABLE_STATUSES + ("paid",):
        paid = old_total - document.balance
        balance = (document.total - paid).quantize(CENT, ROUND_HALF_UP)
        if balance < 0:
            raise ValidationError(N_("The new total is less than what was paid."),
                                  field="lines")
        Customer.add_to_outstanding(document.customer_id, balance - document.balance)
        document.balance = balance
        document.status = ("sent" if paid == 0 else "paid" if balance == 0
                           else "partially_paid")
    document.save()
    line_model.delete().where(getattr(line_model, owner_field) == document.id).execute()
    line_model.insert_many([{**line, owner_field: document.id} for line in lines]).execute()
    record(document.organization_id, actor, f"{kind}_updated", document,
           customer_id=document.customer_id, number=document.number, fields=fields)


def _change_status(actor, kind, document, status) -> None:
    if kind == "invoice":
        if status == "sent":
            sales.send_invoice(actor, document.id)
        elif status == "void":
            sales.void_invoice(actor, document.id)
        else:
            raise InvalidStateError(N_("This action is not possible in the record's current "
                                       "state."), field="status")
        return
    was = document.status
    document.status = status
    document.save()
    record(document.organization_id, actor, f"{kind}_status_changed", document,
           customer_id=document.customer_id, number=document.number, was=was, status=status)


def upsert_quote(actor: Actor, data: dict) -> UpsertResult:
    """Create or update a quote."""
    return upsert_document(actor, "quote", data)


def upsert_sales_order(actor: Actor, data: dict) -> UpsertResult:
    """Create or update a sales order."""
    return upsert_document(actor, "sales_order", data)


def upsert_invoice(actor: Actor, data: dict) -> UpsertResult:
    """Create or update an invoice (status draft, sent or void; payments make it paid)."""
    return upsert_document(actor, "invoice", data)


# -- shipments -----------------------------------------------------------------------------

def _shipment_packages(org_id: int, packages) -> list[dict] | None:
    """The body's packages with their lines' items found by external id (None: absent)."""
    if packages is None:
        return None
    if not isinstance(packages, list):
        raise ValidationError(N_("The input is not valid."), field="packages")
    raw = []
    for i, package in enumerate(packages):
        lines = []
        for j, line in enumerate(package.get("lines") or []):
            item = None
            if line.get("item_external_id"):
                item = _referenced(Item, org_id, line["item_external_id"],
                                   f"packages.{i}.lines.{j}.item_external_id")
            lines.append({**line, "item_id": item.id if item else None,
                          "description": line.get("description") or (item.name if item
                                                                      else None)})
        raw.append({**package, "lines": lines})
    return sales.clean_packages(raw)


def upsert_shipment(actor: Actor, data: dict) -> UpsertResult:
    """Create or update a shipment of a sales order with its packages and tracking events.

    Lines name the sales order's lines by position (0 = first); without lines, everything not
    shipped yet is packed. `packages` (each with its carrier, tracking number, weight and
    lines) replace the stored ones when they differ; absent, they stay as they are. Tracking
    events are added when new (same status and time: known); events are never removed.
    """
    org_id = _organization_of(actor)
    external_id = _external_id(data.get("external_id"))
    number = validation.text(data.get("number"), "number", max_length=40, required=True)
    carrier = validation.text(data.get("carrier"), "carrier", max_length=60)
    tracking_number = validation.text(data.get("tracking_number"), "tracking_number",
                                      max_length=80)
    events = []
    for i, event in enumerate(data.get("tracking_events") or []):
        if event.get("status") not in sales.SHIPMENT_STATUSES:
            raise ValidationError(N_("Unknown shipment status."),
                                  field=f"tracking_events.{i}.status")
        occurred_at = _naive_utc(event.get("occurred_at"))
        if not isinstance(occurred_at, datetime.datetime):
            raise ValidationError(N_("This field is required."),
                                  field=f"tracking_events.{i}.occurred_at")
        events.append((occurred_at, event["status"],
                       validation.text(event.get("location"), f"tracking_events.{i}.location",
                                       max_length=120),
                       validation.text(event.get("description"),
                                       f"tracking_events.{i}.description", max_length=300)))
    events.sort()
    with transaction():
        order = _referenced(SalesOrder, org_id, data.get("sales_order_external_id"),
                            "sales_order_external_id")
        packages = _shipment_packages(org_id, data.get("packages"))
        row = _find(Shipment, org_id, external_id)
        created = row is None
        if created:
            quantities = None
            if data.get("lines"):
                order_lines = list(SalesOrderLine.select()
                                   .where(SalesOrderLine.sales_order == order.id)
                                   .order_by(SalesOrderLine.position, SalesOrderLine.id))
                quantities = {line.id: Decimal("0") for line in order_lines}
                for i, line in enumerate(data["lines"]):
                    position = line.get("line")
                    if not isinstance(position, int) or not 0 <= position < len(order_lines):
                        raise ValidationError(N_("No record with this external_id."),
                                              field=f"lines.{i}.line")
                    quantities[order_lines[position].id] = sales._number(
                        line.get("quantity"), f"lines.{i}.quantity")
            shipment = sales.create_shipment(actor, order.id, number, quantities, carrier=carrier,
                                             tracking_number=tracking_number)
            if events:
                # Packed before the first event the business's system reports, not "now".
                (TrackingEvent.update(occurred_at=min(events[0][0], utcnow()))
                 .where(TrackingEvent.shipment == shipment.id).execute())
            changed = True
        else:
            shipment = row
            if row.sales_order_id != order.id:
                raise ValidationError(N_("A document cannot move to another customer."),
                                      field="sales_order_external_id")
            changes = _differences(row, {"number": number, "carrier": carrier,
                                         "tracking_number": tracking_number})
            if "number" in changes and Shipment.select().where(
                    Shipment.organization == org_id, Shipment.number == number).exists():
                raise ValidationError(N_("This number is already used."), field="number")
            for name, value in changes.items():
                setattr(shipment, name, value)
            if changes:
                shipment.save()
            changed = bool(changes)
        known = {(e.occurred_at, e.status) for e in
                 TrackingEvent.select(TrackingEvent.occurred_at, TrackingEvent.status)
                 .where(TrackingEvent.shipment == shipment.id)}
        new_events = [e for e in events if (e[0], e[1]) not in known]
        for occurred_at, status, location, description in new_events:
            sales.add_tracking_event_locked(shipment, status, occurred_at, location, description)
        packed = packages is not None and sales.replace_packages_locked(shipment, packages)
        if (changed and not created) or new_events or (packed and not created):
            record(org_id, actor, "shipment_updated", shipment,
                   customer_id=shipment.customer_id, number=shipment.number,
                   tracking_events=len(new_events), packages=packed)
        changed = changed or bool(new_events) or packed
        if changed:
            _stamp(shipment, external_id)
        return UpsertResult(Shipment.get_by_id(shipment.id), created, changed)


# -- payments received elsewhere -------------------------------------------------------------

PAYMENT_STATUSES = ("succeeded", "void")


def _payment_invoice(org_id: int, data: dict, natural_keys: bool):
    """The invoice a payment is for: by invoice_external_id, or (`natural_keys`) by number."""
    if natural_keys and not data.get("invoice_external_id"):
        number = validation.text(data.get("invoice_number"), "invoice_number", max_length=40)
        if not number:
            raise ValidationError(N_("Name the invoice by its external_id or number."),
                                  field="invoice_number")
        invoice = Invoice.get_or_none(Invoice.organization == org_id, Invoice.number == number)
        if invoice is None:
            raise ValidationError(N_("No invoice has this number."), field="invoice_number")
        return invoice
    return _referenced(Invoice, org_id, data.get("invoice_external_id"), "invoice_external_id")


def upsert_payment(actor: Actor, data: dict, *, natural_keys: bool = False) -> UpsertResult:
    """Record a payment received outside the portal (`natural_keys`: matched by reference on its
    invoice when it has no external_id), or correct it (amount, date, reference, method, the
    invoice it pays), or void it (`status` "void": its invoice owes the amount again, once)."""
    org_id = _organization_of(actor)
    external_id = _wanted_external_id(data, natural_keys)
    amount = validation.amount(data.get("amount"))
    method = data.get("method") or "bank_transfer"
    reference = validation.text(data.get("reference"), "reference", max_length=100)
    if external_id is None and not reference:
        raise ValidationError(N_("Give the payment an external_id or a reference, so that "
                                 "importing it again does not record it twice."),
                              field="reference")
    paid_at = _naive_utc(data.get("paid_at"))
    status = data.get("status") or "succeeded"
    if status not in PAYMENT_STATUSES:
        raise ValidationError(N_("The input is not valid."), field="status")
    with transaction():
        invoice = _payment_invoice(org_id, data, natural_keys)
        natural = None
        if natural_keys:

            def natural():
                return (Payment.select().where(Payment.invoice == invoice.id,
                                               Payment.reference == reference,
                                               Payment.status != "void")
                        .order_by(Payment.id).first())
        row = _locate(Payment, org_id, external_id, natural)
        if row is None:
            # The external id is there from the start: payment.recorded names it.
            payment = payments.record_offline_payment(actor, invoice.id, amount, method=method,
                                                       reference=reference, paid_at=paid_at,
                                                       external_id=external_id)
            if status == "void":
                payment = payments.void_offline_payment(actor, payment.id)
            _stamp(payment, external_id)
            return UpsertResult(payment, True, True)
        if row.status == "void":
            if status == "void":
                return UpsertResult(row, False, False)
            raise InvalidStateError(N_("This payment was voided; record a new one instead."),
                                    field="status")
        if status == "void":
            payment = payments.void_offline_payment(actor, row.id)
        else:
            same = (row.invoice_id == invoice.id and row.amount == amount
                    and row.method == method and row.reference == reference
                    and (paid_at is None or row.paid_at == paid_at))
            if same:
                if _adopts(row, external_id):
                    _stamp(row, external_id)
                    return UpsertResult(row, False, True)
                return UpsertResult(row, False, False)
            payment = payments.update_offline_payment(
                actor, row.id, invoice_id=invoice.id, amount=amount, method=method,
                reference=reference, paid_at=paid_at)
        _stamp(payment, external_id)
        return UpsertResult(payment, False, True)


UPSERTS = {
    "customers": upsert_customer,
    "contacts": upsert_contact,
    "items": upsert_item,
    "quotes": upsert_quote,
    "sales_orders": upsert_sales_order,
    "invoices": upsert_invoice,
    "shipments": upsert_shipment,
    "payments": upsert_payment,
}


@dataclass(frozen=True)
class BatchError:
    """Why one record of a batch was refused."""

    index: int
    field: str | None
    error: DoorstepError


def upsert_batch(actor: Actor, kind: str, records: list[dict]) -> list[UpsertResult]:
    """Upsert up to BATCH_LIMIT records in one transaction: all of them, or none.

    Raises BatchRefusedError listing every record that failed (index and field).
    """
    if len(records) > BATCH_LIMIT:
        raise ValidationError(N_("Send at most %(count)d records at a time."), field="records",
                              count=BATCH_LIMIT)
    upsert = UPSERTS[kind]
    document_kind = {"quotes": "quote", "sales_orders": "sales_order",
                     "invoices": "invoice"}.get(kind)
    results, errors = [], []
    with transaction() as txn:
        known = (_Known(document_kind, _organization_of(actor), records) if document_kind
                 else None)
        for index, data in enumerate(records):
            try:
                with transaction():  # a savepoint: one bad record does not hide the next
                    if known is not None and document_kind is not None:
                        results.append(upsert_document(actor, document_kind, data, known))
                    else:
                        results.append(upsert(actor, data))
            except DoorstepError as error:
                errors.append(BatchError(index, error.field, error))
        if errors:
            txn.rollback()
            raise BatchRefusedError(errors)
    return results


class BatchRefusedError(ValidationError):
    """Some records of a batch were invalid; nothing of the batch was written."""

    message = N_("The input is not valid.")

    def __init__(self, errors: list[BatchError]):
        self.errors = errors
        super().__init__(field="records")

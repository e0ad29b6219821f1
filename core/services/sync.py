"""Upserts keyed by the business's own ids (`external_id`): what the integration API, and later
the console's import, call to make Doorstep hold what the business's system holds.

Each `upsert_<kind>(actor, data)` takes the record as a plain dict (typed values: Decimal,
date, datetime, bool), creates it through the same core service the console uses, or compares
it with what is stored and changes only what differs. The same data twice writes nothing: no
row, no audit event, and `updated_at` stays.
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


def _stamp(row, external_id: str) -> None:
    """Give a record its external id and a new updated_at (after a real change)."""
    now = utcnow()
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


def _differences(row, wanted: dict) -> dict:
    return {name: value for name, value in wanted.items() if getattr(row, name) != value}


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


def upsert_customer(actor: Actor, data: dict) -> UpsertResult:
    """Create or update the customer with this external_id."""
    org_id = _organization_of(actor)
    external_id = _external_id(data.get("external_id"))
    wanted = _clean_customer(data)
    currency = data.get("currency")
    with transaction():
        row = _find(Customer, org_id, external_id)
        if row is None:
            customer = customers.create_customer(actor, currency=currency, **wanted)
            _stamp(customer, external_id)
            return UpsertResult(customer, True, True)
        if currency and validation.currency(currency) != row.currency:
            raise ValidationError(N_("The currency cannot change once documents may use it."),
                                  field="currency")
        changes = _differences(row, wanted)
        if not changes:
            return UpsertResult(row, False, False)
        customer = customers.update_customer(actor, row.id, **changes)
        return UpsertResult(customer, False, True)


def upsert_contact(actor: Actor, data: dict) -> UpsertResult:
    """Create or update a contact; `portal_access` true invites it, false disables it, exactly
    as "Configure customer portal" does (absent: access is left as it is)."""
    org_id = _organization_of(actor)
    external_id = _external_id(data.get("external_id"))
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
        customer = _referenced(Customer, org_id, data.get("customer_external_id"),
                               "customer_external_id")
        row = _find(Contact, org_id, external_id)
        created = row is None
        if created:
            contact = customers.add_contact(actor, customer.id, **wanted)
            changed = True
        else:
            if row.customer_id != customer.id:
                raise ValidationError(N_("A contact cannot move to another customer."),
                                      field="customer_external_id")
            changes = _differences(row, wanted)
            if changes.get("is_primary") is False:
                changes.pop("is_primary")  # a contact stops being primary when another starts
            contact = customers.update_contact(actor, row.id, **changes) if changes else row
            changed = bool(changes)
        if portal_access is True and contact.portal_state in {"not_invited", "disabled"}:
            contact = access.invite_contact(actor, contact.id)
            changed = True
        elif portal_access is False and contact.portal_state in {"invited", "active"}:
            contact = access.disable_contact(actor, contact.id)
            changed = True
        if changed:
            _stamp(contact, external_id)
        return UpsertResult(Contact.get_by_id(contact.id), created, changed)


# -- items ---------------------------------------------------------------------------------

def upsert_item(actor: Actor, data: dict) -> UpsertResult:
    """Create or update a catalogue item."""
    org_id = _organization_of(actor)
    external_id = _external_id(data.get("external_id"))
    wanted: dict[str, Any] = {
        "sku": validation.text(data.get("sku"), "sku", max_length=64, required=True),
        "name": validation.text(data.get("name"), "name", max_length=200, required=True),
        "unit": validation.text(data.get("unit") or "pcs", "unit", max_length=20, required=True),
        "rate": validation.amount(data.get("rate"), "rate"),
        "stock_on_hand": validation.integer(data.get("stock_on_hand", 0), "stock_on_hand",
                                            minimum=-10**9, maximum=10**9),
    }
    with transaction():
        row = _find(Item, org_id, external_id)
        if row is None:
            item = sales.create_item(actor, wanted["sku"], wanted["name"], wanted["rate"],
                                     unit=wanted["unit"], stock_on_hand=wanted["stock_on_hand"])
            _stamp(item, external_id)
            return UpsertResult(item, True, True)
        changes = _differences(row, wanted)
        if not changes:
            return UpsertResult(row, False, False)
        return UpsertResult(sales.update_item(actor, row.id, **changes), False, True)


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


def upsert_document(actor: Actor, kind: str, data: dict,
                    known: _Known | None = None) -> UpsertResult:
    """Create or update a quote, sales order or invoice with its lines, taxes and status
    (`known`: the batch's rows read up front)."""
    model, line_model, owner_field, _statuses = DOCUMENTS[kind]
    org_id = _organization_of(actor)
    external_id = _external_id(data.get("external_id"))
    header = _document_header(kind, data, org_id)
    status = _wanted_status(kind, data)
    tax_rate = sales._number(data.get("tax_rate", Decimal("0")), "tax_rate")
    with transaction():
        customer = _known_or_read(known, Customer, org_id, data.get("customer_external_id"),
                                  "customer_external_id")
        lines = _clean_document_lines(org_id, data.get("lines"), known)
        totals = sales._totals(lines, tax_rate)
        row = known.find(model, org_id, external_id) if known else _find(model, org_id,
                                                                          external_id)
        if row is None:
            if known is not None:
                known.forget(model, external_id, None)
            document = _create_document(actor, kind, customer, header, lines, status, tax_rate)
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
        if not (changes or lines_changed or status_changed):
            return UpsertResult(row, False, False)
        if known is not None:
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

def upsert_shipment(actor: Actor, data: dict) -> UpsertResult:
    """Create or update a shipment (one package) of a sales order with its tracking events.

    Lines name the sales order's lines by position (0 = first); without lines, everything not
    shipped yet is packed. Tracking events are added when new (same status and time: known);
    events are never removed.
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
        if new_events:
            latest = (TrackingEvent.select().where(TrackingEvent.shipment == shipment.id)
                      .order_by(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())
                      .first())
            shipment.status = latest.status
            shipment.save()
        if (changed and not created) or new_events:
            record(org_id, actor, "shipment_updated", shipment,
                   customer_id=shipment.customer_id, number=shipment.number,
                   tracking_events=len(new_events))
        changed = changed or bool(new_events)
        if changed:
            _stamp(shipment, external_id)
        return UpsertResult(Shipment.get_by_id(shipment.id), created, changed)


# -- payments received elsewhere -------------------------------------------------------------

def upsert_payment(actor: Actor, data: dict) -> UpsertResult:
    """Record a payment received outside the portal, once per external_id; a recorded
    payment does not change afterwards."""
    org_id = _organization_of(actor)
    external_id = _external_id(data.get("external_id"))
    amount = validation.amount(data.get("amount"))
    method = data.get("method") or "bank_transfer"
    reference = validation.text(data.get("reference"), "reference", max_length=100)
    paid_at = _naive_utc(data.get("paid_at"))
    with transaction():
        invoice = _referenced(Invoice, org_id, data.get("invoice_external_id"),
                              "invoice_external_id")
        row = _find(Payment, org_id, external_id)
        if row is None:
            payment = payments.record_offline_payment(actor, invoice.id, amount, method=method,
                                                       reference=reference, paid_at=paid_at)
            _stamp(payment, external_id)
            return UpsertResult(payment, True, True)
        same = (row.invoice_id == invoice.id and row.amount == amount and row.method == method
                and row.reference == reference
                and (paid_at is None or row.paid_at == paid_at))
        if not same:
            raise InvalidStateError(N_("A recorded payment cannot change."), field="amount")
        return UpsertResult(row, False, False)


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

"""Reads of the records the integration API syncs, keyed by external_id, as plain dicts.

Lists page by keyset on (updated_at, id): a record changed or added while a client pages is
seen on a later page, never skipped, and no page repeats one. Each page costs the same few
queries whatever its size (lines and events come in one query per page).
"""

import base64
import binascii
import datetime
import json
from collections import defaultdict

from peewee import JOIN

from core import shipping
from core.errors import NotFoundError, ValidationError
from core.i18n import N_
from core.models import (
    Contact,
    Customer,
    Invoice,
    InvoiceLine,
    Item,
    PackageLine,
    Payment,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
    ShipmentPackage,
    TrackingEvent,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500

MODELS = {
    "customers": Customer, "contacts": Contact, "items": Item, "quotes": Quote,
    "sales_orders": SalesOrder, "invoices": Invoice, "shipments": Shipment,
    "payments": Payment,
}
DOCUMENT_LINES = {"quotes": (QuoteLine, "quote"), "sales_orders": (SalesOrderLine, "sales_order"),
                  "invoices": (InvoiceLine, "invoice")}


def encode_cursor(updated_at: datetime.datetime, record_id: int) -> str:
    """An opaque cursor for the position after this record."""
    raw = json.dumps([updated_at.isoformat(), record_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    """The position a cursor names; ValidationError (field `cursor`) for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, record_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if (not isinstance(record_id, int) or isinstance(record_id, bool)
                or not 0 <= record_id < 2**31):
            raise ValueError
        return datetime.datetime.fromisoformat(stamp), record_id
    except (ValueError, TypeError, binascii.Error, UnicodeError, json.JSONDecodeError):
        raise ValidationError(N_("The input is not valid."), field="cursor") from None


def _base_query(kind: str, organization_id: int):
    model = MODELS[kind]
    if kind == "contacts":
        return (Contact.select(Contact, Customer.external_id.alias("customer_external_id"))
                .join(Customer).switch(Contact))
    if kind in DOCUMENT_LINES:
        return (model.select(model, Customer.external_id.alias("customer_external_id"))
                .join(Customer).switch(model))
    if kind == "shipments":
        return (Shipment.select(Shipment, Customer.external_id.alias("customer_external_id"),
                                SalesOrder.external_id.alias("sales_order_external_id"))
                .join(Customer).switch(Shipment)
                .join(SalesOrder, JOIN.LEFT_OUTER).switch(Shipment))
    if kind == "payments":
        return (Payment.select(Payment, Customer.external_id.alias("customer_external_id"),
                               Invoice.external_id.alias("invoice_external_id"))
                .join(Customer).switch(Payment)
                .join(Invoice, JOIN.LEFT_OUTER).switch(Payment))
    return model.select()


def list_records(kind: str, organization_id: int, *, cursor: str | None = None,
                 updated_since: datetime.datetime | None = None,
                 limit: int = DEFAULT_LIMIT) -> tuple[list[dict], str | None]:
    """One page of the organization's records of a kind, oldest change first, and the cursor
    of the next page (None on the last)."""
    model = MODELS[kind]
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = _base_query(kind, organization_id).where(model.organization == organization_id)
    if updated_since is not None:
        query = query.where(model.updated_at >= updated_since)
    if cursor:
        stamp, record_id = decode_cursor(cursor)
        query = query.where((model.updated_at > stamp)
                            | ((model.updated_at == stamp) & (model.id > record_id)))
    rows = list(query.order_by(model.updated_at, model.id).limit(limit + 1).objects())
    more = len(rows) > limit
    rows = rows[:limit]
    records = represent_many(kind, rows)
    next_cursor = encode_cursor(rows[-1].updated_at, rows[-1].id) if more else None
    return records, next_cursor


def get_record(kind: str, organization_id: int, external_id: str) -> dict:
    """The record of a kind with this external_id; NotFoundError for none (or another
    organization's)."""
    model = MODELS[kind]
    row = (_base_query(kind, organization_id)
           .where(model.organization == organization_id, model.external_id == external_id)
           .objects().first())
    if row is None:
        raise NotFoundError()
    return represent_many(kind, [row])[0]


def represent(kind: str, row) -> dict:
    """The API's view of one record just written (reads it back with its references)."""
    return get_record(kind, row.organization_id, row.external_id)


def represent_written(kind: str, rows: list) -> list[dict]:
    """The API's view of records just written, in their order, read back in one or two
    queries for the lot (a batch's answer)."""
    if not rows:
        return []
    model = MODELS[kind]
    ids = [row.id for row in rows]
    read = {row.id: row for row in (_base_query(kind, rows[0].organization_id)
                                    .where(model.id.in_(sorted(set(ids)))).objects())}
    ordered = [read[record_id] for record_id in ids]
    return represent_many(kind, ordered)


def represent_many(kind: str, rows: list) -> list[dict]:
    """The API's view of rows read by `_base_query` (one more query for lines or events)."""
    if kind == "customers":
        return [_customer(row) for row in rows]
    if kind == "contacts":
        return [_contact(row) for row in rows]
    if kind == "items":
        return [_item(row) for row in rows]
    if kind in DOCUMENT_LINES:
        return _documents(kind, rows)
    if kind == "shipments":
        return _shipments(rows)
    return [_payment(row) for row in rows]


def _customer(c: Customer) -> dict:
    return {
        "external_id": c.external_id, "display_name": c.display_name,
        "company_name": c.company_name, "email": c.email or None, "phone": c.phone,
        "currency": c.currency, "payment_terms_days": c.payment_terms_days,
        "portal_language": c.portal_language,
        "billing": {part: getattr(c, f"billing_{part}") for part in
                    ("street", "city", "postal_code", "region", "country")},
        "shipping": {part: getattr(c, f"shipping_{part}") for part in
                     ("street", "city", "postal_code", "region", "country")},
        "portal_status": c.portal_status, "outstanding": c.outstanding,
        "created_at": c.created_at, "updated_at": c.updated_at,
    }


def _contact(c: Contact) -> dict:
    return {
        "external_id": c.external_id, "customer_external_id": c.customer_external_id,
        "first_name": c.first_name, "last_name": c.last_name, "email": c.email,
        "phone": c.phone, "is_primary": c.is_primary, "language": c.language,
        "role": c.role, "portal_access": c.portal_state in {"invited", "active"},
        "portal_state": c.portal_state, "created_at": c.created_at, "updated_at": c.updated_at,
    }


def _item(i: Item) -> dict:
    return {"external_id": i.external_id, "sku": i.sku, "name": i.name, "unit": i.unit,
            "rate": i.rate, "stock_on_hand": i.stock_on_hand, "updated_at": i.updated_at}


def _documents(kind: str, rows: list) -> list[dict]:
    line_model, owner = DOCUMENT_LINES[kind]
    lines = defaultdict(list)
    if rows:
        owner_field = getattr(line_model, owner)
        query = (line_model.select(line_model, Item.external_id.alias("item_external_id"))
                 .join(Item, JOIN.LEFT_OUTER)
                 .where(owner_field.in_([row.id for row in rows]))
                 .order_by(owner_field, line_model.position, line_model.id).objects())
        for line in query:
            lines[getattr(line, f"{owner}_id")].append({
                "description": line.description, "quantity": line.quantity, "rate": line.rate,
                "amount": line.amount, "item_external_id": line.item_external_id})
    result = []
    for d in rows:
        record = {
            "external_id": d.external_id, "customer_external_id": d.customer_external_id,
            "number": d.number, "currency": d.currency, "status": d.status, "notes": d.notes,
            "lines": lines[d.id], "subtotal": d.subtotal, "tax_total": d.tax_total,
            "total": d.total, "first_viewed_at": d.first_viewed_at,
            "created_at": d.created_at, "updated_at": d.updated_at,
        }
        if kind == "quotes":
            record.update(issue_date=d.issue_date, expiry_date=d.expiry_date,
                          decline_reason=d.decline_reason or None)
        elif kind == "sales_orders":
            record.update(order_date=d.order_date,
                          expected_shipment_date=d.expected_shipment_date,
                          fulfilment=d.fulfilment)
        else:
            record.update(issue_date=d.issue_date, due_date=d.due_date, balance=d.balance)
        result.append(record)
    return result


def _packages(shipment_ids: list[int]) -> dict[int, list[dict]]:
    """The packages of these shipments with their lines (two queries for any number)."""
    packages: dict[int, list[dict]] = defaultdict(list)
    if not shipment_ids:
        return packages
    rows = list(ShipmentPackage.select().where(ShipmentPackage.shipment.in_(shipment_ids))
                .order_by(ShipmentPackage.shipment, ShipmentPackage.position,
                          ShipmentPackage.id))
    lines: dict[int, list[dict]] = {row.id: [] for row in rows}
    if rows:
        for line in (PackageLine.select(PackageLine,
                                        Item.external_id.alias("item_external_id"))
                     .join(Item, JOIN.LEFT_OUTER)
                     .where(PackageLine.package.in_(list(lines)))
                     .order_by(PackageLine.package, PackageLine.position, PackageLine.id)
                     .objects()):
            lines[line.package_id].append({"item_external_id": line.item_external_id,
                                           "description": line.description,
                                           "quantity": line.quantity})
    for row in rows:
        packages[row.shipment_id].append({
            "carrier": row.carrier, "tracking_number": row.tracking_number,
            "tracking_url": shipping.tracking_url(row.carrier, row.tracking_number),
            "weight": row.weight, "weight_unit": row.weight_unit, "lines": lines[row.id]})
    return packages


def _shipments(rows: list) -> list[dict]:
    ids = [row.id for row in rows]
    lines, events = defaultdict(list), defaultdict(list)
    packages = _packages(ids)
    if ids:
        for line in (ShipmentLine.select().where(ShipmentLine.shipment.in_(ids))
                     .order_by(ShipmentLine.id)):
            lines[line.shipment_id].append({"description": line.description,
                                            "quantity": line.quantity})
        for event in (TrackingEvent.select().where(TrackingEvent.shipment.in_(ids))
                      .order_by(TrackingEvent.occurred_at, TrackingEvent.id)):
            events[event.shipment_id].append({
                "status": event.status, "occurred_at": event.occurred_at,
                "location": event.location, "description": event.description})
    return [{
        "external_id": s.external_id, "customer_external_id": s.customer_external_id,
        "sales_order_external_id": s.sales_order_external_id, "number": s.number,
        "carrier": s.carrier, "tracking_number": s.tracking_number,
        "tracking_url": shipping.tracking_url(s.carrier, s.tracking_number), "status": s.status,
        "shipped_at": s.shipped_at, "delivered_at": s.delivered_at,
        "lines": lines[s.id], "tracking_events": events[s.id], "packages": packages[s.id],
        "created_at": s.created_at, "updated_at": s.updated_at,
    } for s in rows]


def _payment(p: Payment) -> dict:
    return {
        "external_id": p.external_id, "invoice_external_id": p.invoice_external_id,
        "customer_external_id": p.customer_external_id, "number": p.number,
        "amount": p.amount, "currency": p.currency, "method": p.method,
        "reference": p.reference, "status": p.status, "via_portal": p.via_portal,
        "paid_at": p.paid_at, "created_at": p.created_at, "updated_at": p.updated_at,
    }

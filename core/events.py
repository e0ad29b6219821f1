"""Events out: what happened in the portal, written in the same transaction as the change.

`record_event` is called by the core services inside their transaction, next to `audit.record`
and `notify_staff`; a change that fails writes no event, and an event is never written without
its change (the outbox pattern). In the same transaction every active webhook endpoint that
listens to the type gets a pending delivery, which the worker sends. The event feed
(`core.queries.events.list_events`) and the webhooks send the same body, `event_json`.

Payloads name records by their ids — and by the business's own `external_id` where the record
has one (`ref`), so the business's system can match them without a lookup.
"""

import datetime
import json
import secrets

from core.db import transaction
from core.models import Event, WebhookDelivery, WebhookEndpoint, utcnow

# Every event type, with what it means (docs/webhooks.md describes each payload).
EVENT_TYPES = {
    "payment.made": "a contact paid an invoice in the portal (card), or sent a bank-transfer "
                    "notice (status pending)",
    "payment.confirmed": "staff confirmed a bank-transfer notice: the money arrived",
    "payment.rejected": "staff rejected a bank-transfer notice that never arrived",
    "payment.recorded": "staff recorded money received outside the portal",
    "payment.updated": "a payment received outside the portal was corrected (amount, date, "
                       "reference, method or the invoice it pays)",
    "payment.voided": "a payment received outside the portal was voided: its invoice owes "
                      "the amount again",
    "payment.refunded": "a card payment was refunded (in Stripe): the invoice's balance is back",
    "payment.withdrawn": "a contact withdrew a bank-transfer notice staff had not confirmed",
    "quote.accepted": "a contact accepted a quote",
    "quote.declined": "a contact declined a quote, with a reason",
    "comment.added": "a contact (or staff member) commented on a document",
    "contact.updated": "a contact changed its own name, phone or language in the portal",
    "customer.address_updated": "a contact changed its company's billing or shipping address",
    "invoice.viewed": "an invoice was opened in the portal for the first time",
    "invitation.accepted": "a contact accepted its portal invitation",
    "contact.signed_up": "a contact signed up to the portal by itself",
}
ALL_TYPES = "*"  # an endpoint listening to every type


def new_event_id() -> str:
    """A public event id: `evt_` and 128 random bits, the same on every delivery attempt."""
    return "evt_" + secrets.token_hex(16)


def ref(record) -> dict | None:
    """A record as a payload names it: its id and the business's own id (None when unset)."""
    if record is None:
        return None
    return _ids(record)


def _ids(record) -> dict:
    return {"id": record.id, "external_id": getattr(record, "external_id", None)}


def _money(value) -> str | None:
    return None if value is None else str(value)


def _time(value: datetime.datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with Z."""
    if value is None:
        return None
    return value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def payment_payload(payment, invoice, customer, contact=None) -> dict:
    """The payload of a payment.* event (`invoices`: each invoice a payment covers, when it
    covers several)."""
    return {
        "payment": {**_ids(payment), "number": payment.number,
                    "amount": _money(payment.amount), "currency": payment.currency,
                    "method": payment.method, "status": payment.status,
                    "reference": payment.reference, "via_portal": payment.via_portal,
                    "paid_at": _time(payment.paid_at),
                    "refunded_amount": _money(payment.refunded_amount)},
        "invoices": [{"id": a.invoice_id, "amount": _money(a.amount)}
                     for a in payment.allocations] if payment.invoice_id is None else None,
        "invoice": None if invoice is None else {
            **_ids(invoice), "number": invoice.number, "status": invoice.status,
            "balance": _money(invoice.balance), "currency": invoice.currency},
        "customer": ref(customer),
        "contact": ref(contact),
    }


def quote_payload(quote, customer, contact) -> dict:
    """The payload of a quote.* event."""
    return {
        "quote": {**_ids(quote), "number": quote.number, "status": quote.status,
                  "decline_reason": quote.decline_reason or None,
                  "responded_at": _time(quote.responded_at),
                  "signature_name": quote.signature_name or None},
        "customer": ref(customer),
        "contact": ref(contact),
    }


def comment_payload(comment, document, kind: str, customer, *, contact=None,
                    staff=None) -> dict:
    """The payload of comment.added."""
    return {
        "comment": {**_ids(comment), "body": comment.body,
                    "author": ({"type": "contact", **_ids(contact)} if contact is not None
                               else {"type": "staff", "id": staff.id, "name": staff.name})},
        "document": {"type": kind, **_ids(document), "number": document.number},
        "customer": ref(customer),
    }


def contact_payload(contact, customer, fields: list[str]) -> dict:
    """The payload of contact.updated, invitation.accepted and contact.signed_up."""
    return {
        "contact": {**_ids(contact), "first_name": contact.first_name,
                    "last_name": contact.last_name, "email": contact.email,
                    "phone": contact.phone, "language": contact.language,
                    "portal_state": contact.portal_state},
        "customer": ref(customer),
        "changed": sorted(fields),
    }


ADDRESS_FIELDS = ("street", "city", "postal_code", "region", "country")


def address_payload(customer, contact, fields: list[str]) -> dict:
    """The payload of customer.address_updated: both addresses as they are now."""
    return {
        "customer": {**_ids(customer),
                     "billing_address": {name: getattr(customer, f"billing_{name}")
                                         for name in ADDRESS_FIELDS},
                     "shipping_address": {name: getattr(customer, f"shipping_{name}")
                                          for name in ADDRESS_FIELDS}},
        "contact": ref(contact),
        "changed": sorted(fields),
    }


def invoice_view_payload(invoice, customer, contact) -> dict:
    """The payload of invoice.viewed."""
    return {
        "invoice": {**_ids(invoice), "number": invoice.number,
                    "first_viewed_at": _time(invoice.first_viewed_at)},
        "customer": ref(customer),
        "contact": ref(contact),
    }


def listens_to(endpoint: WebhookEndpoint, event_type: str) -> bool:
    """True when the endpoint subscribed to this event type (or to every type)."""
    types = endpoint.event_types.split(",")
    return ALL_TYPES in types or event_type in types


def record_event(organization_id: int, type: str, payload: dict, *,
                 created_at: datetime.datetime | None = None) -> Event:
    """Write an event and a delivery per listening endpoint, in the caller's transaction."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    now = created_at or utcnow()
    event = Event.create(organization=organization_id, public_id=new_event_id(), type=type,
                         payload=json.dumps(payload, default=str, sort_keys=True),
                         created_at=now)
    endpoints = [endpoint for endpoint in
                 WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.event_types)
                 .where(WebhookEndpoint.organization == organization_id,
                        WebhookEndpoint.is_active)
                 if listens_to(endpoint, type)]
    if endpoints:
        WebhookDelivery.insert_many([
            {"organization": organization_id, "event": event.id, "endpoint": endpoint.id,
             "next_attempt_at": now, "created_at": now}
            for endpoint in endpoints]).execute()
    return event


def event_json(event: Event) -> dict:
    """An event as the feed and every webhook send it (one shape, one place)."""
    return {
        "id": event.public_id,
        "object": "event",
        "type": event.type,
        "created_at": _time(event.created_at),
        "data": json.loads(event.payload or "{}"),
    }


def event_body(event: Event) -> bytes:
    """The exact bytes a webhook POSTs for an event (the same on every attempt)."""
    return json.dumps(event_json(event), separators=(",", ":"), sort_keys=True,
                      ensure_ascii=False).encode("utf-8")


PRUNE_BATCH = 5000


def prune_events(before: datetime.datetime, batch: int = PRUNE_BATCH) -> int:
    """Delete events created before `before`, with their webhook deliveries; returns how many.

    In short transactions of `batch` events, oldest first, so the feed and the webhooks never
    wait long. A client's feed cursor names an event id and pages on `id > cursor`, so it keeps
    working after the event it names is gone.
    """
    removed = 0
    while True:
        with transaction():
            ids = [row.id for row in (Event.select(Event.id).where(Event.created_at < before)
                                      .order_by(Event.id).limit(batch))]
            if not ids:
                return removed
            WebhookDelivery.delete().where(WebhookDelivery.event.in_(ids)).execute()
            removed += Event.delete().where(Event.id.in_(ids)).execute()

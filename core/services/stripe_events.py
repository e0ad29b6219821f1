"""Stripe's webhook events: the only thing that fulfils (or refunds) a Stripe payment.

Each event is checked (signature on the raw body, timestamp tolerance), recorded once by its id
per organization (a unique index: of 20 copies arriving at once, one inserts and the others see
a duplicate), and acted on with the payment row locked, so a payment is applied exactly once
even when different events (completed, then async_payment_succeeded) report the same money.
An event whose checkout, amount, currency or invoices do not match ours is refused and
nothing changes.
"""

from dataclasses import dataclass
from decimal import Decimal

from peewee import IntegrityError

from core.audit import Actor, record
from core.db import locked, transaction
from core.errors import DoorstepError, NotFoundError
from core.events import payment_payload, record_event
from core.gateways import GatewayEvent, WebhookSignatureError, stripe_gateway
from core.i18n import N_
from core.models import Invoice, Payment, PaymentAllocation, StripeAccount, StripeEvent, utcnow
from core.services.notifications import notify_staff
from core.services.payments import announce_payment, apply_to_invoice, restore_to_invoice


class StripeEventRefusedError(DoorstepError):
    """A signed event that does not match what Doorstep knows; nothing was changed."""

    message = N_("This event does not match a payment.")


class StripeSignatureError(DoorstepError):
    """The body is not signed by Stripe with this endpoint's secret, or is too old."""

    message = N_("The signature of this event is not valid.")


class StripeNotConfiguredError(DoorstepError):
    """The organization's Stripe secrets cannot be read (SECRET_KEY changed)."""

    message = N_("Stripe is not set up.")


@dataclass(frozen=True)
class EventOutcome:
    """What became of one webhook event."""

    event_id: str
    outcome: str  # applied | already | duplicate | ignored | failed | expired | refunded | waiting
    payment_id: int | None = None


def handle_stripe_webhook(webhook_id: str, body: bytes, signature: str) -> EventOutcome:
    """Verify and act on one webhook delivery to the endpoint `webhook_id`."""
    account = StripeAccount.get_or_none(StripeAccount.webhook_id == (webhook_id or "")[:40])
    if account is None:
        raise NotFoundError()
    gateway = stripe_gateway(account)
    if gateway is None:
        raise StripeNotConfiguredError()
    try:
        event = gateway.read_event(body, signature or "")
    except WebhookSignatureError:
        raise StripeSignatureError() from None
    org_id = account.organization_id
    if event.live_mode == gateway.test_mode:
        return _refuse(org_id, event, "live and test mode differ")
    try:
        with transaction():
            seen = StripeEvent.create(organization=org_id, event_id=event.id[:255],
                                      type=event.type[:80], outcome="received")
            outcome, payment = _act(org_id, event)
            seen.outcome, seen.payment = outcome, payment
            seen.save()
            return EventOutcome(event.id, outcome, payment.id if payment else None)
    except IntegrityError:
        # The same event id again (a retry, or a copy that raced this one): already handled.
        if StripeEvent.get_or_none(StripeEvent.organization == org_id,
                                   StripeEvent.event_id == event.id[:255]) is None:
            raise
        return EventOutcome(event.id, "duplicate")
    except _Mismatch as mismatch:
        return _refuse(org_id, event, str(mismatch))


class _Mismatch(Exception):
    pass


def _refuse(org_id: int, event: GatewayEvent, reason: str) -> EventOutcome:
    with transaction():
        record(org_id, Actor.system(org_id), "stripe_event_refused", None, event=event.id,
               type=event.type, reason=reason)
    raise StripeEventRefusedError()


def _checkout_payment(org_id: int, event: GatewayEvent) -> Payment:
    payment = Payment.get_or_none(Payment.organization == org_id,
                                  Payment.checkout_session_id == event.session_id)
    if payment is None or not event.session_id:
        raise _Mismatch("unknown checkout session")
    payment = locked(Payment, payment.id)
    if event.payment_id != str(payment.id):
        raise _Mismatch("the checkout names another payment")
    if event.currency != payment.currency:
        raise _Mismatch(f"currency {event.currency} is not {payment.currency}")
    if event.amount != payment.amount:
        raise _Mismatch(f"amount {event.amount} is not {payment.amount}")
    return payment


def _shares(payment: Payment) -> list[tuple[Invoice, PaymentAllocation | None, Decimal]]:
    """The locked invoices a payment covers (in id order), each with its share."""
    if payment.invoice_id is not None:
        return [(locked(Invoice, payment.invoice_id), None, payment.amount)]
    allocations = sorted(payment.allocations, key=lambda a: a.invoice_id)
    if not allocations:
        raise _Mismatch("the payment covers no invoice")
    return [(locked(Invoice, a.invoice_id), a, a.amount) for a in allocations]


def _act(org_id: int, event: GatewayEvent) -> tuple[str, Payment | None]:
    if event.kind == "refunded":
        return _refund(org_id, event)
    if event.kind == "ignored":
        return "ignored", None
    payment = _checkout_payment(org_id, event)
    if payment.status != "processing":
        return "already", payment
    payment.reference = event.payment_reference[:100] or payment.reference
    payment.updated_at = utcnow()
    if event.kind == "awaiting":
        payment.hold_until = None  # a bank debit on its way: keep holding until it settles
        payment.save()
        return "waiting", payment
    if event.kind in {"failed", "expired"}:
        payment.status, payment.hold_until = event.kind, None
        payment.save()
        record(org_id, Actor.system(org_id), f"payment_{event.kind}", payment,
               customer_id=payment.customer_id, amount=str(payment.amount))
        return event.kind, payment
    shares = _shares(payment)
    for invoice, _allocation, share in shares:
        if invoice.currency != payment.currency:
            raise _Mismatch(f"invoice {invoice.number} is in {invoice.currency}")
        if share > invoice.balance:
            # Money Stripe took that no longer fits (staff recorded a payment meanwhile):
            # the balance never goes below zero, and staff are told to refund the rest.
            notify_staff(org_id, "payment",
                         f"Stripe payment {payment.number} pays {share - invoice.balance} "
                         f"{payment.currency} more than invoice {invoice.number}'s balance; "
                         f"refund the difference in Stripe.", record_type="invoice",
                         record_id=invoice.id, customer_id=payment.customer_id)
        apply_to_invoice(invoice, min(share, invoice.balance))
    payment.status, payment.paid_at, payment.hold_until = "succeeded", utcnow(), None
    payment.save()
    numbers = ", ".join(invoice.number for invoice, _, _ in shares)
    record(org_id, Actor.system(org_id), "payment_made", payment,
           customer_id=payment.customer_id, amount=str(payment.amount), invoice=numbers,
           method="card", gateway="stripe", stripe_event=event.id)
    first = shares[0][0] if payment.invoice_id else None
    record_event(org_id, "payment.made",
                 payment_payload(payment, first, payment.customer, payment.contact))
    announce_payment(payment, payment.contact, payment.customer, numbers)
    return "applied", payment


def _refund(org_id: int, event: GatewayEvent) -> tuple[str, Payment | None]:
    payment = Payment.get_or_none(Payment.organization == org_id, Payment.gateway == "stripe",
                                  Payment.reference == event.payment_reference[:100])
    if payment is None or not event.payment_reference:
        raise _Mismatch("unknown payment intent")
    payment = locked(Payment, payment.id)
    if event.currency != payment.currency:
        raise _Mismatch(f"currency {event.currency} is not {payment.currency}")
    if event.refunded_total > payment.amount:
        raise _Mismatch(f"refund {event.refunded_total} is more than {payment.amount}")
    if payment.status not in {"succeeded", "refunded"}:
        raise _Mismatch(f"the payment is {payment.status}")
    more = event.refunded_total - payment.refunded_amount
    if more <= 0:
        return "already", payment
    left = more
    # The last invoice paid gets its money back first.
    for invoice, allocation, share in reversed(_shares(payment)):
        taken = allocation.refunded_amount if allocation is not None else payment.refunded_amount
        back = min(left, share - taken)
        if back <= 0:
            continue
        restore_to_invoice(invoice, back)
        if allocation is not None:
            allocation.refunded_amount += back
            allocation.save()
        left -= back
    payment.refunded_amount = event.refunded_total
    if payment.refunded_amount == payment.amount:
        payment.status = "refunded"
    payment.updated_at = utcnow()
    payment.save()
    record(org_id, Actor.system(org_id), "payment_refunded", payment,
           customer_id=payment.customer_id, amount=str(more),
           refunded_total=str(payment.refunded_amount), stripe_event=event.id)
    record_event(org_id, "payment.refunded",
                 payment_payload(payment, payment.invoice, payment.customer, payment.contact))
    notify_staff(org_id, "payment", f"Stripe refunded {more} {payment.currency} of payment "
                 f"{payment.number}.", record_type="payment", record_id=payment.id,
                 customer_id=payment.customer_id)
    return "refunded", payment

"""Paying invoices: by card through the organization's gateway, or a bank-transfer notice staff
confirm; one invoice or several in one payment.

A payment is idempotent per key and never takes an invoice below zero, also when many
submissions race: the invoice rows are locked (SQLite: the write lock taken at BEGIN;
PostgreSQL: SELECT ... FOR UPDATE, in id order) while balances are checked and changed.

With the sandbox the card is charged at once. With Stripe the payment starts "processing": the
contact pays on Stripe's page, and only a signed webhook event fulfils it
(core.services.stripe_events); until then its amount is held back from what may be paid.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from peewee import IntegrityError, fn

from core import money, outbox, validation
from core.audit import Actor, record
from core.db import locked, transaction
from core.errors import InvalidStateError, NotFoundError, PaymentError, ValidationError
from core.events import payment_payload, record_event
from core.gateways import (
    Card,
    CardGateway,
    CheckoutLine,
    CheckoutRequest,
    HostedGateway,
    check_card,
    gateway_for,
)
from core.guards import load_for_staff
from core.i18n import N_, contact_language
from core.models import Contact, Customer, Invoice, Payment, PaymentAllocation, utcnow
from core.prepared import Param, PreparedSelect
from core.queries.payable import PAYABLE_STATUSES, holding
from core.queries.scoping import ContactScope
from core.services.notifications import notify_staff

# How long an unpaid hosted checkout holds its amount back (Stripe's sessions last 30 min to
# 24 h; the session is made to expire at the same moment, so it cannot be paid after).
CHECKOUT_HOLD = datetime.timedelta(hours=1)
MAX_INVOICES_PER_PAYMENT = 50


@dataclass(frozen=True)
class CheckoutReturn:
    """Where the provider's page sends the contact back: the payment's own page, or back."""

    success_url_for: Callable[[int], str]
    cancel_url: str


def _pending_query():
    direct = (Payment.select(fn.COALESCE(fn.SUM(Payment.amount), 0))
              .where(Payment.invoice == Param("invoice"), holding(Param("now"))))
    shared = (PaymentAllocation.select(fn.COALESCE(fn.SUM(PaymentAllocation.amount), 0))
              .join(Payment).where(PaymentAllocation.invoice == Param("invoice"),
                                   holding(Param("now"))))
    # Two scalar subqueries side by side (`direct + shared` would be a UNION in peewee).
    return (Invoice.select(direct.alias("direct"), shared.alias("shared"))
            .where(Invoice.id == Param("invoice")).limit(1).tuples())


# SQL built once: the invoice page asks it on every view of an invoice with a balance.
_PENDING = PreparedSelect(_pending_query)


def pending_amount(invoice_id: int) -> Decimal:
    """What is held back on the invoice: unconfirmed bank-transfer notices and open checkouts
    (one query)."""
    row = _PENDING.first(invoice=invoice_id,
                         now=Payment.hold_until.db_value(utcnow())) or (0, 0)
    total = sum((Decimal(str(value or 0)) for value in row), Decimal("0"))
    return total.quantize(Decimal("0.01"))


def payable_amount(invoice: Invoice) -> Decimal:
    """What may still be paid now: the balance less what is held back."""
    return max(Decimal("0.00"), invoice.balance - pending_amount(invoice.id))


def apply_to_invoice(invoice: Invoice, amount: Decimal) -> None:
    """Take `amount` off a locked invoice's balance (and its customer's outstanding)."""
    invoice.balance = (invoice.balance - amount).quantize(Decimal("0.01"))
    invoice.status = "paid" if invoice.balance == 0 else "partially_paid"
    invoice.updated_at = utcnow()
    invoice.save()
    Customer.add_to_outstanding(invoice.customer_id, -amount)


def restore_to_invoice(invoice: Invoice, amount: Decimal) -> None:
    """Put a refunded `amount` back on a locked invoice's balance."""
    invoice.balance = min(invoice.total, invoice.balance + amount).quantize(Decimal("0.01"))
    invoice.status = "sent" if invoice.balance == invoice.total else "partially_paid"
    invoice.updated_at = utcnow()
    invoice.save()
    Customer.add_to_outstanding(invoice.customer_id, amount)


def _existing(organization_id: int, key: str, invoice_id: int | None, contact_id: int):
    payment = Payment.get_or_none(Payment.organization == organization_id,
                                  Payment.idempotency_key == key)
    if payment is not None and (payment.invoice_id != invoice_id
                                or payment.contact_id != contact_id):
        raise ValidationError(N_("This payment form was already used. Reload the page."))
    return payment


def _checkout(scope: ContactScope, gateway: HostedGateway, payment: Payment,
              shares: list[tuple[Invoice, Decimal]], back: CheckoutReturn | None) -> None:
    """Open the hosted checkout of a new processing payment (inside its transaction)."""
    if back is None:
        raise PaymentError()
    payment.hold_until = utcnow() + CHECKOUT_HOLD
    checkout = gateway.start_checkout(CheckoutRequest(
        payment_id=payment.id, currency=payment.currency,
        lines=tuple(CheckoutLine(f"{scope.organization.name} {invoice.number}", share)
                    for invoice, share in shares),
        # The payment's id is in the key: a session made for a payment whose transaction
        # rolled back is never reused for a different row.
        idempotency_key=f"doorstep:{scope.organization.id}:{payment.id}:{payment.idempotency_key}",
        success_url=back.success_url_for(payment.id), cancel_url=back.cancel_url,
        email=scope.contact.email or "", language=contact_language(scope.contact),
        expires_at=payment.hold_until,
        metadata={"invoices": ",".join(invoice.number for invoice, _ in shares)[:500]}))
    payment.checkout_session_id, payment.checkout_url = checkout.session_id, checkout.url


def pay_invoice(scope: ContactScope, invoice_id: int, amount, *, method: str,
                idempotency_key: str, card: Card | None = None, reference: str = "",
                ip: str = "", back: CheckoutReturn | None = None) -> Payment:
    """Pay all or part of an invoice; the same key always gives back the same payment.

    Through a hosted gateway (Stripe) the payment comes back "processing" with the
    `checkout_url` to send the contact to; `back` says where Stripe sends them after.
    """
    key = validation.text(idempotency_key, "idempotency_key", max_length=100, required=True)
    if method not in {"card", "bank_transfer"}:
        raise ValidationError(N_("Choose a payment method."), field="method")
    org_id = scope.organization.id
    gateway = gateway_for(org_id)
    if method == "card" and not isinstance(gateway, HostedGateway):
        card = check_card(card or Card("", "", ""))
    reference = validation.text(reference, "reference", max_length=100)
    invoice = scope.get_document("invoice", invoice_id)  # scoped: 404 for another customer's
    if not scope.module_enabled("payment"):
        raise NotFoundError()
    language = contact_language(scope.contact)
    amount = money.read_amount(amount, language, invoice.currency)
    actor = Actor.contact(scope.contact.id, ip)
    try:
        with transaction():
            # Lock first, then look for the key: a concurrent twin that got the lock before
            # us is then visible, and the card is never charged twice for one form.
            invoice = locked(Invoice, invoice.id)
            done = _existing(org_id, key, invoice.id, scope.contact.id)
            if done is not None:
                return done
            if invoice.status not in PAYABLE_STATUSES or invoice.balance <= 0:
                raise InvalidStateError(N_("This invoice has nothing left to pay."))
            available = payable_amount(invoice)
            if amount > available:
                raise ValidationError(N_("You can pay at most %(amount)s."), field="amount",
                                      amount=money.format_money(available, invoice.currency,
                                                                language))
            payment = Payment(
                organization=org_id, customer=invoice.customer_id, invoice=invoice,
                contact=scope.contact.id, number="", amount=amount,
                currency=invoice.currency, method=method, reference=reference,
                idempotency_key=key, via_portal=True)
            if method == "card" and isinstance(gateway, HostedGateway):
                payment.status, payment.gateway = "processing", gateway.name
                payment.save()
                payment.number = f"PAY-{payment.id:06d}"
                _checkout(scope, gateway, payment, [(invoice, amount)], back)
                payment.save()
                record(org_id, actor, "payment_started", payment,
                       customer_id=invoice.customer_id, amount=str(amount),
                       invoice=invoice.number, gateway=gateway.name)
                return payment
            if method == "card":
                assert card is not None and isinstance(gateway, CardGateway)
                charge = gateway.charge(amount, invoice.currency, card, key)
                payment.status, payment.gateway = "succeeded", gateway.name
                payment.reference, payment.card_last4 = charge.reference, charge.last4
                apply_to_invoice(invoice, amount)
            else:
                payment.status, payment.gateway = "pending", "bank_transfer"
            payment.save()
            payment.number = f"PAY-{payment.id:06d}"
            payment.save()
            record(org_id, actor, "payment_made" if method == "card" else "payment_notice",
                   payment, customer_id=invoice.customer_id, amount=str(amount),
                   invoice=invoice.number, method=method)
            record_event(org_id, "payment.made",
                         payment_payload(payment, invoice, scope.customer, scope.contact))
            announce_payment(payment, scope.contact, scope.customer, invoice.number)
            return payment
    except IntegrityError:
        # A concurrent submit with the same key won the race; hand back its payment.
        done = _existing(org_id, key, invoice.id, scope.contact.id)
        if done is None:
            raise
        return done
    except PaymentError as error:
        with transaction():
            record(org_id, actor, "payment_failed", invoice, customer_id=invoice.customer_id,
                   amount=str(amount), reason=str(error))
        raise


def _chosen_ids(invoice_ids) -> list[int]:
    ids: set[int] = set()
    for value in invoice_ids or ():
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            raise NotFoundError() from None
    if not ids:
        raise ValidationError(N_("Choose at least one invoice to pay."), field="invoices")
    if len(ids) > MAX_INVOICES_PER_PAYMENT:
        raise ValidationError(N_("Choose at most %(count)d invoices for one payment."),
                              field="invoices", count=MAX_INVOICES_PER_PAYMENT)
    return sorted(ids)


def _same_invoices(payment: Payment, ids: list[int], contact_id: int) -> Payment:
    chosen = sorted(a.invoice_id for a in payment.allocations)
    if payment.invoice_id is not None or chosen != ids or payment.contact_id != contact_id:
        raise ValidationError(N_("This payment form was already used. Reload the page."))
    return payment


def pay_invoices(scope: ContactScope, invoice_ids, *, idempotency_key: str,
                 card: Card | None = None, ip: str = "",
                 back: CheckoutReturn | None = None) -> Payment:
    """Pay what may be paid now on each chosen invoice, by card, in one payment.

    One receipt lists every invoice; the same key gives back the same payment; through Stripe
    it is one Checkout Session with a line per invoice.
    """
    key = validation.text(idempotency_key, "idempotency_key", max_length=100, required=True)
    ids = _chosen_ids(invoice_ids)
    org_id = scope.organization.id
    gateway = gateway_for(org_id)
    if not isinstance(gateway, HostedGateway):
        card = check_card(card or Card("", "", ""))
    invoices = [scope.get_document("invoice", invoice_id) for invoice_id in ids]  # scoped
    if not scope.module_enabled("payment"):
        raise NotFoundError()
    if len({invoice.currency for invoice in invoices}) > 1:
        raise ValidationError(N_("Invoices in different currencies are paid one at a time."),
                              field="invoices")
    actor = Actor.contact(scope.contact.id, ip)
    try:
        with transaction():
            invoices = [locked(Invoice, invoice_id) for invoice_id in ids]  # in id order
            done = Payment.get_or_none(Payment.organization == org_id,
                                       Payment.idempotency_key == key)
            if done is not None:
                return _same_invoices(done, ids, scope.contact.id)
            shares = []
            for invoice in invoices:
                share = (payable_amount(invoice) if invoice.status in PAYABLE_STATUSES
                         else Decimal("0.00"))
                if share <= 0:
                    raise InvalidStateError(N_("Invoice %(number)s has nothing left to pay."),
                                            number=invoice.number)
                shares.append((invoice, share))
            total = sum((share for _, share in shares), Decimal("0.00"))
            currency = invoices[0].currency
            payment = Payment.create(
                organization=org_id, customer=scope.customer.id, invoice=None,
                contact=scope.contact.id, number="", amount=total, currency=currency,
                method="card", idempotency_key=key, via_portal=True, gateway=gateway.name,
                status="processing" if isinstance(gateway, HostedGateway) else "succeeded")
            payment.number = f"PAY-{payment.id:06d}"
            PaymentAllocation.insert_many([
                {"payment": payment.id, "invoice": invoice.id, "amount": share}
                for invoice, share in shares]).execute()
            numbers = ", ".join(invoice.number for invoice, _ in shares)
            if isinstance(gateway, HostedGateway):
                _checkout(scope, gateway, payment, shares, back)
                payment.save()
                record(org_id, actor, "payment_started", payment,
                       customer_id=scope.customer.id, amount=str(total), invoices=numbers,
                       gateway=gateway.name)
                return payment
            assert card is not None and isinstance(gateway, CardGateway)
            charge = gateway.charge(total, currency, card, key)
            payment.reference, payment.card_last4 = charge.reference, charge.last4
            payment.save()
            for invoice, share in shares:
                apply_to_invoice(invoice, share)
            record(org_id, actor, "payment_made", payment, customer_id=scope.customer.id,
                   amount=str(total), invoices=numbers, method="card")
            record_event(org_id, "payment.made",
                         payment_payload(payment, None, scope.customer, scope.contact))
            announce_payment(payment, scope.contact, scope.customer, numbers)
            return payment
    except IntegrityError:
        done = Payment.get_or_none(Payment.organization == org_id,
                                   Payment.idempotency_key == key)
        if done is None:
            raise
        return _same_invoices(done, ids, scope.contact.id)
    except PaymentError as error:
        with transaction():
            record(org_id, actor, "payment_failed", None, customer_id=scope.customer.id,
                   reason=str(error), invoices=",".join(str(i) for i in ids))
        raise


def announce_payment(payment: Payment, contact: Contact | None, customer: Customer,
                     numbers: str) -> None:
    """Tell staff (in-app, maybe by email) and send the contact a receipt (in the transaction)."""
    who = contact.full_name if contact is not None else customer.display_name
    verb = "paid" if payment.status == "succeeded" else "sent a bank transfer notice of"
    notify_staff(payment.organization_id, "payment",
                 f"{who} ({customer.display_name}) {verb} {payment.amount} "
                 f"{payment.currency} on invoice {numbers}.",
                 record_type="invoice" if payment.invoice_id else "payment",
                 record_id=payment.invoice_id or payment.id, customer_id=customer.id,
                 payment_id=payment.id, contact_name=who,
                 customer_name=customer.display_name, number=numbers,
                 amount=str(payment.amount), currency=payment.currency)
    if contact is not None and contact.email:
        outbox.enqueue(payment.organization_id, "payment_receipt", contact.email,
                       contact_language(contact), payment_id=payment.id, contact_id=contact.id)


def withdraw_bank_transfer(scope: ContactScope, payment_id, ip: str = "") -> Payment:
    """Take back a bank-transfer notice staff have not confirmed yet; its amount is payable
    again."""
    payment = scope.get_payment(payment_id)  # scoped: 404 for another customer's
    with transaction():
        payment = locked(Payment, payment.id)
        if payment.method != "bank_transfer" or payment.status != "pending":
            raise InvalidStateError(N_("Only a bank transfer notice that is not confirmed yet "
                                       "can be withdrawn."))
        payment.status, payment.updated_at = "withdrawn", utcnow()
        payment.save()
        org_id = scope.organization.id
        record(org_id, Actor.contact(scope.contact.id, ip), "payment_withdrawn", payment,
               customer_id=payment.customer_id, amount=str(payment.amount))
        record_event(org_id, "payment.withdrawn",
                     payment_payload(payment, payment.invoice, scope.customer, scope.contact))
        notify_staff(org_id, "payment",
                     f"{scope.contact.full_name} ({scope.customer.display_name}) withdrew the "
                     f"bank transfer notice {payment.number} of {payment.amount} "
                     f"{payment.currency}.", record_type="invoice",
                     record_id=payment.invoice_id, customer_id=payment.customer_id)
    return payment


def confirm_bank_transfer(actor: Actor, payment_id: int) -> Payment:
    """Staff confirm a bank-transfer notice: the money arrived, the balance goes down."""
    with transaction():
        payment = locked(Payment, load_for_staff(actor, Payment, payment_id).id)
        if payment.status != "pending":
            raise InvalidStateError(N_("Only a pending payment can be confirmed."))
        invoice = locked(Invoice, payment.invoice_id)
        if payment.amount > invoice.balance:
            raise ValidationError(N_("The payment is larger than the invoice balance."))
        payment.status, payment.paid_at = "succeeded", utcnow()
        payment.save()
        apply_to_invoice(invoice, payment.amount)
        record(payment.organization_id, actor, "payment_confirmed", payment,
               customer_id=payment.customer_id, amount=str(payment.amount))
        record_event(payment.organization_id, "payment.confirmed",
                     payment_payload(payment, invoice, payment.customer, payment.contact))
    return payment


def reject_bank_transfer(actor: Actor, payment_id: int) -> Payment:
    """Staff reject a bank-transfer notice that never arrived."""
    with transaction():
        payment = locked(Payment, load_for_staff(actor, Payment, payment_id).id)
        if payment.status != "pending":
            raise InvalidStateError(N_("Only a pending payment can be rejected."))
        payment.status = "void"
        payment.save()
        record(payment.organization_id, actor, "payment_rejected", payment,
               customer_id=payment.customer_id, amount=str(payment.amount))
        record_event(payment.organization_id, "payment.rejected",
                     payment_payload(payment, payment.invoice, payment.customer,
                                     payment.contact))
    return payment


def record_offline_payment(actor: Actor, invoice_id: int, amount, *,
                           method: str = "bank_transfer", reference: str = "",
                           paid_at=None, external_id: str | None = None) -> Payment:
    """Record money the actor's organization received outside the portal (transfer, cash,
    cheque, a card charged elsewhere): the invoice's balance goes down."""
    if method not in {"bank_transfer", "cash", "cheque", "card"}:
        raise ValidationError(N_("Choose a payment method."), field="method")
    reference = validation.text(reference, "reference", max_length=100)
    with transaction():
        invoice = locked(Invoice, load_for_staff(actor, Invoice, invoice_id).id)
        amount = validation.amount(amount)
        if invoice.status not in PAYABLE_STATUSES or amount > payable_amount(invoice):
            raise ValidationError(N_("You can pay at most %(amount)s."), field="amount",
                                  amount=money.format_money(payable_amount(invoice),
                                                            invoice.currency, "en"))
        payment = Payment.create(organization=invoice.organization_id,
                                 customer=invoice.customer_id, invoice=invoice, number="",
                                 amount=amount, currency=invoice.currency, method=method,
                                 reference=reference, status="succeeded",
                                 paid_at=paid_at or utcnow(), external_id=external_id)
        payment.number = f"PAY-{payment.id:06d}"
        payment.save()
        apply_to_invoice(invoice, amount)
        record(invoice.organization_id, actor, "payment_recorded", payment,
               customer_id=invoice.customer_id, amount=str(amount), invoice=invoice.number)
        record_event(invoice.organization_id, "payment.recorded",
                     payment_payload(payment, invoice, invoice.customer))
    return payment


# -- payments received outside the portal: changed or voided afterwards -------------------------

OFFLINE_METHODS = ("bank_transfer", "cash", "cheque", "card")
CENT = Decimal("0.01")


def _restore(invoice: Invoice, amount: Decimal) -> None:
    """Give a payment's amount back to its invoice (the payment changed or was voided)."""
    if (invoice.balance + amount).quantize(CENT) > invoice.total:
        raise InvalidStateError(N_("This action is not possible in the record's current state."))
    restore_to_invoice(invoice, amount)


def _offline_payment_locked(actor: Actor, payment_id: int) -> Payment:
    """The actor's payment received outside the portal, locked (inside a transaction)."""
    payment = locked(Payment, load_for_staff(actor, Payment, payment_id).id)
    if payment.via_portal:
        raise InvalidStateError(N_("A payment made in the portal cannot be changed or voided "
                                   "here."), field="external_id")
    if payment.status == "void":
        raise InvalidStateError(N_("This payment was voided; record a new one instead."),
                                field="status")
    return payment


def _locked_invoices(*invoice_ids) -> dict[int, Invoice]:
    # Always in id order: two changes moving money between the same invoices cannot deadlock.
    return {invoice_id: locked(Invoice, invoice_id)
            for invoice_id in sorted({i for i in invoice_ids if i is not None})}


def update_offline_payment(actor: Actor, payment_id: int, *, invoice_id: int | None = None,
                           amount=None, method: str | None = None, reference: str | None = None,
                           paid_at=None) -> Payment:
    """Correct a payment received outside the portal: its amount, date, reference, method or
    the invoice it pays (the old invoice gets the money back, the new one pays it)."""
    if amount is not None:
        amount = validation.amount(amount)
    if method is not None and method not in OFFLINE_METHODS:
        raise ValidationError(N_("Choose a payment method."), field="method")
    if reference is not None:
        reference = validation.text(reference, "reference", max_length=100)
    with transaction():
        payment = _offline_payment_locked(actor, payment_id)
        target_id = payment.invoice_id
        if invoice_id is not None and invoice_id != payment.invoice_id:
            target = load_for_staff(actor, Invoice, invoice_id)
            if target.customer_id != payment.customer_id:
                raise ValidationError(N_("A payment cannot move to another customer's "
                                         "invoice."), field="invoice_external_id")
            target_id = target.id
        new_amount = payment.amount if amount is None else amount
        fields = {"invoice": target_id, "amount": new_amount,
                  "method": method or payment.method,
                  "reference": payment.reference if reference is None else reference,
                  "paid_at": paid_at or payment.paid_at}
        changed = sorted(name for name, value in fields.items()
                         if (getattr(payment, f"{name}_id") if name == "invoice"
                             else getattr(payment, name)) != value)
        if not changed:
            return payment
        if {"invoice", "amount"} & set(changed):
            invoices = _locked_invoices(payment.invoice_id, target_id)
            if payment.invoice_id in invoices:
                _restore(invoices[payment.invoice_id], payment.amount)
            if target_id is not None:
                invoice = locked(Invoice, target_id)
                available = payable_amount(invoice)
                if invoice.status not in PAYABLE_STATUSES or new_amount > available:
                    raise ValidationError(N_("You can pay at most %(amount)s."),
                                          field="amount",
                                          amount=f"{available} {invoice.currency}")
                apply_to_invoice(invoice, new_amount)
        for name, value in fields.items():
            setattr(payment, name, value)
        payment.updated_at = utcnow()
        payment.save()
        invoice = Invoice.get_or_none(Invoice.id == payment.invoice_id)
        record(payment.organization_id, actor, "payment_updated", payment,
               customer_id=payment.customer_id, fields=changed, amount=str(payment.amount))
        record_event(payment.organization_id, "payment.updated",
                     payment_payload(payment, invoice, payment.customer))
    return payment


def void_offline_payment(actor: Actor, payment_id: int) -> Payment:
    """Void a payment received outside the portal: its invoice owes the amount again (once:
    a voided payment cannot be voided or changed again)."""
    with transaction():
        payment = _offline_payment_locked(actor, payment_id)
        invoice = None
        if payment.invoice_id is not None:
            invoice = locked(Invoice, payment.invoice_id)
            _restore(invoice, payment.amount)
        payment.status, payment.updated_at = "void", utcnow()
        payment.save()
        record(payment.organization_id, actor, "payment_voided", payment,
               customer_id=payment.customer_id, amount=str(payment.amount))
        record_event(payment.organization_id, "payment.voided",
                     payment_payload(payment, invoice, payment.customer))
    return payment

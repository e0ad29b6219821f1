"""Paying invoices: by card through the gateway, or a bank-transfer notice staff confirm.

A payment is idempotent per key and never takes an invoice below zero, also when many
submissions race: the invoice row is locked (SQLite: the write lock taken at BEGIN;
PostgreSQL: SELECT ... FOR UPDATE) while the balance is checked and changed.
"""

from decimal import Decimal

from peewee import IntegrityError, fn

from core import money, outbox, validation
from core.audit import Actor, record
from core.db import locked, transaction
from core.errors import InvalidStateError, NotFoundError, PaymentError, ValidationError
from core.events import payment_payload, record_event
from core.gateways import Card, check_card, get_gateway
from core.guards import load_for_staff
from core.i18n import N_, contact_language
from core.models import Customer, Invoice, Payment, utcnow
from core.queries.scoping import ContactScope
from core.services.notifications import notify_staff

PAYABLE_STATUSES = ("sent", "partially_paid")


def pending_amount(invoice_id: int) -> Decimal:
    """Sum of bank-transfer notices on the invoice that staff have not confirmed yet."""
    total = (Payment.select(fn.SUM(Payment.amount))
             .where(Payment.invoice == invoice_id, Payment.status == "pending").scalar())
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


def payable_amount(invoice: Invoice) -> Decimal:
    """What may still be paid now: the balance less pending bank-transfer notices."""
    return max(Decimal("0.00"), invoice.balance - pending_amount(invoice.id))


def _apply(invoice: Invoice, amount: Decimal) -> None:
    invoice.balance = (invoice.balance - amount).quantize(Decimal("0.01"))
    invoice.status = "paid" if invoice.balance == 0 else "partially_paid"
    invoice.updated_at = utcnow()
    invoice.save()
    Customer.add_to_outstanding(invoice.customer_id, -amount)


def _existing(organization_id: int, key: str, invoice_id: int, contact_id: int):
    payment = Payment.get_or_none(Payment.organization == organization_id,
                                  Payment.idempotency_key == key)
    if payment is not None and (payment.invoice_id != invoice_id
                                or payment.contact_id != contact_id):
        raise ValidationError(N_("This payment form was already used. Reload the page."))
    return payment


def pay_invoice(scope: ContactScope, invoice_id: int, amount, *, method: str,
                idempotency_key: str, card: Card | None = None, reference: str = "",
                ip: str = "") -> Payment:
    """Pay all or part of an invoice; the same key always gives back the same payment."""
    key = validation.text(idempotency_key, "idempotency_key", max_length=100, required=True)
    if method not in {"card", "bank_transfer"}:
        raise ValidationError(N_("Choose a payment method."), field="method")
    if method == "card":
        card = check_card(card or Card("", "", ""))
    reference = validation.text(reference, "reference", max_length=100)
    org_id = scope.organization.id
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
            if method == "card":
                assert card is not None  # checked above, before the transaction
                charge = get_gateway().charge(amount, invoice.currency, card, key)
                payment.status, payment.gateway = "succeeded", get_gateway().name
                payment.reference, payment.card_last4 = charge.reference, charge.last4
                _apply(invoice, amount)
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
            _announce(scope, invoice, payment)
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


def _announce(scope: ContactScope, invoice: Invoice, payment: Payment) -> None:
    contact, customer = scope.contact, scope.customer
    verb = "paid" if payment.status == "succeeded" else "sent a bank transfer notice of"
    notify_staff(scope.organization.id, "payment",
                 f"{contact.full_name} ({customer.display_name}) {verb} {payment.amount} "
                 f"{payment.currency} on invoice {invoice.number}.", record_type="invoice",
                 record_id=invoice.id, customer_id=customer.id, payment_id=payment.id,
                 contact_name=contact.full_name, customer_name=customer.display_name,
                 number=invoice.number, amount=str(payment.amount), currency=payment.currency)
    if contact.email:
        outbox.enqueue(scope.organization.id, "payment_receipt", contact.email,
                       contact_language(contact), payment_id=payment.id, contact_id=contact.id)


def confirm_bank_transfer(actor: Actor, payment_id: int) -> Payment:
    """Staff confirm a bank-transfer notice: the money arrived, the balance goes down."""
    with transaction():
        payment = load_for_staff(actor, Payment, payment_id)
        if payment.status != "pending":
            raise InvalidStateError(N_("Only a pending payment can be confirmed."))
        invoice = locked(Invoice, payment.invoice_id)
        if payment.amount > invoice.balance:
            raise ValidationError(N_("The payment is larger than the invoice balance."))
        payment.status, payment.paid_at = "succeeded", utcnow()
        payment.save()
        _apply(invoice, payment.amount)
        record(payment.organization_id, actor, "payment_confirmed", payment,
               customer_id=payment.customer_id, amount=str(payment.amount))
        record_event(payment.organization_id, "payment.confirmed",
                     payment_payload(payment, invoice, payment.customer, payment.contact))
    return payment


def reject_bank_transfer(actor: Actor, payment_id: int) -> Payment:
    """Staff reject a bank-transfer notice that never arrived."""
    with transaction():
        payment = load_for_staff(actor, Payment, payment_id)
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
                           paid_at=None) -> Payment:
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
                                 paid_at=paid_at or utcnow())
        payment.number = f"PAY-{payment.id:06d}"
        payment.save()
        _apply(invoice, amount)
        record(invoice.organization_id, actor, "payment_recorded", payment,
               customer_id=invoice.customer_id, amount=str(amount), invoice=invoice.number)
        record_event(invoice.organization_id, "payment.recorded",
                     payment_payload(payment, invoice, invoice.customer))
    return payment

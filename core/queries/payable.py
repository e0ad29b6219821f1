"""What a contact may pay now, for the page that pays several invoices in one payment."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from peewee import fn

from core import document_rules
from core.models import Invoice, Payment, PaymentAllocation, utcnow
from core.queries.scoping import ContactScope

PAYABLE_STATUSES = ("sent", "partially_paid")
MAX_LISTED = 50  # the most one payment may cover (core.services.payments)


@dataclass(frozen=True)
class PayableInvoice:
    """An invoice with something left to pay now."""

    invoice: Invoice
    payable: Decimal
    overdue: bool


def holding(now: datetime.datetime):
    """Payments whose amount is not paid yet but may not be paid again: unconfirmed
    bank-transfer notices, and hosted checkouts still open (or a bank debit on its way)."""
    return ((Payment.status == "pending")
            | ((Payment.status == "processing")
               & (Payment.hold_until.is_null() | (Payment.hold_until > now))))


def list_payable_invoices(scope: ContactScope, today: datetime.date) -> list[PayableInvoice]:
    """The customer's invoices with a payable amount, oldest due first (three queries)."""
    if not (scope.module_enabled("invoice") and scope.module_enabled("payment")):
        return []
    invoices = list(scope.documents("invoice")
                    .where(Invoice.status.in_(PAYABLE_STATUSES), Invoice.balance > 0)
                    .order_by(Invoice.due_date, Invoice.id).limit(MAX_LISTED))
    ids = [invoice.id for invoice in invoices]
    held: dict[int, Decimal] = {}
    if ids:
        now = utcnow()
        direct = (Payment.select(Payment.invoice, fn.SUM(Payment.amount))
                  .where(Payment.invoice.in_(ids), holding(now)).group_by(Payment.invoice).tuples())
        shared = (PaymentAllocation.select(PaymentAllocation.invoice,
                                           fn.SUM(PaymentAllocation.amount))
                  .join(Payment).where(PaymentAllocation.invoice.in_(ids), holding(now))
                  .group_by(PaymentAllocation.invoice).tuples())
        for invoice_id, amount in [*direct, *shared]:
            held[invoice_id] = held.get(invoice_id, Decimal("0")) + Decimal(str(amount or 0))
    found = []
    for invoice in invoices:
        payable = max(Decimal("0.00"),
                      (invoice.balance - held.get(invoice.id, Decimal("0"))).quantize(
                          Decimal("0.01")))
        if payable > 0:
            overdue = document_rules.is_overdue(invoice, today)
            found.append(PayableInvoice(invoice, payable, overdue))
    return found


def list_allocations(payment: Payment) -> list[PaymentAllocation]:
    """The invoices one payment covers, with their shares (empty for a one-invoice payment)."""
    return list(PaymentAllocation.select(PaymentAllocation, Invoice).join(Invoice)
                .where(PaymentAllocation.payment == payment.id)
                .order_by(Invoice.due_date, Invoice.id))

"""Statement of account: opening balance, transactions in a date range, closing balance."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from peewee import fn

from core.errors import ValidationError
from core.i18n import N_
from core.models import Invoice, Payment

COUNTED_INVOICES = ("sent", "partially_paid", "paid")


@dataclass
class StatementLine:
    """One transaction: an invoice (charge) or a payment (credit), and the running balance."""

    date: datetime.date
    kind: str  # invoice | payment
    number: str
    charge: Decimal
    credit: Decimal
    balance: Decimal
    record_id: int


@dataclass
class Statement:
    """A customer's account over a date range."""

    customer_id: int
    currency: str
    start: datetime.date
    end: datetime.date
    opening_balance: Decimal
    lines: list
    closing_balance: Decimal
    total_charges: Decimal
    total_credits: Decimal


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _day_end(day: datetime.date) -> datetime.datetime:
    # The day's last instant, not the next midnight: 9999-12-31 has no next day.
    return datetime.datetime.combine(day, datetime.time.max)


def build_statement(customer, start: datetime.date, end: datetime.date) -> Statement:
    """The statement of `customer` from `start` to `end` inclusive (four queries)."""
    if start is None or end is None or start > end:
        raise ValidationError(N_("Choose a start date on or before the end date."),
                              field="start")
    if (end - start).days > 366 * 5:
        raise ValidationError(N_("Choose a range of at most five years."), field="start")
    invoices = Invoice.select().where(Invoice.customer == customer.id,
                                      Invoice.status.in_(COUNTED_INVOICES))
    payments = Payment.select().where(Payment.customer == customer.id,
                                      Payment.status == "succeeded")
    start_at = datetime.datetime.combine(start, datetime.time())
    opening = (_money(invoices.select(fn.SUM(Invoice.total))
                      .where(Invoice.issue_date < start).scalar())
               - _money(payments.select(fn.SUM(Payment.amount))
                        .where(Payment.paid_at < start_at).scalar()))
    # Only the columns a line shows: a year of a big customer is a thousand rows.
    rows = [(inv.issue_date, 0, "invoice", inv) for inv in invoices.select(
        Invoice.id, Invoice.issue_date, Invoice.number, Invoice.total).where(
        Invoice.issue_date >= start, Invoice.issue_date <= end)]
    rows += [(pay.paid_at.date(), 1, "payment", pay) for pay in payments.select(
        Payment.id, Payment.paid_at, Payment.number, Payment.amount).where(
        Payment.paid_at >= start_at, Payment.paid_at <= _day_end(end))]
    rows.sort(key=lambda r: (r[0], r[1], r[3].id))
    balance, lines = opening, []
    charges = credits = Decimal("0.00")
    for day, _, kind, obj in rows:
        if kind == "invoice":
            charge, credit = obj.total, Decimal("0.00")
        else:
            charge, credit = Decimal("0.00"), obj.amount
        balance += charge - credit
        charges += charge
        credits += credit
        lines.append(StatementLine(day, kind, obj.number, charge, credit,
                                   balance, obj.id))
    return Statement(customer.id, customer.currency, start, end, opening, lines, balance,
                     charges, credits)

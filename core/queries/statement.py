"""Statement of account: opening balance, transactions in a date range, closing balance."""

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from peewee import Select, fn

from core.errors import ValidationError
from core.i18n import N_
from core.models import Invoice, Payment
from core.pagination import Page, clamp
from core.prepared import Param, PreparedSelect

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


def _counted_invoices(query):
    return query.where(Invoice.customer == Param("customer"),
                       Invoice.status.in_(COUNTED_INVOICES))


def _received_payments(query):
    return query.where(Payment.customer == Param("customer"), Payment.status == "succeeded")


# A statement's three reads, SQL built once each (see core.prepared): the opening balance's
# two sums in one round trip, then the range's invoices and payments, only the columns a line
# shows, as tuples (a year of a big customer is a thousand rows).
_OPENING = PreparedSelect(lambda: Select(columns=[
    _counted_invoices(Invoice.select(fn.SUM(Invoice.total)))
    .where(Invoice.issue_date < Param("start")).alias("charged"),
    # What Stripe refunded of a payment is owed again (core.services.stripe_events).
    _received_payments(Payment.select(fn.SUM(Payment.amount - Payment.refunded_amount)))
    .where(Payment.paid_at < Param("start_at")).alias("received"),
]).tuples())
_INVOICE_ROWS = PreparedSelect(lambda: _counted_invoices(
    Invoice.select(Invoice.id, Invoice.issue_date, Invoice.number, Invoice.total))
    .where(Invoice.issue_date >= Param("start"), Invoice.issue_date <= Param("end")).tuples())
_PAYMENT_ROWS = PreparedSelect(lambda: _received_payments(
    Payment.select(Payment.id, Payment.paid_at, Payment.number,
                   (Payment.amount - Payment.refunded_amount).alias("received")))
    .where(Payment.paid_at >= Param("start_at"), Payment.paid_at <= Param("end_at")).tuples())


def build_statement(customer, start: datetime.date, end: datetime.date) -> Statement:
    """The statement of `customer` from `start` to `end` inclusive (three queries)."""
    if start is None or end is None or start > end:
        raise ValidationError(N_("Choose a start date on or before the end date."),
                              field="start")
    if (end - start).days > 366 * 5:
        raise ValidationError(N_("Choose a range of at most five years."), field="start")
    start_at = datetime.datetime.combine(start, datetime.time())
    charged, received = _OPENING.first(customer=customer.id, start=start, start_at=start_at)
    opening = _money(charged) - _money(received)
    zero = Decimal("0.00")
    rows = [(day, 0, record_id, "invoice", number, _money(total), zero)
            for record_id, day, number, total in _INVOICE_ROWS.execute(
                customer=customer.id, start=start, end=end)]
    rows += [(paid_at.date(), 1, record_id, "payment", number, zero, _money(amount))
             for record_id, paid_at, number, amount in _PAYMENT_ROWS.execute(
                 customer=customer.id, start_at=start_at, end_at=_day_end(end))]
    rows.sort(key=lambda r: r[:3])
    balance, lines = opening, []
    charges = credits = zero
    for day, _, record_id, kind, number, charge, credit in rows:
        balance += charge - credit
        charges += charge
        credits += credit
        lines.append(StatementLine(day, kind, number, charge, credit, balance, record_id))
    return Statement(customer.id, customer.currency, start, end, opening, lines, balance,
                     charges, credits)


STATEMENT_LINES_PER_PAGE = 50


def statement_page(statement: Statement, page=1,
                   per_page: int = STATEMENT_LINES_PER_PAGE) -> Page:
    """One page of a statement's lines, with the balance brought forward from the page before
    and carried to the next in `extra` (the web page shows a big customer's year in pages,
    each the same work to show; the PDF has every line)."""
    page, per_page = clamp(page, per_page)
    total = len(statement.lines)
    page = min(page, max(1, math.ceil(total / per_page)))
    first = (page - 1) * per_page
    lines = statement.lines[first:first + per_page]
    brought = statement.lines[first - 1].balance if first else None
    carried = lines[-1].balance if lines and first + per_page < total else None
    return Page(lines, page, per_page, total,
                extra={"brought_forward": brought, "carried_forward": carried})

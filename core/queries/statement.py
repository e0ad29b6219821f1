"""Statement of account: opening balance, transactions in a date range, closing balance."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from peewee import SQL, Select, fn

from core.errors import ValidationError
from core.i18n import N_
from core.models import Invoice, Payment
from core.pagination import Page, clamp, within
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


def _invoices_in_range(query):
    return _counted_invoices(query).where(Invoice.issue_date >= Param("start"),
                                          Invoice.issue_date <= Param("end"))


def _payments_in_range(query):
    return _received_payments(query).where(Payment.paid_at >= Param("start_at"),
                                           Payment.paid_at <= Param("end_at"))


def _received():
    # What Stripe refunded of a payment is owed again (core.services.stripe_events).
    return Payment.amount - Payment.refunded_amount


def _opening_sums() -> list:
    """The opening balance's two sums: charged and received before the range."""
    return [_counted_invoices(Invoice.select(fn.SUM(Invoice.total)))
            .where(Invoice.issue_date < Param("start")).alias("charged"),
            _received_payments(Payment.select(fn.SUM(_received())))
            .where(Payment.paid_at < Param("start_at")).alias("received")]


# A statement's three reads, SQL built once each (see core.prepared): the opening balance's
# two sums in one round trip, then the range's invoices and payments, only the columns a line
# shows, as tuples (a year of a big customer is a thousand rows).
_OPENING = PreparedSelect(lambda: Select(columns=_opening_sums()).tuples())
_INVOICE_ROWS = PreparedSelect(lambda: _invoices_in_range(
    Invoice.select(Invoice.id, Invoice.issue_date, Invoice.number, Invoice.total)).tuples())
_PAYMENT_ROWS = PreparedSelect(lambda: _payments_in_range(
    Payment.select(Payment.id, Payment.paid_at, Payment.number,
                   _received().alias("received"))).tuples())


def _check_range(start: datetime.date | None, end: datetime.date | None) -> None:
    if start is None or end is None or start > end:
        raise ValidationError(N_("Choose a start date on or before the end date."),
                              field="start")
    if (end - start).days > 366 * 5:
        raise ValidationError(N_("Choose a range of at most five years."), field="start")


def build_statement(customer, start: datetime.date, end: datetime.date) -> Statement:
    """The statement of `customer` from `start` to `end` inclusive, every line (three
    queries): what the PDF prints."""
    _check_range(start, end)
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


# The web page's reads: the opening balance, the range's totals and counts in one round trip;
# then only the lines of the page shown, in statement order (day, invoices before payments, id)
# straight from the database, and for a later page the sums of the lines before it. A year of
# a big customer costs what a small one's does.
_SUMMARY = PreparedSelect(lambda: Select(columns=[
    *_opening_sums(),
    _invoices_in_range(Invoice.select(fn.SUM(Invoice.total))).alias("charges"),
    _invoices_in_range(Invoice.select(fn.COUNT(Invoice.id))).alias("invoices"),
    _payments_in_range(Payment.select(fn.SUM(_received()))).alias("credits"),
    _payments_in_range(Payment.select(fn.COUNT(Payment.id))).alias("payments"),
]).tuples())


def _lines_in_order():
    """Every line of the range as (day, 0 for an invoice or 1 for a payment, id, number,
    charge, credit), in statement order. Literals, not parameters, for the constant columns:
    PostgreSQL types a UNION's columns from them."""
    invoices = _invoices_in_range(Invoice.select(
        Invoice.issue_date.alias("day"), SQL("0").alias("kind"), Invoice.id.alias("record_id"),
        Invoice.number.alias("number"), Invoice.total.alias("charge"),
        SQL("0").alias("credit")))
    payments = _payments_in_range(Payment.select(
        fn.DATE(Payment.paid_at), SQL("1"), Payment.id, Payment.number, SQL("0"), _received()))
    return invoices.union_all(payments).order_by(SQL("1"), SQL("2"), SQL("3"))


_PAGE_LINES = PreparedSelect(
    lambda: _lines_in_order().limit(Param("limit")).offset(Param("offset")).tuples())
_BEFORE_PAGE = PreparedSelect(lambda: Select(
    from_list=[_lines_in_order().limit(Param("offset")).alias("before_page")],
    columns=[fn.SUM(SQL("charge")), fn.SUM(SQL("credit"))]).tuples())


def _as_date(value) -> datetime.date:
    # SQLite's DATE() gives text; PostgreSQL's, and the invoice dates, a date.
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def statement_with_page(customer, start: datetime.date, end: datetime.date, page=1,
                        per_page: int = STATEMENT_LINES_PER_PAGE) -> tuple[Statement, Page]:
    """The statement of `customer` from `start` to `end` with one page of its lines (the
    statement's `lines` are that page's), the balance brought forward from the page before
    and carried to the next in the page's `extra`: what the web page shows, reading only the
    rows of that page (two queries, three after the first page)."""
    _check_range(start, end)
    start_at = datetime.datetime.combine(start, datetime.time())
    values = {"customer": customer.id, "start": start, "end": end, "start_at": start_at,
              "end_at": _day_end(end)}
    charged, received, charges, invoices, credits, payments = _SUMMARY.first(**values)
    opening = _money(charged) - _money(received)
    charges, credits = _money(charges), _money(credits)
    total = (invoices or 0) + (payments or 0)
    page, per_page = clamp(page, per_page)
    page = within(page, per_page, total)
    first = (page - 1) * per_page
    balance = opening
    if first:
        charged_before, received_before = _BEFORE_PAGE.first(offset=first, **values)
        balance += _money(charged_before) - _money(received_before)
    brought = balance if first else None
    lines = []
    for day, kind, record_id, number, charge, credit in _PAGE_LINES.execute(
            limit=per_page, offset=first, **values):
        charge, credit = _money(charge), _money(credit)
        balance += charge - credit
        lines.append(StatementLine(_as_date(day), "payment" if kind else "invoice", number,
                                   charge, credit, balance, record_id))
    carried = balance if lines and first + per_page < total else None
    statement = Statement(customer.id, customer.currency, start, end, opening, lines,
                          opening + charges - credits, charges, credits)
    return statement, Page(lines, page, per_page, total,
                           extra={"brought_forward": brought, "carried_forward": carried})

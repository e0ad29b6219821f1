"""The one home of document rules: overdue, expired, payable, the status a customer is shown,
and "today", which is the organization's calendar day (its time zone), never the server's.

Pages, lists, filters, PDFs, emails, the statement and the console all ask here; the SQL
conditions below say the same as the Python predicates, so a filter and a badge never disagree.
"""

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peewee import Expression

from core.models import Invoice, Quote

OPEN_INVOICE_STATUSES = ("sent", "partially_paid")


def zone_named(name: str | None) -> datetime.tzinfo:
    """A time zone by its name (UTC when none or an unknown one is given)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def zone_of(organization) -> datetime.tzinfo:
    """The organization's time zone (UTC when none or an unknown one is stored)."""
    return zone_named(getattr(organization, "timezone", None))


def current_time() -> datetime.datetime:
    """The one clock every "today" reads (tests set it to a date boundary)."""
    return datetime.datetime.now(datetime.UTC)


def today_for(organization, now: datetime.datetime | None = None) -> datetime.date:
    """The organization's date at `now` (an aware time, default the current one)."""
    return (now or current_time()).astimezone(zone_of(organization)).date()


def is_payable(invoice) -> bool:
    """An invoice that can still be paid: open and with a balance."""
    return invoice.status in OPEN_INVOICE_STATUSES and invoice.balance > 0


def is_overdue(invoice, today: datetime.date) -> bool:
    """Open and past its due date: the due date itself is the last day to pay."""
    return (invoice.status in OPEN_INVOICE_STATUSES and invoice.due_date is not None
            and invoice.due_date < today)


def is_expired(quote, today: datetime.date) -> bool:
    """Marked expired, or sent and past its expiry date (valid through that day)."""
    if quote.status == "expired":
        return True
    return quote.status == "sent" and quote.expiry_date is not None and quote.expiry_date < today


def can_respond(quote, today: datetime.date) -> bool:
    """A quote the customer may still accept or decline."""
    return quote.status == "sent" and not is_expired(quote, today)


def shown_status(kind: str, document, today: datetime.date) -> str:
    """The status a customer sees: "overdue" and "expired" are derived from the dates."""
    if kind == "invoice" and is_overdue(document, today):
        return "overdue"
    if kind == "quote" and is_expired(document, today):
        return "expired"
    return document.status


def overdue_condition(today) -> Expression:
    """SQL for `is_overdue` (`today` a date or a prepared-query parameter)."""
    return Invoice.status.in_(OPEN_INVOICE_STATUSES) & (Invoice.due_date < today)


def expired_condition(today) -> Expression:
    """SQL for `is_expired`."""
    return ((Quote.status == "expired")
            | ((Quote.status == "sent") & Quote.expiry_date.is_null(False)
               & (Quote.expiry_date < today)))


def awaiting_condition(today) -> Expression:
    """SQL for a quote still awaiting the customer's answer (sent, not expired)."""
    return (Quote.status == "sent") & (Quote.expiry_date.is_null() | (Quote.expiry_date >= today))

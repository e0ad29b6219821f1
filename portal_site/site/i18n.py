"""The portal's locale chain, and formatting helpers every template uses."""

import datetime
from decimal import Decimal

from flask import Flask, g, request, session
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    to_user_timezone,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, contact_language, is_rtl

# Set while an invitation, reset or sign-up link is being completed (see portal_site.auth).
PENDING_LANGUAGE_KEY = "pending_language"

STATUS_LABELS = {
    "quote": {
        "draft": _l("Draft"), "sent": _l("Awaiting your response"), "accepted": _l("Accepted"),
        "declined": _l("Declined"), "expired": _l("Expired"), "invoiced": _l("Invoiced"),
    },
    "sales_order": {
        "draft": _l("Draft"), "confirmed": _l("Confirmed"), "closed": _l("Closed"),
        "void": _l("Void"),
    },
    "fulfilment": {
        "not_shipped": _l("Not shipped"), "partially_shipped": _l("Partially shipped"),
        "shipped": _l("Shipped"),
    },
    "invoice": {
        "draft": _l("Draft"), "sent": _l("Unpaid"), "partially_paid": _l("Partially paid"),
        "paid": _l("Paid"), "void": _l("Void"), "overdue": _l("Overdue"),
    },
    "payment": {
        "succeeded": _l("Received"), "pending": _l("Awaiting confirmation"), "void": _l("Void"),
    },
    "method": {
        "card": _l("Card"), "bank_transfer": _l("Bank transfer"), "cash": _l("Cash"),
        "cheque": _l("Cheque"),
    },
    "shipment": {
        "packed": _l("Packed"), "shipped": _l("Shipped"), "in_transit": _l("In transit"),
        "out_for_delivery": _l("Out for delivery"), "delivered": _l("Delivered"),
    },
}


def select_locale() -> str:
    """Signed in: the contact's language chain; before: a pending link's language, else the
    browser's Accept-Language among the shipped ones, else the organization default."""
    if current_user.is_authenticated:
        return contact_language(current_user.scope.contact)
    pending = session.get(PENDING_LANGUAGE_KEY)
    if pending in SUPPORTED_LANGUAGES:
        return pending
    best = request.accept_languages.best_match(list(SUPPORTED_LANGUAGES))
    if best:
        return best
    org = g.get("org")
    if org is not None and org.default_language in SUPPORTED_LANGUAGES:
        return org.default_language
    return DEFAULT_LANGUAGE


def select_timezone() -> str:
    """Times show in the organization's time zone."""
    org = g.get("org")
    return org.timezone if org is not None and org.timezone else "UTC"


def money(amount, currency: str) -> str:
    """An amount in the document's currency, in the page's locale."""
    return format_currency(Decimal(str(amount or 0)), currency)


def date(value) -> str:
    """A date (or a UTC timestamp's day in the organization's time zone) in the page's locale."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = to_user_timezone(value).date()
    return format_date(value, "medium")


def date_time(value) -> str:
    """A UTC timestamp in the organization's time zone and the page's locale."""
    return format_datetime(value, "medium") if value else ""


def quantity(value) -> str:
    """A quantity without trailing zeros (3, 2.5), in the page's locale."""
    return format_decimal(Decimal(str(value or 0)), format="#,##0.###")


def status_label(kind: str, status: str) -> str:
    """The translated label of a status."""
    label = STATUS_LABELS.get(kind, {}).get(status)
    return str(label) if label is not None else status


def page_locale() -> dict:
    """`lang` and `dir` for the <html> element."""
    locale = str(get_locale() or DEFAULT_LANGUAGE)
    return {"lang": locale.replace("_", "-"), "dir": "rtl" if is_rtl(locale) else "ltr"}


def init_app(app: Flask) -> None:
    """Expose the formatting helpers to templates."""
    app.jinja_env.globals.update(money=money, fmt_date=date, fmt_datetime=date_time,
                                 fmt_quantity=quantity, status_label=status_label,
                                 page_locale=page_locale, languages=SUPPORTED_LANGUAGES)

"""The portal's locale chain, and formatting helpers every template uses."""

import datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import get_datetime_format, get_timezone_gmt
from babel.numbers import format_currency as babel_format_currency
from babel.numbers import get_currency_precision
from flask import Flask, g, request, session
from flask_babel import (
    format_currency,
    format_date,
    format_decimal,
    get_locale,
    get_translations,
    to_user_timezone,
)
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from core import names
from core.document_rules import zone_of
from core.i18n import (
    DEFAULT_LANGUAGE,
    STATUS_LABELS,
    SUPPORTED_LANGUAGES,
    contact_language,
    is_rtl,
)
from core.portal_texts import portal_text

# Set while an invitation, reset or sign-up link is being completed (see portal_site.auth).
PENDING_LANGUAGE_KEY = "pending_language"


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


# Amounts Babel's pattern engine formats, compared with the fast path before it is trusted.
_MONEY_SAMPLES = tuple(Decimal(v) for v in (
    "0", "0.5", "1", "0.125", "0.135", "2.675", "12.34", "999.995", "1000", "12345.6",
    "1234567.89", "-1", "-0.5", "-1234.56", "-9876543.21", "1000000000"))
_SENTINEL = Decimal("1234567.89")
_NUMBER = "\x00"  # where the digits go in a locale's currency template


def _money_formatter(locale, currency: str):
    """A formatter for one locale and currency that gives Babel's exact output, or None."""
    digits = get_currency_precision(currency)
    sentinel = f"{_SENTINEL:,.{digits}f}"

    def shaped(value, sign_template, plain_template):
        number = f"{abs(value):,.{digits}f}"
        return (sign_template if value < 0 else plain_template).replace(
            _NUMBER, number.translate(separators))

    try:
        positive = babel_format_currency(_SENTINEL, currency, locale=locale)
        negative = babel_format_currency(-_SENTINEL, currency, locale=locale)
        separators = str.maketrans({",": locale.number_symbols["latn"]["group"],
                                    ".": locale.number_symbols["latn"]["decimal"]})
        localized = sentinel.translate(separators)
        if positive.count(localized) != 1 or negative.count(localized) != 1:
            return None
        plain, signed = positive.replace(localized, _NUMBER), negative.replace(localized, _NUMBER)
        for sample in _MONEY_SAMPLES:
            if shaped(sample, signed, plain) != babel_format_currency(sample, currency,
                                                                       locale=locale):
                return None
    except (KeyError, TypeError, ValueError):
        return None
    return lambda value: shaped(value, signed, plain)


_KEPT_DAYS = 8192  # a page shows few distinct days, the same ones again and again
_UNSET = object()


class LocaleFormats:
    """Amounts and dates in one locale, each currency's formatter and each day's text kept
    for the process (Babel's pattern engine costs ~50 µs an amount; a list page shows
    hundreds). One per locale: `formats_in(locale)`."""

    def __init__(self, locale):
        self.locale = locale
        self._formatters: dict[str, object] = {}
        self._days: dict[datetime.date, str] = {}

    def money(self, amount, currency: str) -> str:
        """An amount in `currency`."""
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount or 0))
        formatter = self._formatters.get(currency, _UNSET)
        if formatter is _UNSET:
            # The fast formatter gives Babel's own text (checked when it is built), or None.
            formatter = self._formatters[currency] = _money_formatter(self.locale, currency)
        if formatter is None:
            return format_currency(value, currency)
        return formatter(value)

    def date(self, value) -> str:
        """A date (or a UTC timestamp's day in the organization's time zone)."""
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            value = to_user_timezone(value).date()
        if not isinstance(value, datetime.date):
            return format_date(value, "medium")
        text = self._days.get(value)
        if text is None:
            text = babel_format_date(value, "medium", locale=self.locale)
            if len(self._days) < _KEPT_DAYS:
                self._days[value] = text
        return text


@lru_cache(maxsize=64)
def formats_in(locale) -> LocaleFormats:
    """The formatting of `locale` (a Babel Locale)."""
    return LocaleFormats(locale)


def money(amount, currency: str) -> str:
    """An amount in the document's currency, in the page's locale."""
    return money_in(get_locale(), amount, currency)


def money_in(locale, amount, currency: str) -> str:
    """An amount in the document's currency, in `locale`."""
    if locale is None:
        return format_currency(Decimal(str(amount or 0)), currency)
    return formats_in(locale).money(amount, currency)


def date(value) -> str:
    """A date (or a UTC timestamp's day in the organization's time zone) in the page's locale."""
    return date_in(get_locale(), value)


def date_in(locale, value) -> str:
    """A date (or a UTC timestamp's day in the organization's time zone) in `locale`."""
    if locale is None:
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            value = to_user_timezone(value).date()
        return format_date(value, "medium")
    return formats_in(locale).date(value)


def date_time(value) -> str:
    """A UTC timestamp in the organization's time zone and the page's locale, with the zone."""
    return moment_in(get_locale(), value, zone_of(g.get("org")))


def moment_in(locale, value: datetime.datetime | None, zone: datetime.tzinfo) -> str:
    """A stored (naive UTC) time in `zone`, in `locale`'s date-time pattern, with the zone's
    offset ("GMT+14:00") so a reader elsewhere knows which clock it is; minutes suffice."""
    if value is None:
        return ""
    if locale is None:
        locale = Locale.parse(DEFAULT_LANGUAGE)
    local = value.replace(tzinfo=datetime.UTC).astimezone(zone)
    pattern = get_datetime_format("medium", locale=locale).replace("'", "")
    moment = pattern.format(babel_format_time(local, "short", locale=locale),
                            babel_format_date(local.date(), "medium", locale=locale))
    return f"{moment} {get_timezone_gmt(local, width='long', locale=locale)}"


def quantity(value) -> str:
    """A quantity without trailing zeros (3, 2.5), in the page's locale."""
    return format_decimal(Decimal(str(value or 0)), format="#,##0.###")


def status_label(kind: str, status: str) -> str:
    """The translated label of a status."""
    return status_label_in(get_translations(), kind, status)


def status_label_in(translations, kind: str, status: str) -> str:
    """The label of a status, from a given catalog."""
    label = STATUS_LABELS.get(kind, {}).get(status)
    return translations.ugettext(label) if label is not None else status


def contact_name(contact) -> str:
    """A contact's full name in the order the page's language writes it."""
    return names.contact_name(contact, str(get_locale() or DEFAULT_LANGUAGE))


def greeting_name(contact) -> str:
    """The name a greeting on the page uses (see core.names.greeting_name)."""
    return names.greeting_name(contact, str(get_locale() or DEFAULT_LANGUAGE))


def bidi(value, ltr: bool = False) -> Markup:
    """`value` escaped and, on a right-to-left page, isolated in a <bdi> (left-to-right for
    URLs and addresses), so an amount, number or URL stays in one piece in Arabic text."""
    text = escape("" if value is None else value)
    if not is_rtl(str(get_locale() or DEFAULT_LANGUAGE)):
        return Markup(text)
    return Markup('<bdi dir="ltr">%s</bdi>' if ltr else "<bdi>%s</bdi>") % text


def ltr_text(value) -> str:
    """A URL or address as plain text, isolated left-to-right when the locale is RTL (emails'
    text and HTML parts alike: the isolate is a Unicode control, not markup)."""
    return names.isolate(value, str(get_locale() or DEFAULT_LANGUAGE), ltr=True)


def page_text(kind: str) -> str:
    """A text staff wrote for the portal (banner, bank-transfer instructions), in the page's
    language when they wrote one, else in the organization's default language."""
    return portal_text(g.get("prefs"), kind, str(get_locale() or DEFAULT_LANGUAGE))


def page_locale() -> dict:
    """`lang` and `dir` for the <html> element."""
    locale = str(get_locale() or DEFAULT_LANGUAGE)
    return {"lang": locale.replace("_", "-"), "dir": "rtl" if is_rtl(locale) else "ltr"}


# Filters for list rows (`amount|money(currency)`, `value|fmt_date`, `status|status_label(kind)`):
# Jinja calls a filter directly, a function call through Context.call (about 1 µs; a list's rows
# make hundreds). Each calls whatever the render has under that name (see portal_site.speed).
@pass_context
def _money_filter(context, amount, currency: str) -> str:
    return context["money"](amount, currency)


@pass_context
def _date_filter(context, value) -> str:
    return context["fmt_date"](value)


@pass_context
def _status_filter(context, status: str, kind: str) -> str:
    return context["status_label"](kind, status)


def init_app(app: Flask) -> None:
    """Expose the formatting helpers to templates."""
    app.jinja_env.globals.update(money=money, fmt_date=date, fmt_datetime=date_time,
                                 fmt_quantity=quantity, status_label=status_label,
                                 page_locale=page_locale, languages=SUPPORTED_LANGUAGES,
                                 contact_name=contact_name, greeting_name=greeting_name,
                                 portal_text=page_text)
    app.jinja_env.filters.update(money=_money_filter, fmt_date=_date_filter,
                                 status_label=_status_filter, bidi=bidi,
                                 ltr=ltr_text)

"""Amounts as a locale writes them, for the import.

The adapter to the one strict locale money parser, `core.money.parse_amount(text, locale,
currency) -> Decimal`: until that module is on this branch, babel's strict decimal parsing
stands in with the same signature and errors.
"""

from decimal import Decimal

from babel.numbers import NumberFormatError, get_currency_symbol, parse_decimal

from core.errors import ValidationError
from core.i18n import N_


def parse_amount(text: str, locale: str, currency: str) -> Decimal:
    """An amount written with `locale`'s separators, the currency's code or symbol allowed;
    ValidationError when the separators do not fit the locale (1,234.50 in German)."""
    value = text.strip()
    for mark in {currency.upper(), get_currency_symbol(currency.upper(), locale=locale)}:
        value = value.replace(mark, "")
    value = value.replace("\u00a0", " ").replace("\u202f", " ").strip()
    try:
        number = parse_decimal(value, locale=locale, strict=True)
    except NumberFormatError:
        raise ValidationError(N_("Enter an amount as %(example)s."), field="amount",
                              example=_example(locale)) from None
    return number


def _example(locale: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(Decimal("1234.50"), format="#,##0.00", locale=locale)

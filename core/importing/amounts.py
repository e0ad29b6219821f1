"""Amounts as a locale writes them, for the import: core.money's strict parser (the one every
form uses), after taking off a currency code or symbol a spreadsheet may carry."""

from decimal import Decimal

from babel.numbers import get_currency_symbol

from core.money import parse_amount as parse_money
from core.money import parse_number

QUANTITY_DECIMALS = 3  # as the document lines store them


def _bare(text: str, locale: str, currency: str) -> str:
    value = text.strip()
    for mark in {currency.upper(), get_currency_symbol(currency.upper(), locale=locale)}:
        value = value.replace(mark, "")
    return value.strip()


def parse_amount(text: str, locale: str, currency: str, *, field: str = "amount") -> Decimal:
    """An amount of `currency` written with `locale`'s separators (ValidationError else)."""
    return parse_money(_bare(text, locale, currency), locale, currency, field=field)


def parse_quantity(text: str, locale: str, *, field: str) -> Decimal:
    """A quantity or rate (up to three decimals, zero allowed) written the locale's way."""
    return parse_number(text.strip().rstrip("%").strip(), locale,
                        decimals=QUANTITY_DECIMALS, field=field, allow_zero=True)

"""The one money parser: an amount typed in the contact's locale, read strictly."""

from decimal import Decimal

import pytest

from core.errors import ValidationError
from core.money import example_amount, parse_amount, plain_amount

NNBSP = "\u202f"  # French groups thousands with a narrow no-break space


@pytest.mark.parametrize(("locale", "text", "currency", "expected"), [
    ("en", "1,250", "USD", "1250.00"),
    ("en", "1250", "USD", "1250.00"),
    ("en", "1,234.56", "USD", "1234.56"),
    ("en", "1,234,567.5", "USD", "1234567.50"),
    ("en", "0.5", "USD", "0.50"),
    ("en", " 12.30 ", "USD", "12.30"),
    ("de", "1.234,56", "EUR", "1234.56"),
    ("de", "1234,56", "EUR", "1234.56"),
    ("de", "1,5", "EUR", "1.50"),
    ("fr", f"1{NNBSP}234,56", "EUR", "1234.56"),
    ("fr", "1\u00a0234,56", "EUR", "1234.56"),
    ("fr", "1 234,56", "EUR", "1234.56"),
    ("fr", "12,5", "EUR", "12.50"),
    ("es", "1.234,56", "EUR", "1234.56"),
    ("es", "99,99", "MXN", "99.99"),
    ("ja", "1,250", "JPY", "1250"),
    ("ja", "1250", "JPY", "1250"),
    ("ja", "12.5", "USD", "12.50"),
    ("ar", "1,234.56", "SAR", "1234.56"),
    ("ar", "١٬٢٣٤٫٥٦", "SAR", "1234.56"),
    ("ar", "٥٠", "AED", "50.00"),
])
def test_an_amount_written_the_locales_way_is_read_exactly(locale, text, currency, expected):
    assert parse_amount(text, locale, currency) == Decimal(expected)


@pytest.mark.parametrize(("locale", "text", "currency"), [
    ("en", "1,25", "USD"),        # a comma in English is a group separator, never a decimal
    ("en", "12,34,567", "USD"),   # groups in the wrong places
    ("en", "1_0", "USD"),         # Python's digit separator
    ("en", "१", "USD"),           # Devanagari digits
    ("en", "1e3", "USD"),
    ("en", "1E3", "USD"),
    ("en", "Infinity", "USD"),
    ("en", "NaN", "USD"),
    ("en", "1.", "USD"),
    ("en", "1.2.3", "USD"),
    ("en", "0,500", "USD"),
    ("en", "$12", "USD"),
    ("en", "12 34", "USD"),       # a space is no group separator in English
    ("en", "1,234,56", "USD"),
    ("de", "1.5", "EUR"),         # a dot in German groups thousands
    ("de", "1,234.56", "EUR"),    # English notation on a German page
    ("fr", "1.234,56", "EUR"),
    ("ar", "١٢3", "SAR"),          # Arabic-Indic and Latin digits mixed
    ("ar", "١,٢٣٤", "SAR"),        # Arabic-Indic digits with a Latin separator
    ("ja", "１２", "JPY"),          # full-width digits
])
def test_anything_else_is_refused_with_an_example_in_the_locale(locale, text, currency):
    with pytest.raises(ValidationError) as caught:
        parse_amount(text, locale, currency)
    assert caught.value.field == "amount"
    assert caught.value.params["example"] == example_amount(locale, 0 if currency == "JPY" else 2)


def test_the_example_is_written_the_way_the_locale_writes_numbers():
    assert example_amount("en", 2) == "1,234.56"
    assert example_amount("de", 2) == "1.234,56"
    assert example_amount("fr", 2) == f"1{NNBSP}234,56"
    assert example_amount("ja", 0) == "1,234"
    error = pytest.raises(ValidationError, parse_amount, "1.5", "de", "EUR").value
    assert str(error) == "Enter the amount as digits, for example 1.234,56."


def test_the_currency_decides_how_many_decimals_are_allowed():
    with pytest.raises(ValidationError) as caught:
        parse_amount("1250.5", "en", "JPY")
    assert "whole amount" in caught.value.message
    with pytest.raises(ValidationError) as caught:
        parse_amount("12,345", "de", "EUR")
    assert caught.value.params["count"] == 2
    assert parse_amount("12,34", "de", "EUR") == Decimal("12.34")


@pytest.mark.parametrize("text", ["-5", "\u22125", "0", "0.00", "-0"])
def test_no_negative_and_no_zero(text):
    with pytest.raises(ValidationError, match="greater than zero"):
        parse_amount(text, "en", "USD")


def test_zero_is_accepted_only_when_asked_for():
    assert parse_amount("0", "en", "USD", allow_zero=True) == Decimal("0.00")


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_amount_asks_for_one(text):
    with pytest.raises(ValidationError, match="Enter an amount"):
        parse_amount(text, "en", "USD")


def test_too_large_an_amount_is_refused():
    with pytest.raises(ValidationError, match="smaller amount"):
        parse_amount("1,000,000,000,000", "en", "USD")
    assert parse_amount("999,999,999,999.99", "en", "USD") == Decimal("999999999999.99")


def test_a_machine_amount_is_a_number_or_english_text():
    assert plain_amount(Decimal("12.5")) == Decimal("12.50")
    assert plain_amount(40) == Decimal("40.00")
    assert plain_amount(19.99) == Decimal("19.99")
    assert plain_amount("1,250") == Decimal("1250.00")
    assert plain_amount(Decimal("1E+3")) == Decimal("1000.00")
    assert plain_amount(1250, decimals=0) == Decimal("1250")
    for bad in (True, -1, Decimal("NaN"), "1,25", "12.345"):
        with pytest.raises(ValidationError):
            plain_amount(bad)

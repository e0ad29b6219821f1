"""Money typed by a person, read strictly in their locale: one parser for every form and import.

Only the locale's own digits and separators are accepted (Latin digits, or the locale's native
digits such as Arabic-Indic in `ar`, never a mix), group separators only where the locale puts
them, the currency's decimal places at most, and no sign or exponent. Anything else is refused
with a message that shows an amount written the locale's way, so nothing is guessed: `1,250` in
English is 1250, never 1.25.
"""

from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from typing import NamedTuple

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_currency_precision

from core.errors import ValidationError
from core.i18n import DEFAULT_LANGUAGE, N_

LIMIT = Decimal("1e12")  # the columns hold 12 integer digits
STORED_DECIMALS = 2  # and two decimals
_EXAMPLE = Decimal("1234.56")
# Numbering systems whose digits are the ten code points from this zero (Unicode keeps them
# contiguous); a locale whose native system is not here is read in Latin digits only.
_ZEROS = {"latn": 0x30, "arab": 0x660, "arabext": 0x6F0, "deva": 0x966, "beng": 0x9E6,
          "thai": 0xE50, "mymr": 0x1040, "tamldec": 0xBE6}
# A person cannot tell these apart on screen, so where the locale groups with one, any is read.
_SPACES = frozenset(" \u00a0\u202f\u2009")
_MINUS = frozenset("-\u2212\u2012\u2013\ufe63\uff0d")
# Invisible direction marks CLDR puts around numbers in right-to-left locales.
_MARKS = str.maketrans("", "", "\u200e\u200f\u061c")


class _Notation(NamedTuple):
    digits: str
    decimal: str
    groups: frozenset[str]
    primary: int
    secondary: int


@lru_cache(maxsize=64)
def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(str(locale).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(DEFAULT_LANGUAGE)


@lru_cache(maxsize=64)
def _notations(locale: Locale) -> tuple[_Notation, ...]:
    """The ways a number may be written in `locale`: Latin digits first, then its native ones."""
    primary, secondary = locale.decimal_formats[None].grouping
    systems = ["latn"]
    native = locale.other_numbering_systems.get("native", locale.default_numbering_system)
    if native != "latn" and native in _ZEROS:
        systems.append(native)
    notations = []
    for system in systems:
        symbols = locale.number_symbols.get(system) or locale.number_symbols["latn"]
        group = symbols["group"].translate(_MARKS)
        groups = _SPACES if group in _SPACES else frozenset({group})
        digits = "".join(chr(_ZEROS[system] + n) for n in range(10))
        notations.append(_Notation(digits, symbols["decimal"].translate(_MARKS), groups,
                                   primary, secondary))
    return tuple(notations)


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def example_amount(locale: str, decimals: int) -> str:
    """1234.56 written the locale's way with `decimals` places: the hint every error shows."""
    value = _EXAMPLE.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN)
    return format_decimal(value, format=_pattern(decimals), locale=_locale(locale))


def _read(text: str, notation: _Notation) -> str | None:
    """`text` as a plain ASCII number when it is well written in `notation`, else None."""
    allowed = set(notation.digits) | {notation.decimal} | notation.groups
    if not text or any(char not in allowed for char in text):
        return None
    whole, _, fraction = text.partition(notation.decimal)
    if notation.decimal in fraction or any(char in notation.groups for char in fraction):
        return None
    if notation.decimal in text and not fraction:
        return None
    used = {char for char in whole if char in notation.groups}
    if used:
        if len(used) > 1 and not used <= _SPACES:
            return None
        chunks = "".join(" " if char in notation.groups else char for char in whole).split(" ")
        head, middle, last = chunks[0], chunks[1:-1], chunks[-1]
        if not 1 <= len(head) <= notation.secondary or head[0] == notation.digits[0]:
            return None
        if len(last) != notation.primary or any(len(c) != notation.secondary for c in middle):
            return None
        whole = "".join(chunks)
    if not whole:
        return None
    ascii_digits = str.maketrans(notation.digits, "0123456789")
    return (whole + ("." + fraction if fraction else "")).translate(ascii_digits)


def parse_number(text: str, locale: str, *, decimals: int, field: str = "amount",
                 allow_zero: bool = False) -> Decimal:
    """A positive amount typed in `locale` with at most `decimals` places, else ValidationError."""
    example = example_amount(locale, decimals)
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(N_("Enter an amount, for example %(example)s."), field=field,
                              example=example)
    cleaned = text.translate(_MARKS).strip("".join(_SPACES) + "\t\r\n")
    if cleaned[:1] in _MINUS:
        raise ValidationError(N_("Enter an amount greater than zero."), field=field)
    plain = None
    for notation in _notations(_locale(locale)):
        plain = _read(cleaned, notation)
        if plain is not None:
            break
    if plain is None:
        raise ValidationError(N_("Enter the amount as digits, for example %(example)s."),
                              field=field, example=example)
    number = Decimal(plain)
    places = len(plain.partition(".")[2])
    if places > decimals:
        if decimals == 0:
            raise ValidationError(N_("Enter a whole amount without decimals, for example "
                                     "%(example)s."), field=field, example=example)
        raise ValidationError(N_("Use at most %(count)d decimal places, for example "
                                 "%(example)s."), field=field, count=decimals, example=example)
    if number == 0 and not allow_zero:
        raise ValidationError(N_("Enter an amount greater than zero."), field=field)
    if number >= LIMIT:
        raise ValidationError(N_("Enter a smaller amount."), field=field)
    return number.quantize(Decimal(1).scaleb(-decimals))


def currency_decimals(currency: str) -> int:
    """How many decimal places the currency has (none for JPY)."""
    return get_currency_precision(currency)


def parse_amount(text: str, locale: str, currency: str, *, field: str = "amount",
                 allow_zero: bool = False) -> Decimal:
    """A positive amount of `currency` as typed in `locale`; ValidationError names the rule."""
    return parse_number(text, locale, decimals=currency_decimals(currency), field=field,
                        allow_zero=allow_zero)


def plain_amount(value: Decimal | int | str, *, decimals: int = 2, field: str = "amount",
                 allow_zero: bool = False) -> Decimal:
    """An amount from a machine (API, console, import): a number, or text written in English."""
    if isinstance(value, bool):
        raise ValidationError(N_("Enter an amount, for example %(example)s."), field=field,
                              example=example_amount(DEFAULT_LANGUAGE, decimals))
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        if not number.is_finite() or number < 0:
            raise ValidationError(N_("Enter an amount greater than zero."), field=field)
        value = format(number.normalize(), "f") if number != 0 else "0"
    return parse_number(value, DEFAULT_LANGUAGE, decimals=decimals, field=field,
                        allow_zero=allow_zero)


def read_amount(value: str | Decimal | int, locale: str, currency: str, *,
                field: str = "amount") -> Decimal:
    """Text a person typed is read in `locale` with the currency's decimals; a number handed
    over by code is checked against the stored precision (cents: a total with tax can hold
    them, also in a currency without decimals)."""
    if isinstance(value, str):
        return parse_amount(value, locale, currency, field=field)
    return plain_amount(value, decimals=STORED_DECIMALS, field=field)


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """An amount with its currency, written the locale's way (for messages core composes)."""
    return format_currency(amount, currency, locale=_locale(locale))


def format_amount(amount: Decimal, currency: str, locale: str) -> str:
    """An amount without its symbol, the way `parse_amount` reads it back (a form's value)."""
    return format_decimal(amount, format=_pattern(currency_decimals(currency)),
                          locale=_locale(locale))

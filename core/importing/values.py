"""One spreadsheet cell as a typed value: text, whole number, yes/no, date, amount, language,
currency. Text cells are read as the organization writes them (its locale's dates and
decimal separators); an XLSX hands numbers and dates over typed already."""

import datetime
from decimal import Decimal, InvalidOperation

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date, parse_date

from core import validation
from core.errors import ValidationError
from core.i18n import N_, SUPPORTED_LANGUAGES
from core.importing.amounts import parse_amount, parse_quantity
from core.tabular import unquote

YES = {"yes", "y", "true", "1", "x", "ja", "oui", "sí", "si", "はい", "نعم"}
NO = {"no", "n", "false", "0", "nein", "non", "いいえ", "لا"}
EXAMPLE_DATE = datetime.date(2026, 12, 31)


def text(cell) -> str:
    """The cell as stripped text ("" for an empty cell; 1001 from an XLSX as "1001")."""
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return str(cell.to_integral_value()) if cell == cell.to_integral_value() else str(cell)
    if isinstance(cell, datetime.datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return unquote(str(cell).strip()).strip()


def babel_locale(language: str) -> Locale:
    """The organization's locale for reading dates and amounts (English when unknown)."""
    try:
        return Locale.parse(language or "en")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def boolean(cell, field: str) -> bool | None:
    """Yes or no (in any of the shipped languages, or 1/0, x); None for an empty cell."""
    value = text(cell).casefold()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValidationError(N_("Enter yes or no."), field=field)


def integer(cell, field: str) -> int | None:
    """A whole number; None for an empty cell."""
    value = text(cell)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError(N_("Enter a whole number."), field=field) from None
    if number != number.to_integral_value():
        raise ValidationError(N_("Enter a whole number."), field=field)
    return int(number)


def date(cell, field: str, locale: Locale) -> datetime.date | None:
    """A date: typed in an XLSX, else ISO (2026-12-31) or as the organization's locale writes
    it (31.12.2026 in German); None for an empty cell."""
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    value = text(cell)
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        parsed = parse_date(value, locale=locale)
    except (ValueError, IndexError):
        parsed = None
    # Babel guesses from digits alone; a date it reads must also be written back the same way
    # (leading zeros aside), else "2026" or "1.2" would pass as some day.
    if parsed is not None and len([p for p in _digit_groups(value) if p]) == 3:
        return parsed
    raise ValidationError(N_("Enter a date as 2026-12-31 or as %(example)s."), field=field,
                          example=format_date(EXAMPLE_DATE, "short", locale=locale))


def _digit_groups(value: str) -> list[str]:
    groups, current = [], ""
    for char in value:
        if char.isdigit():
            current += char
        else:
            groups.append(current)
            current = ""
    groups.append(current)
    return groups


def amount(cell, field: str, locale: Locale, currency: str) -> Decimal | None:
    """A money amount: typed in an XLSX, else written with the locale's separators
    (1.234,50 in German, 1,234.50 in English); None for an empty cell."""
    if isinstance(cell, Decimal):
        return cell
    value = text(cell)
    if not value:
        return None
    return parse_amount(value, str(locale), currency, field=field)


def number(cell, field: str, locale: Locale) -> Decimal | None:
    """A quantity or a tax rate (19 or 19 %, 2,5 in German); None for an empty cell."""
    if isinstance(cell, Decimal):
        return cell
    value = text(cell)
    if not value:
        return None
    return parse_quantity(value, str(locale), field=field)


def language(cell, field: str) -> str | None:
    """A shipped language, by code (de) or name (German, Deutsch); None for an empty cell."""
    value = text(cell)
    if not value:
        return None
    wanted = value.casefold()
    for code, native in SUPPORTED_LANGUAGES.items():
        english = Locale.parse(code).get_display_name("en") or ""
        if wanted in {code, native.casefold(), english.casefold()}:
            return code
    raise ValidationError(N_("Unknown language %(value)s: use one of %(choices)s."),
                          field=field, value=value, choices=", ".join(SUPPORTED_LANGUAGES))


def currency(cell, field: str) -> str | None:
    """A supported ISO currency code; None for an empty cell."""
    value = text(cell).upper()
    if not value:
        return None
    if value not in validation.CURRENCIES:
        raise ValidationError(N_("Unknown currency %(value)s: use one of %(choices)s."),
                              field=field, value=value,
                              choices=", ".join(sorted(validation.CURRENCIES)))
    return value

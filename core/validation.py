"""Input checks shared by every service; each raises ValidationError naming the field."""

import re
from decimal import Decimal
from typing import Literal, overload

from email_validator import EmailNotValidError, validate_email

from core import money
from core.errors import ValidationError
from core.i18n import N_, SUPPORTED_LANGUAGES
from core.queries.scoping import ROLES

CURRENCIES = {"USD", "EUR", "GBP", "JPY", "AED", "SAR", "CHF", "CAD", "AUD", "MXN"}


def text(value, field: str, *, max_length: int, required: bool = False) -> str:
    """A stripped string no longer than `max_length`; required ones must not be empty."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(N_("Enter text."), field=field)
    value = value.strip()
    if required and not value:
        raise ValidationError(N_("This field is required."), field=field)
    if len(value) > max_length:
        raise ValidationError(N_("Use at most %(count)d characters."), field=field,
                              count=max_length)
    if "\x00" in value:
        raise ValidationError(N_("Enter text without control characters."), field=field)
    return value


@overload
def email(value, field: str = ..., *, required: Literal[True] = ...) -> str: ...
@overload
def email(value, field: str = ..., *, required: bool) -> str | None: ...
def email(value, field: str = "email", *, required: bool = True) -> str | None:
    """A normalised (lower-case) email address, or None when optional and empty."""
    value = text(value, field, max_length=254, required=required)
    if not value:
        return None
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(N_("Enter a valid email address."), field=field) from None
    return result.normalized.lower()


@overload
def language(value, field: str = ..., *, required: Literal[True]) -> str: ...
@overload
def language(value, field: str = ..., *, required: bool = ...) -> str | None: ...
def language(value, field: str = "language", *, required: bool = False) -> str | None:
    """A shipped language code, or None when optional and empty."""
    if value in (None, ""):
        if required:
            raise ValidationError(N_("Choose a language."), field=field)
        return None
    if value not in SUPPORTED_LANGUAGES:
        raise ValidationError(N_("Choose one of the offered languages."), field=field)
    return value


def currency(value, field: str = "currency") -> str:
    """An ISO 4217 currency code the product supports."""
    value = (value or "").strip().upper()
    if value not in CURRENCIES:
        raise ValidationError(N_("Choose a supported currency."), field=field)
    return value


def amount(value, field: str = "amount", *, currency: str | None = None) -> Decimal:
    """A positive amount from a machine or the English console (`core.money.plain_amount`)."""
    decimals = money.currency_decimals(currency) if currency else 2
    return money.plain_amount(value, decimals=decimals, field=field)


def integer(value, field: str, *, minimum: int, maximum: int) -> int:
    """A whole number within bounds."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(N_("Enter a whole number."), field=field) from None
    if not minimum <= number <= maximum:
        raise ValidationError(N_("Enter a number from %(low)d to %(high)d."), field=field,
                              low=minimum, high=maximum)
    return number


_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")


def slug(value, field: str = "slug") -> str:
    """A URL slug: 3 to 60 lower-case letters, digits and inner hyphens."""
    value = (value or "").strip().lower()
    if not _SLUG.match(value) or "--" in value:
        raise ValidationError(
            N_("Use 3 to 60 lower-case letters, digits and hyphens (not at the ends)."),
            field=field)
    return value


_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def color(value, field: str = "accent_color") -> str:
    """A #rrggbb colour."""
    value = (value or "").strip()
    if not _COLOR.match(value):
        raise ValidationError(N_("Enter a colour as #rrggbb."), field=field)
    return value.lower()


def role(value, field: str = "role") -> str:
    """A contact role (billing, orders, full, admin); empty means the default, full."""
    cleaned = (value or "full").strip().lower() if isinstance(value, str) or value is None else ""
    if cleaned not in ROLES:
        raise ValidationError(N_("Choose one of the roles: billing, orders, full, admin."),
                              field=field)
    return cleaned


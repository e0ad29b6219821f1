"""Translated labels for PDFs without Flask: the catalog a render was given, for that render.

The portal hands over Flask-Babel's catalog for the contact's language (so its translation
folders are honoured), the console the shipped catalog (core.i18n.load_catalog).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from gettext import NullTranslations

_catalog: ContextVar[NullTranslations | None] = ContextVar("pdf_catalog", default=None)
_SOURCE = NullTranslations()  # outside `translated`: the English source text


@contextmanager
def translated(catalog: NullTranslations) -> Iterator[None]:
    """Draw the labels of what runs inside from `catalog`."""
    token = _catalog.set(catalog)
    try:
        yield
    finally:
        _catalog.reset(token)


def _(message: str, **variables) -> str:
    """`message` translated, its named placeholders filled (as Flask-Babel's gettext)."""
    text = (_catalog.get() or _SOURCE).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural form for `num`, with `num` and the placeholders filled."""
    variables.setdefault("num", num)
    return (_catalog.get() or _SOURCE).ngettext(singular, plural, num) % variables

"""People's names and values set in running text, formatted for the language they are read in.

One place decides how a contact's name reads (pages, emails and PDFs all ask here), and how a
URL, number or amount is kept whole inside right-to-left text.
"""

import re

from core.i18n import is_rtl

# Languages that write a person's family name first ("山田 太郎").
FAMILY_NAME_FIRST = {"ja", "zh", "ko"}
# Han, kana and hangul: a name written in them reads family name first in any language.
_EAST_ASIAN = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"


def _language(language: str | None) -> str:
    return (language or "").replace("-", "_").split("_")[0].lower()


def family_name_first(first_name: str, last_name: str, language: str | None) -> bool:
    """True when the name reads family name first: always in Japanese (and Chinese, Korean),
    and in any language when the name is written in an East Asian script."""
    if _language(language) in FAMILY_NAME_FIRST:
        return True
    return bool(_EAST_ASIAN.search(f"{first_name}{last_name}"))


def format_name(first_name: str | None, last_name: str | None, language: str | None) -> str:
    """A person's full name in the order `language` writes it: "Anna Weber", "山田 太郎".

    The honorific (様, "Sehr geehrte…") belongs to the sentence around the name, so it lives
    in that sentence's translation ("ようこそ、%(name)s様"), never here.
    """
    first, last = (first_name or "").strip(), (last_name or "").strip()
    parts = (last, first) if family_name_first(first, last, language) else (first, last)
    return " ".join(part for part in parts if part)


def contact_name(contact, language: str | None) -> str:
    """A contact's full name as `language` writes it (see format_name)."""
    return format_name(contact.first_name, contact.last_name, language)


def greeting_name(contact, language: str | None) -> str:
    """The name a greeting uses: the first name ("Welcome, Anna"), but the full name, family
    first, where a first name alone would be rude ("ようこそ、山田 太郎様")."""
    first, last = (contact.first_name or "").strip(), (contact.last_name or "").strip()
    if family_name_first(first, last, language) or not first:
        return format_name(first, last, language)
    return first


def isolate(value, language: str | None, *, ltr: bool = False) -> str:
    """`value` as a Unicode bidi isolate in a right-to-left language, unchanged otherwise.

    Keeps a URL, email address, number or amount in one piece inside Arabic text: without
    it the bidi algorithm moves a URL's trailing "/" to its start ("/http://…"). `ltr` forces
    left-to-right inside (URLs, addresses); otherwise the value's first strong letter decides.
    """
    text = "" if value is None else str(value)
    if not text or not is_rtl(_language(language)):
        return text
    return f"{LRI if ltr else FSI}{text}{PDI}"

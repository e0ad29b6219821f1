"""Texts staff write for the portal in each of its languages (the banner, the bank-transfer
instructions): a contact reads the one in their language, else the default-language text."""

import json

from core import validation
from core.errors import ValidationError
from core.i18n import N_

# kind: (default-language column, per-language JSON column, longest text)
KINDS = {
    "banner": ("banner_text", "banner_texts", 500),
    "bank_transfer": ("bank_transfer_instructions", "bank_transfer_texts", 1000),
}


def texts_by_language(preferences, kind: str) -> dict[str, str]:
    """The texts written per language (not the default one), by language code."""
    try:
        texts = json.loads(getattr(preferences, KINDS[kind][1]) or "{}")
    except ValueError:
        return {}
    return {k: v for k, v in texts.items() if isinstance(v, str) and v.strip()}


def portal_text(preferences, kind: str, language: str | None) -> str:
    """The text for a contact reading `language`: theirs when staff wrote one, else the text
    in the organization's default language."""
    if preferences is None:
        return ""
    own = texts_by_language(preferences, kind).get(language or "")
    return own if own else getattr(preferences, KINDS[kind][0])


def clean_texts(kind: str, texts: dict) -> str:
    """Texts per language checked (shipped languages, length) and stored as JSON."""
    if not isinstance(texts, dict):
        raise ValidationError(N_("Enter text."), field=KINDS[kind][1])
    field, maximum = KINDS[kind][1], KINDS[kind][2]
    clean = {}
    for language, text in sorted(texts.items()):
        validation.language(language, field, required=True)
        value = validation.text(text, f"{field}.{language}", max_length=maximum)
        if value:
            clean[language] = value
    return json.dumps(clean, ensure_ascii=False, sort_keys=True)


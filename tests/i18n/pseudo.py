"""A pseudo-locale for tests: every translatable string comes back wrapped in ⟦…⟧.

Text on a page or in an email that shows up without the brackets did not pass through gettext
(or was extracted differently from how it is looked up at run time), unless it is data: names,
numbers, dates, amounts, addresses and other values that customers and staff typed.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from portal_site.i18n_catalogs import DOMAIN, extract_template

# A real locale (so Babel formats its dates and numbers) that Doorstep does not ship.
PSEUDO_LOCALE = "en_ZA"
OPEN, CLOSE = "⟦", "⟧"
_TAG = re.compile(r"(<[^>]*>)")
_BRACKETED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_LETTER = re.compile(r"[^\W\d_]")
_URL = re.compile(r"(?:https?|mailto):\S+|(?<!\w)/[\w\-.]+/[\w\-./?=&%#:]*")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Visible attributes: a browser shows these to the person using the page.
VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}


def pseudo_translate(text: str) -> str:
    """Wrap every run of text outside HTML tags in brackets, keeping tags and placeholders."""
    parts = []
    for part in _TAG.split(text):
        if _TAG.fullmatch(part) or not part.strip():
            parts.append(part)
            continue
        stripped = part.strip()
        start = part.index(stripped)
        parts.append(f"{part[:start]}{OPEN}{stripped}{CLOSE}{part[start + len(stripped):]}")
    return "".join(parts)


def build_pseudo_catalog(directory: Path) -> Path:
    """Compile the pseudo catalog of every string in the code now; returns its .mo path."""
    template = extract_template()
    catalog = Catalog(locale=PSEUDO_LOCALE, domain=DOMAIN, fuzzy=False)
    for message in template:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id[0], message.id[1]
            string = tuple(pseudo_translate(singular if index == 0 else plural)
                           for index in range(catalog.num_plurals))
        else:
            string = pseudo_translate(message.id)
        catalog.add(message.id, string, context=message.context, flags=message.flags)
    path = directory / PSEUDO_LOCALE / "LC_MESSAGES" / f"{DOMAIN}.mo"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as mo_file:
        write_mo(mo_file, catalog)
    return path


def locale_words(locale_name: str, currencies: set[str]) -> set[str]:
    """Words that Babel's locale data puts on a page: month and day names, AM/PM, currencies,
    the zone of a time."""
    locale = Locale.parse(locale_name)
    words: set[str] = set()
    # Narrow forms ("J", "a") are left out: single letters would hide real words.
    for table in (locale.months, locale.days):
        for context in table.values():
            for width in ("abbreviated", "wide"):
                words.update(context.get(width, {}).values())
    for context in locale.day_periods.values():
        for width in ("abbreviated", "wide"):
            words.update(context.get(width, {}).values())
    for code in currencies:
        words.update({code, locale.currency_symbols.get(code, code)})
    # A time's zone is written as an offset ("GMT+14:00"): the locale's own word for it.
    words.add(locale.zone_formats["gmt"].replace("%s", "").strip())
    return {word for word in words if word}


class DataMatcher:
    """Decides whether text left outside the brackets is data rather than an untranslated word."""

    def __init__(self, values: set[str]):
        ordered = sorted((v for v in values if v and v.strip()), key=len, reverse=True)
        # A value counts where it is not glued to more letters ("US$12" holds "US$").
        self._values = re.compile(r"(?<![^\W\d_])(?:" + "|".join(re.escape(v) for v in ordered)
                                  + r")(?![^\W\d_])") if ordered else None

    def leftover(self, text: str) -> str | None:
        """The words of `text` that are neither bracketed nor data (None when there are none)."""
        while True:
            reduced = _BRACKETED.sub(" ", text)
            if reduced == text:
                break
            text = reduced
        if not _LETTER.search(text):
            return None
        text = _EMAIL.sub(" ", text)
        text = _URL.sub(" ", text)
        if self._values is not None:
            text = self._values.sub(" ", text)
        return " ".join(text.split()) if _LETTER.search(text) else None


class VisibleText(HTMLParser):
    """Collects the text a person sees on a page: text nodes and visible attributes."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden_depth += 1
            return
        attributes = dict(attrs)
        for name in VISIBLE_ATTRIBUTES & attributes.keys():
            self.texts.append(attributes[name] or "")
        if tag == "input" and (attributes.get("type") or "").lower() in BUTTON_INPUT_TYPES:
            self.texts.append(attributes.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        if tag not in self.HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth and data.strip():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    """The visible texts of an HTML document."""
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.texts


class FormFinder(HTMLParser):
    """The POST forms of a page: action and default field values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            if (attributes.get("method") or "get").lower() == "post":
                self._current = {}
                self.forms.append((attributes.get("action") or "", self._current))
            return
        if self._current is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            if kind not in BUTTON_INPUT_TYPES:
                self._current.setdefault(name, attributes.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._current.setdefault(name, "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and (
                "selected" in attributes or self._select not in self._current):
            self._current[self._select] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._current is not None and self._textarea:
            self._current[self._textarea] += data


def post_forms(html: str) -> list[tuple[str, dict[str, str]]]:
    """Each POST form of a page as (action, default values)."""
    finder = FormFinder()
    finder.feed(html)
    finder.close()
    return finder.forms

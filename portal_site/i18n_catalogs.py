"""The gettext catalogs on disk: where they live, extracting the template, updating,
compiling and starting catalogs (no command line here: `portal_site.i18n_cli` wraps these,
`portal_site.i18n_check` checks what they produce).

The steps call Babel's Python API rather than the `pybabel` script, so that the keywords, the
comment tag and the output format live in one place and every run writes the same files.
"""

import datetime
import io
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from core.config import PROJECT_ROOT

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
TEMPLATE_PATH = TRANSLATIONS_DIR / "messages.pot"
MAPPING_PATH = PROJECT_ROOT / "babel.cfg"
DOMAIN = "messages"

# Babel's defaults (_, gettext, ngettext, pgettext, npgettext, N_, ...) plus Flask-Babel's lazy
# variants used for form labels.
EXTRA_KEYWORDS = {
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("Translators:",)
# Locations are written as file names without line numbers: translators still see where a string
# is used, and moving code around does not rewrite the template.
WRITE_OPTIONS = {"width": 76, "sort_output": True, "include_lineno": False}
HEADER_COMMENT = """\
# Translations template for Doorstep, the customer portal.
# How to translate, update and check: translations/README.md"""


def keywords() -> dict:
    """Every gettext function name the extractor recognises, with its argument spec."""
    return {**DEFAULT_KEYWORDS, **EXTRA_KEYWORDS}


def extract_template(creation_date: datetime.datetime | None = None) -> Catalog:
    """Extract every translatable string of the code into a fresh template catalog."""
    with open(MAPPING_PATH, encoding="utf-8") as mapping_file:
        method_map, options_map = parse_mapping_cfg(mapping_file, str(MAPPING_PATH))
    catalog = Catalog(project="Doorstep", version="1.0", header_comment=HEADER_COMMENT,
                      msgid_bugs_address="translations@doorstep.invalid",
                      copyright_holder="Doorstep", charset="utf-8",
                      creation_date=creation_date)
    extracted = extract_from_dir(str(PROJECT_ROOT), method_map, options_map,
                                 keywords=keywords(), comment_tags=COMMENT_TAGS,
                                 strip_comment_tags=False)
    for filename, lineno, message, comments, context in extracted:
        catalog.add(message, None, [(Path(filename).as_posix(), lineno)],
                    auto_comments=comments, context=context)
    return catalog


def render_po(catalog: Catalog, **options) -> bytes:
    """The catalog as .po/.pot file bytes, in the project's one output format."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, **{**WRITE_OPTIONS, **options})
    return buffer.getvalue()


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """Read a .po or .pot file."""
    with open(path, "rb") as po_file:
        return read_po(po_file, locale=locale, domain=DOMAIN)


def catalog_paths() -> dict[str, Path]:
    """Each translated language and the path of its .po file, by language code."""
    return {path.parent.parent.name: path
            for path in sorted(TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


def write_template() -> bool:
    """Re-extract translations/messages.pot; True when its messages changed.

    The creation date only moves when the content does, so an extract without code changes
    leaves the file untouched.
    """
    previous = TEMPLATE_PATH.read_bytes() if TEMPLATE_PATH.exists() else None
    if previous is not None:
        old_date = read_catalog(TEMPLATE_PATH).creation_date
        if render_po(extract_template(old_date)) == previous:
            return False
    TEMPLATE_PATH.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE_PATH.write_bytes(render_po(extract_template()))
    return True


def update_catalogs() -> list[str]:
    """Merge the template into every language's catalog; returns the languages updated.

    New strings arrive untranslated; strings whose English changed slightly arrive marked
    fuzzy with the old translation as a suggestion; strings gone from the code are dropped.
    """
    template = read_catalog(TEMPLATE_PATH)
    updated = []
    for language, path in catalog_paths().items():
        catalog = read_catalog(path, locale=language)
        catalog.update(template, update_creation_date=True)
        content = render_po(catalog, ignore_obsolete=True)
        if content != path.read_bytes():
            path.write_bytes(content)
            updated.append(language)
    return updated


def compile_catalogs() -> list[Path]:
    """Write the .mo file beside each .po file (fuzzy entries are left out); returns them."""
    written = []
    for language, path in catalog_paths().items():
        catalog = read_catalog(path, locale=language)
        mo_path = path.with_suffix(".mo")
        with open(mo_path, "wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


def init_catalog(language: str) -> Path:
    """Start the catalog of a new language from the template; returns its path.

    Raises FileExistsError when the language has a catalog already, and ValueError or Babel's
    UnknownLocaleError for a code Babel does not know.
    """
    locale = Locale.parse(language)
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if path.exists():
        raise FileExistsError(path)
    catalog = read_catalog(TEMPLATE_PATH, locale=str(locale))
    catalog.locale = locale
    catalog.revision_date = datetime.datetime.now(datetime.UTC)
    catalog.fuzzy = False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_po(catalog))
    return path

"""The translation check: every problem a translator or a developer can leave in the catalogs.

`check_catalogs()` returns a list of problems (empty when all is well). It is run by
`doorstep i18n check` and by tests/i18n, so `make test` fails on a broken catalog. It reads the
catalogs itself (a compiler's statistics count fuzzy entries as translated) and also runs GNU
gettext's `msgfmt --check` and translate-toolkit's checks on every catalog.
"""

import io
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, read_po

from core import i18n as core_i18n
from core.config import PROJECT_ROOT
from portal_site.i18n_catalogs import (
    DOMAIN,
    TEMPLATE_PATH,
    catalog_paths,
    extract_template,
    read_catalog,
)

# translate-toolkit (pofilter) tests run on every catalog: the ones that find broken or
# misleading translations. Left out: style heuristics that misfire on languages without
# capitals or with their own punctuation (simplecaps, startcaps, sentencecount, long, short),
# `startpunc` (a sentence may rightly start with a placeholder in another language),
# `unchanged` (a brand name or "PDF" is legitimately the same), `spellcheck` (needs
# dictionaries), `acronyms`, and `nplurals`: translate-toolkit keeps its own, older table of
# plural counts (two for es and fr), while the portal plurals with Babel's CLDR rules, which
# `catalog_problems` checks every entry against (three for es and fr since CLDR 42).
TRANSLATE_TOOLKIT_TESTS = [
    "blank", "brackets", "doublespacing", "doublewords", "emails", "endwhitespace", "escapes",
    "filepaths", "newlines", "printf", "pythonbraceformat", "startwhitespace",
    "tabs", "untranslated", "urls", "variables", "xmltags", "purepunc", "endpunc",
    "puncspacing", "doublequoting", "numbers", "compendiumconflicts", "credits",
    "kdecomments", "isfuzzy",
]

PRINTF_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
                                r"[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:![rsa])?(?::[^{}]*)?\}"
                               r"(?!\})")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file (and, when it concerns one entry, that entry's msgid)."""

    path: str
    text: str
    msgid: str | None = None
    context: str | None = None

    def __str__(self) -> str:
        where = self.path
        if self.msgid is not None:
            where += f": msgid {self.msgid!r}"
            if self.context:
                where += f" (msgctxt {self.context!r})"
        return f"{where}: {self.text}"


def check_catalogs() -> list[Problem]:
    """Every problem in the template and in each language's catalog."""
    problems = check_template_is_current()
    paths = catalog_paths()
    template = read_catalog(TEMPLATE_PATH) if TEMPLATE_PATH.exists() else None
    for language, path in paths.items():
        problems += check_catalog(language, path, template)
    problems += check_supported_languages(paths)
    return problems


def _relative(path: Path) -> str:
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _key(message: Message) -> tuple[str | None, str]:
    singular = message.id[0] if isinstance(message.id, list | tuple) else message.id
    return message.context, singular


def _entries(catalog: Catalog) -> dict[tuple[str | None, str], Message]:
    return {_key(message): message for message in catalog if message.id}


def check_template_is_current() -> list[Problem]:
    """The checked-in messages.pot holds exactly the strings (and comments) the code has now."""
    where = _relative(TEMPLATE_PATH)
    if not TEMPLATE_PATH.exists():
        return [Problem(where, "missing; run `doorstep i18n extract`")]
    checked_in = _entries(read_catalog(TEMPLATE_PATH))
    current = _entries(extract_template())
    stale = "messages.pot is out of date; run `doorstep i18n update`"
    problems = []
    for key in current.keys() - checked_in.keys():
        problems.append(Problem(where, f"in the code but not in the template ({stale})",
                                *key[::-1]))
    for key in checked_in.keys() - current.keys():
        problems.append(Problem(where, f"no longer in the code ({stale})", *key[::-1]))
    for key in current.keys() & checked_in.keys():
        now, before = current[key], checked_in[key]
        if now.id != before.id:
            problems.append(Problem(where, f"its plural form changed ({stale})", *key[::-1]))
        elif _comment_text(now) != _comment_text(before):
            problems.append(Problem(where, f"its translator comment changed ({stale})",
                                    *key[::-1]))
    return sorted(problems, key=str)


def _comment_text(message: Message) -> str:
    # A long comment is wrapped over several `#.` lines in the file: compare the words.
    return " ".join(" ".join(message.auto_comments).split())


def check_supported_languages(paths: dict[str, Path]) -> list[Problem]:
    """Every shipped catalog is offered by the portal, and every offered language has one."""
    problems = []
    for language in paths:
        if language not in core_i18n.SUPPORTED_LANGUAGES:
            problems.append(Problem(
                "core/i18n.py", f"translations/{language}/ exists but {language!r} is not in "
                "SUPPORTED_LANGUAGES, so the portal does not offer it"))
    for language in core_i18n.SUPPORTED_LANGUAGES:
        if language != core_i18n.DEFAULT_LANGUAGE and language not in paths:
            problems.append(Problem(
                "core/i18n.py", f"{language!r} is in SUPPORTED_LANGUAGES but "
                f"translations/{language}/LC_MESSAGES/{DOMAIN}.po does not exist"))
    return problems


def check_catalog(language: str, path: Path, template: Catalog | None = None) -> list[Problem]:
    """Every problem in one language's catalog."""
    where = _relative(path)
    try:
        locale = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return [Problem(where, f"{language!r} is not a language code Babel knows")]
    try:
        with open(path, "rb") as po_file:
            catalog = read_po(po_file, locale=locale, domain=DOMAIN, abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as error:
        return [Problem(where, f"cannot be read: {error}")]

    problems = _header_problems(where, language, catalog)
    nplurals = catalog.num_plurals
    for message in catalog:
        if not message.id:
            continue
        problems += [Problem(where, text, _key(message)[1], message.context)
                     for text in message_problems(message, nplurals)]
    if template is not None:
        problems += _coverage_problems(where, catalog, template)
    problems += _compile_problems(where, catalog)
    problems += msgfmt_problems(path)
    problems += translate_toolkit_problems(path, language)
    return problems


def _header_problems(where: str, language: str, catalog: Catalog) -> list[Problem]:
    problems = []
    if catalog.fuzzy:
        problems.append(Problem(where, "the header is marked fuzzy: delete the `#, fuzzy` line "
                                       "above the first `msgid \"\"`"))
    if str(catalog.locale) != language:
        problems.append(Problem(where, f"its Language header says {catalog.locale!s}, "
                                       f"the folder says {language}"))
    expected = get_plural(language)
    if catalog.num_plurals != expected.num_plurals:
        problems.append(Problem(
            where, f"Plural-Forms says nplurals={catalog.num_plurals}, but {language} has "
            f"{expected.num_plurals}: use `{expected.plural_forms}`"))
    return problems


def message_problems(message: Message, nplurals: int) -> list[str]:
    """What is wrong with one translated entry (fuzzy, missing, broken placeholders)."""
    problems = []
    if message.fuzzy:
        problems.append("marked fuzzy: check the translation, then delete the `#, fuzzy` line")
    forms = list(message.string) if message.pluralizable else [message.string]
    if message.pluralizable and len(forms) != nplurals:
        problems.append(f"has {len(forms)} plural forms, the language has {nplurals}")
    if any(not form for form in forms):
        problems.append("not translated" if not any(forms) else "a plural form is not translated")
        return problems
    sources = message.id if message.pluralizable else [message.id]
    uses_printf = "python-format" in message.flags or any(
        PRINTF_PLACEHOLDER.search(source) for source in sources)
    # Every plural form is filled in with the same values as the English plural.
    source = sources[-1]
    for index, form in enumerate(forms):
        label = f"plural form {index}" if message.pluralizable else "the translation"
        problems += [f"{label}: {text}" for text in placeholder_problems(source, form,
                                                                         uses_printf)]
    return problems


def _printf_fields(text: str) -> tuple[dict[str, str], list[str]]:
    named, positional = {}, []
    for match in PRINTF_PLACEHOLDER.finditer(text):
        if match["conv"] == "%":
            continue
        if match["name"] is not None:
            named[match["name"]] = match["conv"]
        else:
            positional.append(match["conv"])
    return named, positional


def _sample(conversion: str):
    return 1 if conversion in "diouxXeEfFgGc" else "x"


def placeholder_problems(source: str, translation: str, uses_printf: bool) -> list[str]:
    """How the placeholders of a translation differ from its English source."""
    problems = []
    if uses_printf:
        source_named, source_positional = _printf_fields(source)
        named, positional = _printf_fields(translation)
        if named != source_named:
            problems.append(_difference("%(…)", source_named, named))
        if positional != source_positional:
            problems.append(f"uses the unnamed placeholders {positional} where the source uses "
                            f"{source_positional} (same ones, same order)")
        values = {name: _sample(conv) for name, conv in source_named.items()}
        try:
            translation % (values if source_named else
                           tuple(_sample(conv) for conv in source_positional))
        except (ValueError, TypeError, KeyError) as error:
            problems.append(f"cannot be filled in ({error}); write a literal % as %%")
    else:
        named, _ = _printf_fields(translation)
        if named:
            problems.append(f"has placeholders the source does not have: {sorted(named)}")
    source_braces = Counter(BRACE_PLACEHOLDER.findall(source))
    braces = Counter(BRACE_PLACEHOLDER.findall(translation))
    if source_braces != braces:
        problems.append(f"uses {{…}} placeholders {sorted(braces.elements())} where the source "
                        f"uses {sorted(source_braces.elements())}")
    return problems


def _difference(kind: str, source: dict[str, str], translation: dict[str, str]) -> str:
    missing = sorted(source.keys() - translation.keys())
    extra = sorted(translation.keys() - source.keys())
    changed = sorted(name for name in source.keys() & translation.keys()
                     if source[name] != translation[name])
    parts = []
    if missing:
        parts.append("lacks " + ", ".join(f"%({name})s" for name in missing))
    if extra:
        parts.append("has unknown " + ", ".join(f"%({name})s" for name in extra))
    if changed:
        parts.append("changes the type of " + ", ".join(
            f"%({name}){source[name]} to %({name}){translation[name]}" for name in changed))
    return f"{kind} placeholders differ from the source: " + "; ".join(parts)


def _coverage_problems(where: str, catalog: Catalog, template: Catalog) -> list[Problem]:
    expected, present = _entries(template), _entries(catalog)
    problems = [Problem(where, "missing from this catalog (run `doorstep i18n update`)",
                        key[1], key[0]) for key in expected.keys() - present.keys()]
    problems += [Problem(where, "not in messages.pot any more (run `doorstep i18n update`)",
                         key[1], key[0]) for key in present.keys() - expected.keys()]
    return sorted(problems, key=str)


def _compile_problems(where: str, catalog: Catalog) -> list[Problem]:
    problems = []
    for message, errors in catalog.check():
        problems += [Problem(where, f"Babel: {error}", _key(message)[1], message.context)
                     for error in errors]
    try:
        write_mo(io.BytesIO(), catalog, use_fuzzy=False)
    except Exception as error:  # any failure to compile is the finding itself
        problems.append(Problem(where, f"does not compile: {error}"))
    return problems


def msgfmt_problems(path: Path) -> list[Problem]:
    """GNU gettext's `msgfmt --check` on one catalog (format strings, header, plural forms)."""
    where = _relative(path)
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return [Problem(where, "GNU gettext's msgfmt is not installed, so `msgfmt --check` "
                               "cannot run (apt-get install gettext; `make test` installs it)")]
    result = subprocess.run([msgfmt, "--check", "--output-file=/dev/null", str(path)],
                            capture_output=True, text=True, check=False)
    if result.returncode == 0 and not result.stderr.strip():
        return []
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return [Problem(where, f"msgfmt --check: {line}") for line in lines] or [
        Problem(where, f"msgfmt --check failed with exit code {result.returncode}")]


def translate_toolkit_problems(path: Path, language: str) -> list[Problem]:
    """translate-toolkit's (pofilter's) checks on every translated entry of one catalog."""
    from translate.filters import checks
    from translate.storage import factory

    where = _relative(path)
    checker = checks.TeeChecker(
        checkerconfig=checks.CheckerConfig(targetlanguage=language),
        limitfilters=TRANSLATE_TOOLKIT_TESTS,
        checkerclasses=[checks.StandardChecker, checks.StandardUnitChecker],
        languagecode=language)
    store = factory.getobject(str(path))
    problems = []
    for unit in store.units:
        if unit.isheader() or unit.isobsolete() or not unit.istranslated():
            continue
        for test, message in sorted(checker.run_filters(unit).items()):
            problems.append(Problem(where, f"pofilter {test}: {message}", unit.source,
                                    unit.getcontext() or None))
    return problems

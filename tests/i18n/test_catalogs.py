"""The shipped catalogs pass the translation check, and the check catches translators' slips."""

import textwrap

import pytest

from portal_site.i18n_check import check_catalog, check_catalogs, placeholder_problems

HEADER = """\
msgid ""
msgstr ""
"Project-Id-Version: Doorstep 1.0\\n"
"Report-Msgid-Bugs-To: translations@doorstep.invalid\\n"
"POT-Creation-Date: 2026-01-01 00:00+0000\\n"
"PO-Revision-Date: 2026-01-02 00:00+0000\\n"
"Last-Translator: A Translator <translator@example.com>\\n"
"Language-Team: {language} <translator@example.com>\\n"
"Language: {language}\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: {plural_forms}\\n"

"""
PLURALS = {"de": "nplurals=2; plural=(n != 1);",
           "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && "
                 "n%100<=10 ? 3 : n%100>=0 && n%100<=2 ? 4 : 5);"}


def test_every_shipped_catalog_passes_the_check():
    problems = check_catalogs()
    assert not problems, "\n".join(str(problem) for problem in problems)


def _catalog(tmp_path, body: str, language: str = "de", plural_forms: str | None = None):
    path = tmp_path / language / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    header = HEADER.format(language=language, plural_forms=plural_forms or PLURALS[language])
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


def _texts(tmp_path, body, **kwargs) -> list[str]:
    path = _catalog(tmp_path, body, **kwargs)
    return [problem.text for problem in check_catalog(kwargs.get("language", "de"), path)]


def test_a_correct_catalog_has_no_problems(tmp_path):
    assert _texts(tmp_path, '''
        #, python-format
        msgid "Pay %(amount)s"
        msgstr "%(amount)s bezahlen"

        #, python-format
        msgid "%(num)d invoice"
        msgid_plural "%(num)d invoices"
        msgstr[0] "%(num)d Rechnung"
        msgstr[1] "%(num)d Rechnungen"
        ''') == []


def test_fuzzy_and_untranslated_entries_are_problems(tmp_path):
    texts = _texts(tmp_path, '''
        #, fuzzy
        msgid "Invoices"
        msgstr "Rechnungen"

        msgid "Payments"
        msgstr ""
        ''')
    assert any("fuzzy" in text for text in texts)
    assert any("not translated" in text for text in texts)


def test_a_renamed_or_dropped_placeholder_is_a_problem(tmp_path):
    texts = _texts(tmp_path, '''
        #, python-format
        msgid "Pay %(amount)s by %(date)s"
        msgstr "Zahlen Sie %(betrag)s"
        ''')
    assert any("lacks %(amount)s, %(date)s" in text and "%(betrag)s" in text for text in texts)
    assert any(text.startswith("msgfmt --check") for text in texts)


def test_every_plural_form_keeps_the_placeholders(tmp_path):
    texts = _texts(tmp_path, '''
        #, python-format
        msgid "%(num)d invoice"
        msgid_plural "%(num)d invoices"
        msgstr[0] "فاتورة واحدة"
        msgstr[1] "%(num)d فاتورة"
        msgstr[2] "%(num)d فاتورتان"
        msgstr[3] "%(num)d فواتير"
        msgstr[4] "%(num)d فاتورة"
        msgstr[5] "%(num)d فاتورةً"
        ''', language="ar")
    assert any(text.startswith("plural form 0") and "lacks %(num)s" in text for text in texts)


def test_a_wrong_plural_count_is_a_problem(tmp_path):
    texts = _texts(tmp_path, '''
        msgid "one"
        msgstr "eins"
        ''', language="ar", plural_forms="nplurals=2; plural=(n != 1);")
    assert any("nplurals=2" in text and "ar has 6" in text for text in texts)


@pytest.mark.parametrize("translation, ok", [
    ("Noch %(count)d Tage", True),
    ("Noch %(count)s Tage", False),   # the value is a number: the type changed
    ("Noch 5 % Rabatt, %(count)d Tage", False),  # a lone % breaks formatting
    ("Noch 5 %% Rabatt, %(count)d Tage", True),
])
def test_placeholder_types_and_percent_signs(translation, ok):
    assert (placeholder_problems("%(count)d days left", translation, True) == []) is ok


def test_brace_placeholders_must_match():
    assert placeholder_problems("Hello {name}", "Hallo {Name}", False)
    assert placeholder_problems("Hello {name}", "Hallo {name}", False) == []

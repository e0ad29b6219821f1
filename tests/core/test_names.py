"""A contact's name reads the way its language writes names; data keeps its order in RTL."""

from types import SimpleNamespace

from fpdf.bidi import BidiParagraph
from fpdf.enums import TextDirection

from core.names import contact_name, format_name, greeting_name, isolate


def person(first: str, last: str):
    return SimpleNamespace(first_name=first, last_name=last)


def test_japanese_puts_the_family_name_first():
    assert format_name("太郎", "山田", "ja") == "山田 太郎"
    assert format_name("Taro", "Yamada", "ja") == "Yamada Taro"
    assert contact_name(person("太郎", "山田"), "ja") == "山田 太郎"


def test_western_languages_keep_given_name_first_unless_the_name_is_written_in_kanji():
    assert format_name("Anna", "Weber", "de") == "Anna Weber"
    assert format_name("Anna", "Weber", "ar") == "Anna Weber"
    assert format_name("太郎", "山田", "en") == "山田 太郎"


def test_a_missing_part_leaves_no_stray_space():
    assert format_name("Anna", "", "de") == "Anna"
    assert format_name("", "山田", "ja") == "山田"
    assert format_name(" Anna ", None, "en") == "Anna"


def test_a_greeting_uses_the_first_name_but_the_full_name_in_japanese():
    assert greeting_name(person("Anna", "Weber"), "de") == "Anna"
    assert greeting_name(person("太郎", "山田"), "ja") == "山田 太郎"
    assert greeting_name(person("", "Weber"), "en") == "Weber"


def visual(text: str) -> str:
    """How a right-to-left paragraph shows `text`, left to right, controls dropped."""
    shown = BidiParagraph(text, base_direction=TextDirection.RTL).get_reordered_string()
    return "".join(ch for ch in shown if ch not in "\u2066\u2067\u2068\u2069")


def test_an_isolated_url_reads_in_order_inside_arabic_text():
    url = "https://portal.example/acme/"
    assert visual(url).startswith("/")  # the bug: "/https://portal.example/acme"
    assert url in visual(isolate(url, "ar", ltr=True))
    assert url in visual(f"عنوان البوابة: {isolate(url, 'ar', ltr=True)}")


def test_left_to_right_languages_get_values_unchanged():
    assert isolate("https://portal.example/", "de", ltr=True) == "https://portal.example/"
    assert isolate("1.234,50 €", "fr") == "1.234,50 €"
    assert isolate("", "ar") == ""

"""The system fonts PDFs are drawn with: found by path, chosen per language, with fallbacks.

DejaVu Sans (Debian `fonts-dejavu-core`) covers Latin, Greek, Cyrillic and Arabic with
Arabic joining forms; IPA P Gothic (Debian `fonts-ipafont-gothic`) covers Japanese kana and
kanji. `make fonts` installs both.
"""

from dataclasses import dataclass
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@dataclass(frozen=True)
class FontFile:
    """One font file the PDFs may need, and the Debian package that ships it."""

    family: str
    style: str  # "" regular, "B" bold
    candidates: tuple[str, ...]  # paths relative to a font directory, best first
    package: str


FONT_FILES = (
    FontFile("dejavu", "", ("truetype/dejavu/DejaVuSans.ttf",), "fonts-dejavu-core"),
    FontFile("dejavu", "B", ("truetype/dejavu/DejaVuSans-Bold.ttf",), "fonts-dejavu-core"),
    # IPA fonts have no bold face: bold Japanese text is drawn with the regular face.
    FontFile("ipagothic", "", ("opentype/ipafont-gothic/ipagp.ttf",
                               "opentype/ipafont-gothic/ipag.ttf",
                               "truetype/fonts-japanese-gothic.ttf"), "fonts-ipafont-gothic"),
)

# The first family draws the text; the others supply the glyphs it lacks.
DEFAULT_FAMILIES = ("dejavu", "ipagothic")
LANGUAGE_FAMILIES = {
    "ja": ("dejavu", "ipagothic"),
    "ar": ("dejavu", "ipagothic"),
}


class FontsMissingError(RuntimeError):
    """A font file the PDFs need is not installed."""


def find_font(font: FontFile) -> Path:
    """The installed path of `font`, or FontsMissingError saying what to install."""
    for directory in FONT_DIRS:
        for candidate in font.candidates:
            path = directory / candidate
            if path.is_file():
                return path
    looked = ", ".join(str(FONT_DIRS[0] / c) for c in font.candidates)
    raise FontsMissingError(
        f"The PDF font {font.family!r} is not installed (looked for {looked}). "
        f"Install the Debian package {font.package} (`make fonts` does it)."
    )


def families_for(language: str) -> tuple[str, ...]:
    """The font families for a language: the main one first, then the fallbacks."""
    return LANGUAGE_FAMILIES.get(language, DEFAULT_FAMILIES)


def register_fonts(pdf) -> None:
    """Add every font file to `pdf` (fpdf2 only embeds the glyphs a document uses)."""
    for font in FONT_FILES:
        pdf.add_font(font.family, font.style, str(find_font(font)))

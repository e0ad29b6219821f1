"""The page every Doorstep PDF shares: accent header, parties, key facts, tables, page numbers.

Layout is written once for left-to-right; in a right-to-left language every block is mirrored
(`start`/`end` sides swap, table columns run from the right), and fpdf2's bidi algorithm with
HarfBuzz shaping joins and orders the Arabic text itself.
"""

import datetime
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format, get_timezone_name
from babel.numbers import format_currency, format_decimal, get_currency_precision
from fpdf import FPDF
from fpdf.fonts import FontFace

from core import document_rules
from core.i18n import DEFAULT_LANGUAGE, is_rtl
from core.pdf.fonts import families_for, register_fonts
from core.pdf.text import _

PAGE_MARGIN = 18
FOOTER_HEIGHT = 16
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (214, 219, 224)
ZEBRA = (247, 248, 250)
WHITE = (255, 255, 255)
FALLBACK_ACCENT = (31, 111, 235)
LRM = "\u200e"
FSI, PDI = "\u2068", "\u2069"


def document_locale(language: str | None) -> Locale:
    """The babel locale for `language`, English when it is empty or unknown."""
    try:
        return Locale.parse((language or DEFAULT_LANGUAGE).replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale.parse(DEFAULT_LANGUAGE)


def _rgb(color: str) -> tuple[int, int, int]:
    text = (color or "").lstrip("#")
    if len(text) != 6:
        return FALLBACK_ACCENT
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        return FALLBACK_ACCENT


def _tint(color: tuple[int, int, int], whiteness: float) -> tuple[int, int, int]:
    red, green, blue = (round(c + (255 - c) * whiteness) for c in color)
    return red, green, blue


def _text_on(color: tuple[int, int, int]) -> tuple[int, int, int]:
    # Relative luminance: light accents (yellow, pale blue) get dark text, dark ones white.
    luminance = (0.2126 * color[0] + 0.7152 * color[1] + 0.0722 * color[2]) / 255
    return INK if luminance > 0.6 else WHITE


class Formatter:
    """Money, numbers and dates in one locale and currency, the way the document shows them."""

    def __init__(self, locale: Locale, currency: str, timezone: str):
        self.locale = locale
        self.currency = currency
        self.rtl = is_rtl(locale.language)
        self.zone = document_rules.zone_named(timezone)
        digits = get_currency_precision(currency)
        self._amount_pattern = "#,##0" + ("." + "0" * digits if digits else "")

    def _bidi_safe(self, text: str) -> str:
        # CLDR's Arabic patterns open with RLM; a closing LRM keeps a trailing "US$" in one
        # piece instead of the bidi algorithm moving its "$" to the other side.
        return text + LRM if self.rtl else text

    def isolate(self, value) -> str:
        """`value` as a bidi isolate, so a date or number put into a sentence keeps its order.

        Needed in a right-to-left document, whose labels may still be English (untranslated)
        around an Arabic-formatted date; a left-to-right one gets `value` unchanged.
        """
        return f"{FSI}{value}{PDI}" if self.rtl else str(value)

    def money(self, amount) -> str:
        """An amount with its currency symbol: "$1,234.50", "1.234,50 €"."""
        return self._bidi_safe(format_currency(Decimal(amount or 0), self.currency,
                                               locale=self.locale))

    def amount(self, amount) -> str:
        """An amount without symbol, with the currency's decimals: "1,234.50", "1.234"."""
        return format_decimal(Decimal(amount or 0), format=self._amount_pattern,
                              locale=self.locale, decimal_quantization=True)

    def quantity(self, quantity) -> str:
        """A quantity without trailing zeros: "3", "2,5"."""
        return format_decimal(Decimal(quantity or 0).normalize(), locale=self.locale)

    def date(self, day, length: str = "long") -> str:
        """A date ("March 15, 2025"); a UTC timestamp is shown in the organization's zone."""
        if day is None:
            return ""
        if isinstance(day, datetime.datetime):
            day = day.replace(tzinfo=datetime.UTC).astimezone(self.zone).date()
        return format_date(day, format=length, locale=self.locale)

    def moment(self, value: datetime.datetime | None) -> str:
        """A stored UTC time in the organization's zone, with the zone named: "Mar 15, 2025,
        2:05 PM (Central European Time)"."""
        if value is None:
            return ""
        local = value.replace(tzinfo=datetime.UTC).astimezone(self.zone)
        pattern = str(get_datetime_format("medium", locale=self.locale)).replace("'", "")
        joined = pattern.format(format_time(local, "short", locale=self.locale),
                                format_date(local.date(), "medium", locale=self.locale))
        zone = get_timezone_name(local, width="long", locale=self.locale)
        return f"{joined} ({zone})"

    def today(self) -> datetime.date:
        """Today in the organization's time zone (`core.document_rules`' one clock)."""
        return document_rules.current_time().astimezone(self.zone).date()


class BusinessDocument(FPDF):
    """An A4 page with the organization's accent header and a "Page x of y" footer."""

    def __init__(self, organization, fmt: Formatter, title: str, number: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        locale = fmt.locale
        self.fmt = fmt
        self.organization = organization
        self.rtl = is_rtl(locale.language)
        self.title_text = title
        self.number = number
        self.accent = _rgb(organization.accent_color)
        self.on_accent = _text_on(self.accent)
        self.accent_tint = _tint(self.accent, 0.88)
        register_fonts(self)
        self.family, *fallbacks = families_for(locale.language)
        self.set_fallback_fonts(fallbacks, exact_match=False)
        # No forced direction: each paragraph takes the direction of its first strong letter,
        # so a Latin address stays readable inside an Arabic document and vice versa.
        self.set_text_shaping(True)
        self.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        self.set_auto_page_break(True, margin=FOOTER_HEIGHT + 8)
        self.set_lang(str(locale).replace("_", "-"))
        self.set_title(f"{title} {number}")
        self.set_author(organization.name)
        self.set_creator("Doorstep")
        self.set_draw_color(*RULE)
        self.style(10)

    # -- mirroring -------------------------------------------------------------------------

    @property
    def start(self) -> str:
        """Alignment of the side a line of text starts on."""
        return "R" if self.rtl else "L"

    @property
    def end(self) -> str:
        """Alignment of the side a line of text ends on."""
        return "L" if self.rtl else "R"

    def x_from_start(self, offset: float, width: float) -> float:
        """The left edge of a box `width` wide placed `offset` from the start margin."""
        if self.rtl:
            return self.w - self.r_margin - offset - width
        return self.l_margin + offset

    def columns(self, items: list) -> list:
        """Table columns in reading order: reversed for a right-to-left document."""
        return list(reversed(items)) if self.rtl else list(items)

    # -- text ------------------------------------------------------------------------------

    def style(self, size: float, bold: bool = False, color=INK) -> None:
        """Set font size, weight and colour for what follows."""
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*color)

    def lines_at(self, x: float, width: float, lines: list[str], height: float,
                 align: str) -> float:
        """Write each line in a box at `x`, wrapping long ones; returns the y below them."""
        for line in lines:
            if line:
                self.set_x(x)
                self.multi_cell(width, height, line, align=align, new_x="LEFT", new_y="NEXT")
        return self.get_y()

    # -- page furniture --------------------------------------------------------------------

    def _organization_lines(self) -> list[str]:
        org = self.organization
        lines = [line.strip() for line in (org.address or "").splitlines() if line.strip()]
        return lines + ([org.email] if org.email else [])

    def header(self) -> None:
        """The accent band: full on the first page, a slim reminder on the next ones."""
        if self.page_no() == 1:
            self._first_page_band()
        else:
            self._continuation_band()

    def _wrapped_height(self, width: float, lines: list[str], line_height: float) -> float:
        """How tall `lines` come out in a box `width` wide, in the current font."""
        heights = 0.0
        for line in lines:
            if line:
                wrapped = self.multi_cell(width, line_height, line, dry_run=True, output="LINES")
                heights += line_height * len(wrapped)  # type: ignore[arg-type]
        return heights

    def _title_size(self, width: float) -> float:
        """The largest title size, 22pt down to 14pt, that keeps the title on one line."""
        size = 22.0
        while size > 14:
            self.style(size, bold=True)
            # multi_cell keeps a cell margin on each side: a title measured without it wraps.
            if self.get_string_width(self.title_text.upper()) <= width - 2 * self.c_margin:
                break
            size -= 1
        return size

    def fit(self, text: str, width: float) -> str:
        """`text` cut with an ellipsis to fit `width` in the current font."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def _first_page_band(self) -> None:
        details = self._organization_lines()
        org_width, title_width = self.epw * 0.6, self.epw * 0.38
        # Measure first: the band is painted before the text that decides its height.
        self.style(16, bold=True)
        org_height = self._wrapped_height(org_width, [self.organization.name], 7.5) + 1.5
        self.style(8.5)
        org_height += self._wrapped_height(org_width, details, 4.4)
        title_size = self._title_size(title_width)
        self.style(title_size, bold=True)
        title_height = self._wrapped_height(title_width, [self.title_text.upper()], 10)
        self.style(10.5)
        title_height += self._wrapped_height(title_width, [self.number], 6)
        height = max(36.0, 13 + max(org_height, title_height) + 8)
        self.set_fill_color(*self.accent)
        self.rect(0, 0, self.w, height, style="F")
        self.set_y(13)
        self.style(16, bold=True, color=self.on_accent)
        org_x = self.x_from_start(0, org_width)
        self.lines_at(org_x, org_width, [self.organization.name], 7.5, self.start)
        self.set_y(self.get_y() + 1.5)
        self.style(8.5, color=self.on_accent)
        self.lines_at(org_x, org_width, details, 4.4, self.start)
        title_x = self.x_from_start(self.epw - title_width, title_width)
        self.set_y(12)
        self.style(title_size, bold=True, color=self.on_accent)
        self.lines_at(title_x, title_width, [self.title_text.upper()], 10, self.end)
        self.style(10.5, color=self.on_accent)
        self.lines_at(title_x, title_width, [self.number], 6, self.end)
        self.set_y(height + 9)
        self.style(10)

    def _continuation_band(self) -> None:
        self.set_fill_color(*self.accent)
        self.rect(0, 0, self.w, 12, style="F")
        self.style(9, bold=True, color=self.on_accent)
        self.set_xy(self.l_margin, 3)
        self.cell(self.epw, 6, self.fit(self.organization.name, self.epw * 0.55),
                  align=self.start)
        self.style(9, color=self.on_accent)
        self.set_xy(self.l_margin, 3)
        self.cell(self.epw, 6, f"{self.title_text} {self.number}", align=self.end)
        self.set_y(12 + 9)
        self.style(10)

    def _render_styled_text_line(self, *args, **kwargs):
        result = super()._render_styled_text_line(*args, **kwargs)
        # fpdf2 2.8.9: a coloured line that starts with a fallback glyph (a kanji) sets the
        # main font inside a q/Q block yet marks it as set for the page, so the next line is
        # drawn with no font (garbled Latin). Forgetting it makes fpdf2 set the font again.
        self.current_font_is_set_on_page = False
        return result

    def footer(self) -> None:
        """Nothing here: `finish` writes the footers once the page count is known."""

    def finish(self) -> bytes:
        """Write "Page x of y" on every page and return the PDF."""
        self.set_auto_page_break(False)
        total = self.pages_count
        for page in range(1, total + 1):
            self.page = page
            top = self.h - FOOTER_HEIGHT
            self.line(self.l_margin, top, self.w - self.r_margin, top)
            self.style(8, color=MUTED)
            self.set_xy(self.l_margin, top + 2)
            self.cell(self.epw, 5, self.fit(self.organization.name, self.epw * 0.65),
                      align=self.start)
            self.set_xy(self.l_margin, top + 2)
            self.cell(self.epw, 5, _("Page %(page)s of %(pages)s", page=self.fmt.isolate(page),
                                     pages=self.fmt.isolate(total)), align=self.end)
        self.page = total
        return bytes(self.output())

    # -- blocks ----------------------------------------------------------------------------

    def caption(self, x: float, width: float, text: str) -> None:
        """A small muted heading over a block."""
        self.style(7.5, bold=True, color=MUTED)
        self.set_x(x)
        self.cell(width, 5, text.upper(), align=self.start, new_x="LEFT", new_y="NEXT")

    def party_block(self, caption: str, customer, width: float) -> float:
        """The customer's name and billing address at the start side; returns the y below."""
        x = self.x_from_start(0, width)
        top = self.get_y()
        self.caption(x, width, caption)
        self.style(11, bold=True)
        names = [customer.display_name]
        if customer.company_name and customer.company_name != customer.display_name:
            names.append(customer.company_name)
        y = self.lines_at(x, width, names, 5.5, self.start)
        self.style(9.5)
        y = self.lines_at(x, width, address_lines(customer), 4.8, self.start)
        self.style(9.5, color=MUTED)
        y = self.lines_at(x, width, [customer.email, customer.phone], 4.8, self.start)
        self.set_y(top)
        return y

    def facts_block(self, facts: list[tuple[str, str]], width: float) -> float:
        """Label/value pairs at the end side (number, dates, status); returns the y below."""
        x = self.x_from_start(self.epw - width, width)
        label_width = width * 0.42
        top = self.get_y()
        for label, value in facts:
            y = self.get_y()
            self.style(9, color=MUTED)
            self.set_xy(x, y)
            self.cell(width, 6, label, align=self.start)
            self.style(9.5, bold=True)
            self.set_xy(x + (0 if self.rtl else label_width), y)
            self.multi_cell(width - label_width, 6, value, align=self.end,
                            new_x="LEFT", new_y="NEXT")
        bottom = self.get_y()
        self.set_y(top)
        return bottom

    def highlight_box(self, label: str, value: str, width: float) -> float:
        """A tinted box with one important figure (balance due) at the end side."""
        x = self.x_from_start(self.epw - width, width)
        y = self.get_y()
        self.set_fill_color(*self.accent_tint)
        self.rect(x, y, width, 15, style="F")
        self.set_fill_color(*self.accent)
        self.rect(x + (width - 1.2 if self.rtl else 0), y, 1.2, 15, style="F")
        self.style(8.5, color=MUTED)
        self.set_xy(x + 4, y + 1.8)
        self.cell(width - 8, 5, label, align=self.start)
        self.style(13, bold=True, color=INK)
        self.set_xy(x + 4, y + 7)
        self.cell(width - 8, 6.5, value, align=self.end)
        return y + 15

    def opening_blocks(self, party_caption: str, customer, facts: list[tuple[str, str]],
                       figure_label: str, figure_value: str) -> None:
        """The party block, the facts and the one highlighted figure, then room below them."""
        party_bottom = self.party_block(party_caption, customer, self.epw * 0.5)
        facts_bottom = self.facts_block(facts, self.epw * 0.46)
        self.set_y(facts_bottom + 2)
        box_bottom = self.highlight_box(figure_label, figure_value, self.epw * 0.46)
        self.set_y(max(party_bottom, box_bottom) + 8)

    def table_style(self) -> FontFace:
        """The heading row style of every table: bold on the accent tint."""
        return FontFace(family=self.family, emphasis="BOLD", size_pt=8.5, color=INK,
                        fill_color=self.accent_tint)

    def data_table(self, columns: list[tuple[str, float, bool]], rows: list[list],
                   row_styles: dict[int, FontFace] | None = None) -> None:
        """A table with a heading row repeated on every page; numeric columns align right.

        `columns` holds (heading, relative width, is_number) in reading order; a cell is a
        string or a dict of fpdf2 cell arguments (`{"text": ..., "colspan": 2}`).
        """
        columns = self.columns(columns)
        align = tuple("RIGHT" if numeric else ("RIGHT" if self.rtl else "LEFT")
                      for _heading, _width, numeric in columns)
        self.style(9)
        self.set_draw_color(*RULE)
        # Cells are painted with the current fill colour: zebra rows in a light grey.
        self.set_fill_color(*ZEBRA)
        with self.table(col_widths=tuple(width for _h, width, _n in columns),
                        text_align=align, borders_layout="HORIZONTAL_LINES",
                        cell_fill_color=ZEBRA, cell_fill_mode="ROWS",
                        headings_style=self.table_style(), line_height=4.8,
                        padding=(1.3, 2.2), v_align="TOP", repeat_headings=1) as table:
            table.row([heading for heading, _w, _n in columns])
            for index, cells in enumerate(rows):
                style = (row_styles or {}).get(index)
                row = table.row(style=style)
                for cell in self.columns(cells):
                    if isinstance(cell, dict):
                        row.cell(**cell)
                    else:
                        row.cell(cell)
        self.style(10)

    def summary(self, rows: list[tuple[str, str, str]], width: float) -> None:
        """Label/amount rows at the end side; kinds: "", "strong" (rule above), "accent"."""
        height = 7 * len(rows) + 2
        if self.will_page_break(height):
            self.add_page()
        x = self.x_from_start(self.epw - width, width)
        for label, value, kind in rows:
            y = self.get_y()
            if kind == "strong":
                self.set_draw_color(*INK)
                self.line(x, y, x + width, y)
                self.set_draw_color(*RULE)
            if kind == "accent":
                self.set_fill_color(*self.accent_tint)
                self.rect(x, y, width, 7.5, style="F")
            bold = kind in {"strong", "accent"}
            self.style(9.5, bold=bold, color=INK if bold else MUTED)
            self.set_xy(x + 2, y + 0.6)
            self.cell(width - 4, 6.4, label, align=self.start)
            self.style(10 if bold else 9.5, bold=bold)
            self.set_xy(x + 2, y + 0.6)
            self.cell(width - 4, 6.4, value, align=self.end)
            self.set_y(y + (7.5 if kind == "accent" else 7))
        self.set_y(self.get_y() + 4)

    def section(self, title: str, body: str) -> None:
        """A titled paragraph (notes, payment instructions) across the page."""
        paragraphs = [line for line in (body or "").splitlines()]
        if not any(line.strip() for line in paragraphs):
            return
        if self.will_page_break(16):
            self.add_page()
        self.set_y(self.get_y() + 2)
        self.caption(self.l_margin, self.epw, title)
        self.style(9.5)
        for line in paragraphs:
            self.set_x(self.l_margin)
            self.multi_cell(self.epw, 5, line.strip() or " ", align=self.start,
                            new_x="LMARGIN", new_y="NEXT")
        self.set_y(self.get_y() + 3)


def address_lines(customer) -> list[str]:
    """The customer's billing address as printed lines, empty parts left out."""
    city = " ".join(part for part in (customer.billing_postal_code, customer.billing_city)
                    if part)
    return [line for line in (customer.billing_street, city, customer.billing_region,
                              customer.billing_country) if line]

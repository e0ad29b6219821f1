"""Spreadsheets in and out: CSV (any encoding and separator Excel writes) and XLSX (openpyxl).

Reading gives a header and rows of cell values: text from a CSV, typed values (numbers, dates)
from an XLSX. Writing makes every text cell safe to open: a spreadsheet runs no cell as a
formula, whatever the data says.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.errors import ValidationError
from core.i18n import N_

MAX_ROWS = 50_000
MAX_COLUMNS = 200
# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and
# Google Sheets; "-" and "+" too ("-2+3" computes, "+cmd|..." ran DDE once).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters the XLSX format cannot hold at all (openpyxl refuses them).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class Table:
    """A sheet read from a file: its header and its non-empty rows with their line numbers."""

    header: list[str]
    rows: list[list[object]]
    lines: list[int]  # the spreadsheet row number of each row


def read_table(filename: str, data: bytes) -> Table:
    """The first sheet of an XLSX file or the rows of a CSV file (ValidationError if neither)."""
    if not data.strip():
        raise ValidationError(N_("The file is empty."), field="file")
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(data)
    else:
        rows = _csv_rows(data)
    return _table(rows)


def _table(rows: Iterable[list[object]]) -> Table:
    header: list[str] | None = None
    table_rows: list[list[object]] = []
    lines: list[int] = []
    for line, row in enumerate(rows, start=1):
        if header is None:
            if not any(_blank(cell) is False for cell in row):
                continue  # blank lines above the header
            header = [str(cell or "").strip() for cell in row]
            if len(header) > MAX_COLUMNS:
                raise ValidationError(N_("The file has more than %(count)d columns."),
                                      field="file", count=MAX_COLUMNS)
            continue
        if all(_blank(cell) for cell in row):
            continue
        if len(table_rows) >= MAX_ROWS:
            raise ValidationError(N_("The file has more than %(count)d rows; split it."),
                                  field="file", count=MAX_ROWS)
        table_rows.append(list(row))
        lines.append(line)
    if header is None:
        raise ValidationError(N_("The file is empty."), field="file")
    return Table(header, table_rows, lines)


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def decode(data: bytes) -> str:
    """A CSV file's text: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # What Excel on Windows writes as "CSV" in western Europe and the Americas.
        return data.decode("cp1252", errors="replace")


def _csv_rows(data: bytes) -> list[list[object]]:
    try:
        text = decode(data)
    except UnicodeDecodeError:
        raise ValidationError(N_("The file is not readable text."), field="file") from None
    if "\x00" in text:
        raise ValidationError(N_("The file is not a CSV or XLSX file."), field="file")
    first = next((line for line in text.splitlines() if line.strip()), "")
    # The separator the header uses most: what European Excel writes is ";", tabs come from
    # "Unicode text" exports.
    delimiter = max((";", ",", "\t"), key=lambda d: (first.count(d), d == ","))
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationError(N_("The file is not a readable XLSX file."), field="file") from None
    try:
        sheet = workbook.worksheets[0]
        return [[_xlsx_value(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _xlsx_value(value):
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, float):
        # Excel keeps 12.3 as the nearest double; its shortest repr is what the cell showed.
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


# -- writing ----------------------------------------------------------------------------------

def safe_text(value: str) -> str:
    """Text no spreadsheet runs as a formula: a leading =, +, -, @, tab or CR gets a quote."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unquote(value: str) -> str:
    """Undo `safe_text`, so that a file Doorstep exported imports back as it was."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (datetime.date, Decimal, int, float)):
        return str(value)
    return safe_text(str(value))


def write_csv(header: list[str], rows: Iterable[list[object]]) -> bytes:
    """A CSV file (UTF-8 with BOM, so Excel reads it right) with every text cell made safe."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([safe_text(name) for name in header])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def write_xlsx(header: list[str], rows: Iterable[list[object]], title: str = "Export") -> bytes:
    """An XLSX file with every text cell stored as text: a leading "=" is no formula there."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])

    def cell(value):
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if isinstance(value, str):
            written = WriteOnlyCell(sheet, value=None)
            # Assigning a str starting with "=" would make openpyxl write a formula; set the
            # text and its type directly, quoted as in a CSV (editing the cell in Excel later
            # would otherwise turn it into one).
            written._value = safe_text(_ILLEGAL_XML.sub("", value))
            written.data_type = "s"
            return written
        return WriteOnlyCell(sheet, value=value)

    sheet.append([cell(name) for name in header])
    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

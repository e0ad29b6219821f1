"""A file's rows as the records the upserts take: one customer with the contacts of its rows,
one invoice with the lines of its rows, one item or payment per row.

Cells are read by their mapped column; a bad cell is an error of its row, named by the
column. Rows of one customer are those with its external_id (else its name); rows of one
invoice share its number.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from babel.core import Locale

from core.errors import DoorstepError, ValidationError
from core.i18n import N_
from core.importing import values
from core.importing.fields import FIELDS, Field
from core.tabular import Table

PAYMENT_METHODS = {
    "bank_transfer": ("bank transfer", "transfer", "bank", "wire", "überweisung", "virement",
                      "transferencia", "bank_transfer"),
    "cash": ("cash", "bar", "bargeld", "espèces", "efectivo"),
    "cheque": ("cheque", "check", "scheck", "chèque"),
    "card": ("card", "credit card", "debit card", "karte", "kreditkarte", "carte", "tarjeta"),
}
CUSTOMER_KEYS = ("external_id", "display_name", "company_name", "phone", "currency",
                 "payment_terms_days", "portal_language")
ADDRESS_KEYS = ("billing", "shipping")


@dataclass
class RowError:
    """Why one row cannot be imported: the column (if one is to blame) and the error."""

    line: int
    column: str
    error: DoorstepError


@dataclass
class Unit:
    """One record to upsert and the rows it came from; `contacts` for a customer's rows."""

    lines: list[int]
    label: str
    record: dict
    contacts: list[tuple[int, dict, bool]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class _Row:
    """The typed cells of one row, by field name; errors gathered instead of raised."""

    def __init__(self, line: int, cells: list, columns: dict[str, tuple[str, int]],
                 fields: dict,
                 locale: Locale, currency: str):
        self.line, self.errors = line, []
        self.values: dict[str, object] = {}
        self.columns = {name: header for name, (header, _index) in columns.items()}
        for name, (_header, index) in columns.items():
            cell = cells[index] if index < len(cells) else None
            try:
                self.values[name] = _convert(fields[name], cell, locale, currency)
            except DoorstepError as error:
                self.errors.append(RowError(line, self.columns[name], error))

    def has(self, name: str) -> bool:
        """True when the file has a column for the field."""
        return name in self.columns

    def get(self, name: str, default=None):
        """The field's value (None when empty or not in the file)."""
        value = self.values.get(name)
        return default if value is None or value == "" else value

    def fail(self, name: str | None, message: str, **params) -> None:
        """Add an error of this row, on the field's column."""
        self.errors.append(RowError(self.line, self.columns.get(name or "", ""),
                                    ValidationError(message, field=name, **params)))


def _convert(spec: Field, cell, locale: Locale, currency: str):
    kind = spec.type
    if kind == "integer":
        return values.integer(cell, spec.name)
    if kind == "boolean":
        return values.boolean(cell, spec.name)
    if kind == "date":
        return values.date(cell, spec.name, locale)
    if kind == "amount":
        return values.amount(cell, spec.name, locale, currency)
    if kind == "number":
        return values.number(cell, spec.name, locale)
    if kind == "language":
        return values.language(cell, spec.name)
    if kind == "currency":
        return values.currency(cell, spec.name)
    if kind == "email":
        return values.text(cell).lower()
    return values.text(cell)


def check_mapping(kind: str, table: Table, mapping: dict[str, str | None]) -> None:
    """Refuse a mapping that leaves out what every record needs, or names no such column."""
    for name, column in mapping.items():
        if column and column not in table.header:
            raise ValidationError(N_("The file has no column %(column)s."), field=name,
                                  column=column)
    labels = {spec.name: spec.label for spec in FIELDS[kind]}
    needs: list[tuple[str, ...]] = [(spec.name,) for spec in FIELDS[kind] if spec.required]
    needs += {"invoices": [("customer_external_id", "customer_email"),
                           ("total", "line_rate")],
              "payments": [("invoice_number", "invoice_external_id")]}.get(kind, [])
    for names in needs:
        if not any(mapping.get(name) for name in names):
            raise ValidationError(N_("The file needs a column for %(name)s."),
                                  field=names[0], name=" or ".join(labels[n] for n in names))


def build(kind: str, table: Table, mapping: dict[str, str | None], language: str,
          currency: str) -> list[Unit]:
    """The file's records for the upserts, each with its rows' errors."""
    check_mapping(kind, table, mapping)
    fields = {spec.name: spec for spec in FIELDS[kind]}
    columns = {name: (column, table.header.index(column)) for name, column in mapping.items()
               if column and name in fields}
    locale = values.babel_locale(language)
    rows = [_Row(line, cells, columns, fields, locale, currency)
            for line, cells in zip(table.lines, table.rows, strict=True)]
    builder: Callable[[list[_Row]], list[Unit]] = {
        "customers": _customers, "items": _items, "invoices": _invoices,
        "payments": _payments}[kind]
    return builder(rows)


def _partial(row: _Row, names) -> dict:
    """The fields of `names` the file has columns for (what it leaves out stays as it is)."""
    return {name: row.values.get(name) if row.values.get(name) is not None else ""
            for name in names if row.has(name)}


def _agree(units: dict, key, row: _Row, record: dict, label: str) -> Unit:
    """The unit the row belongs to; a later row must not contradict the first one."""
    unit = units.get(key)
    if unit is None:
        unit = units[key] = Unit([row.line], label, record)
        return unit
    unit.lines.append(row.line)
    for name, value in record.items():
        first = unit.record.get(name)
        if name != "lines" and value not in ("", None) and first not in ("", None) \
                and value != first:
            row.fail(name, N_("This row's %(column)s differs from row %(line)d, about the "
                              "same record."), column=row.columns.get(name, name),
                     line=unit.lines[0])
    return unit


def _customers(rows: list[_Row]) -> list[Unit]:
    units: dict[str, Unit] = {}
    emails: dict[str, int] = {}
    for row in rows:
        name = row.get("display_name", "")
        if not name:
            row.fail("display_name", N_("This field is required."))
        record = _partial(row, CUSTOMER_KEYS)
        for kind in ADDRESS_KEYS:
            parts = {key.split("_", 1)[1]: value for key, value in
                     _partial(row, [n for n in row.columns if n.startswith(kind + "_")]).items()}
            if parts:
                record[kind] = parts
        for name_key in ("payment_terms_days", "currency"):
            if record.get(name_key) == "":
                record.pop(name_key)  # empty: the default (or what is stored) stays
        key = row.get("external_id") or f"name:{str(name).casefold()}"
        unit = _agree(units, key, row, record, str(name))
        contact = _contact(row, str(name))
        if contact is not None:
            email = contact.get("email")
            if email and email in emails:
                row.fail("email", N_("The email %(email)s is also on row %(line)d of the file."),
                         email=email, line=emails[email])
            elif email:
                emails[email] = row.line
            unit.contacts.append((row.line, contact, bool(row.get("portal_access"))))
        unit.errors.extend(row.errors)
    for unit in units.values():
        contacts = [data for _line, data, _access in unit.contacts]
        primary = next((c for c in contacts if c.get("is_primary")), None)
        email = next((c["email"] for c in ([primary] if primary else []) + contacts
                      if c.get("email")), None)
        if email:
            unit.record["email"] = email
    return list(units.values())


def _contact(row: _Row, customer_name: str) -> dict | None:
    """The contact person on a customer's row, if the row has one."""
    first_name, email = row.get("first_name", ""), row.get("email", "")
    if not (first_name or email or row.get("contact_external_id")):
        return None
    contact = {
        "external_id": row.get("contact_external_id"),
        # A file with only the customer's email: the person is the customer, by its name.
        "first_name": first_name or customer_name,
        "email": email or None,
    }
    for key, name in (("last_name", "last_name"), ("phone", "contact_phone"),
                      ("language", "contact_language"), ("is_primary", "is_primary")):
        if row.has(name):
            contact[key] = row.get(name, "" if key in ("last_name", "phone") else None)
    return contact


def _items(rows: list[_Row]) -> list[Unit]:
    units = []
    for row in rows:
        record = _partial(row, ("external_id", "sku", "name", "unit", "rate",
                                "stock_on_hand"))
        for name in ("unit", "stock_on_hand", "rate"):
            if record.get(name) == "":
                record.pop(name)
        record["external_id"] = row.get("external_id")
        units.append(Unit([row.line], str(row.get("sku", "")), record, errors=row.errors))
    return units


def _invoices(rows: list[_Row]) -> list[Unit]:
    units: dict[str, Unit] = {}
    for row in rows:
        number = row.get("number", "")
        if not number:
            row.fail("number", N_("This field is required."))
        record = {name: row.get(name) for name in ("external_id", "number",
                                                   "customer_external_id", "customer_email",
                                                   "issue_date", "due_date")}
        record["status"] = "sent"
        record["tax_rate"] = row.get("tax_rate", 0)
        if row.has("notes"):
            record["notes"] = row.get("notes", "")
        unit = _agree(units, str(number), row, record, str(number))
        unit.record.setdefault("lines", [])
        line = _invoice_line(row, str(number))
        if line is not None:
            unit.record["lines"].append(line)
        unit.errors.extend(row.errors)
    return list(units.values())


def _invoice_line(row: _Row, number: str) -> dict | None:
    if row.get("line_rate") is not None or row.get("line_description"):
        return {"description": row.get("line_description") or number,
                "quantity": row.get("line_quantity", 1), "rate": row.get("line_rate")}
    if row.get("total") is not None:
        # An open invoice without its lines: one line for its total.
        return {"description": number, "quantity": 1, "rate": row.get("total")}
    if not row.errors:  # a total that could not be read is told already
        row.fail("total", N_("Give the invoice's total, or its lines."))
    return None


def _payments(rows: list[_Row]) -> list[Unit]:
    units = []
    for row in rows:
        paid_on = row.get("paid_at")
        method = _method(row)
        record = {
            "external_id": row.get("external_id"),
            "invoice_number": row.get("invoice_number"),
            "invoice_external_id": row.get("invoice_external_id"),
            "amount": row.get("amount"),
            "paid_at": datetime.datetime.combine(paid_on, datetime.time()) if paid_on else None,
            "method": method,
            "reference": row.get("reference", ""),
        }
        label = str(row.get("reference") or row.get("external_id") or "")
        units.append(Unit([row.line], label, record, errors=row.errors))
    return units


def _method(row: _Row) -> str:
    value = str(row.get("method", "")).casefold()
    if not value:
        return "bank_transfer"
    for method, names in PAYMENT_METHODS.items():
        if value in names:
            return method
    row.fail("method", N_("Unknown payment method %(value)s: use bank transfer, cash, cheque "
                          "or card."), value=value)
    return "bank_transfer"

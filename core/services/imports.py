"""Importing a spreadsheet of customers (with contacts), items, open invoices or payments.

`run_import` reads the file's records (core.importing.records) and writes each through the
integration API's upserts (core.services.sync), matching on external_id else on the natural
key, in ONE transaction: all rows or none. A preview is the same run rolled back, so what it
shows is exactly what the import will do. Contacts marked for portal access are invited, on
request, through the invite service of "Configure customer portal".
"""

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from core.audit import Actor, record
from core.db import transaction
from core.errors import DoorstepError, ValidationError
from core.guards import require_admin
from core.i18n import N_
from core.importing import records
from core.importing.fields import FIELDS, KINDS
from core.models import Contact, ImportMapping, Organization, utcnow
from core.services import access, sync
from core.tabular import Table, write_csv

BULK_SIZE = 500
INVITE_SKIPS = {
    "no_email": N_("The contact has no email address."),
    "disabled": N_("The contact's access was disabled; re-invite it on its own."),
}


@dataclass
class RowOutcome:
    """What the import did (or would do) with one row of the file."""

    line: int
    outcome: str  # created | updated | unchanged | skipped | error
    record: str
    column: str = ""
    message: str = ""


@dataclass
class ImportReport:
    """The rows' outcomes, counts by record type and outcome, and whether it was written."""

    kind: str
    rows: list[RowOutcome] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    written: bool = False

    @property
    def errors(self) -> list[RowOutcome]:
        """The rows that stop the import."""
        return [row for row in self.rows if row.outcome == "error"]

    def summary(self) -> str:
        """One line per record type: created, updated, unchanged, skipped (English)."""
        lines = []
        for what in dict.fromkeys(kind for kind, _outcome in self.counts):
            parts = [f"{self.counts[(what, outcome)]} {outcome}"
                     for outcome in ("created", "updated", "unchanged", "invited", "skipped")
                     if self.counts[(what, outcome)]]
            lines.append(f"{what}: {', '.join(parts)}")
        if self.errors:
            lines.append(f"{len(self.errors)} row(s) with errors: nothing was imported")
        return "\n".join(lines)


def run_import(actor: Actor, kind: str, table: Table, mapping: dict[str, str | None], *,
               commit: bool, invite: bool = False,
               progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Import the table's rows (mapped column -> field); `commit` False: a preview, nothing
    kept. Any row with an error keeps the whole file out; so does an exception midway."""
    organization_id = require_admin(actor)
    if kind not in KINDS:
        raise ValidationError(N_("The input is not valid."), field="kind")
    organization = Organization.get_by_id(organization_id)
    units = records.build(kind, table, mapping, organization.default_language,
                          organization.currency)
    report = ImportReport(kind)
    marked: list[tuple[int, str, int]] = []  # rows whose contact is to be invited
    with transaction() as txn:
        handled: set[int] = set()
        if kind == "customers":
            handled, marked = _create_new_customers(actor, units, report, progress)
        for done, unit in enumerate(units, start=1):
            if done - 1 in handled:
                continue
            if unit.errors:
                _report_errors(report, unit)
            else:
                try:
                    with transaction():  # a savepoint: a refused record shows the next one's
                        marked += _apply(actor, kind, unit, report)
                except DoorstepError as error:
                    _report_errors(report, unit, error)
            if progress:
                progress(done, len(units))
        if invite and not report.errors:
            _invite(actor, marked, report)
        report.rows.sort(key=lambda row: row.line)
        if report.errors or not commit:
            txn.rollback()
            return report
        remember_mapping(actor, kind, mapping)
        record(organization_id, actor, "import_completed", kind=kind, rows=len(table.rows),
               **{f"{what}_{outcome}": count for (what, outcome), count
                  in report.counts.items()})
    report.written = True
    return report


def _create_new_customers(actor: Actor, units: list[records.Unit], report: ImportReport,
                          progress: Callable[[int, int], None] | None
                          ) -> tuple[set[int], list[tuple[int, str, int]]]:
    """Create the customers nothing in Doorstep matches, 500 at a time (sync.create_customers);
    a batch refused as a whole is left to the one-by-one path, which names the row at fault.
    Returns the units done and the contacts marked for portal access."""
    candidates = [i for i, unit in enumerate(units) if not unit.errors]
    new = sync.new_customers(actor, [(units[i].record, [c for _l, c, _a in units[i].contacts])
                                     for i in candidates])
    chosen = [candidates[j] for j in sorted(new)]
    handled: set[int] = set()
    marked: list[tuple[int, str, int]] = []
    for start in range(0, len(chosen), BULK_SIZE):
        chunk = chosen[start:start + BULK_SIZE]
        try:
            with transaction():  # a savepoint: a refused batch leaves nothing behind
                made = sync.create_customers(actor, [
                    (units[i].record, [c for _l, c, _a in units[i].contacts]) for i in chunk])
        except DoorstepError:
            continue
        for i, (_customer, contacts) in zip(chunk, made, strict=True):
            unit = units[i]
            report.counts[("customers", "created")] += 1
            report.counts[("contacts", "created")] += len(contacts)
            for (line, _data, portal_access), contact in zip(unit.contacts, contacts,
                                                             strict=True):
                report.rows.append(RowOutcome(line, "created",
                                              f"{unit.label} · {contact.full_name}"))
                if portal_access:
                    marked.append((line, unit.label, contact.id))
            with_contact = {line for line, _d, _a in unit.contacts}
            report.rows += [RowOutcome(line, "created", unit.label) for line in unit.lines
                            if line not in with_contact]
            handled.add(i)
        if progress:
            progress(len(handled), len(units))
    return handled, marked


def _report_errors(report: ImportReport, unit: records.Unit,
                   error: DoorstepError | None = None) -> None:
    for line in unit.lines:
        row_errors = [e for e in unit.errors if e.line == line]
        for row_error in row_errors:
            report.rows.append(RowOutcome(line, "error", unit.label, row_error.column,
                                          str(row_error.error)))
        if row_errors:
            continue
        if error is not None:
            column = error.field or ""
            report.rows.append(RowOutcome(line, "error", unit.label, column, str(error)))
        else:
            report.rows.append(RowOutcome(line, "error", unit.label, "",
                                          "Another row of the same record has an error."))


def _outcome(result: sync.UpsertResult) -> str:
    return "created" if result.created else "updated" if result.changed else "unchanged"


def _apply(actor: Actor, kind: str, unit: records.Unit,
           report: ImportReport) -> list[tuple[int, str, int]]:
    """Upsert one unit, count it, and say which contacts are marked for portal access."""
    if kind == "customers":
        customer = sync.upsert_customer(actor, unit.record, natural_keys=True)
        report.counts[("customers", _outcome(customer))] += 1
        outcome = _outcome(customer)
        marked, seen = [], set()
        for line, data, portal_access in unit.contacts:
            contact = sync.upsert_contact(actor, data, customer=customer.record,
                                          natural_keys=True)
            person = cast(Contact, contact.record)
            report.counts[("contacts", _outcome(contact))] += 1
            # A row reads as the most that happened on it: its contact, and on the
            # customer's first row the customer too.
            happened = {_outcome(contact), outcome if line == unit.lines[0] else "unchanged"}
            row_outcome = next(o for o in ("created", "updated", "unchanged") if o in happened)
            report.rows.append(RowOutcome(line, row_outcome,
                                          f"{unit.label} · {person.full_name}"))
            seen.add(line)
            if portal_access:
                marked.append((line, unit.label, person.id))
        for line in unit.lines:
            if line not in seen:
                report.rows.append(RowOutcome(line, outcome, unit.label))
        return marked
    upsert = {"items": sync.upsert_item, "payments": sync.upsert_payment}.get(kind)
    if upsert is not None:
        result = upsert(actor, unit.record, natural_keys=True)
    else:
        result = sync.upsert_document(actor, "invoice", unit.record, natural_keys=True)
    report.counts[(kind, _outcome(result))] += 1
    for line in unit.lines:
        report.rows.append(RowOutcome(line, _outcome(result), unit.label))
    return []


def _invite(actor: Actor, marked: list[tuple[int, str, int]], report: ImportReport) -> None:
    """Invite the contacts marked for portal access that have none yet, as "Configure
    customer portal" does; those invited or active already are left as they are."""
    for line, label, contact_id in marked:
        contact = Contact.get_by_id(contact_id)
        reason = ("no_email" if not contact.email
                  else "disabled" if contact.portal_state == "disabled" else "")
        if reason:
            report.counts[("invitations", "skipped")] += 1
            report.rows.append(RowOutcome(line, "skipped", f"{label} · {contact.full_name}",
                                          "portal_access", INVITE_SKIPS[reason]))
        elif contact.portal_state == "not_invited":
            access.invite_contact(actor, contact.id)
            report.counts[("invitations", "invited")] += 1


def remember_mapping(actor: Actor, kind: str, mapping: dict[str, str | None]) -> None:
    """Keep the organization's column mapping of this kind for its next import."""
    organization_id = require_admin(actor)
    names = {spec.name for spec in FIELDS[kind]}
    columns = json.dumps({name: column for name, column in mapping.items()
                          if column and name in names}, sort_keys=True)
    with transaction():
        (ImportMapping.insert(organization=organization_id, kind=kind, columns=columns,
                              updated_at=utcnow())
         .on_conflict(conflict_target=[ImportMapping.organization, ImportMapping.kind],
                      update={ImportMapping.columns: columns,
                              ImportMapping.updated_at: utcnow()})
         .execute())


def error_file(table: Table, report: ImportReport) -> bytes:
    """The file's rows that have errors, as they were, with a column saying why (CSV)."""
    why: dict[int, list[str]] = {}
    for row in report.errors:
        why.setdefault(row.line, []).append(f"{row.column}: {row.message}" if row.column
                                            else row.message)
    rows = [[*cells, *[""] * (len(table.header) - len(cells)), "; ".join(why[line])]
            for line, cells in zip(table.lines, table.rows, strict=True) if line in why]
    return write_csv([*table.header, "Error"], rows)

"""Exports of the console's lists, as filtered, and of the audit trail: a header and rows of
typed values, read a chunk of records at a time (a few queries per thousand rows, whatever
the size). core.tabular writes them as CSV or XLSX, every text cell formula-safe."""

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass

from peewee import JOIN, fn

from core import document_rules
from core.audit import Actor
from core.guards import require_admin
from core.models import ApiKey, AuditEvent, Contact, Customer, Invoice, Organization, StaffUser
from core.queries.staff import (
    ACTIVITY_ACTIONS,
    CustomerFilters,
    _customer_query,
    document_conditions,
)
from core.tabular import write_csv, write_xlsx

CHUNK = 1000
FORMATS = {"csv": "text/csv", "xlsx": (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


@dataclass
class Export:
    """A header and its rows, ready to be written as a file."""

    name: str
    header: list[str]
    rows: Iterator[list[object]]


def as_file(export: Export, fmt: str) -> bytes:
    """The export as a CSV or XLSX file's bytes."""
    if fmt == "xlsx":
        return write_xlsx(export.header, export.rows, title=export.name)
    return write_csv(export.header, export.rows)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _zone(organization_id: int) -> datetime.tzinfo:
    return document_rules.zone_of(Organization.get_by_id(organization_id))


def _local(value, zone: datetime.tzinfo):
    """A stored UTC time in the organization's timezone, without the zone (spreadsheets
    keep none)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value.replace(tzinfo=datetime.UTC).astimezone(zone).replace(tzinfo=None,
                                                                       microsecond=0)


CUSTOMER_HEADER = [
    "Customer external_id", "Customer name", "Company", "Contact first name",
    "Contact last name", "Contact email", "Customer phone", "Currency", "Payment terms (days)",
    "Portal language", "Portal status", "Outstanding", "Last activity",
    "Billing street", "Billing city", "Billing postal code", "Billing region", "Billing country",
    "Shipping street", "Shipping city", "Shipping postal code", "Shipping region",
    "Shipping country",
]
ADDRESS = [f"{kind}_{part}" for kind in ("billing", "shipping")
           for part in ("street", "city", "postal_code", "region", "country")]


def export_customers(organization_id: int, filters: CustomerFilters | None = None) -> Export:
    """The customers the list shows with these filters, with their primary contact, portal
    status, language and last portal activity (the column names the import reads back)."""
    query = _customer_query(organization_id, filters or CustomerFilters(), Customer.id)
    ids = [row[0] for row in query.order_by(Customer.display_name, Customer.id).tuples()]
    zone = _zone(organization_id)

    def rows() -> Iterator[list[object]]:
        for chunk in _chunks(ids):
            customers = {c.id: c for c in Customer.select().where(Customer.id.in_(chunk))}
            primaries = {c.customer_id: c for c in Contact.select().where(
                Contact.customer.in_(chunk), Contact.is_primary)}
            last = dict(AuditEvent.select(AuditEvent.customer, fn.MAX(AuditEvent.created_at))
                        .where(AuditEvent.customer.in_(chunk),
                               AuditEvent.action.in_(ACTIVITY_ACTIONS))
                        .group_by(AuditEvent.customer).tuples())
            for customer_id in chunk:
                c, contact = customers[customer_id], primaries.get(customer_id)
                yield [c.external_id or "", c.display_name, c.company_name,
                       contact.first_name if contact else "",
                       contact.last_name if contact else "",
                       (contact.email or "") if contact else "", c.phone, c.currency,
                       c.payment_terms_days, c.portal_language or "", c.portal_status,
                       c.outstanding, _local(last.get(customer_id), zone),
                       *[getattr(c, name) for name in ADDRESS]]

    return Export("Customers", CUSTOMER_HEADER, rows())


INVOICE_HEADER = [
    "Invoice external_id", "Invoice number", "Customer external_id", "Customer name",
    "Issue date", "Due date", "Status", "Currency", "Total", "Balance", "Viewed",
    "First viewed", "Viewed by",
]


def export_invoices(organization_id: int, *, viewed: bool | None = None, status: str = "",
                    customer_id: int | None = None, search: str = "") -> Export:
    """The invoices the list shows with these filters, with viewed status and balance,
    newest first (as the list)."""
    conditions = document_conditions(Invoice, viewed=viewed, status=status,
                                     customer_id=customer_id, search=search)
    query = Invoice.select(Invoice.id).where(Invoice.organization == organization_id,
                                             *conditions)
    ids = [row[0] for row in query.order_by(Invoice.created_at.desc(), Invoice.id.desc())
           .tuples()]
    zone = _zone(organization_id)

    def rows() -> Iterator[list[object]]:
        viewer = Contact.alias()
        for chunk in _chunks(ids):
            found = {i.id: i for i in (
                Invoice.select(Invoice, Customer, viewer)
                .join(Customer, on=(Invoice.customer == Customer.id)).switch(Invoice)
                .join(viewer, join_type=JOIN.LEFT_OUTER, on=(Invoice.first_viewed_by == viewer.id))
                .where(Invoice.id.in_(chunk)))}
            for invoice_id in chunk:
                i = found[invoice_id]
                seen_by = i.first_viewed_by if i.first_viewed_by_id else None
                yield [i.external_id or "", i.number, i.customer.external_id or "",
                       i.customer.display_name, i.issue_date, i.due_date, i.status, i.currency,
                       i.total, i.balance, i.first_viewed_at is not None,
                       _local(i.first_viewed_at, zone),
                       seen_by.full_name if seen_by else ""]

    return Export("Invoices", INVOICE_HEADER, rows())


AUDIT_HEADER = ["Time", "Actor type", "Actor", "Action", "Record type", "Record id",
                "Customer", "IP address", "Details"]


def export_audit_trail(actor: Actor, start: datetime.date, end: datetime.date) -> Export:
    """Every audit event of the organization from `start` to `end` (days in its timezone,
    both included), oldest first (admins)."""
    organization_id = require_admin(actor)
    zone = _zone(organization_id)

    def utc(day: datetime.date) -> datetime.datetime:
        local = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
        return local.astimezone(datetime.UTC).replace(tzinfo=None)

    ids = [row[0] for row in AuditEvent.select(AuditEvent.id)
           .where(AuditEvent.organization == organization_id,
                  AuditEvent.created_at >= utc(start),
                  AuditEvent.created_at < utc(end + datetime.timedelta(days=1)))
           .order_by(AuditEvent.created_at, AuditEvent.id).tuples()]

    def rows() -> Iterator[list[object]]:
        for chunk in _chunks(ids):
            events = list(AuditEvent.select().where(AuditEvent.id.in_(chunk))
                          .order_by(AuditEvent.created_at, AuditEvent.id))
            names = _actor_names(organization_id, events)
            customers = dict(Customer.select(Customer.id, Customer.display_name).where(
                Customer.id.in_({e.customer_id for e in events if e.customer_id})).tuples())
            for e in events:
                yield [_local(e.created_at, zone), e.actor_type,
                       names.get((e.actor_type, e.actor_id), ""), e.action, e.target_type,
                       e.target_id, customers.get(e.customer_id, ""), e.ip,
                       _details(e.details)]

    return Export("Audit trail", AUDIT_HEADER, rows())


def _details(raw: str) -> str:
    try:
        details = json.loads(raw or "{}")
    except ValueError:
        return raw
    return "; ".join(f"{key}={value}" for key, value in sorted(details.items()))


def _actor_names(organization_id: int, events: list) -> dict[tuple[str, int], str]:
    """Who each event's actor is, by name and address (only this organization's people)."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        if e.actor_id is not None:
            wanted.setdefault(e.actor_type, set()).add(e.actor_id)
    names: dict[tuple[str, int], str] = {}
    if wanted.get("staff"):
        for staff_id, name, email in (StaffUser.select(StaffUser.id, StaffUser.name,
                                                        StaffUser.email)
                                      .where(StaffUser.id.in_(wanted["staff"]),
                                             StaffUser.organization == organization_id)
                                      .tuples()):
            names[("staff", staff_id)] = f"{name} <{email}>"
    if wanted.get("contact"):
        for contact_id, email in (Contact.select(Contact.id, Contact.email)
                                  .where(Contact.id.in_(wanted["contact"]),
                                         Contact.organization == organization_id).tuples()):
            names[("contact", contact_id)] = email or ""
    if wanted.get("api_key"):
        for key_id, name, prefix in (ApiKey.select(ApiKey.id, ApiKey.name, ApiKey.prefix)
                                     .where(ApiKey.id.in_(wanted["api_key"]),
                                            ApiKey.organization == organization_id).tuples()):
            names[("api_key", key_id)] = f"{name} ({prefix}…)"
    return names

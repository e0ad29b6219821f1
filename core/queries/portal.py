"""Reads for the customer portal; each takes a ContactScope and never an unscoped id."""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import JOIN, SQL, Select, fn

from core import document_rules as rules
from core import shipping
from core.db import is_postgres
from core.errors import NotFoundError
from core.models import (
    Comment,
    Contact,
    Customer,
    Invoice,
    InvoiceLine,
    Organization,
    PackageLine,
    Payment,
    PaymentAllocation,
    PortalPreferences,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
    ShipmentPackage,
    SlugHistory,
    StaffUser,
    TrackingEvent,
)
from core.pagination import Page, clamp, paginate
from core.prepared import Param, PreparedSelect
from core.queries.scoping import HIDDEN_STATUSES, ContactScope

INVOICE_FILTERS = ("all", "outstanding", "overdue", "paid")
# What a list row shows of a document: lists read these columns only (a row of a wide table
# costs peewee per column).
INVOICE_LIST_COLUMNS = (Invoice.id, Invoice.number, Invoice.currency, Invoice.total,
                        Invoice.balance, Invoice.status, Invoice.issue_date, Invoice.due_date)


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def get_organization_by_slug(slug: str) -> tuple[Organization | None, bool]:
    """The organization a portal slug names, and whether the slug is its current one."""
    org = Organization.get_or_none(Organization.slug == slug)
    if org is not None:
        return org, True
    old = (SlugHistory.select(SlugHistory, Organization).join(Organization)
           .where(SlugHistory.slug == slug).first())
    return (old.organization, False) if old else (None, False)


# Every portal request reads this: its SQL is built once (see core.prepared).
_PORTAL_SITE = PreparedSelect(lambda: (
    Organization.select(Organization, PortalPreferences)
    .join(PortalPreferences, on=(PortalPreferences.organization == Organization.id))
    .where(Organization.slug == Param("slug"))
    .limit(1)))


def get_portal_site(slug: str) -> tuple[Organization | None, PortalPreferences | None, bool]:
    """The organization a slug names with its portal preferences, and whether the slug is current.

    One query for a current slug (every portal request resolves one), two for an old one.
    """
    row = _PORTAL_SITE.first(slug=slug)
    if row is not None:
        return row, row.portalpreferences, True
    old = (SlugHistory.select(SlugHistory, Organization).join(Organization)
           .where(SlugHistory.slug == slug).first())
    return (old.organization, None, False) if old else (None, None, False)


# The same, with the signed-in contact and its customer when the session names one: a signed-in
# request (nearly every request) resolves the site and the visitor in one round trip.
_PORTAL_SITE_AND_CONTACT = PreparedSelect(lambda: (
    Organization.select(Organization, PortalPreferences, Contact, Customer)
    .join(PortalPreferences, on=(PortalPreferences.organization == Organization.id))
    .switch(Organization)
    .join(Contact, JOIN.LEFT_OUTER, on=((Contact.id == Param("contact"))
                                        & (Contact.organization == Organization.id)),
          attr="visiting_contact")
    .join(Customer, JOIN.LEFT_OUTER, on=(Customer.id == Contact.customer))
    .where(Organization.slug == Param("slug"))
    .limit(1)))


def get_portal_site_and_contact(slug: str, contact_id: int) -> tuple:
    """`get_portal_site`, plus the contact with that id in this organization (with its
    customer) or None: (organization, preferences, slug is current, contact)."""
    row = _PORTAL_SITE_AND_CONTACT.first(slug=slug, contact=contact_id)
    if row is None:
        return (*get_portal_site(slug), None)
    contact = getattr(row, "visiting_contact", None)
    if contact is not None and contact.id is None:
        contact = None
    return row, row.portalpreferences, True, contact


@dataclass
class HomeSummary:
    """The figures on the portal's home page."""

    currency: str
    outstanding: Decimal
    overdue: Decimal
    overdue_count: int
    unused_credits: Decimal
    last_payment: Payment | None
    recent_invoices: list
    recent_quotes: list
    recent_orders: list


# The home page's reads in one round trip (built once, see core.prepared): the overdue figure,
# the last payment and the recent documents, each part mirroring the scope's query
# (`ContactScope.documents` / `.payments`: the customer's records, hidden statuses left out).
# Every part gives the same columns: kind, id, number, currency, amount, status, day, time,
# and the day the document's status turns (an invoice's due date, a quote's expiry date).
_HOME_LIMITS = {"invoice": 5, "quote": 3, "sales_order": 3}


def _home_part(kind: str, query):
    # A subquery each, so that every part keeps its own ORDER BY and LIMIT inside the UNION.
    return Select(from_list=[query.alias(f"home_{kind}")], columns=[SQL("*")])


def _home_query():
    kind = {name: SQL(f"'{name}'").alias("kind") for name in
            ("overdue", "payment", *_HOME_LIMITS)}
    # Typed NULLs: PostgreSQL gives an untyped NULL in a subquery the type text.
    text, no_day, no_time = (SQL("CAST(NULL AS VARCHAR)"), SQL("CAST(NULL AS DATE)"),
                             SQL("CAST(NULL AS TIMESTAMP)"))
    overdue = (Invoice.select(kind["overdue"], fn.COUNT(Invoice.id).alias("id"),
                              text.alias("number"), text.alias("currency"),
                              fn.SUM(Invoice.balance).alias("amount"), text.alias("status"),
                              no_day.alias("day"), no_time.alias("at"), no_day.alias("until"))
               .where(Invoice.customer == Param("customer"),
                      Invoice.status.not_in(HIDDEN_STATUSES["invoice"]),
                      rules.overdue_condition(Param("today"))))
    payment = (Payment.select(kind["payment"], Payment.id, Payment.number, Payment.currency,
                              Payment.amount, Payment.status, no_day.alias("day"),
                              Payment.paid_at.alias("at"), no_day.alias("until"))
               .where(Payment.customer == Param("customer"), Payment.status != "void",
                      Payment.status == "succeeded")
               .order_by(Payment.paid_at.desc(), Payment.id.desc()).limit(1))
    parts = [_home_part("overdue", overdue), _home_part("payment", payment)]
    for name, model, date, status, until in (
            ("invoice", Invoice, Invoice.issue_date, Invoice.status, Invoice.due_date),
            ("quote", Quote, Quote.issue_date, Quote.status, Quote.expiry_date),
            ("sales_order", SalesOrder, SalesOrder.order_date, SalesOrder.fulfilment, no_day)):
        recent = (model.select(kind[name], model.id, model.number, model.currency, model.total,
                               status.alias("status"), date.alias("day"), no_time.alias("at"),
                               until.alias("until"))
                  .where(model.customer == Param("customer"),
                         model.status.not_in(HIDDEN_STATUSES[name]))
                  .order_by(date.desc(), model.id.desc()).limit(_HOME_LIMITS[name]))
        parts.append(_home_part(name, recent))
    union = parts[0]
    for part in parts[1:]:
        union = union.union_all(part)
    return union.tuples()


_HOME = PreparedSelect(_home_query)


def _home_record(kind: str, row):
    """A document or payment of the home page, from one row of `_HOME`."""
    _kind, record_id, number, currency, amount, status, day, at, until = row
    if kind == "payment":
        return Payment(id=record_id, number=number, currency=currency, status=status,
                       amount=Payment.amount.python_value(amount),
                       paid_at=Payment.paid_at.python_value(at))
    model = {"invoice": Invoice, "quote": Quote, "sales_order": SalesOrder}[kind]
    date_field = SalesOrder.order_date if kind == "sales_order" else model.issue_date
    record = model(id=record_id, number=number, currency=currency,
                   total=model.total.python_value(amount))
    setattr(record, "fulfilment" if kind == "sales_order" else "status", status)
    setattr(record, date_field.name, date_field.python_value(day))
    if kind == "invoice":
        record.due_date = Invoice.due_date.python_value(until)
    elif kind == "quote":
        record.expiry_date = Quote.expiry_date.python_value(until)
    return record


def home_summary(scope: ContactScope, today: datetime.date | None = None) -> HomeSummary:
    """Outstanding, overdue, credits, last payment and recent documents (one query)."""
    today = today or rules.today_for(scope.organization)
    found: dict[str, list] = {"overdue": [], "payment": [], "invoice": [], "quote": [],
                              "sales_order": []}
    for row in _HOME.execute(customer=scope.customer.id, today=today):
        found[row[0]].append(row)
    enabled = {kind: scope.module_enabled(kind) for kind in found if kind != "overdue"}
    # The overdue part is an aggregate: one row, (kind, count, ..., amount, ...).
    overdue = found["overdue"][0] if found["overdue"] and enabled["invoice"] else None

    def recent(kind: str) -> list:
        if not enabled[kind]:
            return []
        records = [_home_record(kind, row) for row in found[kind]]
        # A UNION keeps no order of its own: newest first again, as each part read them.
        day = "order_date" if kind == "sales_order" else "issue_date"
        return sorted(records, key=lambda r: (getattr(r, day), r.id), reverse=True)

    payments = ([_home_record("payment", row) for row in found["payment"]]
                if enabled["payment"] else [])
    return HomeSummary(
        currency=scope.customer.currency,
        outstanding=_money(scope.customer.outstanding),
        overdue=_money(overdue[4] if overdue else None),
        overdue_count=(overdue[1] or 0) if overdue else 0,
        unused_credits=_money(scope.customer.unused_credits),
        last_payment=payments[0] if payments else None,
        recent_invoices=recent("invoice"),
        recent_quotes=recent("quote"),
        recent_orders=recent("sales_order"),
    )


def _window_total() -> tuple:
    """On PostgreSQL each row of a page also carries the list's total (a window count), so a
    page costs one round trip; SQLite answers a separate index-only COUNT faster than a window
    over every row of a large customer, and has no round trip to save."""
    return (fn.COUNT(Invoice.id).over().alias("list_total"),) if is_postgres() else ()


def _invoice_list_queries(status: str, has_from: bool, has_to: bool) -> tuple:
    """The COUNT and the page SELECT of one shape of invoice list (see `list_invoices`)."""
    def where(query):
        query = query.where(Invoice.customer == Param("customer"),
                            Invoice.status.not_in(HIDDEN_STATUSES["invoice"]))
        if status == "outstanding":
            query = query.where(Invoice.status.in_(rules.OPEN_INVOICE_STATUSES))
        elif status == "overdue":
            query = query.where(rules.overdue_condition(Param("today")))
        elif status == "paid":
            query = query.where(Invoice.status == "paid")
        if has_from:
            query = query.where(Invoice.issue_date >= Param("date_from"))
        if has_to:
            query = query.where(Invoice.issue_date <= Param("date_to"))
        return query

    count = PreparedSelect(lambda: where(Invoice.select(fn.COUNT(Invoice.id))).tuples())
    rows = PreparedSelect(lambda: (
        where(Invoice.select(*INVOICE_LIST_COLUMNS, *_window_total()))
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
        .limit(Param("limit")).offset(Param("offset"))))
    return count, rows


# Every shape of the invoice list (status filter x date bounds given), built once each.
_INVOICE_LISTS = {(status, has_from, has_to): _invoice_list_queries(status, has_from, has_to)
                  for status in INVOICE_FILTERS for has_from in (False, True)
                  for has_to in (False, True)}


def _is_day(value) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def list_invoices(scope: ContactScope, *, status: str = "all", date_from=None, date_to=None,
                  page=1, per_page=25, today: datetime.date | None = None) -> Page:
    """This customer's invoices, newest first; filter by status and issue-date range."""
    today = today or rules.today_for(scope.organization)
    prepared = _INVOICE_LISTS.get((status, bool(date_from), bool(date_to)))
    if (prepared is not None and scope.module_enabled("invoice")
            and all(value is None or _is_day(value) for value in (date_from, date_to))):
        # The portal's most visited list: prepared SQL, same rows and page as below.
        count, rows = prepared
        values = {"customer": scope.customer.id, "today": today, "date_from": date_from,
                  "date_to": date_to}
        page, per_page = clamp(page, per_page)
        if is_postgres():
            items = list(rows.execute(**values, limit=per_page, offset=(page - 1) * per_page))
            if items or page == 1:
                return Page(items, page, per_page, items[0].list_total if items else 0)
            # Past the last page (an old link): count, and show the last page instead.
        total = count.first(**values)[0]
        page = min(page, max(1, math.ceil(total / per_page)))
        items = list(rows.execute(**values, limit=per_page, offset=(page - 1) * per_page))
        return Page(items, page, per_page, total)
    query = scope.documents("invoice")
    if status == "outstanding":
        query = query.where(Invoice.status.in_(rules.OPEN_INVOICE_STATUSES))
    elif status == "overdue":
        query = query.where(rules.overdue_condition(today))
    elif status == "paid":
        query = query.where(Invoice.status == "paid")
    if date_from:
        query = query.where(Invoice.issue_date >= date_from)
    if date_to:
        query = query.where(Invoice.issue_date <= date_to)
    return paginate(query.select(*INVOICE_LIST_COLUMNS)
                    .order_by(Invoice.issue_date.desc(), Invoice.id.desc()), page, per_page)


QUOTE_FILTERS = ("all", "sent", "expired", "accepted", "declined", "invoiced")


def list_quotes(scope: ContactScope, *, status: str = "all", page=1, per_page=25,
                today: datetime.date | None = None) -> Page:
    """This customer's quotes, newest first; "sent" means still awaiting an answer (not
    expired), "expired" also takes sent quotes past their expiry date."""
    today = today or rules.today_for(scope.organization)
    query = scope.documents("quote")
    if status == "sent":
        query = query.where(rules.awaiting_condition(today))
    elif status == "expired":
        query = query.where(rules.expired_condition(today))
    elif status != "all":
        query = query.where(Quote.status == status)
    return paginate(query.order_by(Quote.issue_date.desc(), Quote.id.desc()), page, per_page)


def list_sales_orders(scope: ContactScope, *, page=1, per_page=25) -> Page:
    """This customer's sales orders, newest first."""
    query = scope.documents("sales_order").order_by(SalesOrder.order_date.desc(),
                                                    SalesOrder.id.desc())
    return paginate(query, page, per_page)


def list_shipments(scope: ContactScope, *, page=1, per_page=25) -> Page:
    """This customer's shipments with their sales order, newest first."""
    query = (scope.documents("shipment")
             .select(Shipment, SalesOrder)
             .join(SalesOrder, JOIN.LEFT_OUTER, on=(Shipment.sales_order == SalesOrder.id))
             .order_by(Shipment.created_at.desc(), Shipment.id.desc()))
    return paginate(query, page, per_page, count_query=scope.documents("shipment"))


def list_payments(scope: ContactScope, *, page=1, per_page=25) -> Page:
    """This customer's payments with their invoice, newest first."""
    query = (scope.payments()
             .select(Payment, Invoice)
             .join(Invoice, JOIN.LEFT_OUTER)
             .order_by(Payment.paid_at.desc(), Payment.id.desc()))
    return paginate(query, page, per_page, count_query=scope.payments())


def get_lines(document) -> list:
    """The lines of a quote, sales order or invoice, in order."""
    model = {Quote: QuoteLine, SalesOrder: SalesOrderLine, Invoice: InvoiceLine}[type(document)]
    owner = {Quote: QuoteLine.quote, SalesOrder: SalesOrderLine.sales_order,
             Invoice: InvoiceLine.invoice}[type(document)]
    return list(model.select().where(owner == document.id).order_by(model.position, model.id))


def _invoice_payments_query():
    share = PaymentAllocation.alias("share")
    return (Payment.select(Payment, share.amount.alias("share_amount"))
            .join(share, JOIN.LEFT_OUTER, on=((share.payment == Payment.id)
                                              & (share.invoice == Param("invoice"))))
            .where(Payment.customer == Param("customer"), Payment.status != "void",
                   (Payment.invoice == Param("invoice")) | share.id.is_null(False))
            .order_by(Payment.paid_at, Payment.id).objects())


# Mirrors `ContactScope.payments` (the customer's payments, not voided ones); SQL built once,
# since every invoice page reads it.
_INVOICE_PAYMENTS = PreparedSelect(_invoice_payments_query)


def get_invoice_payments(scope: ContactScope, invoice_id: int) -> list:
    """Payments made on one of this customer's invoices (also those covering several)."""
    if not scope.module_enabled("payment"):
        return []
    found = list(_INVOICE_PAYMENTS.execute(invoice=invoice_id, customer=scope.customer.id))
    for payment in found:
        # A payment of several invoices shows, on each, the part that paid it.
        if payment.share_amount is not None:
            payment.amount = Payment.amount.python_value(payment.share_amount)
    return found


@dataclass
class PackageView:
    """One parcel of a shipment: carrier, tracking number and link, weight, contents."""

    position: int
    carrier: str
    tracking_number: str
    tracking_url: str | None
    weight: Decimal | None
    weight_unit: str
    lines: list


@dataclass
class ShipmentDetail:
    """A shipment with its package contents, packages and tracking timeline."""

    shipment: Shipment
    lines: list
    events: list
    order: SalesOrder | None
    packages: list[PackageView] = field(default_factory=list)
    tracking_url: str | None = None


def get_shipment_detail(scope: ContactScope, shipment_id) -> ShipmentDetail:
    """One of this customer's shipments, with lines, packages and tracking events (newest
    first: the first is the current one, core.shipping.timeline)."""
    shipment = scope.get_document("shipment", shipment_id)
    lines = list(ShipmentLine.select().where(ShipmentLine.shipment == shipment.id)
                 .order_by(ShipmentLine.id))
    events = shipping.timeline(TrackingEvent.select()
                               .where(TrackingEvent.shipment == shipment.id))
    order = (SalesOrder.get_or_none(SalesOrder.id == shipment.sales_order_id)
             if shipment.sales_order_id else None)
    packages = list(ShipmentPackage.select().where(ShipmentPackage.shipment == shipment.id)
                    .order_by(ShipmentPackage.position, ShipmentPackage.id))
    contents: dict[int, list] = {package.id: [] for package in packages}
    if packages:
        for line in (PackageLine.select().where(PackageLine.package.in_(list(contents)))
                     .order_by(PackageLine.package, PackageLine.position, PackageLine.id)):
            contents[line.package_id].append(line)
    views = [PackageView(index + 1, p.carrier, p.tracking_number,
                         shipping.tracking_url(p.carrier, p.tracking_number), p.weight,
                         p.weight_unit, contents[p.id]) for index, p in enumerate(packages)]
    return ShipmentDetail(shipment, lines, events, order, views,
                          shipping.tracking_url(shipment.carrier, shipment.tracking_number))


def get_order_shipments(scope: ContactScope, order_id) -> list:
    """Shipments of one of this customer's sales orders."""
    order = scope.get_document("sales_order", order_id)
    return list(scope.documents("shipment").where(Shipment.sales_order == order.id)
                .order_by(Shipment.created_at))


# A document's comments with their authors (SQL built once: every detail page reads it).
_THREAD = PreparedSelect(lambda: (
    Comment.select(Comment, Contact, StaffUser)
    .join(Contact, JOIN.LEFT_OUTER, on=(Comment.contact == Contact.id))
    .switch(Comment)
    .join(StaffUser, JOIN.LEFT_OUTER, on=(Comment.staff == StaffUser.id))
    .where(Comment.customer == Param("customer"), Comment.document_type == Param("kind"),
           Comment.document_id == Param("document"))
    .order_by(Comment.created_at, Comment.id)))


def get_thread(scope: ContactScope, kind: str, document_id, *, document=None) -> list:
    """The comments on a document with their authors (contact or staff), oldest first.

    `document`: the document itself when the caller already read it through this scope.
    """
    if document is None:
        document = scope.get_document(kind, document_id)
    return list(_THREAD.execute(customer=scope.customer.id, kind=kind, document=document.id))


# The invoice detail page's reads (what every invoice email link opens), SQL built once each;
# each mirrors the scope's query (`ContactScope.documents` / `.payments`, `get_lines`).
_INVOICE = PreparedSelect(lambda: (
    Invoice.select()
    .where(Invoice.id == Param("invoice"), Invoice.customer == Param("customer"),
           Invoice.status.not_in(HIDDEN_STATUSES["invoice"]))
    .limit(1)))
_INVOICE_LINES = PreparedSelect(lambda: (
    InvoiceLine.select().where(InvoiceLine.invoice == Param("invoice"))
    .order_by(InvoiceLine.position, InvoiceLine.id)))


@dataclass
class InvoiceDetail:
    """An invoice with its lines, payments (none when the module is off) and comments."""

    invoice: Invoice
    lines: list
    payments: list
    comments: list

    @property
    def pending(self) -> Decimal:
        """Bank-transfer notices on the invoice that staff have not confirmed yet."""
        return _money(sum((p.amount for p in self.payments if p.status == "pending"),
                          Decimal("0")))


def get_invoice_detail(scope: ContactScope, invoice_id) -> InvoiceDetail:
    """One of this customer's invoices with everything its page shows (four reads)."""
    try:
        invoice_id = int(invoice_id)
    except (TypeError, ValueError):
        raise NotFoundError() from None
    invoice = (_INVOICE.first(invoice=invoice_id, customer=scope.customer.id)
               if scope.module_enabled("invoice") else None)
    if invoice is None:
        raise NotFoundError()
    payments = (get_invoice_payments(scope, invoice.id)
                if scope.module_enabled("payment") else [])
    return InvoiceDetail(invoice, list(_INVOICE_LINES.execute(invoice=invoice.id)), payments,
                         get_thread(scope, "invoice", invoice.id, document=invoice))


def list_companies(scope: ContactScope) -> list[Contact]:
    """The companies the signed-in person can switch between (each its contact, with the
    customer): active contacts of this organization with the same email and the same password
    (`core.services.access` keeps one person's password the same in all of them)."""
    contact = scope.contact
    if not contact.email or not contact.password_hash:
        return []
    return list(Contact.select(Contact, Customer).join(Customer)
                .where(Contact.organization == scope.organization.id,
                       Contact.email == contact.email, Contact.portal_state == "active",
                       Contact.password_hash == contact.password_hash)
                .order_by(Customer.display_name, Customer.id))


def list_colleagues(scope: ContactScope) -> list[Contact]:
    """The contacts of the signed-in Company admin's own customer (NotFoundError for others):
    a customer has a handful, so one list, oldest first."""
    if not scope.is_company_admin:
        raise NotFoundError()
    return list(Contact.select(Contact, Customer).join(Customer)
                .where(Contact.customer == scope.customer.id)
                .order_by(Contact.id))


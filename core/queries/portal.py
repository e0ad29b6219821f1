"""Reads for the customer portal; each takes a ContactScope and never an unscoped id."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from peewee import JOIN, fn

from core.models import (
    Comment,
    Contact,
    Invoice,
    InvoiceLine,
    Organization,
    Payment,
    PortalPreferences,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
    StaffUser,
    TrackingEvent,
)
from core.pagination import Page, paginate
from core.prepared import Param, PreparedSelect
from core.queries.scoping import ContactScope

INVOICE_FILTERS = ("all", "outstanding", "overdue", "paid")


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def get_organization_by_slug(slug: str) -> tuple[Organization | None, bool]:
    """The organization a portal slug names, and whether the slug is its current one."""
    from core.models import SlugHistory

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
    from core.models import SlugHistory

    row = _PORTAL_SITE.first(slug=slug)
    if row is not None:
        return row, row.portalpreferences, True
    old = (SlugHistory.select(SlugHistory, Organization).join(Organization)
           .where(SlugHistory.slug == slug).first())
    return (old.organization, None, False) if old else (None, None, False)


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


def home_summary(scope: ContactScope, today: datetime.date | None = None) -> HomeSummary:
    """Outstanding, overdue, credits, last payment and recent documents (fixed query count)."""
    today = today or datetime.date.today()
    overdue_row = (scope.documents("invoice")
                   .select(fn.SUM(Invoice.balance).alias("amount"), fn.COUNT(Invoice.id)
                           .alias("n"))
                   .where(Invoice.status.in_(("sent", "partially_paid")),
                          Invoice.due_date < today)
                   .dicts().first()) or {}
    return HomeSummary(
        currency=scope.customer.currency,
        outstanding=_money(scope.customer.outstanding),
        overdue=_money(overdue_row.get("amount")),
        overdue_count=overdue_row.get("n") or 0,
        unused_credits=_money(scope.customer.unused_credits),
        last_payment=(scope.payments().where(Payment.status == "succeeded")
                      .order_by(Payment.paid_at.desc()).first()),
        recent_invoices=list(scope.documents("invoice")
                             .order_by(Invoice.issue_date.desc(), Invoice.id.desc()).limit(5)),
        recent_quotes=list(scope.documents("quote")
                           .order_by(Quote.issue_date.desc(), Quote.id.desc()).limit(3)),
        recent_orders=list(scope.documents("sales_order")
                           .order_by(SalesOrder.order_date.desc(), SalesOrder.id.desc())
                           .limit(3)),
    )


def list_invoices(scope: ContactScope, *, status: str = "all", date_from=None, date_to=None,
                  page=1, per_page=25, today: datetime.date | None = None) -> Page:
    """This customer's invoices, newest first; filter by status and issue-date range."""
    today = today or datetime.date.today()
    query = scope.documents("invoice")
    if status == "outstanding":
        query = query.where(Invoice.status.in_(("sent", "partially_paid")))
    elif status == "overdue":
        query = query.where(Invoice.status.in_(("sent", "partially_paid")),
                            Invoice.due_date < today)
    elif status == "paid":
        query = query.where(Invoice.status == "paid")
    if date_from:
        query = query.where(Invoice.issue_date >= date_from)
    if date_to:
        query = query.where(Invoice.issue_date <= date_to)
    return paginate(query.order_by(Invoice.issue_date.desc(), Invoice.id.desc()), page,
                    per_page)


def list_quotes(scope: ContactScope, *, status: str = "all", page=1, per_page=25) -> Page:
    """This customer's quotes, newest first."""
    query = scope.documents("quote")
    if status != "all":
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


def get_invoice_payments(scope: ContactScope, invoice_id: int) -> list:
    """Payments made on one of this customer's invoices."""
    return list(scope.payments().where(Payment.invoice == invoice_id)
                .order_by(Payment.paid_at))


@dataclass
class ShipmentDetail:
    """A shipment with its package contents and tracking timeline."""

    shipment: Shipment
    lines: list
    events: list
    order: SalesOrder | None


def get_shipment_detail(scope: ContactScope, shipment_id) -> ShipmentDetail:
    """One of this customer's shipments, with lines and tracking events (newest first)."""
    shipment = scope.get_document("shipment", shipment_id)
    lines = list(ShipmentLine.select().where(ShipmentLine.shipment == shipment.id)
                 .order_by(ShipmentLine.id))
    events = list(TrackingEvent.select().where(TrackingEvent.shipment == shipment.id)
                  .order_by(TrackingEvent.occurred_at.desc()))
    order = (SalesOrder.get_or_none(SalesOrder.id == shipment.sales_order_id)
             if shipment.sales_order_id else None)
    return ShipmentDetail(shipment, lines, events, order)


def get_order_shipments(scope: ContactScope, order_id) -> list:
    """Shipments of one of this customer's sales orders."""
    order = scope.get_document("sales_order", order_id)
    return list(scope.documents("shipment").where(Shipment.sales_order == order.id)
                .order_by(Shipment.created_at))


def get_thread(scope: ContactScope, kind: str, document_id) -> list:
    """The comments on a document with their authors (contact or staff), oldest first."""
    query = (scope.comments(kind, document_id)
             .select(Comment, Contact, StaffUser)
             .join(Contact, JOIN.LEFT_OUTER, on=(Comment.contact == Contact.id))
             .switch(Comment)
             .join(StaffUser, JOIN.LEFT_OUTER, on=(Comment.staff == StaffUser.id)))
    return list(query)

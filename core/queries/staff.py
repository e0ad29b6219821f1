"""Reads for the staff console: lists with filters, overviews, figures. All organization-scoped."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from peewee import JOIN, Table, fn

from core.audit import Actor
from core.config import load_settings
from core.errors import NotFoundError
from core.guards import require_admin
from core.models import (
    AuditEvent,
    Comment,
    Contact,
    Customer,
    Invoice,
    Notification,
    Organization,
    OutboxMessage,
    Payment,
    PortalPreferences,
    SlugHistory,
    StaffSession,
    StaffUser,
    utcnow,
)
from core.pagination import Page, paginate
from core.queries.scoping import DOCUMENT_MODELS
from core.security import hash_token

PORTAL_STATUSES = ("not_invited", "invited", "active", "disabled")


def get_live_staff_session(token: str) -> StaffSession | None:
    """The console session of this session id with its staff member and organization, while
    it is live: not ended, used within CONSOLE_SESSION_IDLE_MINUTES, before its lifetime ends,
    and its staff member active. One query."""
    if not token:
        return None
    now = utcnow()
    idle = datetime.timedelta(minutes=load_settings().console_session_idle_minutes)
    return (StaffSession.select(StaffSession, StaffUser, Organization)
            .join(StaffUser).join(Organization)
            .where(StaffSession.token_hash == hash_token(token),
                   StaffSession.ended_at.is_null(), StaffSession.expires_at > now,
                   StaffSession.last_seen_at > now - idle,
                   StaffUser.is_active)
            .first())


def get_staff_for_session(token: str) -> StaffUser | None:
    """The active staff member of a live console session, else None."""
    session = get_live_staff_session(token)
    return session.staff if session else None


def get_staff_email_choices(staff_id: int) -> dict[str, bool]:
    """A staff member's own choice of staff emails ({kind: on/off}; missing kinds follow the
    organization)."""
    return StaffUser.get_by_id(staff_id).own_email_choices()


def get_organization(organization_id: int) -> Organization:
    """The organization by id."""
    return Organization.get_by_id(organization_id)


def get_preferences(organization_id: int) -> PortalPreferences:
    """The organization's portal preferences."""
    return PortalPreferences.get(PortalPreferences.organization == organization_id)


@dataclass(frozen=True)
class CustomerFilters:
    """The console's customer list filters; empty means no filter."""

    search: str = ""
    portal_status: str = ""          # one of PORTAL_STATUSES
    language: str = ""               # a language code, or "default" for none set
    has_email: bool | None = None
    viewed: bool | None = None       # customer viewed any invoice
    min_outstanding: Decimal | None = None
    with_outstanding: bool | None = None
    invitation_failed: bool = False  # a contact still invited whose invitation email failed
    invitation_stale: bool = False   # a contact invited over STALE_INVITATION ago, not accepted


# An invitation not accepted after this long needs a follow-up (home's figure, the filter).
STALE_INVITATION = datetime.timedelta(days=7)


# The trigram index over Customer.search_text (migration 0003_customer_search).
CUSTOMER_SEARCH = Table("customer_search", ("customer_id", "search_text"))


def _customer_query(organization_id: int, filters: CustomerFilters, *fields):
    query = Customer.select(*fields).where(Customer.organization == organization_id)
    if filters.search.strip():
        # The same LIKE '%term%' as on the customer row, answered by the trigram index. The
        # matches are gathered first (MATERIALIZED): otherwise PostgreSQL may walk every
        # customer in name order hoping to meet 50 matches early.
        matches = (CUSTOMER_SEARCH.select(CUSTOMER_SEARCH.customer_id)
                   .where(CUSTOMER_SEARCH.search_text.contains(filters.search.strip().lower()))
                   .cte("search_matches", materialized=True))
        query = (query.with_cte(matches)
                 .where(Customer.id.in_(matches.select(matches.c.customer_id))))
    if filters.portal_status in PORTAL_STATUSES:
        query = query.where(Customer.portal_status == filters.portal_status)
    if filters.language == "default":
        query = query.where(Customer.portal_language.is_null())
    elif filters.language:
        query = query.where(Customer.portal_language == filters.language)
    if filters.has_email is True:
        query = query.where(Customer.email != "")
    elif filters.has_email is False:
        query = query.where(Customer.email == "")
    if filters.viewed is True:
        query = query.where(Customer.last_viewed_at.is_null(False))
    elif filters.viewed is False:
        query = query.where(Customer.last_viewed_at.is_null())
    if filters.with_outstanding is True:
        query = query.where(Customer.outstanding > 0)
    elif filters.with_outstanding is False:
        query = query.where(Customer.outstanding <= 0)
    if filters.min_outstanding is not None:
        query = query.where(Customer.outstanding >= filters.min_outstanding)
    if filters.invitation_failed:
        # Few emails fail: start from them (outbox index on status), then their contacts.
        failed = (Contact.select(Contact.customer)
                  .join(OutboxMessage, on=(Contact.invitation_message_id == OutboxMessage.id))
                  .where(OutboxMessage.status == "failed",
                         OutboxMessage.organization == organization_id,
                         Contact.portal_state == "invited"))
        query = query.where(Customer.id.in_(failed))
    if filters.invitation_stale:
        stale = (Contact.select(Contact.customer)
                 .where(Contact.organization == organization_id,
                        Contact.portal_state == "invited",
                        Contact.state_changed_at < utcnow() - STALE_INVITATION))
        query = query.where(Customer.id.in_(stale))
    return query


def list_customers(organization_id: int, filters: CustomerFilters = CustomerFilters(), *,
                   page=1, per_page=50) -> Page:
    """Customers of the organization, filtered, sorted by name, one page (two queries)."""
    query = _customer_query(organization_id, filters)
    return paginate(query.order_by(Customer.display_name, Customer.id), page, per_page)


def list_customer_ids(organization_id: int, filters: CustomerFilters) -> list[int]:
    """Ids of every customer matching the filters (for "select all matching")."""
    query = _customer_query(organization_id, filters, Customer.id)
    return [row[0] for row in query.order_by(Customer.display_name, Customer.id).tuples()]


@dataclass
class CustomerOverview:
    """A customer with its contacts and recent portal activity."""

    customer: Customer
    contacts: list
    activity: list
    invoices_viewed: int
    invoices_total: int


def get_customer_overview(organization_id: int, customer_id: int) -> CustomerOverview:
    """One customer of the organization with contacts and activity, or NotFoundError."""
    customer = Customer.get_or_none(Customer.id == customer_id,
                                    Customer.organization == organization_id)
    if customer is None:
        raise NotFoundError()
    contacts = list(
        Contact.select(Contact, OutboxMessage.status.alias("invitation_email_status"),
                       OutboxMessage.last_error.alias("invitation_email_error"),
                       OutboxMessage.sent_at.alias("invitation_email_sent_at"))
        .join(OutboxMessage, JOIN.LEFT_OUTER,
              on=(Contact.invitation_message_id == OutboxMessage.id))
        .where(Contact.customer == customer)
        .order_by(Contact.is_primary.desc(), Contact.first_name, Contact.id)
        .objects())
    counts = (Invoice.select(fn.COUNT(Invoice.id).alias("total"),
                             fn.COUNT(Invoice.first_viewed_at).alias("viewed"))
              .where(Invoice.customer == customer, Invoice.status != "draft").dicts().get())
    return CustomerOverview(customer, contacts, list_customer_activity(customer.id),
                            counts["viewed"] or 0, counts["total"] or 0)


ACTIVITY_ACTIONS = ("document_viewed", "payment_made", "payment_notice", "comment_added",
                    "quote_accepted", "quote_declined", "invitation_accepted", "login",
                    "signup_completed")


def list_customer_activity(customer_id: int, limit: int = 20) -> list:
    """The customer's recent portal activity (views, payments, comments, responses, sign-ins)."""
    return list(AuditEvent.select()
                .where(AuditEvent.customer == customer_id,
                       AuditEvent.action.in_(ACTIVITY_ACTIONS))
                .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
                .limit(limit))


def document_conditions(model, *, viewed: bool | None = None, status: str = "",
                        customer_id: int | None = None, search: str = "") -> list:
    """The where-clauses of the console's document list filters (the list and its export)."""
    conditions = []
    if viewed is True:
        conditions.append(model.first_viewed_at.is_null(False))
    elif viewed is False:
        conditions.append(model.first_viewed_at.is_null())
    if status:
        conditions.append(model.status == status)
    if customer_id:
        conditions.append(model.customer == customer_id)
    if search.strip():
        conditions.append(model.number.contains(search.strip()))
    return conditions


def list_documents(organization_id: int, kind: str, *, viewed: bool | None = None,
                   status: str = "", customer_id: int | None = None, search: str = "",
                   page=1, per_page=50) -> Page:
    """Quotes, sales orders or invoices with customer and first viewer, filtered by viewed."""
    model = DOCUMENT_MODELS[kind]
    viewer = Contact.alias()
    query = (model.select(model, Customer, viewer)
             .join(Customer, on=(model.customer == Customer.id))
             .switch(model)
             .join(viewer, JOIN.LEFT_OUTER, on=(model.first_viewed_by == viewer.id))
             .where(model.organization == organization_id))
    count = model.select().where(model.organization == organization_id)
    conditions = document_conditions(model, viewed=viewed, status=status,
                                     customer_id=customer_id, search=search)
    for condition in conditions:
        query, count = query.where(condition), count.where(condition)
    date_field = {"quote": model.created_at, "sales_order": model.created_at,
                  "invoice": model.created_at, "shipment": model.created_at}[kind]
    return paginate(query.order_by(date_field.desc(), model.id.desc()), page, per_page,
                    count_query=count)


def get_document_thread(organization_id: int, kind: str, document_id: int):
    """A document of the organization and its comment thread (staff view)."""
    model = DOCUMENT_MODELS.get(kind)
    document = model.get_or_none(model.id == document_id) if model else None
    if document is None or document.organization_id != organization_id:
        raise NotFoundError()
    comments = list(Comment.select(Comment, Contact, StaffUser)
                    .join(Contact, JOIN.LEFT_OUTER, on=(Comment.contact == Contact.id))
                    .switch(Comment)
                    .join(StaffUser, JOIN.LEFT_OUTER, on=(Comment.staff == StaffUser.id))
                    .where(Comment.document_type == kind, Comment.document_id == document.id)
                    .order_by(Comment.created_at, Comment.id))
    return document, comments


def list_notifications(staff_id: int, *, unread_only: bool = False, page=1,
                       per_page=50) -> Page:
    """A staff member's notifications, newest first."""
    query = Notification.select().where(Notification.staff == staff_id)
    if unread_only:
        query = query.where(~Notification.is_read)
    return paginate(query.order_by(Notification.created_at.desc(), Notification.id.desc()),
                    page, per_page)


def unread_notification_count(staff_id: int) -> int:
    """How many notifications the staff member has not read."""
    return Notification.select().where(Notification.staff == staff_id,
                                       ~Notification.is_read).count()


def list_outbox(organization_id: int, *, status: str = "", page=1, per_page=50) -> Page:
    """Outbox messages, newest first, optionally by status."""
    query = OutboxMessage.select().where(OutboxMessage.organization == organization_id)
    if status:
        query = query.where(OutboxMessage.status == status)
    return paginate(query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()),
                    page, per_page)


def get_caught_mail_recipients(actor: Actor, message_ids: list[str]) -> dict[str, str]:
    """Of these Message-IDs (read from mail the local catcher kept), those the actor's
    organization sent, each with the address it went to. Admins only.

    The outbox's Message-ID is random and kept on every attempt, so it ties a caught message
    to the one organization whose worker sent it; a message that names no outbox row of this
    organization is another organization's, or nobody's, and is not shown.
    """
    organization_id = require_admin(actor)
    wanted = [message_id for message_id in dict.fromkeys(message_ids) if message_id]
    if not wanted:
        return {}
    return dict(OutboxMessage.select(OutboxMessage.message_id, OutboxMessage.recipient)
                .where(OutboxMessage.message_id.in_(wanted),
                       OutboxMessage.organization == organization_id)
                .tuples())


def list_staff(organization_id: int) -> list:
    """The organization's staff members."""
    return list(StaffUser.select().where(StaffUser.organization == organization_id)
                .order_by(StaffUser.name))


def list_invoice_payments(organization_id: int, invoice_id: int) -> list:
    """The payments made on one of the organization's invoices, oldest first."""
    return list(Payment.select()
                .where(Payment.organization == organization_id, Payment.invoice == invoice_id)
                .order_by(Payment.paid_at, Payment.id))


def list_pending_bank_transfers(organization_id: int) -> list:
    """Bank-transfer notices waiting for staff to confirm."""
    return list(Payment.select(Payment, Customer, Invoice)
                .join(Customer, on=(Payment.customer == Customer.id)).switch(Payment)
                .join(Invoice, JOIN.LEFT_OUTER, on=(Payment.invoice == Invoice.id))
                .where(Payment.organization == organization_id, Payment.status == "pending")
                .order_by(Payment.created_at))


@dataclass
class HomeFigures:
    """The console home page's figures."""

    contacts_invited: int
    contacts_active: int
    invitations_stale: int
    invoices_viewed: int
    invoices_not_viewed: int
    portal_payments_month: Decimal
    portal_payments_month_count: int


def home_figures(organization_id: int, now: datetime.datetime | None = None) -> HomeFigures:
    """Invited/active contacts, stale invitations, viewed invoices, portal payments this month."""
    now = now or utcnow()
    contacts = Contact.select().where(Contact.organization == organization_id)
    # One count a state, each an index range: grouping every contact scans the table.
    states = {state: contacts.where(Contact.portal_state == state).count()
              for state in ("invited", "active")}
    stale = Contact.select().where(
        Contact.organization == organization_id, Contact.portal_state == "invited",
        Contact.state_changed_at < now - STALE_INVITATION).count()
    # Counts that each read one index range, instead of one pass over every invoice row
    # (seconds at a million invoices): viewed and not viewed, less the drafts among each.
    invoices = Invoice.select().where(Invoice.organization == organization_id)
    drafts = invoices.where(Invoice.status == "draft")
    viewed, not_viewed = (
        invoices.where(Invoice.first_viewed_at.is_null(is_null)).count()
        - drafts.where(Invoice.first_viewed_at.is_null(is_null)).count()
        for is_null in (False, True))
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    paid = (Payment.select(fn.SUM(Payment.amount).alias("amount"),
                           fn.COUNT(Payment.id).alias("n"))
            .where(Payment.organization == organization_id,
                   # "= true", not the bare column: only then does the database use the
                   # (organization, via_portal, paid_at) index.
                   Payment.via_portal == True,  # noqa: E712
                   Payment.status == "succeeded", Payment.paid_at >= month_start)
            .dicts().get())
    return HomeFigures(
        contacts_invited=states.get("invited", 0),
        contacts_active=states.get("active", 0),
        invitations_stale=stale,
        invoices_viewed=viewed,
        invoices_not_viewed=not_viewed,
        portal_payments_month=Decimal(str(paid["amount"] or 0)).quantize(Decimal("0.01")),
        portal_payments_month_count=paid["n"] or 0,
    )


def _chart_days(days: int) -> tuple[list[datetime.date], datetime.datetime]:
    """The last `days` days a chart shows (UTC dates, today last) and the instant the first
    begins: the queries below read from then, the chart draws exactly these days."""
    today = utcnow().date()
    window = [today - datetime.timedelta(days=back) for back in range(days - 1, -1, -1)]
    return window, datetime.datetime.combine(window[0], datetime.time())


def _every_day(window: list[datetime.date], found: dict[str, dict], zero: dict) -> list[dict]:
    """A row for each day of `window`: what was `found` that day (keyed by ISO date), else
    `zero`."""
    return [{"day": day, **found.get(day.isoformat(), zero)} for day in window]


def _iso_day(value) -> str:
    # SQLite's DATE() gives text; PostgreSQL's, a date.
    return str(value)[:10]


def acceptance_over_time(organization_id: int, days: int = 90) -> list[dict]:
    """Invitations sent and accepted on each of the last `days` days, today last, zeros
    included (for a chart)."""
    window, since = _chart_days(days)
    day = fn.DATE(AuditEvent.created_at)
    rows = (AuditEvent.select(day.alias("day"), AuditEvent.action, fn.COUNT(AuditEvent.id)
                              .alias("n"))
            .where(AuditEvent.organization == organization_id, AuditEvent.created_at >= since,
                   AuditEvent.action.in_(("contact_invited", "contact_reinvited",
                                          "invitation_accepted")))
            .group_by(day, AuditEvent.action).dicts())
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(_iso_day(row["day"]), {"invited": 0, "accepted": 0})
        entry["accepted" if row["action"] == "invitation_accepted" else "invited"] += row["n"]
    return _every_day(window, found, {"invited": 0, "accepted": 0})


def portal_payments_over_time(organization_id: int, days: int = 90) -> list[dict]:
    """Portal payments (count and amount) on each of the last `days` days, today last, zeros
    included (for a chart)."""
    window, since = _chart_days(days)
    day = fn.DATE(Payment.paid_at)
    rows = (Payment.select(day.alias("day"), fn.SUM(Payment.amount).alias("amount"),
                           fn.COUNT(Payment.id).alias("n"))
            .where(Payment.organization == organization_id,
                   # "= true", not the bare column: only then does the database use the
                   # (organization, via_portal, paid_at) index.
                   Payment.via_portal == True,  # noqa: E712
                   Payment.status == "succeeded", Payment.paid_at >= since)
            .group_by(day).dicts())
    found = {_iso_day(r["day"]): {"amount": float(r["amount"] or 0), "payments": r["n"]}
             for r in rows}
    return _every_day(window, found, {"amount": 0.0, "payments": 0})


def portal_payments_month_by_currency(organization_id: int,
                                      now: datetime.datetime | None = None) -> dict:
    """This month's succeeded portal payments per currency: {"EUR": Decimal, ...}."""
    now = now or utcnow()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = (Payment.select(Payment.currency, fn.SUM(Payment.amount))
            .where(Payment.organization == organization_id,
                   # "= true", not the bare column: only then does the database use the
                   # (organization, via_portal, paid_at) index.
                   Payment.via_portal == True,  # noqa: E712
                   Payment.status == "succeeded", Payment.paid_at >= month_start)
            .group_by(Payment.currency).order_by(Payment.currency).tuples())
    return {currency: Decimal(str(amount or 0)).quantize(Decimal("0.01"))
            for currency, amount in rows}


def list_old_slugs(organization_id: int) -> list[str]:
    """The portal's former URL slugs (they redirect to the current one), newest first."""
    return [row.slug for row in SlugHistory.select(SlugHistory.slug)
            .where(SlugHistory.organization == organization_id)
            .order_by(SlugHistory.replaced_at.desc(), SlugHistory.id.desc())]

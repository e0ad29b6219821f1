"""The console's reads: customer list filters and search, document lists, figures, overviews."""

import datetime
from decimal import Decimal

import pytest

from core.audit import Actor
from core.errors import NotFoundError
from core.gateways import Card
from core.models import AuditEvent, Contact, utcnow
from core.queries import staff as queries
from core.queries.scoping import ContactScope
from core.queries.staff import CustomerFilters
from core.services import access
from core.services.documents import record_invoice_view
from core.services.organizations import create_organization
from core.services.payments import pay_invoice
from core.services.sales import create_quote
from core.services.staff import create_staff
from tests.conftest import PASSWORD


def names(page) -> list[str]:
    return [c.display_name for c in page.items]


@pytest.fixture
def book(make_customer, make_active_contact, make_invoice, admin, org):
    """Customers in every portal state, languages, with and without email, viewed or not."""
    staff = Actor.staff(admin.id)
    make_customer(name="Anna Fresh", language="de")
    make_customer(name="Bert Invited", language="fr", allow_portal_access=True)
    make_customer(name="Cleo No Email", email=None)
    dora = make_active_contact(name="Dora Active", language="de")
    eddi = make_active_contact(name="Eddi Disabled")
    access.disable_contact(staff, eddi.id)
    invoice = make_invoice(dora.customer, "250.00")
    record_invoice_view(ContactScope.for_contact(dora.id), invoice.id)
    make_invoice(eddi.customer, "40.00")
    other = create_organization("Other Org")
    other_admin = create_staff(Actor.system(other.id), "x@other.example", "X", PASSWORD,
                               role="admin")
    make_customer(name="Zed Other Org", organization=other, actor=Actor.staff(other_admin.id))
    return {"dora": dora, "eddi": eddi, "invoice": invoice}


@pytest.mark.parametrize("filters, expected", [
    (CustomerFilters(), ["Anna Fresh", "Bert Invited", "Cleo No Email", "Dora Active",
                         "Eddi Disabled"]),
    (CustomerFilters(search="  INVITED "), ["Bert Invited"]),
    (CustomerFilters(search="customer2.example"), ["Bert Invited"]),  # by email too
    (CustomerFilters(search="nobody"), []),
    (CustomerFilters(portal_status="not_invited"), ["Anna Fresh", "Cleo No Email"]),
    (CustomerFilters(portal_status="invited"), ["Bert Invited"]),
    (CustomerFilters(portal_status="active"), ["Dora Active"]),
    (CustomerFilters(portal_status="disabled"), ["Eddi Disabled"]),
    (CustomerFilters(language="de"), ["Anna Fresh", "Dora Active"]),
    (CustomerFilters(language="default"), ["Cleo No Email", "Eddi Disabled"]),
    (CustomerFilters(has_email=False), ["Cleo No Email"]),
    (CustomerFilters(has_email=True, language="fr"), ["Bert Invited"]),
    (CustomerFilters(viewed=True), ["Dora Active"]),
    (CustomerFilters(viewed=False, portal_status="disabled"), ["Eddi Disabled"]),
    (CustomerFilters(with_outstanding=True), ["Dora Active", "Eddi Disabled"]),
    (CustomerFilters(with_outstanding=False, has_email=False), ["Cleo No Email"]),
    (CustomerFilters(min_outstanding=Decimal("100")), ["Dora Active"]),
])
def test_the_customer_list_filters(book, org, filters, expected):
    page = queries.list_customers(org.id, filters)
    assert names(page) == expected and page.total == len(expected)
    assert [c.id for c in page.items] == queries.list_customer_ids(org.id, filters)


def test_the_customer_list_paginates(make_customer, org):
    for n in range(7):
        make_customer(name=f"Customer {n:02d}")
    first = queries.list_customers(org.id, page=1, per_page=3)
    last = queries.list_customers(org.id, page=3, per_page=3)
    beyond = queries.list_customers(org.id, page=99, per_page=3)
    assert (names(first), first.pages, first.has_next, first.has_prev) == (
        ["Customer 00", "Customer 01", "Customer 02"], 3, True, False)
    assert names(last) == ["Customer 06"] and not last.has_next
    assert beyond.page == 3  # a page past the end shows the last one
    junk = queries.list_customers(org.id, page="x", per_page="10000")
    assert (junk.page, junk.per_page) == (1, 100)


def test_the_customer_overview_shows_contacts_activity_and_views(book, org):
    dora = book["dora"]
    overview = queries.get_customer_overview(org.id, dora.customer_id)
    assert [c.id for c in overview.contacts] == [dora.id]
    assert (overview.invoices_viewed, overview.invoices_total) == (1, 1)
    assert [e.action for e in overview.activity][:2] == ["document_viewed",
                                                         "invitation_accepted"]
    other = create_organization("Third Org")
    with pytest.raises(NotFoundError):
        queries.get_customer_overview(other.id, dora.customer_id)


def test_invoice_lists_filter_by_viewed(book, org):
    viewed = queries.list_documents(org.id, "invoice", viewed=True)
    not_viewed = queries.list_documents(org.id, "invoice", viewed=False)
    everything = queries.list_documents(org.id, "invoice")

    assert [i.id for i in viewed.items] == [book["invoice"].id]
    row = viewed.items[0]
    assert row.first_viewed_by.id == book["dora"].id and row.customer.display_name == (
        "Dora Active")
    assert not_viewed.total == 1 and everything.total == 2
    assert queries.list_documents(org.id, "invoice", search=book["invoice"].number).total == 1
    assert queries.list_documents(org.id, "invoice",
                                  customer_id=book["eddi"].customer_id).total == 1
    assert queries.list_documents(org.id, "invoice", status="paid").total == 0


def test_quote_and_order_lists_filter_by_viewed(book, org, make_documents):
    dora = book["dora"]
    docs = make_documents(dora.customer)
    from core.services.documents import record_document_view

    record_document_view(ContactScope.for_contact(dora.id), "quote", docs.quote.id)
    create_quote(Actor.system(org.id), dora.customer_id, "Q-DRAFT",
                 [{"description": "x", "rate": "1"}], issue_date=datetime.date.today(),
                 status="draft")
    assert [q.id for q in queries.list_documents(org.id, "quote", viewed=True).items] == [
        docs.quote.id]
    assert queries.list_documents(org.id, "quote", viewed=False).total == 1
    assert queries.list_documents(org.id, "sales_order", viewed=False).total == 1


def test_home_figures(book, org):
    dora = book["dora"]
    pay_invoice(ContactScope.for_contact(dora.id), book["invoice"].id, "50,00", method="card",
                idempotency_key="k", card=Card("4242424242424242", "12/39", "123"))
    # Bert's invitation has waited eight days.
    (Contact.update(state_changed_at=utcnow() - datetime.timedelta(days=8))
     .where(Contact.portal_state == "invited").execute())

    figures = queries.home_figures(org.id)

    assert (figures.contacts_invited, figures.contacts_active) == (1, 1)
    assert figures.invitations_stale == 1
    assert (figures.invoices_viewed, figures.invoices_not_viewed) == (1, 1)
    assert figures.portal_payments_month == Decimal("50.00")
    assert figures.portal_payments_month_count == 1
    assert queries.portal_payments_month_by_currency(org.id) == {"USD": Decimal("50.00")}
    chart = queries.portal_payments_over_time(org.id)
    assert len(chart) == 90 and chart[-1]["day"] == utcnow().date()
    assert [(r["amount"], r["payments"]) for r in chart if r["payments"]] == [(50.0, 1)]
    acceptance = queries.acceptance_over_time(org.id)
    assert sum(r["invited"] for r in acceptance) == 3
    assert sum(r["accepted"] for r in acceptance) == 2


def test_a_chart_has_every_day_of_its_window_and_nothing_from_before(book, org):
    from core.models import Payment

    payment = pay_invoice(ContactScope.for_contact(book["dora"].id), book["invoice"].id,
                          "50,00", method="card", idempotency_key="k",
                          card=Card("4242424242424242", "12/39", "123"))
    today = utcnow().date()
    first_day = datetime.datetime.combine(today - datetime.timedelta(days=2), datetime.time())

    def paid_at(moment):
        Payment.update(paid_at=moment).where(Payment.id == payment.id).execute()
        return [(r["day"], r["payments"]) for r in queries.portal_payments_over_time(org.id, 3)]

    quiet = [(today - datetime.timedelta(days=2), 0), (today - datetime.timedelta(days=1), 0),
             (today, 0)]
    assert paid_at(first_day) == [(quiet[0][0], 1)] + quiet[1:]
    assert paid_at(first_day - datetime.timedelta(seconds=1)) == quiet


def test_pending_bank_transfers_and_the_outbox(book, org):
    dora = book["dora"]
    notice = pay_invoice(ContactScope.for_contact(dora.id), book["invoice"].id, "20,00",
                         method="bank_transfer", idempotency_key="n")
    pending = queries.list_pending_bank_transfers(org.id)
    assert [p.id for p in pending] == [notice.id]
    assert pending[0].invoice.number == book["invoice"].number

    outbox = queries.list_outbox(org.id)
    assert outbox.total >= 3 and outbox.items[0].kind in {"payment_receipt", "staff_payment"}
    assert queries.list_outbox(org.id, status="sent").total == 0


def test_old_slugs_are_listed_newest_first(org, admin):
    from core.services.organizations import change_portal_slug

    change_portal_slug(Actor.staff(admin.id), "acme-two")
    change_portal_slug(Actor.staff(admin.id), "acme-three")
    assert queries.list_old_slugs(org.id) == ["acme-two", "acme-trading"]


def test_customer_activity_lists_portal_actions_only(book):
    actions = [e.action for e in queries.list_customer_activity(book["dora"].customer_id)]
    assert "customer_created" not in actions and "document_viewed" in actions
    assert AuditEvent.select().where(AuditEvent.action == "customer_created").count() == 6

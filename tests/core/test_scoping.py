"""A contact of one customer can never obtain another customer's record, through any read or
write; another customer's record and a missing one look the same (NotFoundError)."""

import datetime

import pytest

from core.audit import Actor
from core.errors import NotFoundError
from core.gateways import Card
from core.queries import portal
from core.queries.scoping import DOCUMENT_MODELS, ContactScope
from core.queries.statement import build_statement
from core.services import comments, documents, payments, profile
from core.services.organizations import create_organization, update_portal_preferences
from core.services.payments import record_offline_payment
from core.services.staff import create_staff
from tests.conftest import PASSWORD
from tests.core.helpers import unchanged

KINDS = list(DOCUMENT_MODELS)
MISSING = 10**7


@pytest.fixture
def world(make_active_contact, make_customer, make_documents, admin, scope_of):
    """Me (an active contact), a neighbour customer in my organization, a stranger in another
    organization; each with one document of every kind, a payment and a comment thread."""
    me = make_active_contact()
    neighbour = make_active_contact()
    other_org = create_organization("Other Org")
    other_admin = create_staff(Actor.system(other_org.id), "a@other.example", "Other Admin",
                               PASSWORD, role="admin")
    stranger = make_active_contact(organization=other_org, actor=Actor.staff(other_admin.id))
    people = {}
    for name, contact, staff_id in (("me", me, admin.id), ("neighbour", neighbour, admin.id),
                                    ("stranger", stranger, other_admin.id)):
        docs = make_documents(contact.customer)
        docs.payment = record_offline_payment(Actor.staff(staff_id), docs.invoice.id, "10.00")
        scope = scope_of(contact)
        for kind in KINDS:
            comments.add_contact_comment(scope, kind, getattr(docs, kind).id, f"{name} says hi")
        people[name] = (contact, docs)
    return people


@pytest.fixture
def scope(world):
    return ContactScope.for_contact(world["me"][0].id)


def foreign_ids(world, kind):
    """Ids of another customer's record (same organization and another one) and a missing id."""
    return [getattr(world["neighbour"][1], kind).id, getattr(world["stranger"][1], kind).id,
            MISSING]


@pytest.mark.parametrize("kind", KINDS)
def test_my_own_documents_are_visible(world, scope, kind):
    mine = getattr(world["me"][1], kind)
    assert scope.get_document(kind, mine.id).id == mine.id
    assert [c.body for c in scope.comments(kind, mine.id)] == ["me says hi"]


@pytest.mark.parametrize("kind", KINDS)
def test_another_customers_document_looks_missing(world, scope, kind):
    messages = set()
    for document_id in foreign_ids(world, kind):
        with pytest.raises(NotFoundError) as caught:
            scope.get_document(kind, document_id)
        messages.add(str(caught.value))
        with pytest.raises(NotFoundError):
            scope.comments(kind, document_id)
        with pytest.raises(NotFoundError):
            portal.get_thread(scope, kind, document_id)
    assert messages == {"Not found."}


@pytest.mark.parametrize("bad_id", ["abc", None, "", "1 OR 1=1", -1])
def test_malformed_ids_look_missing(scope, bad_id):
    with pytest.raises(NotFoundError):
        scope.get_document("invoice", bad_id)
    with pytest.raises(NotFoundError):
        scope.get_payment(bad_id)


def test_an_unknown_kind_looks_missing(world, scope):
    with pytest.raises(NotFoundError):
        scope.get_document("customer", world["me"][0].customer_id)


def test_another_customers_payment_looks_missing(world, scope):
    assert scope.get_payment(world["me"][1].payment.id).id == world["me"][1].payment.id
    for payment_id in foreign_ids(world, "payment"):
        with pytest.raises(NotFoundError):
            scope.get_payment(payment_id)


def test_another_customers_invoice_page_looks_missing(world, scope):
    mine = portal.get_invoice_detail(scope, world["me"][1].invoice.id)
    assert mine.invoice.id == world["me"][1].invoice.id
    assert [p.id for p in mine.payments] == [world["me"][1].payment.id]
    for invoice_id in [*foreign_ids(world, "invoice"), "x", None, -1]:
        with pytest.raises(NotFoundError):
            portal.get_invoice_detail(scope, invoice_id)


def test_lists_hold_only_my_records(world, scope):
    me = world["me"][1]
    assert [i.id for i in portal.list_invoices(scope).items] == [me.invoice.id]
    assert [q.id for q in portal.list_quotes(scope).items] == [me.quote.id]
    assert [o.id for o in portal.list_sales_orders(scope).items] == [me.sales_order.id]
    assert [s.id for s in portal.list_shipments(scope).items] == [me.shipment.id]
    assert [p.id for p in portal.list_payments(scope).items] == [me.payment.id]
    summary = portal.home_summary(scope)
    assert [i.id for i in summary.recent_invoices] == [me.invoice.id]
    assert [q.id for q in summary.recent_quotes] == [me.quote.id]
    assert [o.id for o in summary.recent_orders] == [me.sales_order.id]
    assert summary.last_payment.id == me.payment.id


def test_detail_reads_never_reach_another_customer(world, scope):
    neighbour = world["neighbour"][1]
    assert portal.get_invoice_payments(scope, neighbour.invoice.id) == []
    with pytest.raises(NotFoundError):
        portal.get_shipment_detail(scope, neighbour.shipment.id)
    with pytest.raises(NotFoundError):
        portal.get_order_shipments(scope, neighbour.sales_order.id)
    mine = world["me"][1]
    detail = portal.get_shipment_detail(scope, mine.shipment.id)
    assert detail.order.id == mine.sales_order.id
    assert [s.id for s in portal.get_order_shipments(scope, mine.sales_order.id)] == [
        mine.shipment.id]


def test_my_statement_holds_only_my_transactions(world, scope):
    today = datetime.date.today()
    statement = build_statement(scope.customer, today - datetime.timedelta(days=1), today)
    mine = world["me"][1]
    assert [(line.kind, line.record_id) for line in statement.lines] == [
        ("invoice", mine.invoice.id), ("payment", mine.payment.id)]


@pytest.mark.parametrize("kind", KINDS)
def test_writes_on_another_customers_documents_change_nothing(world, scope, kind):
    for document_id in foreign_ids(world, kind):
        with unchanged():
            with pytest.raises(NotFoundError):
                documents.record_document_view(scope, kind, document_id)
            with pytest.raises(NotFoundError):
                comments.add_contact_comment(scope, kind, document_id, "let me in")


def test_quote_answers_on_another_customers_quote_change_nothing(world, scope):
    for quote_id in foreign_ids(world, "quote"):
        with unchanged():
            with pytest.raises(NotFoundError):
                documents.accept_quote(scope, quote_id, "Ann Example")
            with pytest.raises(NotFoundError):
                documents.decline_quote(scope, quote_id, "too expensive")


def test_paying_another_customers_invoice_changes_nothing(world, scope):
    for invoice_id in foreign_ids(world, "invoice"):
        with unchanged(), pytest.raises(NotFoundError):
            payments.pay_invoice(scope, invoice_id, "1.00", method="card",
                                 idempotency_key=f"k{invoice_id}",
                                 card=Card("4242424242424242", "12/39", "123"))


def test_a_draft_is_not_shown_to_the_customer(world, scope, make_invoice):
    draft = make_invoice(scope.customer, status="draft")
    with pytest.raises(NotFoundError):
        scope.get_document("invoice", draft.id)
    assert draft.id not in [i.id for i in portal.list_invoices(scope).items]


def test_a_hidden_module_hides_its_records(world, scope, admin):
    update_portal_preferences(Actor.staff(admin.id), show_shipments=False,
                              show_payments=False)
    scope = ContactScope.for_contact(world["me"][0].id)
    with pytest.raises(NotFoundError):
        scope.get_document("shipment", world["me"][1].shipment.id)
    with pytest.raises(NotFoundError):
        scope.get_payment(world["me"][1].payment.id)
    assert portal.list_shipments(scope).total == 0
    assert portal.list_payments(scope).total == 0


def test_profile_changes_stay_on_my_own_records(world, scope):
    neighbour_contact, _ = world["neighbour"]
    profile.update_contact_details(scope, first_name="Renamed")
    profile.update_customer_addresses(scope, billing_city="Lyon")

    assert neighbour_contact.__class__.get_by_id(neighbour_contact.id).first_name != "Renamed"
    assert neighbour_contact.customer.__class__.get_by_id(
        neighbour_contact.customer_id).billing_city != "Lyon"


def test_a_scope_is_only_given_to_an_active_contact_with_a_current_session(world):
    me = world["me"][0]
    with pytest.raises(NotFoundError):
        ContactScope.for_contact(me.id, me.session_version + 1)
    with pytest.raises(NotFoundError):
        ContactScope.for_contact(MISSING)


def test_a_scope_built_from_the_portals_organization_refuses_another_organizations_contact(
        world):
    from core.queries.portal import get_portal_site

    me, stranger = world["me"][0], world["stranger"][0]
    org, prefs, current = get_portal_site(me.organization.slug)
    assert current and prefs.organization_id == org.id

    scope = ContactScope.for_contact(me.id, me.session_version, organization=org,
                                     preferences=prefs)
    assert scope.customer.id == me.customer_id
    with pytest.raises(NotFoundError):
        ContactScope.for_contact(stranger.id, organization=org, preferences=prefs)
    with pytest.raises(NotFoundError):
        ContactScope.for_contact(me.id, me.session_version + 1, organization=org,
                                 preferences=prefs)

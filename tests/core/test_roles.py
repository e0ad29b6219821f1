"""Contact roles: Billing sees invoices, payments and the statement; Orders sees quotes, sales
orders and shipments; Full and Company admin see everything. What a role can't see reads as
empty and answers NotFoundError; emails follow the role; "Who sees this?" says why not."""

import pytest

from core.audit import Actor
from core.errors import NotFoundError, ValidationError
from core.models import Contact, OutboxMessage
from core.queries import portal
from core.queries.audience import list_document_viewers
from core.queries.scoping import ContactScope
from core.services import access, comments, customers, sales
from core.services.organizations import update_portal_preferences
from core.services.payments import record_offline_payment
from tests.core.helpers import unchanged

ORDERS_KINDS = ("quote", "sales_order", "shipment")


@pytest.fixture
def company(make_active_contact, make_colleague, make_documents, admin):
    """One customer with a contact in each role, and one document of every kind."""
    full = make_active_contact()
    customer = full.customer
    people = {"full": full, **{role: make_colleague(customer, role)
                               for role in ("billing", "orders", "admin")}}
    docs = make_documents(customer)
    docs.payment = record_offline_payment(Actor.staff(admin.id), docs.invoice.id, "10.00")
    return customer, people, docs


def _scope(contact) -> ContactScope:
    return ContactScope.for_contact(contact.id)


def test_a_billing_contact_sees_invoices_payments_and_the_statement_only(company):
    _customer, people, docs = company
    billing = _scope(people["billing"])
    assert billing.get_document("invoice", docs.invoice.id).id == docs.invoice.id
    assert billing.get_payment(docs.payment.id).id == docs.payment.id
    assert billing.module_enabled("statement")
    for kind in ORDERS_KINDS:
        document = {"quote": docs.quote, "sales_order": docs.sales_order,
                    "shipment": docs.shipment}[kind]
        with pytest.raises(NotFoundError):
            billing.get_document(kind, document.id)
        assert list(billing.documents(kind)) == []
    assert portal.list_quotes(billing).total == 0
    summary = portal.home_summary(billing)
    assert summary.recent_quotes == [] and summary.recent_orders == []
    assert [i.id for i in summary.recent_invoices] == [docs.invoice.id]


def test_an_orders_contact_sees_quotes_orders_and_shipments_only(company):
    _customer, people, docs = company
    orders = _scope(people["orders"])
    assert orders.get_document("quote", docs.quote.id).id == docs.quote.id
    assert orders.get_document("shipment", docs.shipment.id).id == docs.shipment.id
    with pytest.raises(NotFoundError):
        orders.get_document("invoice", docs.invoice.id)
    with pytest.raises(NotFoundError):
        orders.get_payment(docs.payment.id)
    with pytest.raises(NotFoundError):  # nor the thread of an invoice
        list(orders.comments("invoice", docs.invoice.id))
    assert not orders.module_enabled("statement")
    assert portal.list_invoices(orders).total == 0
    summary = portal.home_summary(orders)
    assert summary.recent_invoices == [] and summary.last_payment is None
    assert [q.id for q in summary.recent_quotes] == [docs.quote.id]


def test_full_and_company_admin_see_everything(company):
    _customer, people, docs = company
    for role in ("full", "admin"):
        scope = _scope(people[role])
        for kind, document in (("quote", docs.quote), ("sales_order", docs.sales_order),
                               ("invoice", docs.invoice), ("shipment", docs.shipment)):
            assert scope.get_document(kind, document.id).id == document.id
        assert scope.get_payment(docs.payment.id).id == docs.payment.id


def test_an_unknown_role_is_refused_and_nothing_changes(make_customer, admin):
    customer = make_customer()
    with unchanged(), pytest.raises(ValidationError) as caught:
        customers.add_contact(Actor.staff(admin.id), customer.id, first_name="Eve",
                              email="eve@example.com", role="owner")
    assert caught.value.field == "role"


def test_staff_set_roles_when_configuring_portal_access(make_active_contact, admin):
    contact = make_active_contact()
    access.configure_portal_access(Actor.staff(admin.id), contact.customer_id, [contact.id],
                                   roles={contact.id: "billing"})
    assert Contact.get_by_id(contact.id).role == "billing"
    with unchanged(), pytest.raises(ValidationError):
        access.configure_portal_access(Actor.staff(admin.id), contact.customer_id,
                                       [contact.id], roles={contact.id: "superuser"})


def test_a_new_customers_contacts_get_their_roles(make_customer):
    customer = make_customer(contacts=[
        {"first_name": "Bill", "email": "bill@example.com", "role": "billing"},
        {"first_name": "Otto", "email": "otto@example.com", "role": "orders"}])
    assert sorted(c.role for c in customer.contacts) == ["billing", "orders"]


def _emailed(kind: str) -> set[str]:
    return {m.recipient for m in OutboxMessage.select().where(OutboxMessage.kind == kind)}


def test_invoice_emails_go_to_billing_and_shipment_notices_to_orders(company, make_invoice,
                                                                     admin):
    customer, people, docs = company
    draft = make_invoice(customer, status="draft")
    sales.send_invoice(Actor.staff(admin.id), draft.id)
    sees_invoices = {people[r].email for r in ("billing", "full", "admin")}
    assert _emailed("invoice_sent") == sees_invoices
    sees_orders = {people[r].email for r in ("orders", "full", "admin")}
    assert _emailed("shipment_shipped") == sees_orders  # the documents' shipment was shipped


def test_a_staff_reply_goes_to_contacts_whose_role_sees_the_document(company, admin):
    customer, people, docs = company
    for role in ("billing", "orders"):
        comments.add_contact_comment(_scope(people[role]),
                                     "invoice" if role == "billing" else "quote",
                                     docs.invoice.id if role == "billing" else docs.quote.id,
                                     "A question")
    # The billing contact becomes an Orders contact: a reply on the invoice no longer reaches it.
    access.configure_portal_access(Actor.staff(admin.id), customer.id,
                                   [c.id for c in people.values()],
                                   roles={people["billing"].id: "orders"})
    comments.add_staff_comment(Actor.staff(admin.id), "invoice", docs.invoice.id, "Answer")
    assert _emailed("comment_reply") == {people["full"].email}  # the primary, who sees it


def test_who_sees_this_names_each_contact_and_why_not(company, org, admin, make_colleague):
    customer, people, docs = company
    disabled = make_colleague(customer, "full")
    access.disable_contact(Actor.staff(admin.id), disabled.id)
    viewers = {v.contact_id: v for v in list_document_viewers(org.id, "invoice",
                                                                docs.invoice.id)}
    assert {c: v.sees for c, v in viewers.items()} == {
        people["full"].id: True, people["billing"].id: True, people["orders"].id: False,
        people["admin"].id: True, disabled.id: False}
    assert viewers[people["orders"].id].reason == "role"
    assert viewers[disabled.id].reason == "access"

    update_portal_preferences(Actor.staff(admin.id), show_invoices=False)
    assert {v.reason for v in list_document_viewers(org.id, "invoice", docs.invoice.id)} == {
        "module"}


def test_who_sees_this_says_nobody_sees_a_draft(make_active_contact, make_invoice, org):
    contact = make_active_contact()
    draft = make_invoice(contact.customer, status="draft")
    [viewer] = list_document_viewers(org.id, "invoice", draft.id)
    assert (viewer.sees, viewer.reason) == (False, "draft")


def test_who_sees_this_never_reads_another_organizations_document(make_active_contact,
                                                                   make_documents):
    from core.services.organizations import create_organization

    contact = make_active_contact()
    docs = make_documents(contact.customer)
    other = create_organization("Other Org")
    with pytest.raises(NotFoundError):
        list_document_viewers(other.id, "invoice", docs.invoice.id)

"""What a contact does with documents: the first view of an invoice, accepting and declining
quotes."""

import datetime
import json

import pytest

from core.audit import Actor
from core.errors import InvalidStateError, ValidationError
from core.models import (
    AuditEvent,
    Customer,
    Event,
    Invoice,
    Notification,
    OutboxMessage,
    Quote,
    SalesOrder,
)
from core.queries.scoping import ContactScope
from core.services import access
from core.services.customers import add_contact
from core.services.documents import (
    accept_quote,
    decline_quote,
    record_document_view,
    record_invoice_view,
)
from core.services.organizations import update_portal_preferences
from core.services.sales import create_quote
from tests.conftest import PASSWORD, token_of
from tests.core.helpers import actions, run_in_threads, unchanged


@pytest.fixture
def two_contacts(make_active_contact, admin, org):
    """Two active contacts of one customer."""
    first = make_active_contact()
    second = add_contact(Actor.staff(admin.id), first.customer_id, first_name="Second",
                         email="second@customer.example")
    access.invite_contact(Actor.staff(admin.id), second.id)
    access.accept_invitation(org.id, token_of(second), PASSWORD)
    return first, second


def invoice_notifications() -> list:
    return list(Notification.select().where(Notification.kind == "invoice_viewed"))


def test_the_first_view_of_an_invoice_is_stored_once_and_staff_are_told_once(
        two_contacts, make_invoice, admin, staff_member):
    first, second = two_contacts
    invoice = make_invoice(first.customer)

    assert record_invoice_view(ContactScope.for_contact(first.id), invoice.id) is True
    stored = Invoice.get_by_id(invoice.id)
    assert record_invoice_view(ContactScope.for_contact(second.id), invoice.id) is False
    assert record_invoice_view(ContactScope.for_contact(first.id), invoice.id) is False

    invoice = Invoice.get_by_id(invoice.id)
    assert invoice.first_viewed_by_id == first.id
    assert invoice.first_viewed_at == stored.first_viewed_at is not None
    notes = invoice_notifications()
    assert sorted(n.staff_id for n in notes) == sorted([admin.id, staff_member.id])
    assert all(invoice.number in n.message and n.record_id == invoice.id for n in notes)
    assert Customer.get_by_id(first.customer_id).last_viewed_at is not None
    assert actions().count("document_viewed") == 1


def test_two_contacts_opening_an_invoice_at_once_make_one_first_view(
        two_contacts, make_invoice, admin, staff_member):
    first, second = two_contacts
    invoice = make_invoice(first.customer)
    contacts = [first, second] * 4

    outcomes = run_in_threads(
        lambda i: record_invoice_view(ContactScope.for_contact(contacts[i].id), invoice.id), 8)

    assert sorted(outcomes) == [False] * 7 + [True], outcomes
    assert len(invoice_notifications()) == 2  # one per staff member
    viewer = Invoice.get_by_id(invoice.id).first_viewed_by_id
    assert viewer in (first.id, second.id)


def test_staff_are_emailed_about_a_first_view_only_when_they_asked(
        make_active_contact, make_invoice, admin, staff_member, org):
    contact = make_active_contact()
    record_invoice_view(ContactScope.for_contact(contact.id), make_invoice(contact.customer).id)
    assert OutboxMessage.select().where(OutboxMessage.kind == "staff_invoice_viewed").count() == 0

    update_portal_preferences(Actor.staff(admin.id), email_on_invoice_viewed=True)
    record_invoice_view(ContactScope.for_contact(contact.id), make_invoice(contact.customer).id)

    emails = OutboxMessage.select().where(OutboxMessage.kind == "staff_invoice_viewed")
    assert sorted(m.recipient for m in emails) == sorted([admin.email, staff_member.email])


def test_an_inactive_staff_member_is_not_notified(make_active_contact, make_invoice, admin,
                                                  staff_member):
    from core.services.staff import set_staff_active

    set_staff_active(Actor.staff(admin.id), staff_member.id, False)
    contact = make_active_contact()
    record_invoice_view(ContactScope.for_contact(contact.id), make_invoice(contact.customer).id)
    assert [n.staff_id for n in invoice_notifications()] == [admin.id]


def test_viewing_other_documents_records_the_first_view_without_notifying(
        make_active_contact, make_documents):
    contact = make_active_contact()
    docs = make_documents(contact.customer)
    scope = ContactScope.for_contact(contact.id)

    assert record_document_view(scope, "sales_order", docs.sales_order.id) is True
    assert record_document_view(scope, "sales_order", docs.sales_order.id) is False
    assert SalesOrder.get_by_id(docs.sales_order.id).first_viewed_by_id == contact.id
    assert Notification.select().count() == 1  # only the invitation acceptance


# -- quotes ------------------------------------------------------------------------------------

@pytest.fixture
def quote_and_scope(make_active_contact, make_documents):
    contact = make_active_contact()
    return make_documents(contact.customer).quote, ContactScope.for_contact(contact.id)


def test_accepting_a_quote_records_who_and_when_and_notifies_staff(quote_and_scope, admin):
    quote, scope = quote_and_scope
    accept_quote(scope, quote.id, "Ann Example", ip="192.0.2.5")

    quote = Quote.get_by_id(quote.id)
    assert (quote.status, quote.responded_by_id) == ("accepted", scope.contact.id)
    assert quote.responded_at is not None
    assert Notification.get(Notification.kind == "quote_accepted").record_id == quote.id
    assert actions()[-1] == "quote_accepted"


def test_declining_a_quote_needs_a_reason(quote_and_scope):
    quote, scope = quote_and_scope
    for reason in ("", "   ", None):
        with unchanged(), pytest.raises(ValidationError) as caught:
            decline_quote(scope, quote.id, reason)
        assert caught.value.field == "reason"

    decline_quote(scope, quote.id, "Too expensive for us this quarter.")

    quote = Quote.get_by_id(quote.id)
    assert (quote.status, quote.decline_reason) == ("declined",
                                                    "Too expensive for us this quarter.")
    assert "Too expensive" in Notification.get(Notification.kind == "quote_declined").message


def test_an_answered_quote_cannot_be_answered_again(quote_and_scope):
    quote, scope = quote_and_scope
    accept_quote(scope, quote.id, "Ann Example")
    with unchanged(), pytest.raises(InvalidStateError, match="no longer"):
        decline_quote(scope, quote.id, "Changed my mind")
    with unchanged(), pytest.raises(InvalidStateError):
        accept_quote(scope, quote.id, "Ann Example")


def test_an_expired_quote_cannot_be_accepted(make_active_contact):
    contact = make_active_contact()
    today = datetime.date.today()
    quote = create_quote(Actor.system(contact.organization_id), contact.customer_id, "Q-OLD",
                         [{"description": "x", "rate": "5"}],
                         issue_date=today - datetime.timedelta(days=40),
                         expiry_date=today - datetime.timedelta(days=1))
    scope = ContactScope.for_contact(contact.id)
    with unchanged(), pytest.raises(InvalidStateError, match="expired"):
        accept_quote(scope, quote.id, "Ann Example")
    with unchanged(), pytest.raises(InvalidStateError, match="expired"):
        decline_quote(scope, quote.id, "late anyway")


# -- signing a quote ---------------------------------------------------------------------------

def test_accepting_keeps_the_typed_signature_the_time_and_the_address(quote_and_scope):
    quote, scope = quote_and_scope
    accept_quote(scope, quote.id, "  Ann   Example ", ip="198.51.100.7")

    quote = Quote.get_by_id(quote.id)
    assert (quote.signature_name, quote.signature_ip) == ("Ann Example", "198.51.100.7")
    assert quote.responded_at is not None
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.ip) == ("quote_accepted", "198.51.100.7")
    assert json.loads(event.details)["signature"] == "Ann Example"
    assert "Ann Example" in Notification.get(Notification.kind == "quote_accepted").message


def test_a_quote_is_not_accepted_without_a_typed_name(quote_and_scope):
    quote, scope = quote_and_scope
    for signature in ("", "   ", None, "A", "12 34", "x" * 201):
        with unchanged(), pytest.raises(ValidationError) as caught:
            accept_quote(scope, quote.id, signature)
        assert caught.value.field == "signature"
    assert Quote.get_by_id(quote.id).status == "sent"


def test_the_quote_accepted_event_carries_the_signature(quote_and_scope):
    quote, scope = quote_and_scope
    accept_quote(scope, quote.id, "Ann Example")
    event = Event.get(Event.type == "quote.accepted")
    assert json.loads(event.payload)["quote"]["signature_name"] == "Ann Example"

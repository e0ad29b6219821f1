"""Events out: each portal happening writes one event in the transaction of its change, and
the feed pages through them by cursor, stable while new events arrive."""

import datetime
import json
from decimal import Decimal

import pytest
from playhouse.test_utils import count_queries

from core import events as core_events
from core.audit import Actor
from core.errors import PaymentDeclinedError, ValidationError
from core.events import event_json, record_event
from core.models import Contact, Event, Quote, WebhookDelivery
from core.queries.events import list_events
from core.services import access, comments, documents, payments, profile
from core.services.organizations import create_organization, update_portal_preferences
from core.services.webhooks import register_webhook_endpoint
from tests.conftest import PASSWORD, token_of
from tests.core.helpers import unchanged

GOOD_CARD = payments.Card("4242 4242 4242 4242", "12/39", "123")
DECLINED_CARD = payments.Card("4000000000000002", "12/39", "123")


def events_of(type_=None) -> list[Event]:
    """Events of a type, else every event but the fixtures' accepted invitations."""
    query = Event.select().order_by(Event.id)
    if type_:
        query = query.where(Event.type == type_)
    else:
        query = query.where(Event.type != "invitation.accepted")
    return list(query)


def data_of(event: Event) -> dict:
    return event_json(event)["data"]


@pytest.fixture
def contact(make_active_contact):
    return make_active_contact()


@pytest.fixture
def scope(contact, scope_of):
    return scope_of(contact)


# -- what writes an event --------------------------------------------------------------------


def test_a_card_payment_writes_payment_made_with_the_records_it_names(contact, scope, make_invoice):
    invoice = make_invoice(contact.customer, "100.00")

    payment = payments.pay_invoice(
        scope, invoice.id, "40.00", method="card", idempotency_key="k-1", card=GOOD_CARD
    )

    [event] = events_of("payment.made")
    assert event.organization_id == contact.organization_id
    assert event.public_id.startswith("evt_") and len(event.public_id) == 36
    data = data_of(event)
    assert data["payment"] == {
        "id": payment.id,
        "external_id": None,
        "number": payment.number,
        "amount": "40.00",
        "currency": "USD",
        "method": "card",
        "status": "succeeded",
        "reference": payment.reference,
        "via_portal": True,
        "paid_at": data["payment"]["paid_at"],
        "refunded_amount": "0.00",
    }
    assert data["invoice"] == {
        "id": invoice.id,
        "external_id": None,
        "number": invoice.number,
        "status": "partially_paid",
        "balance": "60.00",
        "currency": "USD",
    }
    assert data["customer"] == {"id": contact.customer_id, "external_id": None}
    assert data["contact"] == {"id": contact.id, "external_id": None}


def test_the_same_payment_form_submitted_twice_writes_one_event(scope, contact, make_invoice):
    invoice = make_invoice(contact.customer)
    for _ in range(2):
        payments.pay_invoice(
            scope, invoice.id, "10.00", method="card", idempotency_key="twice", card=GOOD_CARD
        )
    assert len(events_of("payment.made")) == 1


def test_a_declined_card_writes_no_event(scope, contact, make_invoice):
    invoice = make_invoice(contact.customer)
    with pytest.raises(PaymentDeclinedError):
        payments.pay_invoice(
            scope,
            invoice.id,
            "10.00",
            method="card",
            idempotency_key="declined",
            card=DECLINED_CARD,
        )
    assert events_of() == []


def test_paying_more_than_the_balance_writes_nothing_at_all(scope, contact, make_invoice):
    invoice = make_invoice(contact.customer, "50.00")
    with unchanged(), pytest.raises(ValidationError):
        payments.pay_invoice(
            scope, invoice.id, "50.01", method="card", idempotency_key="too-much", card=GOOD_CARD
        )


def test_a_bank_transfer_notice_then_its_confirmation(scope, contact, make_invoice, admin):
    invoice = make_invoice(contact.customer, "80.00")
    payment = payments.pay_invoice(
        scope, invoice.id, "80.00", method="bank_transfer", idempotency_key="bt"
    )
    payments.confirm_bank_transfer(Actor.staff(admin.id), payment.id)

    made, confirmed = events_of()
    assert (made.type, data_of(made)["payment"]["status"]) == ("payment.made", "pending")
    assert confirmed.type == "payment.confirmed"
    assert data_of(confirmed)["payment"]["status"] == "succeeded"
    assert data_of(confirmed)["invoice"]["status"] == "paid"
    assert data_of(confirmed)["contact"]["id"] == contact.id


def test_a_rejected_notice_and_an_offline_payment(scope, contact, make_invoice, admin):
    invoice = make_invoice(contact.customer, "80.00")
    notice = payments.pay_invoice(
        scope, invoice.id, "80.00", method="bank_transfer", idempotency_key="bt"
    )
    payments.reject_bank_transfer(Actor.staff(admin.id), notice.id)
    recorded = payments.record_offline_payment(
        Actor.staff(admin.id), invoice.id, "30.00", method="cheque", reference="CHQ 7"
    )

    assert [e.type for e in events_of()] == ["payment.made", "payment.rejected", "payment.recorded"]
    data = data_of(events_of("payment.recorded")[0])
    assert data["payment"]["id"] == recorded.id and data["payment"]["reference"] == "CHQ 7"
    assert data["contact"] is None and data["invoice"]["balance"] == "50.00"


def test_quote_decisions_write_events(scope, contact, make_documents):
    first, second = make_documents(contact.customer), make_documents(contact.customer)

    documents.accept_quote(scope, first.quote.id, "Ann Example")
    documents.decline_quote(scope, second.quote.id, "Too expensive")

    accepted, declined = events_of()
    assert (accepted.type, data_of(accepted)["quote"]["id"]) == ("quote.accepted", first.quote.id)
    assert data_of(declined)["quote"]["decline_reason"] == "Too expensive"
    assert data_of(declined)["quote"]["status"] == "declined"


def test_a_change_that_fails_late_writes_no_event(
    scope, contact, make_documents, monkeypatch, admin
):
    """The event is written in the change's transaction: when a later step fails, neither
    the quote's new status nor its event nor the event's delivery remains."""
    register_webhook_endpoint(Actor.staff(admin.id), "https://erp.example/hooks")
    docs = make_documents(contact.customer)

    def broken_notify(*args, **kwargs):
        raise RuntimeError("notifications are down")

    monkeypatch.setattr(documents, "notify_staff", broken_notify)
    with pytest.raises(RuntimeError):
        documents.accept_quote(scope, docs.quote.id, "Ann Example")

    assert Quote.get_by_id(docs.quote.id).status == "sent"
    assert events_of() == [] and WebhookDelivery.select().count() == 0


def test_comments_by_contacts_and_staff_write_comment_added(scope, contact, make_documents, admin):
    docs = make_documents(contact.customer)
    comments.add_contact_comment(scope, "invoice", docs.invoice.id, "When will it ship?")
    comments.add_staff_comment(Actor.staff(admin.id), "invoice", docs.invoice.id, "Tomorrow.")

    by_contact, by_staff = (data_of(e) for e in events_of("comment.added"))
    assert by_contact["comment"]["author"] == {
        "type": "contact",
        "id": contact.id,
        "external_id": None,
    }
    assert by_contact["document"] == {
        "type": "invoice",
        "id": docs.invoice.id,
        "external_id": None,
        "number": docs.invoice.number,
    }
    assert by_staff["comment"]["body"] == "Tomorrow."
    assert by_staff["comment"]["author"]["type"] == "staff"


def test_contact_details_and_language_changes_write_contact_updated(scope, contact):
    profile.update_contact_details(
        scope, first_name="Dana", last_name="Person", phone="+49 30 1234"
    )
    profile.update_contact_details(
        scope, first_name="Dana", last_name="Person", phone="+49 30 1234"
    )  # the same again: no change, no event
    profile.set_contact_language(scope, "de")

    details, language = events_of("contact.updated")
    assert data_of(details)["changed"] == ["first_name", "phone"]
    assert data_of(details)["contact"]["phone"] == "+49 30 1234"
    assert data_of(language)["changed"] == ["language"]
    assert data_of(language)["contact"]["language"] == "de"


def test_an_address_change_writes_customer_address_updated(scope, contact):
    profile.update_customer_addresses(scope, billing_street="1 Main St", billing_city="Springfield")

    [event] = events_of("customer.address_updated")
    data = data_of(event)
    assert data["changed"] == ["billing_city", "billing_street"]
    assert data["customer"]["billing_address"]["city"] == "Springfield"
    assert data["contact"]["id"] == contact.id


def test_only_the_first_view_of_an_invoice_writes_invoice_viewed(scope, contact, make_invoice):
    invoice = make_invoice(contact.customer)
    documents.record_invoice_view(scope, invoice.id)
    documents.record_invoice_view(scope, invoice.id)

    [event] = events_of("invoice.viewed")
    assert data_of(event)["invoice"]["id"] == invoice.id
    assert data_of(event)["invoice"]["first_viewed_at"].endswith("Z")


def test_accepting_an_invitation_and_signing_up_write_events(make_customer, org, admin):
    invited = make_customer(allow_portal_access=True)
    contact = Contact.get(Contact.customer == invited)
    access.accept_invitation(org.id, token_of(contact), PASSWORD)
    update_portal_preferences(Actor.staff(admin.id), allow_signup=True)
    newcomer = Contact.get(Contact.customer == make_customer())
    access.request_signup(org.id, newcomer.email)
    access.complete_signup(org.id, token_of(newcomer, "signup"), PASSWORD)

    [accepted], [signed_up] = events_of("invitation.accepted"), events_of("contact.signed_up")
    assert accepted.type == "invitation.accepted"
    assert data_of(accepted)["contact"]["id"] == contact.id
    assert data_of(accepted)["contact"]["portal_state"] == "active"
    assert signed_up.type == "contact.signed_up"
    assert data_of(signed_up)["customer"]["id"] == newcomer.customer_id


def test_a_failed_invitation_acceptance_writes_no_event(make_customer, org):
    contact = Contact.get(Contact.customer == make_customer(allow_portal_access=True))
    with pytest.raises(ValidationError):
        access.accept_invitation(org.id, token_of(contact), "short")
    assert events_of() == []


def test_external_ids_appear_in_payloads_once_records_have_them(contact, make_invoice):
    """Payload builders read `external_id` where a record has one (the API's columns)."""
    invoice = make_invoice(contact.customer)
    invoice.external_id = "ERP-INV-9"
    assert core_events.ref(invoice) == {"id": invoice.id, "external_id": "ERP-INV-9"}


def test_an_unknown_event_type_is_a_programming_error(org):
    with pytest.raises(ValueError, match="unknown event type"):
        record_event(org.id, "payment.teleported", {})


# -- deliveries written with the event ---------------------------------------------------------


def test_each_listening_active_endpoint_gets_a_delivery_in_the_same_transaction(
    scope, contact, make_invoice, admin
):
    actor = Actor.staff(admin.id)
    everything, _ = register_webhook_endpoint(actor, "https://erp.example/hooks/all")
    payments_only, _ = register_webhook_endpoint(
        actor, "https://erp.example/hooks/pay", ["payment.made", "payment.confirmed"]
    )
    register_webhook_endpoint(actor, "https://erp.example/hooks/quotes", ["quote.accepted"])
    from core.services.webhooks import disable_webhook_endpoint

    disabled, _ = register_webhook_endpoint(actor, "https://erp.example/hooks/off")
    disable_webhook_endpoint(actor, disabled.id)

    invoice = make_invoice(contact.customer)
    payments.pay_invoice(
        scope, invoice.id, "10.00", method="card", idempotency_key="k", card=GOOD_CARD
    )

    [event] = events_of("payment.made")
    deliveries = list(WebhookDelivery.select().order_by(WebhookDelivery.endpoint))
    assert [(d.endpoint_id, d.event_id, d.status, d.attempts) for d in deliveries] == [
        (everything.id, event.id, "pending", 0),
        (payments_only.id, event.id, "pending", 0),
    ]


def test_another_organizations_endpoints_get_nothing(scope, contact, make_invoice):
    from core.services.staff import create_staff

    other = create_organization("Other Co")
    other_admin = create_staff(
        Actor.system(other.id), "admin@other.example", "Olga", PASSWORD, role="admin"
    )
    register_webhook_endpoint(Actor.staff(other_admin.id), "https://other.example/hook")

    invoice = make_invoice(contact.customer)
    payments.pay_invoice(
        scope, invoice.id, "10.00", method="card", idempotency_key="k", card=GOOD_CARD
    )

    assert len(events_of()) == 1 and WebhookDelivery.select().count() == 0


# -- the feed ---------------------------------------------------------------------------------


def _write(organization_id: int, count: int, type_="invoice.viewed") -> None:
    for n in range(count):
        record_event(organization_id, type_, {"n": n})


def _read_all(organization_id: int, limit: int, **kwargs) -> list[Event]:
    seen, cursor = [], None
    while True:
        page, cursor = list_events(organization_id, cursor, limit, **kwargs)
        seen += page
        if cursor is None:
            return seen


def test_the_feed_pages_in_order_and_ends(org):
    _write(org.id, 7)

    first, cursor = list_events(org.id, None, 3)
    second, cursor2 = list_events(org.id, cursor, 3)
    third, cursor3 = list_events(org.id, cursor2, 3)

    assert [data_of(e)["n"] for e in first + second + third] == list(range(7))
    assert (len(third), cursor3) == (1, None)


def test_the_feed_is_stable_while_events_arrive(org):
    """Paging with the cursors while new events are written reads each event exactly once."""
    _write(org.id, 5)
    seen, cursor, written = [], None, 5
    while True:
        page, next_cursor = list_events(org.id, cursor, 2)
        seen += [data_of(e)["n"] for e in page]
        if written < 12:  # someone pays, comments... between two pages
            for _ in range(3):
                record_event(org.id, "invoice.viewed", {"n": written})
                written += 1
        if next_cursor is None:
            break
        cursor = next_cursor
    assert seen == list(range(written))


def test_polling_with_the_last_cursor_finds_only_new_events(org):
    from core.queries.events import latest_cursor

    _write(org.id, 2)
    page, _ = list_events(org.id, None, 10)
    cursor = latest_cursor(page, None)
    assert list_events(org.id, cursor, 10) == ([], None)

    record_event(org.id, "quote.accepted", {"n": "new"})
    page, _ = list_events(org.id, cursor, 10)
    assert [data_of(e)["n"] for e in page] == ["new"]


def test_the_feed_shows_only_the_organizations_own_events(org):
    other = create_organization("Other Co")
    _write(other.id, 4)
    _write(org.id, 3)

    assert len(_read_all(org.id, 2)) == 3
    assert {e.organization_id for e in _read_all(other.id, 2)} == {other.id}
    # Another organization's cursor reveals nothing: it only says where to continue.
    _, cursor = list_events(other.id, None, 1)
    assert [e.organization_id for e in list_events(org.id, cursor, 10)[0]] == [org.id] * 3


def test_the_feed_filters_by_type(org):
    for type_ in ("invoice.viewed", "payment.made", "quote.accepted", "payment.made"):
        record_event(org.id, type_, {})
    assert [e.type for e in _read_all(org.id, 1, types=["payment.made"])] == [
        "payment.made",
        "payment.made",
    ]


@pytest.mark.parametrize("cursor", ["nonsense", "ZXYx", "", "ev1:12", "ZXYxOi0x", "🙂"])
def test_a_broken_cursor_is_refused(org, cursor):
    if cursor == "":
        assert list_events(org.id, cursor, 10) == ([], None)  # empty means from the start
        return
    with pytest.raises(ValidationError) as error:
        list_events(org.id, cursor, 10)
    assert error.value.field == "after"


@pytest.mark.parametrize("limit", [0, -1, 501, "10", None, True])
def test_a_limit_out_of_range_is_refused(org, limit):
    with pytest.raises(ValidationError) as error:
        list_events(org.id, None, limit)
    assert error.value.field == "limit"


def test_an_unknown_type_filter_is_refused(org):
    with pytest.raises(ValidationError, match="Unknown event type"):
        list_events(org.id, None, 10, types=["payment.teleported"])


def test_a_feed_page_is_one_query_at_any_size(org):
    _write(org.id, 5)
    with count_queries() as small:
        list_events(org.id, None, 50)
    _write(org.id, 300)
    _, cursor = list_events(org.id, None, 100)
    with count_queries() as big:
        list_events(org.id, cursor, 50)
    assert small.count == big.count == 1


def test_event_json_is_the_one_shape_the_feed_and_webhooks_send(org):
    when = datetime.datetime(2026, 12, 1, 8, 30, 15, 123456)
    event = record_event(org.id, "payment.made", {"amount": Decimal("1.50")}, created_at=when)
    [read] = list_events(org.id, None, 1)[0]

    assert event_json(read) == {
        "id": event.public_id,
        "object": "event",
        "type": "payment.made",
        "created_at": "2026-12-01T08:30:15Z",
        "data": {"amount": "1.50"},
    }
    assert json.loads(core_events.event_body(read)) == event_json(read)

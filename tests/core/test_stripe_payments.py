"""Stripe Checkout: a session for exactly what the contact chose, fulfilled only by signed
webhook events, each applied once; mismatches refused; refunds restore the balance.

The stripe library talks over HTTP to tests/stripe_server.py (no Stripe server is reachable
here); events are signed by the test with Stripe's scheme.
"""

import datetime
import json
import time
from decimal import Decimal

import pytest

from core.audit import Actor
from core.errors import NotFoundError, PaymentError, ValidationError
from core.models import (
    AuditEvent,
    Customer,
    Invoice,
    OutboxMessage,
    Payment,
    StripeAccount,
    StripeEvent,
)
from core.queries.gateway import get_payment_mode, get_stripe_setup
from core.queries.scoping import ContactScope
from core.services import payments
from core.services.stripe_events import (
    StripeEventRefusedError,
    StripeSignatureError,
    handle_stripe_webhook,
)
from core.services.stripe_setup import connect_stripe, disconnect_stripe
from tests.core.helpers import run_in_threads, unchanged
from tests.stripe_server import SECRET_KEY, WEBHOOK_SECRET, event, sign

BACK = payments.CheckoutReturn(lambda payment_id: f"http://portal.test/acme/payments/{payment_id}",
                               "http://portal.test/acme/invoices")


@pytest.fixture
def payer(make_active_contact, stripe_org):
    return make_active_contact()


@pytest.fixture
def invoice(payer, make_invoice):
    return make_invoice(payer.customer, "80.00")


def start(contact, invoice_id, amount="80.00", key="form-1"):
    return payments.pay_invoice(ContactScope.for_contact(contact.id), invoice_id, amount,
                                method="card", idempotency_key=key, back=BACK)


def webhook_id(org) -> str:
    return StripeAccount.get(StripeAccount.organization == org.id).webhook_id


def deliver(org, body: bytes, signature: str | None = None):
    return handle_stripe_webhook(webhook_id(org), body, signature or sign(body))


def test_a_checkout_session_is_made_for_exactly_the_chosen_amount(payer, invoice, fake_stripe):
    payment = start(payer, invoice.id, "30.50")
    assert payment.status == "processing" and payment.gateway == "stripe"
    assert payment.checkout_url.startswith(fake_stripe.base + "/pay/cs_test_")
    _method, _path, params = fake_stripe.requests[-1]
    line = params["line_items"][0]
    assert line["price_data"] == {"currency": "usd", "unit_amount": "3050",
                                  "product_data": {"name": f"Acme Trading {invoice.number}"}}
    assert params["client_reference_id"] == str(payment.id)
    assert params["success_url"] == f"http://portal.test/acme/payments/{payment.id}"
    assert params["customer_email"] == payer.email
    # Nothing is paid until Stripe says so; the amount is held back from a second payment.
    assert Invoice.get_by_id(invoice.id).balance == Decimal("80.00")
    assert payments.payable_amount(Invoice.get_by_id(invoice.id)) == Decimal("49.50")
    with pytest.raises(ValidationError):
        start(payer, invoice.id, "60.00", key="form-2")


def test_the_same_form_twice_gives_the_same_payment_and_one_session(payer, invoice,
                                                                     fake_stripe):
    first = start(payer, invoice.id)
    again = start(payer, invoice.id)
    assert again.id == first.id and again.checkout_url == first.checkout_url
    assert len(fake_stripe.sessions) == 1


def test_stripe_failing_leaves_nothing_behind(payer, invoice, fake_stripe):
    fake_stripe.failures = 3  # the library's two retries (same idempotency key) fail too
    before = Payment.select().count()
    with pytest.raises(PaymentError):
        payments.pay_invoice(ContactScope.for_contact(payer.id), invoice.id, "80.00",
                             method="card", idempotency_key="k", back=BACK)
    assert Payment.select().count() == before
    assert payments.payable_amount(Invoice.get_by_id(invoice.id)) == Decimal("80.00")


def test_the_completed_event_pays_the_invoice_and_sends_the_receipt(payer, invoice,
                                                                    fake_stripe, stripe_org):
    payment = start(payer, invoice.id)
    outcome = deliver(stripe_org, fake_stripe.complete(payment.checkout_session_id))
    assert outcome.outcome == "applied"
    payment = Payment.get_by_id(payment.id)
    assert payment.status == "succeeded" and payment.reference.startswith("pi_")
    invoice = Invoice.get_by_id(invoice.id)
    assert invoice.balance == 0 and invoice.status == "paid"
    assert Customer.get_by_id(payer.customer_id).outstanding == 0
    assert OutboxMessage.select().where(OutboxMessage.kind == "payment_receipt").count() == 1


def test_the_same_event_twenty_times_at_once_pays_once(payer, invoice, fake_stripe,
                                                       stripe_org):
    payment = start(payer, invoice.id, "50.00")
    body = fake_stripe.complete(payment.checkout_session_id)
    signature = sign(body)
    hook = webhook_id(stripe_org)
    outcomes = run_in_threads(lambda i: handle_stripe_webhook(hook, body, signature), 20)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(o.outcome for o in outcomes) == ["applied"] + ["duplicate"] * 19
    assert Invoice.get_by_id(invoice.id).balance == Decimal("30.00")
    assert Customer.get_by_id(payer.customer_id).outstanding == Decimal("30.00")
    assert StripeEvent.select().count() == 1
    assert OutboxMessage.select().where(OutboxMessage.kind == "payment_receipt").count() == 1


def test_another_event_for_the_same_money_does_not_pay_again(payer, invoice, fake_stripe,
                                                             stripe_org):
    payment = start(payer, invoice.id, "50.00")
    completed = fake_stripe.complete(payment.checkout_session_id)
    deliver(stripe_org, completed)
    session = json.loads(completed)["data"]["object"]
    outcome = deliver(stripe_org, event("checkout.session.async_payment_succeeded", session))
    assert outcome.outcome == "already"
    assert Invoice.get_by_id(invoice.id).balance == Decimal("30.00")


@pytest.mark.parametrize("change, value", [
    ("amount_total", 1), ("currency", "eur"), ("client_reference_id", "999999"),
    ("id", "cs_test_unknown")])
def test_an_event_that_does_not_match_the_payment_is_refused(payer, invoice, fake_stripe,
                                                             stripe_org, change, value):
    payment = start(payer, invoice.id)
    session = json.loads(fake_stripe.complete(payment.checkout_session_id))["data"]["object"]
    session[change] = value
    body = event("checkout.session.completed", session)
    with pytest.raises(StripeEventRefusedError):
        deliver(stripe_org, body)
    assert Payment.get_by_id(payment.id).status == "processing"
    assert Invoice.get_by_id(invoice.id).balance == Decimal("80.00")
    assert StripeEvent.select().count() == 0  # refused each time Stripe retries, not "seen"
    assert AuditEvent.select().where(AuditEvent.action == "stripe_event_refused").count() == 1


def test_another_organizations_payment_cannot_be_paid_through_this_endpoint(
        payer, invoice, fake_stripe, stripe_org, make_customer, make_active_contact):
    from core.services.organizations import create_organization

    other = create_organization("Other Ltd", default_language="en", currency="USD")
    connect_stripe(Actor.system(other.id), publishable_key="pk_test_other0000000000",
                   secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    payment = start(payer, invoice.id)
    body = fake_stripe.complete(payment.checkout_session_id)
    with pytest.raises(StripeEventRefusedError):
        deliver(other, body)  # the other org's endpoint, its secret: our payment is not its
    assert Payment.get_by_id(payment.id).status == "processing"


def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(payer, invoice, fake_stripe,
                                                                 stripe_org):
    payment = start(payer, invoice.id)
    body = fake_stripe.complete(payment.checkout_session_id)
    hook = webhook_id(stripe_org)
    with unchanged():
        for signature in ["", "t=1,v1=abc", sign(body, secret="whsec_wrong"),
                          sign(body, timestamp=int(time.time()) - 3600),
                          sign(body + b" ")]:
            with pytest.raises(StripeSignatureError):
                handle_stripe_webhook(hook, body, signature)
        with pytest.raises(StripeSignatureError):
            handle_stripe_webhook(hook, body + b" ", sign(body))
        with pytest.raises(NotFoundError):
            handle_stripe_webhook("no-such-endpoint", body, sign(body))


def test_a_live_event_on_test_keys_is_refused(payer, invoice, fake_stripe, stripe_org):
    payment = start(payer, invoice.id)
    session = json.loads(fake_stripe.complete(payment.checkout_session_id))["data"]["object"]
    with pytest.raises(StripeEventRefusedError):
        deliver(stripe_org, event("checkout.session.completed", session, livemode=True))
    assert Payment.get_by_id(payment.id).status == "processing"


def test_a_refund_in_stripe_restores_the_balance_and_shows_refunded(payer, invoice,
                                                                    fake_stripe, stripe_org):
    payment = start(payer, invoice.id)
    deliver(stripe_org, fake_stripe.complete(payment.checkout_session_id))
    assert deliver(stripe_org, fake_stripe.refund(payment.checkout_session_id, 2000)
                   ).outcome == "refunded"
    partly = Payment.get_by_id(payment.id)
    assert partly.status == "succeeded" and partly.refunded_amount == Decimal("20.00")
    assert Invoice.get_by_id(invoice.id).balance == Decimal("20.00")
    assert Invoice.get_by_id(invoice.id).status == "partially_paid"
    refund_all = fake_stripe.refund(payment.checkout_session_id, 8000)
    deliver(stripe_org, refund_all)
    assert deliver(stripe_org, refund_all).outcome == "duplicate"
    refunded = Payment.get_by_id(payment.id)
    assert refunded.status == "refunded" and refunded.refunded_amount == Decimal("80.00")
    invoice = Invoice.get_by_id(invoice.id)
    assert invoice.balance == Decimal("80.00") and invoice.status == "sent"
    assert Customer.get_by_id(payer.customer_id).outstanding == Decimal("80.00")


def test_a_delayed_bank_payment_holds_until_it_succeeds_or_fails(payer, invoice, fake_stripe,
                                                                 stripe_org):
    payment = start(payer, invoice.id)
    completed = fake_stripe.complete(payment.checkout_session_id, payment_status="unpaid")
    assert deliver(stripe_org, completed).outcome == "waiting"
    held = Payment.get_by_id(payment.id)
    assert held.status == "processing" and held.hold_until is None
    assert payments.payable_amount(Invoice.get_by_id(invoice.id)) == 0
    session = json.loads(completed)["data"]["object"]
    assert deliver(stripe_org, event("checkout.session.async_payment_failed", session)
                   ).outcome == "failed"
    assert Payment.get_by_id(payment.id).status == "failed"
    assert payments.payable_amount(Invoice.get_by_id(invoice.id)) == Decimal("80.00")
    assert Invoice.get_by_id(invoice.id).balance == Decimal("80.00")


def test_an_abandoned_checkout_stops_holding_the_amount(payer, invoice, fake_stripe,
                                                        stripe_org):
    payment = start(payer, invoice.id)
    Payment.update(hold_until=datetime.datetime(2000, 1, 1)).where(
        Payment.id == payment.id).execute()  # the hour has passed: Stripe expired it too
    assert payments.payable_amount(Invoice.get_by_id(invoice.id)) == Decimal("80.00")
    session = fake_stripe.sessions[payment.checkout_session_id]
    assert deliver(stripe_org, event("checkout.session.expired", session)).outcome == "expired"
    assert Payment.get_by_id(payment.id).status == "expired"


def test_several_invoices_are_one_checkout_session_and_one_payment(
        payer, make_invoice, fake_stripe, stripe_org):
    first, second = make_invoice(payer.customer, "10.00"), make_invoice(payer.customer, "25.00")
    payment = payments.pay_invoices(ContactScope.for_contact(payer.id), [second.id, first.id],
                                    idempotency_key="many", back=BACK)
    assert payment.amount == Decimal("35.00") and payment.invoice_id is None
    _method, _path, params = fake_stripe.requests[-1]
    assert [line["price_data"]["unit_amount"] for line in params["line_items"]] == ["1000",
                                                                                    "2500"]
    deliver(stripe_org, fake_stripe.complete(payment.checkout_session_id))
    assert Invoice.get_by_id(first.id).status == Invoice.get_by_id(second.id).status == "paid"
    deliver(stripe_org, fake_stripe.refund(payment.checkout_session_id, 3500))
    assert Invoice.get_by_id(first.id).balance == Decimal("10.00")
    assert Invoice.get_by_id(second.id).balance == Decimal("25.00")


def test_keys_are_stored_sealed_and_shown_only_as_hints(org, admin, fake_stripe):
    from core import db

    connect_stripe(Actor.staff(admin.id, organization_id=org.id),
                   publishable_key="pk_test_abc12345678", secret_key=SECRET_KEY,
                   webhook_secret=WEBHOOK_SECRET)
    raw = db.database.obj.execute_sql("SELECT * FROM stripe_account").fetchall()
    assert SECRET_KEY not in repr(raw) and WEBHOOK_SECRET not in repr(raw)
    setup = get_stripe_setup(Actor.staff(admin.id, organization_id=org.id))
    assert setup.secret_key_hint == "sk_test_…4242" and SECRET_KEY not in repr(setup)
    assert get_payment_mode(org.id) == "stripe_test"
    # Changing only the publishable key keeps the stored secrets.
    connect_stripe(Actor.system(org.id), publishable_key="pk_test_def12345678")
    assert get_payment_mode(org.id) == "stripe_test"
    disconnect_stripe(Actor.system(org.id))
    assert get_payment_mode(org.id) == "sandbox"


def test_keys_are_checked_and_test_and_live_keys_are_not_mixed(org):
    system = Actor.system(org.id)
    for keys in [dict(publishable_key="nope", secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET),
                 dict(publishable_key="pk_live_abc12345678", secret_key=SECRET_KEY,
                      webhook_secret=WEBHOOK_SECRET),
                 dict(publishable_key="pk_test_abc12345678", secret_key="sk_test_x'; drop",
                      webhook_secret=WEBHOOK_SECRET),
                 dict(publishable_key="pk_test_abc12345678", secret_key=SECRET_KEY,
                      webhook_secret="secret")]:
        with unchanged(), pytest.raises(ValidationError):
            connect_stripe(system, **keys)


def test_a_sealed_key_copied_to_another_organization_does_not_open(org, stripe_org):
    from core.services.organizations import create_organization

    other = create_organization("Other Ltd", default_language="en", currency="USD")
    mine = StripeAccount.get(StripeAccount.organization == org.id)
    StripeAccount.create(organization=other.id, publishable_key=mine.publishable_key,
                         secret_key_sealed=mine.secret_key_sealed,
                         webhook_secret_sealed=mine.webhook_secret_sealed, webhook_id="copied")
    assert get_payment_mode(other.id) == "sandbox"


def test_a_staff_member_who_is_not_an_admin_cannot_read_or_change_the_keys(
        org, staff_member, stripe_org):
    from core.errors import PermissionDeniedError

    actor = Actor.staff(staff_member.id, organization_id=org.id)
    with pytest.raises(PermissionDeniedError):
        get_stripe_setup(actor)
    with pytest.raises(PermissionDeniedError):
        disconnect_stripe(actor)


def test_the_statement_counts_only_what_was_not_refunded(payer, invoice, fake_stripe,
                                                         stripe_org):
    from core.queries.statement import build_statement

    payment = start(payer, invoice.id)
    deliver(stripe_org, fake_stripe.complete(payment.checkout_session_id))
    deliver(stripe_org, fake_stripe.refund(payment.checkout_session_id, 2000))
    today = datetime.date.today()
    statement = build_statement(Customer.get_by_id(payer.customer_id),
                                today - datetime.timedelta(days=1), today)
    assert [line.credit for line in statement.lines if line.kind == "payment"] == [
        Decimal("60.00")]
    assert statement.closing_balance == Decimal("20.00") == Invoice.get_by_id(invoice.id).balance


def test_amounts_go_to_stripe_in_the_currencys_smallest_unit():
    from core.gateways.stripe_checkout import from_minor_units, to_minor_units

    assert to_minor_units(Decimal("80.00"), "usd") == 8000
    assert to_minor_units(Decimal("1234.00"), "JPY") == 1234
    assert to_minor_units(Decimal("1.25"), "KWD") == 1250
    assert from_minor_units(1234, "jpy") == Decimal("1234.00")
    with pytest.raises(ValueError):
        to_minor_units(Decimal("12.50"), "JPY")


def test_what_is_held_back_adds_notices_and_open_checkouts_of_several_invoices(
        payer, invoice, make_invoice):
    other = make_invoice(payer.customer, "5.00")
    scope = ContactScope.for_contact(payer.id)
    payments.pay_invoice(scope, invoice.id, "5.00", method="bank_transfer",
                         idempotency_key="notice")
    payments.pay_invoices(scope, [invoice.id, other.id], idempotency_key="both", back=BACK)
    assert payments.pending_amount(invoice.id) == Decimal("80.00")  # 5.00 + 75.00
    assert payments.payable_amount(Invoice.get_by_id(invoice.id)) == 0
    assert payments.pending_amount(other.id) == Decimal("5.00")

"""Webhook deliveries to a real HTTP receiver on loopback: signed, retried through failures
(500, no answer, a closed port) with nothing lost and the same event id on every attempt."""

import datetime
import hashlib
import hmac
import json
import re
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.audit import Actor
from core.events import event_json, record_event
from core.models import Event, WebhookDelivery, utcnow
from core.services.webhooks import (
    disable_webhook_endpoint,
    redeliver_webhook,
    register_webhook_endpoint,
    update_webhook_endpoint,
)
from portal_site.mail.worker import OutboxWorker
from portal_site.webhooks import delivery as webhook_delivery
from tests.mail.receivers import Script, WebhookReceiver, closed_port

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
SIGNATURE = re.compile(r"^t=(\d+),v1=([0-9a-f]{64})$")


def worker_config(**overrides) -> dict:
    return {"MAIL_TIMEOUT": 0.5, "MAIL_BATCH_SIZE": 50, "MAIL_MAX_ATTEMPTS": 8,
            "MAIL_RETRY_BASE_SECONDS": 30.0, "MAIL_RETRY_MAX_SECONDS": 3600.0,
            "MAIL_LEASE_SECONDS": 300.0, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True, **overrides}


def a_worker(**config) -> SimpleNamespace:
    """What deliver_due needs of the mail worker: its settings, its id and its stop flag."""
    return SimpleNamespace(config=worker_config(**config), worker_id="test-worker",
                           stop=threading.Event())


def make_due_now() -> None:
    """Skip the backoff wait (the test does not sleep 30 s between attempts)."""
    WebhookDelivery.update(next_attempt_at=utcnow()).where(
        WebhookDelivery.status == "pending").execute()


def independent_check(secret: str, received) -> int:
    """Check a request's signature from its raw bytes, the way a receiver would; returns t."""
    match = SIGNATURE.match(received.headers["Doorstep-Signature"])
    assert match, received.headers["Doorstep-Signature"]
    timestamp, signature = match.groups()
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + received.body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, signature)
    return int(timestamp)


@pytest.fixture
def receivers():
    started = []

    def start(script=None, port=0):
        receiver = WebhookReceiver(script, port).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def actor(admin):
    return Actor.staff(admin.id, "", admin.organization_id)


def test_an_event_is_posted_signed_with_the_endpoints_secret(receivers, actor, org):
    receiver = receivers()
    _, secret = register_webhook_endpoint(actor, receiver.url)
    event = record_event(org.id, "quote.accepted", {"quote": {"id": 7, "external_id": "Q-7"}})

    before = int(time.time())
    assert webhook_delivery.deliver_due(a_worker()) == 1

    [received] = receiver.requests
    assert received.path == "/hooks/doorstep"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["Doorstep-Event-Id"] == event.public_id
    assert before <= independent_check(secret, received) <= int(time.time())
    # The body is the feed's JSON of the event, byte for byte what was signed.
    assert json.loads(received.body) == event_json(Event.get_by_id(event.id))
    delivery = WebhookDelivery.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        "delivered", 1, 200)
    assert delivery.delivered_at is not None and delivery.last_error == ""


def test_a_signature_made_with_another_secret_does_not_check(receivers, actor, org):
    receiver = receivers()
    register_webhook_endpoint(actor, receiver.url)
    record_event(org.id, "quote.accepted", {})
    webhook_delivery.deliver_due(a_worker())

    with pytest.raises(AssertionError):
        independent_check("whsec_not-the-secret", receiver.requests[0])


def test_500_no_answer_and_a_closed_port_are_retried_until_delivered(receivers, actor, org):
    """Nothing is lost: each failure is recorded, the next attempt carries the same event id
    and body, signed afresh, until the receiver answers 2xx."""
    port = closed_port()
    receiver = receivers(Script(answers=[500, "hang"], hang_seconds=2.0), port=port)
    endpoint, secret = register_webhook_endpoint(actor, receiver.url)
    event = record_event(org.id, "payment.made", {"payment": {"id": 1}})
    worker = a_worker(MAIL_TIMEOUT=0.5)

    def attempt():
        make_due_now()
        webhook_delivery.deliver_due(worker)
        return WebhookDelivery.get()

    first = attempt()
    assert (first.status, first.attempts, first.last_response_code) == ("pending", 1, 500)
    assert "HTTP 500" in first.last_error
    # The backoff is the mail worker's: 30 s after the first failure.
    delay = (first.next_attempt_at - first.last_attempt_at).total_seconds()
    assert 29 <= delay <= 31

    second = attempt()
    assert (second.status, second.attempts, second.last_response_code) == ("pending", 2, None)
    assert "no answer within 0.5 s" in second.last_error

    receiver.stop()  # the port is closed now: connections are refused
    third = attempt()
    assert (third.status, third.attempts) == ("pending", 3)
    assert "ConnectionRefusedError" in third.last_error

    receiver.start()  # back, on the same port
    fourth = attempt()
    assert (fourth.status, fourth.attempts, fourth.last_response_code) == ("delivered", 4, 200)

    assert len(receiver.requests) == 3  # the refused attempt never arrived
    assert {r.headers["Doorstep-Event-Id"] for r in receiver.requests} == {event.public_id}
    assert len({r.body for r in receiver.requests}) == 1
    for received in receiver.requests:
        independent_check(secret, received)
    assert endpoint.id == fourth.endpoint_id


def test_a_delivery_fails_for_good_after_the_last_attempt_and_redeliver_sends_it(
        receivers, actor, org):
    receiver = receivers(Script(then=503))
    _, secret = register_webhook_endpoint(actor, receiver.url)
    event = record_event(org.id, "comment.added", {})
    worker = a_worker(MAIL_MAX_ATTEMPTS=3)
    for _ in range(5):
        make_due_now()
        webhook_delivery.deliver_due(worker)

    failed = WebhookDelivery.get()
    assert (failed.status, failed.attempts, failed.last_response_code) == ("failed", 3, 503)
    assert failed.last_error.startswith("gave up after 3 attempts: HTTP 503")
    assert len(receiver.requests) == 3

    receiver.script.then = 200
    again = redeliver_webhook(actor, failed.id)
    webhook_delivery.deliver_due(worker)

    assert WebhookDelivery.get_by_id(again.id).status == "delivered"
    assert receiver.requests[-1].headers["Doorstep-Event-Id"] == event.public_id
    independent_check(secret, receiver.requests[-1])


def test_a_redirect_is_not_followed(receivers, actor, org):
    target = receivers()
    redirecting = receivers(Script(then=302))
    register_webhook_endpoint(actor, redirecting.url)
    record_event(org.id, "comment.added", {})

    webhook_delivery.deliver_due(a_worker())

    delivery = WebhookDelivery.get()
    assert (delivery.status, delivery.last_response_code) == ("pending", 302)
    assert target.requests == []


def test_only_the_endpoints_own_events_go_to_it(receivers, actor, org):
    payments_hook, quotes_hook = receivers(), receivers()
    register_webhook_endpoint(actor, payments_hook.url, ["payment.made"])
    register_webhook_endpoint(actor, quotes_hook.url, ["quote.accepted", "quote.declined"])
    for type_ in ("payment.made", "quote.declined", "invoice.viewed", "payment.made"):
        record_event(org.id, type_, {})

    webhook_delivery.deliver_due(a_worker())

    assert [json.loads(r.body)["type"] for r in payments_hook.requests] == ["payment.made"] * 2
    assert [json.loads(r.body)["type"] for r in quotes_hook.requests] == ["quote.declined"]


def test_a_disabled_endpoint_is_not_called_and_its_pending_delivery_is_cancelled(
        receivers, actor, org):
    receiver = receivers()
    endpoint, _ = register_webhook_endpoint(actor, receiver.url)
    record_event(org.id, "comment.added", {})
    disable_webhook_endpoint(actor, endpoint.id)

    webhook_delivery.deliver_due(a_worker())

    assert receiver.requests == []
    delivery = WebhookDelivery.get()
    assert (delivery.status, delivery.attempts) == ("cancelled", 0)


def test_a_stopping_worker_gives_its_unattempted_claims_back(receivers, actor, org):
    receiver = receivers()
    register_webhook_endpoint(actor, receiver.url)
    for _ in range(3):
        record_event(org.id, "comment.added", {})
    worker = a_worker()
    worker.stop.set()

    assert webhook_delivery.deliver_due(worker) == 3

    assert [d.status for d in WebhookDelivery.select()] == ["pending"] * 3
    assert receiver.requests == []


def test_two_workers_claim_different_deliveries(actor, org):
    from core.webhooks import claim_deliveries

    register_webhook_endpoint(actor, "https://erp.example/hooks")
    for _ in range(5):
        record_event(org.id, "comment.added", {})

    first = claim_deliveries("worker-a", batch_size=3, lease_seconds=300)
    second = claim_deliveries("worker-b", batch_size=3, lease_seconds=300)

    assert (len(first), len(second)) == (3, 2)
    assert not {d.id for d in first} & {d.id for d in second}
    assert claim_deliveries("worker-c", batch_size=3, lease_seconds=300) == []
    # Each comes with its event and endpoint, read in the claim's one query.
    assert first[0].event.public_id.startswith("evt_")
    assert first[0].endpoint.url == "https://erp.example/hooks"


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease(receivers, actor, org):
    receiver = receivers()
    register_webhook_endpoint(actor, receiver.url)
    record_event(org.id, "comment.added", {})
    long_ago = utcnow() - datetime.timedelta(seconds=301)
    WebhookDelivery.update(status="sending", claimed_by="dead", claimed_at=long_ago).execute()

    webhook_delivery.deliver_due(a_worker())

    assert WebhookDelivery.get().status == "delivered" and len(receiver.requests) == 1


def test_the_mail_worker_delivers_webhooks_with_doorstep_worker_once(
        receivers, actor, org, mail_app):
    receiver = receivers()
    _, secret = register_webhook_endpoint(actor, receiver.url)
    event = record_event(org.id, "invoice.viewed", {})

    totals = OutboxWorker(mail_app).run(once=True)

    assert totals["failed"] == 0
    assert [r.headers["Doorstep-Event-Id"] for r in receiver.requests] == [event.public_id]
    independent_check(secret, receiver.requests[0])
    assert WebhookDelivery.get().status == "delivered"


def test_changing_the_url_sends_the_next_attempt_to_the_new_address(receivers, actor, org):
    old, new = receivers(Script(then=500)), receivers()
    endpoint, _ = register_webhook_endpoint(actor, old.url)
    event = record_event(org.id, "comment.added", {})
    webhook_delivery.deliver_due(a_worker())
    update_webhook_endpoint(actor, endpoint.id, url=new.url)

    make_due_now()
    webhook_delivery.deliver_due(a_worker())

    assert [r.headers["Doorstep-Event-Id"] for r in new.requests] == [event.public_id]


# -- the receiver in docs/webhooks.md --------------------------------------------------------

def doc_receiver(secret: str, monkeypatch) -> dict:
    """Run the Python receiver exactly as docs/webhooks.md prints it; returns its globals."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    [code] = [block for block in blocks if "class Receiver" in block]
    monkeypatch.setenv("DOORSTEP_WEBHOOK_SECRET", secret)
    namespace = {"__name__": "doc_receiver"}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - the doc's own code
    return namespace


@pytest.fixture
def doc_server():
    import http.server

    servers = []

    def start(handler):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/doorstep"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_documented_receiver_accepts_a_real_delivery_and_refuses_tampering_and_replays(
        doc_server, actor, org, monkeypatch):
    endpoint, secret = register_webhook_endpoint(actor, "https://placeholder.example/")
    receiver = doc_receiver(secret, monkeypatch)
    handled = []
    receiver["handle"] = handled.append  # the doc's handle() prints; keep the events instead
    update_webhook_endpoint(actor, endpoint.id, url=doc_server(receiver["Receiver"]))
    event = record_event(org.id, "payment.made", {"payment": {"id": 5, "amount": "9.99"}})

    webhook_delivery.deliver_due(a_worker())

    delivery = WebhookDelivery.get()
    assert (delivery.status, delivery.last_response_code) == ("delivered", 204)
    assert [e["id"] for e in handled] == [event.public_id]
    assert handled[0]["data"] == {"payment": {"id": 5, "amount": "9.99"}}

    # A repeat of the same event (a redelivery) is acknowledged but handled once.
    redeliver_webhook(actor, delivery.id)
    webhook_delivery.deliver_due(a_worker())
    assert len(handled) == 1

    # What the doc's verify() refuses: a changed body, a wrong secret, an old timestamp.
    verify = receiver["verify"]
    from core.events import event_body
    from core.webhooks import sign

    body = event_body(Event.get_by_id(event.id))
    now = int(time.time())
    assert verify(sign(secret, now, body), body)
    assert not verify(sign(secret, now, body), body.replace(b"9.99", b"0.01"))
    assert not verify(sign("whsec_other", now, body), body)
    assert not verify(sign(secret, now - 301, body), body)  # a replay, 5 minutes later
    assert verify(sign(secret, now - 299, body), body)
    assert not verify(sign(secret, now, body).replace(f"t={now}", f"t={now + 1}"), body)
    assert not verify("", body) and not verify("t=abc,v1=00", body)


def test_a_portal_payment_reaches_the_businesss_endpoint(receivers, actor, make_active_contact,
                                                         make_invoice, scope_of):
    from core.gateways import Card
    from core.services.payments import pay_invoice

    receiver = receivers()
    _, secret = register_webhook_endpoint(actor, receiver.url, ["payment.made"])
    contact = make_active_contact()
    invoice = make_invoice(contact.customer, "120.00")
    payment = pay_invoice(scope_of(contact), invoice.id, "120.00", method="card",
                          idempotency_key="pay-1", card=Card("4242424242424242", "12/39", "123"))

    webhook_delivery.deliver_due(a_worker())

    [received] = receiver.requests
    independent_check(secret, received)
    body = json.loads(received.body)
    assert body["type"] == "payment.made"
    assert body["data"]["payment"]["id"] == payment.id
    assert body["data"]["invoice"] == {"id": invoice.id, "external_id": None,
                                       "number": invoice.number, "status": "paid",
                                       "balance": "0.00", "currency": "USD"}


# -- private addresses: refused at delivery too, on the address actually connected to ----------

def test_delivery_refuses_a_loopback_address_when_private_addresses_are_not_allowed(
        receivers, actor, org):
    """The endpoint was registered while allowed (or its name resolved to a public address
    then, as in DNS rebinding); at delivery the worker checks where it connects, and the
    receiver on 127.0.0.1 never hears from it."""
    receiver = receivers()
    https = register_webhook_endpoint(
        actor, receiver.url.replace("http://127.0.0.1", "https://localhost"))[0]
    record_event(org.id, "quote.accepted", {})

    webhook_delivery.deliver_due(a_worker(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False))

    assert receiver.requests == []
    delivery = WebhookDelivery.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    # Refused before any byte went out: not a TLS error from the plain-HTTP receiver.
    assert "localhost resolves to" in delivery.last_error
    assert "not a public address" in delivery.last_error
    # Plain http is refused too while private addresses are not allowed.
    disable_webhook_endpoint(actor, https.id)
    register_webhook_endpoint(actor, receiver.url)
    record_event(org.id, "quote.accepted", {})
    webhook_delivery.deliver_due(a_worker(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False))
    assert receiver.requests == []
    assert "http without TLS" in WebhookDelivery.select().order_by(
        WebhookDelivery.id.desc()).get().last_error


def test_the_guarded_connector_checks_each_resolved_address():
    from portal_site.webhooks.delivery import BlockedAddressError, guarded_connector

    with pytest.raises(BlockedAddressError, match="not a public address"):
        guarded_connector(False)(("localhost", 9), 1.0)
    with pytest.raises(BlockedAddressError):
        guarded_connector(False)(("::ffff:10.0.0.1", 443), 1.0)
    # Allowed, a loopback port nobody listens on is refused by the system, not by the guard.
    with pytest.raises(ConnectionRefusedError):
        guarded_connector(True)(("127.0.0.1", closed_port()), 1.0)


# -- events past the retention period are pruned by the worker ----------------------------------

def test_old_events_and_their_deliveries_are_pruned_and_the_feed_cursor_still_works(
        receivers, actor, org, make_app):
    from core.queries.events import encode_cursor, list_events

    receiver = receivers()
    register_webhook_endpoint(actor, receiver.url)
    old = [record_event(org.id, "comment.added", {"n": i}) for i in range(3)]
    recent = record_event(org.id, "comment.added", {"n": 3})
    Event.update(created_at=utcnow() - datetime.timedelta(days=91)).where(
        Event.id.in_([e.id for e in old])).execute()
    cursor = encode_cursor(old[1].id)  # a client stopped reading in the middle of the old ones

    worker = OutboxWorker(make_app(closed_port(), EVENT_RETENTION_DAYS=90))
    assert worker.prune_expired() == {"pruned_events": 3}
    assert [e.id for e in Event.select()] == [recent.id]
    assert [d.event_id for d in WebhookDelivery.select()] == [recent.id]
    events, _next = list_events(org.id, cursor)
    assert [e.id for e in events] == [recent.id]
    assert worker.prune_expired() == {}  # once an hour, not every round

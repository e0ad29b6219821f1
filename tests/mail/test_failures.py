"""A slow, absent or refusing SMTP server: messages wait, retry with backoff, fail when they
must, and are never lost or sent twice."""

import datetime
import time

import pytest

from core import outbox
from core.models import OutboxMessage, utcnow
from tests.mail.servers import ClosingInbox, RefusingInbox, deliver, free_port, make_due, statuses


@pytest.fixture
def notices(org, admin):
    """Queue `n` staff emails (no token needed) and return their ids."""
    def queue(n: int, recipient: str = "admin@acme.example") -> list[int]:
        return [outbox.enqueue(org.id, "staff_signup", recipient, "en",
                               contact_name=f"Contact {i}", customer_name=f"Customer {i}").id
                for i in range(n)]

    return queue


def rows() -> list[OutboxMessage]:
    return list(OutboxMessage.select().order_by(OutboxMessage.id))


def test_with_the_server_down_messages_wait_then_all_arrive_exactly_once(
        notices, make_app, smtp_servers):
    ids = notices(5)
    port = free_port()  # nothing listens here yet
    app = make_app(port)

    deliver(app)
    make_due()
    deliver(app)

    assert statuses() == {"queued": 5}
    # The message that tried to connect counts its attempts; the others were not tried and
    # are charged nothing, but wait as long and say why.
    tried, *waiting = rows()
    assert tried.attempts == 2 and "cannot connect" in tried.last_error
    assert all(m.attempts == 0 and m.next_attempt_at > utcnow()
               and m.last_error.startswith("not tried yet: cannot connect") for m in waiting)

    server = smtp_servers(port=port)  # the server comes back
    make_due()
    deliver(app)

    assert statuses() == {"sent": 5}
    assert sorted(server.handler.message_ids()) == sorted(m.message_id for m in rows())
    assert [m.attempts for m in rows()] == [3, 1, 1, 1, 1]
    assert all(m.last_error == "" for m in rows())
    assert len(ids) == 5


def test_a_server_that_goes_away_midway_loses_nothing_and_duplicates_nothing(
        notices, make_app, smtp_servers):
    notices(8)
    port = free_port()
    closing = smtp_servers(ClosingInbox(accept=3), port=port)
    app = make_app(port)

    deliver(app)

    assert len(closing.handler.messages) == 3
    assert statuses() == {"sent": 3, "queued": 5}
    assert all("421" in m.last_error for m in rows() if m.status == "queued")

    closing.stop()
    back = smtp_servers(port=port)
    make_due()
    deliver(app)

    received = closing.handler.message_ids() + back.handler.message_ids()
    assert statuses() == {"sent": 8}
    assert sorted(received) == sorted(m.message_id for m in rows())  # each exactly once


def test_a_451_reply_is_retried_later_and_delivered(notices, make_app, smtp_servers):
    greylisting = smtp_servers(RefusingInbox("451 4.7.1 Greylisted, try again later", times=1))
    notices(1)
    app = make_app(greylisting.port)

    deliver(app)

    (message,) = rows()
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.last_error == "451 4.7.1 Greylisted, try again later"
    assert message.next_attempt_at > utcnow()
    assert greylisting.handler.messages == []

    deliver(app)  # not due yet: nothing happens
    assert OutboxMessage.get_by_id(message.id).attempts == 1

    make_due()
    deliver(app)

    message = OutboxMessage.get_by_id(message.id)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert greylisting.handler.message_ids() == [message.message_id]


def test_a_550_reply_fails_the_message_with_the_reason_and_the_rest_still_go(
        notices, make_app, smtp_servers):
    refusing = smtp_servers(RefusingInbox("550 5.1.1 <gone@acme.example>: mailbox unavailable",
                                          addresses={"gone@acme.example"}))
    good = notices(2)
    (bad,) = notices(1, recipient="gone@acme.example")

    deliver(make_app(refusing.port))

    failed = OutboxMessage.get_by_id(bad)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == "550 5.1.1 <gone@acme.example>: mailbox unavailable"
    assert [OutboxMessage.get_by_id(i).status for i in good] == ["sent", "sent"]
    assert len(refusing.handler.messages) == 2


def test_a_server_that_never_answers_times_out_and_the_message_is_retried(
        notices, make_app, smtp_servers, silent_server):
    notices(3)

    started = time.monotonic()
    deliver(make_app(silent_server.port, MAIL_TIMEOUT=0.5))
    elapsed = time.monotonic() - started

    assert elapsed < 5  # one timeout for the batch, not one per message, and never a hang
    assert statuses() == {"queued": 3}
    tried, *waiting = rows()
    assert tried.attempts == 1 and "timed out" in tried.last_error
    assert all(m.attempts == 0 and "not tried yet" in m.last_error
               and "timed out" in m.last_error for m in waiting)

    working = smtp_servers()
    make_due()
    deliver(make_app(working.port))

    assert statuses() == {"sent": 3}
    assert len(working.handler.messages) == 3


def test_retries_back_off_exponentially_up_to_a_cap(notices, make_app):
    notices(1)
    app = make_app(free_port(), MAIL_RETRY_BASE_SECONDS=10.0, MAIL_RETRY_MAX_SECONDS=35.0)
    waits = []
    for _ in range(4):
        before = utcnow()
        deliver(app)
        message = rows()[0]
        waits.append(round((message.next_attempt_at - before).total_seconds()))
        make_due()

    assert waits == [10, 20, 35, 35]


def test_a_message_gives_up_after_the_last_attempt(notices, make_app):
    notices(1)
    app = make_app(free_port(), MAIL_MAX_ATTEMPTS=3)

    for _ in range(5):
        deliver(app)
        make_due()

    (message,) = rows()
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.last_error.startswith("gave up after 3 attempts: cannot connect")


def test_an_invalid_address_fails_at_once_without_bothering_the_server(
        org, notices, mail_app, smtp):
    outbox.enqueue(org.id, "staff_signup", "not an address", "en", contact_name="X",
                   customer_name="Y")
    notices(1)

    deliver(mail_app)

    bad = OutboxMessage.get(OutboxMessage.recipient == "not an address")
    assert (bad.status, bad.attempts) == ("failed", 1)
    assert "invalid recipient address" in bad.last_error
    assert len(smtp.handler.messages) == 1


def test_an_abandoned_claim_is_taken_over_after_the_lease_and_a_fresh_one_is_left_alone(
        notices, mail_app, smtp):
    abandoned, fresh = notices(2)
    OutboxMessage.update(status="sending", claimed_by="dead-worker",
                         claimed_at=utcnow() - datetime.timedelta(minutes=10)).where(
        OutboxMessage.id == abandoned).execute()
    OutboxMessage.update(status="sending", claimed_by="busy-worker",
                         claimed_at=utcnow()).where(OutboxMessage.id == fresh).execute()

    deliver(mail_app)

    assert OutboxMessage.get_by_id(abandoned).status == "sent"
    assert (OutboxMessage.get_by_id(fresh).status,
            OutboxMessage.get_by_id(fresh).claimed_by) == ("sending", "busy-worker")
    assert smtp.handler.message_ids() == [OutboxMessage.get_by_id(abandoned).message_id]

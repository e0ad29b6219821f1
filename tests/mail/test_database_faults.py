"""The database fails under the worker in the middle of a batch (`pg_terminate_backend` on
PostgreSQL, a closed connection on SQLite), and the mail server is down while an invitation is
replaced: what was sent is recorded, nothing is sent twice, the rest goes out at once, and a
message that was never tried is never charged for it."""

import time

from peewee import OperationalError

from core import outbox
from core.audit import Actor
from core.models import Contact, OutboxMessage
from core.services import access
from portal_site.mail import worker as worker_module
from portal_site.mail.worker import OutboxWorker
from tests.lost_connections import dropper_of_this_threads_connection
from tests.mail.servers import Inbox, deliver, free_port, make_due, statuses


class DroppingInbox(Inbox):
    """Accepts every message; while accepting message number `at`, runs `drop` first (the
    worker is then waiting for the server's 250, its database connection idle)."""

    def __init__(self, at: int, drop):
        super().__init__()
        self.at = at
        self.drop = drop

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        if len(self.messages) + 1 == self.at:
            self.drop()
        return await super().handle_DATA(server, session, envelope)


def queue_notices(organization_id: int, count: int) -> list[int]:
    return [outbox.enqueue(organization_id, "staff_signup", f"staff{i}@acme.example", "en",
                           contact_name=f"Contact {i}", customer_name=f"Customer {i}").id
            for i in range(count)]


def test_a_database_lost_mid_batch_records_the_message_in_flight_and_sends_the_rest_at_once(
        org, admin, database, make_app, smtp_servers):
    ids = queue_notices(org.id, 6)
    inbox = DroppingInbox(at=3, drop=dropper_of_this_threads_connection(database))
    server = smtp_servers(inbox)
    app = make_app(server.port)

    started = time.monotonic()
    with app.app_context():
        totals = OutboxWorker(app, worker_id="worker-a").run(once=True)
    elapsed = time.monotonic() - started

    # The third message went out while the database was gone: it is recorded as sent (never
    # sent again), the three after it were given back at once and sent in the same run.
    assert sorted(inbox.message_ids()) == sorted(
        OutboxMessage.get_by_id(i).message_id for i in ids)
    assert statuses() == {"sent": 6}
    assert [OutboxMessage.get_by_id(i).attempts for i in ids] == [1] * 6
    assert totals["sent"] == 6 and totals["released"] == 3
    assert elapsed < 30  # not after the 300 s lease

    deliver(app)  # nothing is left to send twice
    assert len(inbox.messages) == 6


def test_a_database_error_while_rendering_charges_the_message_nothing(
        org, admin, mail_app, smtp, monkeypatch):
    ids = queue_notices(org.id, 4)
    real_render = worker_module.render
    failures = []

    def render_once_failing(message, organization):
        if message.id == ids[1] and not failures:
            failures.append(message.id)
            raise OperationalError("server closed the connection unexpectedly")
        return real_render(message, organization)

    monkeypatch.setattr(worker_module, "render", render_once_failing)

    deliver(mail_app)

    assert failures == [ids[1]]
    assert statuses() == {"sent": 4}
    assert [OutboxMessage.get_by_id(i).attempts for i in ids] == [1, 1, 1, 1]
    assert len(smtp.handler.messages) == 4


def test_with_the_mail_server_down_a_replaced_invitation_still_ends_cancelled(
        org, admin, make_customer, make_app, smtp_servers):
    notice = queue_notices(org.id, 1)[0]  # first in line: it is the one that tries to connect
    customer = make_customer(email="jonas@mueller.example", allow_portal_access=True)
    contact = Contact.get(Contact.customer == customer)
    (first,) = OutboxMessage.select().where(OutboxMessage.kind == "invitation")
    port = free_port()
    app = make_app(port, MAIL_MAX_ATTEMPTS=2)

    deliver(app)
    make_due()
    deliver(app)  # the notice used up its attempts; the invitation was never tried
    assert OutboxMessage.get_by_id(notice).status == "failed"
    assert (OutboxMessage.get_by_id(first.id).status,
            OutboxMessage.get_by_id(first.id).attempts) == ("queued", 0)

    access.invite_contact(Actor.staff(admin.id), contact.id)  # a new link replaces the first
    make_due()
    deliver(app)
    server = smtp_servers(port=port)
    make_due()
    deliver(app)

    replaced = OutboxMessage.get_by_id(first.id)
    (second,) = OutboxMessage.select().where(OutboxMessage.kind == "reinvitation")
    assert replaced.status == "cancelled" and "replaced" in replaced.last_error
    assert OutboxMessage.get_by_id(second.id).status == "sent"
    assert server.handler.message_ids() == [second.message_id]

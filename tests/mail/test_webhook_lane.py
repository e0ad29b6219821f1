"""A webhook endpoint that hangs until the timeout does not hold the mail back: the worker
delivers webhooks in a lane of its own, while a real SMTP server keeps receiving on time."""

import threading
import time

from core import db, outbox
from core.audit import Actor
from core.events import record_event
from core.models import WebhookDelivery
from core.services.webhooks import register_webhook_endpoint
from portal_site.mail.worker import OutboxWorker
from tests.mail.receivers import Script, WebhookReceiver

HANG = 2.0  # the endpoint answers nothing for this long; MAIL_TIMEOUT is the same


def test_mail_keeps_its_pace_while_an_endpoint_hangs(org, admin, make_app, smtp):
    receiver = WebhookReceiver(Script(then="hang", hang_seconds=HANG + 1)).start()
    try:
        actor = Actor.staff(admin.id, "", admin.organization_id)
        register_webhook_endpoint(actor, f"http://127.0.0.1:{receiver.port}/hook")
        with db.transaction():
            for i in range(4):  # 4 deliveries that each wait out the timeout: 8 s in a row
                record_event(org.id, "comment.added", {"n": i})
        app = make_app(smtp.port, MAIL_TIMEOUT=HANG, MAIL_POLL_SECONDS=0.05,
                       WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True)
        worker = OutboxWorker(app, worker_id="lane-test")

        def run():
            with app.app_context():
                worker.run()

        runner = threading.Thread(target=run, daemon=True)
        runner.start()
        try:
            deadline = time.monotonic() + 10
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.02)
            assert receiver.requests, "the webhook lane never called the endpoint"
            # The endpoint now hangs; mail queued meanwhile goes out at once.
            queued_at = time.monotonic()
            with db.transaction():
                outbox.enqueue(org.id, "staff_signup", "staff@acme.example", "en",
                               contact_name="Ann", customer_name="Ann's shop")
            smtp.handler.wait_for(1, timeout=HANG * 4)
            waited = time.monotonic() - queued_at
            assert waited < HANG, f"the mail waited {waited:.1f} s behind the webhooks"
            assert (WebhookDelivery.select()
                    .where(WebhookDelivery.status == "delivered").count()) == 0
        finally:
            worker.stop.set()
            runner.join(timeout=HANG + 10)
        assert not runner.is_alive()
        # The hanging attempts were charged and go back to the queue, none lost.
        assert WebhookDelivery.select().where(WebhookDelivery.status == "pending").count() == 4
    finally:
        receiver.stop()

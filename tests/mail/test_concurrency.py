"""Several workers at once: every message is delivered exactly once."""

import threading

from core import db, outbox
from core.models import OutboxMessage
from portal_site.mail.worker import OutboxWorker
from tests.mail.servers import statuses


def queue_notices(organization_id: int, count: int) -> None:
    with db.transaction():
        for i in range(count):
            outbox.enqueue(organization_id, "staff_signup", f"staff{i}@acme.example", "en",
                           contact_name=f"Contact {i}", customer_name=f"Customer {i}")


def run_workers(app, count: int) -> list:
    """Run `count` workers (`--once`) in threads started together; their totals, in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def work(index: int) -> None:
        barrier.wait()
        try:
            with app.app_context():
                results[index] = OutboxWorker(app, worker_id=f"worker-{index}").run(once=True)
        except BaseException as error:  # handed to the test thread below
            results[index] = error
        finally:
            if not db.database.is_closed():
                db.database.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def test_two_workers_over_500_messages_deliver_each_exactly_once(org, make_app, smtp):
    queue_notices(org.id, 500)
    app = make_app(smtp.port, MAIL_BATCH_SIZE=25)

    totals = run_workers(app, 2)

    received = smtp.handler.message_ids()
    assert len(received) == 500
    assert sorted(received) == sorted(m.message_id for m in OutboxMessage.select())
    assert statuses() == {"sent": 500}
    assert sum(t["sent"] for t in totals) == 500
    if db.is_postgres():
        # SKIP LOCKED lets both work at once; on SQLite one may simply wait for the other.
        assert all(t["sent"] > 0 for t in totals)

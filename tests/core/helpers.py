"""Helpers for the core tests: whole-database snapshots and running work in many threads."""

import contextlib
import datetime
import threading

from core import db
from core.models import ALL_MODELS, AuditEvent


def snapshot() -> dict:
    """Every row of every table, in id order (to prove a failed call changed nothing)."""
    return {model.__name__: list(model.select().order_by(model.id).tuples())
            for model in ALL_MODELS}


@contextlib.contextmanager
def unchanged():
    """Assert that the block leaves every table exactly as it found it."""
    before = snapshot()
    yield
    after = snapshot()
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"tables changed: {changed}"


def actions(**where) -> list[str]:
    """Audit actions recorded so far, oldest first."""
    query = AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return [row.action for row in query]


def run_in_threads(work, count: int) -> list:
    """Run work(i) in `count` threads started together, each on its own connection.

    Returns what each call returned, or the exception it raised.
    """
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        db.database.connect()
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the caller inspects every outcome
            results[index] = error
        finally:
            db.database.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def age_rate_events(seconds: float) -> None:
    """Move every counted attempt `seconds` into the past (time passing for the throttle)."""
    from core.models import RateEvent

    with db.transaction():
        for event in RateEvent.select():
            event.created_at -= datetime.timedelta(seconds=seconds)
            event.save()

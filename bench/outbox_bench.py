"""Outbox throughput: messages per second from the outbox to a local SMTP sink.

    python -m bench.outbox_bench --messages 2000 [--postgres URL] [--skip-postgres]

Queues N invitations (a mix of the six languages, through the same service staff use for
"Enable portal"), then times worker processes sending them to an aiosmtpd sink on loopback that
accepts and discards: one worker on SQLite, one on PostgreSQL, four on PostgreSQL. Each worker
is the real one (claim, render, send over one SMTP connection per batch, mark sent). Prints a
table and writes bench/results/outbox.json. Besides wall-clock messages per second it reports
each worker's CPU time per message, which other load on the machine hardly moves.

The PostgreSQL database (default postgresql://127.0.0.1:5432/test_mail_bench, created when
missing) is wiped first, and only when it is empty or holds nothing but this benchmark's data.
"""

import argparse
import json
import logging
import multiprocessing
import os
import platform
import socket
import tempfile
import time
from pathlib import Path

from core.config import PROJECT_ROOT

DEFAULT_POSTGRES_URL = os.environ.get("OUTBOX_BENCH_POSTGRES_URL",
                                      "postgresql://127.0.0.1:5432/test_mail_bench")
RESULT_FILE = PROJECT_ROOT / "bench" / "results" / "outbox.json"
BENCH_SLUG = "outbox-bench"
LANGUAGES = ("en", "de", "fr", "es", "ja", "ar")
BASE_ENV = {"SECRET_KEY": "outbox-bench-secret", "PORTAL_BASE_URL": "https://portal.bench.example",
            "DOORSTEP_FAST_PASSWORD_HASH": "1"}


class Sink:
    """An aiosmtpd handler that accepts every message and keeps only a count."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        """Accept and forget."""
        self.count += 1
        return "250 2.0.0 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bind_empty(url: str) -> None:
    """Bind `url` and give it an empty, migrated schema (refusing a database with other data)."""
    from core import db

    database = db.bind(url)
    with db.connection():
        if db.is_postgres():
            tables = database.get_tables()
            if "organization" in tables:
                slugs = {row[0] for row in database.execute_sql('SELECT slug FROM "organization"')}
                if slugs - {BENCH_SLUG}:
                    raise SystemExit(f"{url} holds other data; name an empty database.")
            database.execute_sql("DROP SCHEMA public CASCADE")
            database.execute_sql("CREATE SCHEMA public")
    db.migrate()


def seed(url: str, messages: int) -> None:
    """Fill an empty database with `messages` queued invitations in six languages."""
    from core import db
    from core.audit import Actor
    from core.models import Contact, Customer, Organization
    from core.services.access import bulk_enable_portal
    from core.services.organizations import create_organization
    from core.services.staff import create_staff

    _bind_empty(url)
    with db.connection():
        org = create_organization("Outbox Bench Trading", default_language="en")
        Organization.update(slug=BENCH_SLUG).where(Organization.id == org.id).execute()
        admin = create_staff(Actor.system(org.id), "admin@bench.example", "Bench Admin",
                             "correct horse battery", role="admin")
        with db.transaction():
            for start in range(0, messages, 500):
                rows = [{"organization": org.id, "display_name": f"Customer {i:05d}",
                         "portal_language": LANGUAGES[i % len(LANGUAGES)],
                         "email": f"contact{i:05d}@customer.bench.example"}
                        for i in range(start, min(start + 500, messages))]
                Customer.insert_many(rows).execute()
            customers = {c.display_name: c.id for c in Customer.select()}
            for start in range(0, messages, 500):
                Contact.insert_many([
                    {"organization": org.id, "customer": customers[f"Customer {i:05d}"],
                     "first_name": f"Contact {i:05d}", "is_primary": True,
                     "email": f"contact{i:05d}@customer.bench.example"}
                    for i in range(start, min(start + 500, messages))]).execute()
        bulk_enable_portal(Actor.staff(admin.id, organization_id=org.id),
                           list(customers.values()))


def requeue() -> None:
    """Put every message back in the queue, as if never sent."""
    from core.models import OutboxMessage, utcnow

    OutboxMessage.update(status="queued", attempts=0, sent_at=None, last_error="",
                         claimed_by="", claimed_at=None, next_attempt_at=utcnow()).execute()


def _worker(url: str, port: int, ready, start, results) -> None:
    """One worker process: set up, wait for the start signal, send everything due."""
    os.environ.update(BASE_ENV)
    os.environ.update({"DATABASE_URL": url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port)})
    logging.basicConfig(level=logging.WARNING)
    from core import db
    from portal_site import create_app
    from portal_site.mail.worker import OutboxWorker

    db.bind(url)
    app = create_app()
    worker = OutboxWorker(app)
    with app.app_context():
        ready.put(os.getpid())
        start.wait()
        cpu = time.process_time()
        totals = worker.run(once=True)
        cpu = time.process_time() - cpu
    results.put({**totals, "cpu_seconds": cpu})


def measure(url: str, workers: int, messages: int, sink: Sink, port: int) -> dict:
    """Time `workers` worker processes sending every queued message to the sink."""
    from core import db
    from core.models import OutboxMessage

    with db.connection():
        requeue()
    before = sink.count
    context = multiprocessing.get_context("spawn")
    ready, results, start = context.Queue(), context.Queue(), context.Event()
    processes = [context.Process(target=_worker, args=(url, port, ready, start, results))
                 for _ in range(workers)]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=120)
    started = time.perf_counter()
    start.set()
    totals = [results.get(timeout=600) for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    with db.connection():
        sent = OutboxMessage.select().where(OutboxMessage.status == "sent").count()
    received = sink.count - before
    if sent != messages or received != messages:
        raise SystemExit(f"expected {messages} sent once each; the outbox says {sent} sent and "
                         f"the sink received {received}")
    cpu = sum(t["cpu_seconds"] for t in totals)
    return {"engine": "postgres" if db.is_postgres() else "sqlite", "workers": workers,
            "messages": messages, "seconds": round(elapsed, 3),
            "messages_per_second": round(messages / elapsed, 1),
            # What one worker costs: unlike wall time, hardly moved by other load on the box.
            "worker_cpu_ms_per_message": round(cpu / messages * 1000, 2),
            "per_worker": [t.get("sent", 0) for t in totals],
            "load_average": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios, print the table, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.outbox_bench",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES_URL,
                        help="an empty PostgreSQL database (it is wiped)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--json", type=Path, default=RESULT_FILE)
    args = parser.parse_args(argv)
    os.environ.update(BASE_ENV)

    from aiosmtpd.controller import Controller

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    rows = []
    try:
        sqlite_url = f"sqlite:///{tempfile.mkdtemp(prefix='outbox-bench-')}/outbox.db"
        scenarios = [(sqlite_url, 1)]
        if not args.skip_postgres:
            from bench.database import ensure_postgres_database

            ensure_postgres_database(args.postgres)
            scenarios += [(args.postgres, 1), (args.postgres, 4)]
        seeded = set()
        for url, workers in scenarios:
            if url not in seeded:
                seed(url, args.messages)
                seeded.add(url)
            from core import db

            db.bind(url)
            rows.append(measure(url, workers, args.messages, sink, port))
            row = rows[-1]
            print(f"  {row['engine']:<8} {workers} worker(s): {row['messages_per_second']:>7} "
                  f"msg/s", flush=True)
    finally:
        controller.stop()

    print(f"\nOutbox -> local SMTP sink, {args.messages} invitations (six languages)")
    print(f"{'database':<10} {'workers':>7} {'seconds':>8} {'msg/s':>8} {'cpu ms/msg':>11} "
          f"{'load':>5}  per worker")
    for row in rows:
        print(f"{row['engine']:<10} {row['workers']:>7} {row['seconds']:>8} "
              f"{row['messages_per_second']:>8} {row['worker_cpu_ms_per_message']:>11} "
              f"{row['load_average']:>5}  {row['per_worker']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "benchmark": "outbox", "messages": args.messages, "python": platform.python_version(),
        "cpus": os.cpu_count(), "results": rows}, indent=2) + "\n")
    print(f"\nWrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

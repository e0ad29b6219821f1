"""The event feed at scale: p50 of a feed page with 1,000,000 events in one organization.

    python -m bench.events_bench [--events 1000000] [--engine sqlite|postgres|both]
    python -m bench --only events            # the same, as a part of the suite

The generator bulk-loads N events for the measured organization among the events of three
other organizations (a fifth of N, interleaved, so the organization's ids are not contiguous),
spread over every event type with payloads shaped as the services write them (executemany in
transactions on SQLite, COPY on PostgreSQL). Then `core.queries.events.list_events` (the query
behind `GET /api/v1/events`) is timed in-process: the first page, a page from the middle, the
newest page (what a polling client asks for), and a page filtered to one type — p50 of N runs,
100 events a page, plus its query count. SQLite data lives in `instance/bench/events-<N>.db`,
PostgreSQL data in `test_bench_events` (`BENCH_POSTGRES_URL` base); data of the same size is
reused, `--fresh` regenerates it.
"""

import argparse
import csv
import datetime
import io
import json
import random
import sys
import time

from bench import database as bench_db
from bench.timing import time_call
from core import db

BENCH_SLUG = bench_db.BENCH_SLUG
OTHER_SLUGS = ("bench-other-1", "bench-other-2", "bench-other-3")
PAGE = 100
BATCH = 50_000
DEFAULT_EVENTS = 1_000_000
# How often each type happens, roughly as a busy portal would see them.
TYPE_WEIGHTS = {
    "invoice.viewed": 30, "payment.made": 20, "comment.added": 15, "payment.recorded": 8,
    "quote.accepted": 5, "quote.declined": 2, "payment.confirmed": 5, "payment.rejected": 1,
    "contact.updated": 5, "customer.address_updated": 3, "invitation.accepted": 5,
    "contact.signed_up": 1,
}


def url_for(engine: str, events: int) -> str:
    """The database the feed benchmark uses for an engine and size."""
    if engine == "sqlite":
        return f"sqlite:///{bench_db.BENCH_DIR / f'events-{events}.db'}"
    return bench_db.url_for("postgres", "events")


def _payload(rng: random.Random, type_: str, n: int) -> str:
    ref = {"id": rng.randrange(1, 10**6), "external_id": f"ERP-{rng.randrange(10**6)}"}
    if type_.startswith("payment."):
        data = {"payment": {"id": n, "external_id": None, "number": f"PAY-{n:06d}",
                            "amount": f"{rng.randrange(100, 10**6) / 100:.2f}",
                            "currency": "EUR", "method": "card", "status": "succeeded",
                            "reference": f"sbx_{n:x}", "via_portal": True,
                            "paid_at": "2026-11-30T10:00:00Z"},
                "invoice": {**ref, "number": f"INV-{n:06d}", "status": "paid",
                            "balance": "0.00", "currency": "EUR"},
                "customer": ref, "contact": ref}
    elif type_ == "comment.added":
        data = {"comment": {"id": n, "external_id": None, "body": "When will it ship? " * 3,
                            "author": {"type": "contact", **ref}},
                "document": {"type": "invoice", **ref, "number": f"INV-{n:06d}"},
                "customer": ref}
    else:
        data = {"invoice": {**ref, "number": f"INV-{n:06d}"}, "customer": ref, "contact": ref}
    return json.dumps(data, sort_keys=True)


def _organizations() -> tuple[int, list[int]]:
    from core.services.organizations import create_organization

    main = create_organization("Bench Wholesale")
    others = [create_organization(f"Bench Other {i + 1}") for i in range(len(OTHER_SLUGS))]
    # The generator's guard (bench.database.is_bench_database) knows the benchmark's slugs.
    from core.models import Organization

    Organization.update(slug=BENCH_SLUG).where(Organization.id == main.id).execute()
    for organization, slug in zip(others, OTHER_SLUGS, strict=True):
        Organization.update(slug=slug).where(Organization.id == organization.id).execute()
    return main.id, [o.id for o in others]


def _rows(main_id: int, other_ids: list[int], events: int, seed: int):
    """(id, organization, public_id, type, payload, created_at) in id order."""
    rng = random.Random(seed)
    types, weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    total = events + events // 5
    start = datetime.datetime(2025, 1, 1)
    step = datetime.timedelta(days=700) / max(total, 1)
    main_left, other_left = events, total - events
    for n in range(1, total + 1):
        if other_left and rng.random() * (main_left + other_left) < other_left:
            organization, other_left = rng.choice(other_ids), other_left - 1
        else:
            organization, main_left = main_id, main_left - 1
        type_ = rng.choices(types, weights)[0]
        yield (n, organization, f"evt_{rng.getrandbits(128):032x}", type_,
               _payload(rng, type_, n), start + step * n)


def generate(url: str, events: int, seed: int = 1, progress=print) -> dict:
    """Load an empty, migrated database with the events; returns what was loaded."""
    bench_db.wipe(url)
    db.bind(url)
    db.migrate()
    started = time.perf_counter()
    with db.connection():
        main_id, other_ids = _organizations()
        database = db.database.obj
        columns = '"id", "organization_id", "public_id", "type", "payload", "created_at"'
        batch: list[tuple] = []

        def flush():
            if not batch:
                return
            with db.transaction():
                if db.is_postgres():
                    buffer = io.StringIO()
                    writer = csv.writer(buffer)
                    for row in batch:
                        writer.writerow(row[:5] + (row[5].isoformat(sep=" "),))
                    buffer.seek(0)
                    cursor = database.connection().cursor()
                    cursor.copy_expert(f'COPY "event" ({columns}) FROM STDIN WITH (FORMAT csv)',
                                       buffer)
                else:
                    database.cursor().executemany(
                        f'INSERT INTO "event" ({columns}) VALUES (?, ?, ?, ?, ?, ?)',
                        [row[:5] + (row[5].isoformat(sep=" "),) for row in batch])
            batch.clear()

        total = 0
        for row in _rows(main_id, other_ids, events, seed):
            batch.append(row)
            total += 1
            if len(batch) >= BATCH:
                flush()
                if total % 200_000 < BATCH:
                    progress(f"  {total:,} events loaded")
        flush()
        if db.is_postgres():
            database.execute_sql(
                "SELECT setval(pg_get_serial_sequence('event', 'id'), (SELECT MAX(id) FROM event))")
            database.execute_sql("ANALYZE event")
        else:
            database.execute_sql("ANALYZE")
    seconds = round(time.perf_counter() - started, 1)
    info = {"events": events, "rows": total, "seed": seed, "load_seconds": seconds,
            "generator": "events-1"}
    bench_db.write_fingerprint(url, info)
    return info


def _is_feed_bench_database() -> bool:
    """True when the bound database is empty or holds only this benchmark's organizations."""
    database = db.database.obj
    if "organization" not in database.get_tables():
        return True
    slugs = {row[0] for row in database.execute_sql('SELECT slug FROM "organization"')}
    return slugs <= {BENCH_SLUG, *OTHER_SLUGS}


def prepare(url: str, events: int, seed: int = 1, fresh: bool = False, progress=print) -> dict:
    """Reuse the data of an earlier run of the same size and seed, else generate it."""
    if url.startswith("postgres"):
        bench_db.ensure_postgres_database(url)
    known = bench_db.read_fingerprint(url)
    db.bind(url)
    if (not fresh and known and known.get("events") == events and known.get("seed") == seed
            and known.get("generator") == "events-1" and not db.pending_migrations()):
        return {**known, "reused": True}
    with db.connection():
        if not _is_feed_bench_database():
            raise SystemExit(f"{url} holds other data; name a database of the benchmark's own.")
    progress(f"Generating {events:,} events (and {events // 5:,} of other organizations) ...")
    return {**generate(url, events, seed, progress), "reused": False}


def measure(url: str, runs: int = 50) -> dict:
    """Time the feed's page query on the bound database (p50 of `runs`)."""
    from core.events import event_json
    from core.models import Event, Organization
    from core.queries.events import encode_cursor, list_events

    db.bind(url)
    with db.connection():
        org_id = Organization.get(Organization.slug == BENCH_SLUG).id
        ids = [row[0] for row in Event.select(Event.id).where(Event.organization == org_id)
               .order_by(Event.id).tuples()]
        count = len(ids)
        middle = encode_cursor(ids[count // 2])
        newest = encode_cursor(ids[max(0, count - PAGE // 2)])
        queries = {
            "first page": lambda: list_events(org_id, None, PAGE),
            "page from the middle": lambda: list_events(org_id, middle, PAGE),
            "newest page (polling)": lambda: list_events(org_id, newest, PAGE),
            "middle, one type (payment.made)": lambda: list_events(
                org_id, middle, PAGE, types=["payment.made"]),
            "middle, rare type (contact.signed_up)": lambda: list_events(
                org_id, middle, PAGE, types=["contact.signed_up"]),
            "page from the middle + event JSON": lambda: [
                event_json(e) for e in list_events(org_id, middle, PAGE)[0]],
        }
        figures = {label: time_call(call, runs) for label, call in queries.items()}
    return {"events": count, "page": PAGE, "queries": figures}


def run(engines: list[str], events: int, *, runs: int = 50, seed: int = 1,
        fresh: bool = False, progress=print) -> dict:
    """Generate (or reuse) and measure on each engine; the `events` part of `python -m bench`."""
    results = {"events": events, "runs": {}, "skipped": []}
    for engine in engines:
        url = url_for(engine, events)
        if engine == "postgres" and not bench_db.postgres_answers(url):
            results["skipped"].append(f"postgres: no server at {url}")
            continue
        progress(f"\n== event feed, {events:,} events, {engine} ==")
        data = prepare(url, events, seed, fresh, progress)
        figures = measure(url, runs)
        figures["data"] = {k: data.get(k) for k in ("rows", "load_seconds", "reused")}
        for label, figure in figures["queries"].items():
            progress(f"  {label}: p50 {figure['p50_ms']} ms, p90 {figure['p90_ms']} ms, "
                     f"{figure['queries']} query")
        results["runs"][engine] = figures
    return results


def main(argv=None) -> int:
    """Run the feed benchmark alone."""
    parser = argparse.ArgumentParser(prog="python -m bench.events_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    results = run(engines, args.events, runs=args.runs, seed=args.seed, fresh=args.fresh)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

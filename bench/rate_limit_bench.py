"""The API's per-key rate limit: the RateEvent log (a COUNT and an INSERT a request) against
the counter row updated in place (core.throttle.hit_counter).

    python -m bench.rate_limit_bench [--requests 600] [--engine sqlite|postgres|both]

For each engine, on a fresh migrated database: the limiter alone, `--requests` calls under
one key within one window (the default is API_RATE_LIMIT's 600 a minute: a key at its limit),
timed per call; then the same through the API (Flask's test client, `GET
/api/v1/customers?limit=1` with a write key), and the rows each way leaves behind.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test_bench")
WINDOW = 60


def _fresh(engine: str, folder: Path) -> str:
    from core import db

    if engine == "sqlite":
        url = f"sqlite:///{folder / 'rate.db'}"
    else:
        import psycopg2

        base, name = POSTGRES_URL.rsplit("/", 1)
        name = f"{name}_rate"
        admin = psycopg2.connect(f"{base}/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        url = f"{base}/{name}"
    db.bind(url)
    db.migrate()
    return url


def _time_calls(call, count: int) -> list[float]:
    took = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        took.append((time.perf_counter() - start) * 1e6)
    return took


def _summary(took: list[float]) -> str:
    ordered = sorted(took)
    return (f"mean {statistics.fmean(took):7.1f} µs  p50 {ordered[len(ordered) // 2]:7.1f} µs  "
            f"p95 {ordered[int(len(ordered) * 0.95)]:7.1f} µs")


def run(engine: str, requests: int) -> dict:
    """Both limiters on one engine; returns the figures."""
    from core import db, throttle
    from core.audit import Actor
    from core.models import RateCounter, RateEvent
    from core.services.api_keys import create_api_key
    from core.services.organizations import create_organization
    from core.services.staff import create_staff

    results: dict = {"engine": engine}
    with tempfile.TemporaryDirectory() as folder:
        _fresh(engine, Path(folder))
        with db.connection():
            limit = requests + 10  # never refused: the cost of counting, not of refusing
            results["log"] = _time_calls(lambda: throttle.hit("api_key:log", limit, WINDOW),
                                         requests)
            results["counter"] = _time_calls(
                lambda: throttle.hit_counter("api_key:counter", limit, WINDOW), requests)
            results["log_rows"] = RateEvent.select().count()
            results["counter_rows"] = RateCounter.select().count()

            org = create_organization("Rate Bench")
            admin = create_staff(Actor.system(org.id), "admin@rate.example", "Admin",
                                 "rate-bench-password-1", role="admin")
            raw = create_api_key(Actor.staff(admin.id), "bench", "write")[1]
        os.environ.setdefault("SECRET_KEY", "rate-bench-secret-key-not-for-production")
        from portal_site import create_app

        app = create_app({"TESTING": True, "API_RATE_LIMIT": 10**9})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {raw}"}

        def request():
            assert client.get("/api/v1/customers?limit=1", headers=headers).status_code == 200

        counter = throttle.hit_counter
        try:
            throttle.hit_counter = throttle.hit  # type: ignore[assignment] - the old way
            results["api_log"] = _time_calls(request, requests)
        finally:
            throttle.hit_counter = counter  # type: ignore[assignment]
        results["api_counter"] = _time_calls(request, requests)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args(argv)
    os.environ.setdefault("DOORSTEP_FAST_PASSWORD_HASH", "1")
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    print(f"{args.requests} requests under one key in one {WINDOW} s window")
    for engine in engines:
        r = run(engine, args.requests)
        print(f"[{engine}] limiter alone, RateEvent log  : {_summary(r['log'])}"
              f"  rows written {r['log_rows']}")
        print(f"[{engine}] limiter alone, counter row    : {_summary(r['counter'])}"
              f"  rows written {r['counter_rows']}")
        print(f"[{engine}] GET /api/v1/customers, log    : {_summary(r['api_log'])}")
        print(f"[{engine}] GET /api/v1/customers, counter: {_summary(r['api_counter'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

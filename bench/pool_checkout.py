"""Per-checkout cost of the pooled database (what every portal request pays to get a connection).

    .venv/bin/python -m bench.pool_checkout [--url postgresql://127.0.0.1:5432/test] [--runs N]

Times `connect()` + `close()` on a pool whose connection went back moments ago (what the next
request of a busy worker gets), for Doorstep's pool and for peewee's stock pool (which pings
with `SELECT 1` on every checkout), and prints microseconds a checkout (median of 5 rounds).
"""

import argparse
import statistics
import time

from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from core import db


def per_checkout_us(database, runs: int) -> float:
    """Median over 5 rounds of the µs one connect()+close() cycle takes."""
    database.connect()
    database.close()
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(runs):
            database.connect()
            database.close()
        rounds.append((time.perf_counter() - started) / runs * 1e6)
    database.close_all()
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    ours = db.make_database(args.url, pooled=True)
    if args.url.startswith("sqlite"):
        stock = PooledSqliteDatabase(ours.database, pragmas=db.SQLITE_PRAGMAS,
                                     **db.POOL_OPTIONS)
    else:
        stock = PooledPostgresqlDatabase(ours.database, **ours.connect_params,
                                         **db.POOL_OPTIONS)
    for name, database in ((type(ours).__name__, ours), ("peewee's " + type(stock).__name__,
                                                          stock)):
        print(f"{name:<36} {per_checkout_us(database, args.runs):7.1f} µs a checkout")


if __name__ == "__main__":
    main()

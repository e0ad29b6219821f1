"""Where benchmark data lives: one SQLite file per size, or a PostgreSQL database of its own."""

import json
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from core import db
from core.config import PROJECT_ROOT

ENGINES = ("sqlite", "postgres")
# Generated SQLite databases (and what each holds) live here; DOORSTEP_BENCH_DIR moves them.
BENCH_DIR = Path(os.environ.get("DOORSTEP_BENCH_DIR") or PROJECT_ROOT / "instance" / "bench")
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/test_bench"
# Only a database whose organizations all carry this slug may be wiped by the generator.
BENCH_SLUG = "bench-wholesale"


def url_for(engine: str, size: str) -> str:
    """The database URL the benchmark uses for an engine and size."""
    if engine == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'{size}.db'}"
    if engine == "postgres":
        # One database a size, all named after the base one (test_bench_small, ...).
        base = urlparse(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
        return base._replace(path=f"{base.path.rstrip('/')}_{size}").geturl()
    raise ValueError(f"unknown engine {engine!r}")


def engine_of(url: str) -> str:
    """"sqlite" or "postgres" for a database URL."""
    return "sqlite" if url.startswith("sqlite") else "postgres"


def postgres_answers(url: str) -> bool:
    """True when a PostgreSQL server accepts TCP connections at the URL's address."""
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), 2).close()
    except OSError:
        return False
    return True


def fingerprint_path(url: str) -> Path:
    """The sidecar file that says what the generator last loaded into this database."""
    if engine_of(url) == "sqlite":
        return Path(url[len("sqlite:///"):] + ".json")
    parsed = urlparse(url)
    name = f"postgres-{parsed.hostname}-{parsed.port or 5432}-{parsed.path.strip('/')}.json"
    return BENCH_DIR / name


def read_fingerprint(url: str) -> dict | None:
    """What the generator recorded for this database, or None."""
    path = fingerprint_path(url)
    if engine_of(url) == "sqlite" and not Path(url[len("sqlite:///"):]).exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_fingerprint(url: str, data: dict) -> None:
    """Record what the generator loaded into this database."""
    path = fingerprint_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True))


def forget_fingerprint(url: str) -> None:
    """Drop the record (the data is about to change)."""
    fingerprint_path(url).unlink(missing_ok=True)


def is_bench_database() -> bool:
    """True when the bound database is empty or holds only the benchmark organization."""
    database = db.database.obj
    if "organization" not in database.get_tables():
        return True
    slugs = [row[0] for row in database.execute_sql('SELECT slug FROM "organization"')]
    return all(slug == BENCH_SLUG for slug in slugs)


def wipe(url: str) -> None:
    """Remove every table (the generator starts from an empty schema)."""
    if engine_of(url) == "sqlite":
        db.database.close() if not db.database.is_closed() else None
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    with db.connection():
        db.database.execute_sql("DROP SCHEMA public CASCADE")
        db.database.execute_sql("CREATE SCHEMA public")


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in the URL when it does not exist."""
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.strip("/")
    admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432,
                             user=parsed.username, password=parsed.password, dbname="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()

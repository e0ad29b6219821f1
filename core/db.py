"""The database: declared once, bound late to SQLite or PostgreSQL by `DATABASE_URL`."""

import contextlib
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from core.config import PROJECT_ROOT

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
    "cache_size": -32000,
}
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# A pooled database keeps closed connections for reuse, so a server's per-request
# connect/close skips the PostgreSQL handshake and SQLite's pragmas. Idle connections are
# renewed after STALE_SECONDS; a request waits up to WAIT_SECONDS for a free one.
POOL_OPTIONS = {"max_connections": 32, "stale_timeout": 300, "timeout": 10}
# A PostgreSQL connection back in the pool for less than this is lent again without a ping.
PING_AFTER_IDLE_SECONDS = 5.0


class PostgresPool(PooledPostgresqlDatabase):
    """Peewee's PostgreSQL pool, without a `SELECT 1` round trip on every checkout.

    Peewee pings each connection it lends (about 60 µs on loopback, a quarter of a light page).
    A connection that went back to the pool moments ago, healthy (check-in discards one whose
    transaction state is unknown or failed), is lent as it is; one idle for longer is pinged,
    so a server restart or an idle timeout costs a reconnect, not a failed request.
    """

    # Its connections live long enough for server-side prepared statements (core.prepared).
    prepares_statements = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._returned_at: dict[int, float] = {}

    def _is_closed(self, conn):
        if conn.closed:
            return True
        returned = self._returned_at.pop(self.conn_key(conn), None)
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return self._adapter.txn_status(conn) == self._adapter.txn_unknown
        return super()._is_closed(conn)

    def _close(self, conn, close_conn=False):
        super()._close(conn, close_conn)
        if not close_conn and not conn.closed:  # back in the pool, not closed as stale
            self._returned_at[self.conn_key(conn)] = time.monotonic()


def make_database(url: str, pooled: bool = False):
    """Build a peewee database for a `sqlite:///path` or `postgresql://` URL (optionally pooled)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if not path:
            raise ValueError(f"Unsupported SQLite URL {url!r}: use sqlite:///path/to/file.db")
        if path != ":memory:":
            file = Path(path)
            if not file.is_absolute() and not url.startswith("sqlite:////"):
                file = Path.cwd() / file
            file.parent.mkdir(parents=True, exist_ok=True)
            path = str(file)
        # IMMEDIATE: a transaction that reads then writes holds the write lock from its start,
        # so two writers never both read a balance and then both fail to upgrade their lock.
        if pooled:
            return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
                                        check_same_thread=False, **POOL_OPTIONS)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
                              check_same_thread=False)
    if parsed.scheme in {"postgres", "postgresql"}:
        database_class = PostgresPool if pooled else PostgresqlDatabase
        return database_class(
            unquote(parsed.path.lstrip("/")),
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname or None,
            port=parsed.port or None,
            **(POOL_OPTIONS if pooled else {}),
        )
    raise ValueError(f"Unsupported DATABASE_URL scheme {parsed.scheme!r}: use sqlite or postgresql")


def bind(url: str, pooled: bool = False):
    """Point the shared proxy at the database named by `url` and return it."""
    db = make_database(url, pooled=pooled)
    database.initialize(db)
    return db


def is_postgres() -> bool:
    """True when the bound database is PostgreSQL."""
    return isinstance(database.obj, PostgresqlDatabase)


def migrate() -> list[str]:
    """Apply pending migrations; return the names applied."""
    from playhouse.migrations import Runner

    with connection():
        return Runner(database.obj, directory=str(MIGRATIONS_DIR)).up()


def pending_migrations() -> list[str]:
    """Names of migrations not yet applied."""
    from playhouse.migrations import Runner

    with connection():
        return [m.name for m in Runner(database.obj, str(MIGRATIONS_DIR)).status()
                if not m.applied]


@contextlib.contextmanager
def connection():
    """Open a connection for the block unless one is open; close what it opened."""
    opened = database.connect(reuse_if_open=True)
    try:
        yield database
    finally:
        if opened:
            database.close()


def transaction():
    """A write transaction (on SQLite it takes the write lock at BEGIN)."""
    return database.atomic()


__all__ = ["database", "bind", "make_database", "migrate", "connection", "transaction",
           "is_postgres", "PROJECT_ROOT"]

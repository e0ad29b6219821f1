"""The database: declared once, bound late to SQLite or PostgreSQL by `DATABASE_URL`."""

import contextlib
import logging
import select
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from peewee import (
    DatabaseError,
    DatabaseProxy,
    InterfaceError,
    PostgresqlDatabase,
    SqliteDatabase,
)
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
# A PostgreSQL connection back in the pool for less than this is lent again without a ping
# (after a look at its socket, which costs no round trip).
PING_AFTER_IDLE_SECONDS = 5.0

log = logging.getLogger("doorstep.db")


if TYPE_CHECKING:  # the mixin's methods call the pool's; mypy checks them as the pool's own
    _PoolBase: Any = PooledSqliteDatabase
else:
    _PoolBase = object


class RecoveringPool(_PoolBase):
    """Runs a statement once more on a fresh connection when the pooled one turns out lost.

    A database server drops connections it thinks idle (a failover, `idle_session_timeout`,
    `pg_terminate_backend`); the pool only learns of it when a statement fails. Retried are
    only statements that cannot have changed anything: a `SELECT` outside a transaction, and
    the `BEGIN` of a transaction (nothing of it reached the server yet). A statement inside a
    transaction, and its `COMMIT`, are never retried: the transaction may have committed, or
    its earlier statements would be lost; the request fails as it would without a pool.
    """

    def connection_lost(self) -> bool:
        """True when the connection in use is gone (a statement on it just failed for that)."""
        raise NotImplementedError

    def run_retrying(self, run):
        """`run()`, and once more on a fresh connection if it failed on a lost one outside any
        transaction; `run` must read only (or begin a transaction)."""
        try:
            return run()
        except (DatabaseError, InterfaceError) as error:
            if self.in_transaction() or self.is_closed() or not self.connection_lost():
                raise
            log.warning("database connection lost (%s); retrying on a fresh one",
                        str(error).strip().splitlines()[0] if str(error).strip() else error)
            self._replace_connection()
            return run()

    def _replace_connection(self) -> None:
        lost = self._state.conn
        self._close(lost, close_conn=True)
        with self._lock:
            contexts = self._state.ctx  # `with database:` blocks still open around this one
            self._state.reset()
            self._state.set_connection(self._connect())
            self._state.ctx = contexts
            self._initialize_connection(self._state.conn)

    def execute_sql(self, sql, params=None):
        """Run a statement; a read outside a transaction survives a lost connection."""
        if self._state.transactions or sql.lstrip("( ")[:6].upper() != "SELECT":
            return super().execute_sql(sql, params)
        return self.run_retrying(lambda: super(RecoveringPool, self).execute_sql(sql, params))

    def begin(self, *args, **kwargs):
        """BEGIN; on a connection found lost, BEGIN on a fresh one (nothing was sent yet)."""
        if self._state.transactions:  # a manual commit or rollback starting the next one
            return super().begin(*args, **kwargs)
        return self.run_retrying(lambda: super(RecoveringPool, self).begin(*args, **kwargs))


class SqlitePool(RecoveringPool, PooledSqliteDatabase):
    """Peewee's SQLite pool; a connection closed under it is replaced, also mid-request."""

    def connection_lost(self) -> bool:
        """True when the SQLite connection was closed."""
        return self._is_closed(self._state.conn)


class PostgresPool(RecoveringPool, PooledPostgresqlDatabase):
    """Peewee's PostgreSQL pool, without a `SELECT 1` round trip on every checkout.

    Peewee pings each connection it lends (about 45-60 µs on loopback, a quarter of a light
    page). A connection that went back to the pool moments ago, healthy (check-in discards one
    whose transaction state is unknown or failed), and whose socket has nothing to read (a
    server that ends a session says so on the socket before closing it) is lent as it is; one
    idle for longer, or with something on its socket, is pinged. A connection the server
    dropped before its message arrived fails its first statement, which `RecoveringPool` then
    runs once more on a fresh connection.
    """

    # Its connections live long enough for server-side prepared statements (core.prepared).
    prepares_statements = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Per connection key: when it went back to the pool, and a poller on its socket.
        self._returned_at: dict[int, tuple[float, Any]] = {}
        self._pollers: dict[int, tuple[int, object]] = {}

    def connection_lost(self) -> bool:
        """True when psycopg2 saw the server go away (or the connection was closed)."""
        conn = self._state.conn
        return conn is None or bool(conn.closed)

    def _poller(self, key: int, conn):
        fd = conn.fileno()
        known = self._pollers.get(key)
        if known is None or known[0] != fd:
            poller = select.poll()
            poller.register(fd, select.POLLIN | select.POLLPRI)
            known = self._pollers[key] = (fd, poller)
        return known[1]

    def _is_closed(self, conn):
        if conn.closed:
            return True
        key = self.conn_key(conn)
        returned = self._returned_at.pop(key, None)
        if (returned is not None and time.monotonic() - returned[0] < PING_AFTER_IDLE_SECONDS
                and not returned[1].poll(0)):
            return self._adapter.txn_status(conn) == self._adapter.txn_unknown
        # Idle for long, or the server said something (most likely goodbye): ping it.
        return super()._is_closed(conn)

    def _close(self, conn, close_conn=False):
        super()._close(conn, close_conn)
        key = self.conn_key(conn)
        if not close_conn and not conn.closed:  # back in the pool, not closed as stale
            self._returned_at[key] = (time.monotonic(), self._poller(key, conn))
        else:
            self._pollers.pop(key, None)


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
            return SqlitePool(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
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


def locked(model, record_id: int):
    """The row, locked until the transaction ends: SELECT ... FOR UPDATE on PostgreSQL; on
    SQLite the transaction's BEGIN IMMEDIATE already holds the write lock."""
    query = model.select().where(model.id == record_id)
    if is_postgres():
        query = query.for_update()
    return query.get()


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


# What a database says when it can be read but takes no writes: SQLite's SQLITE_READONLY and
# SQLITE_FULL, PostgreSQL's read_only_sql_transaction (a standby after a failover) and
# disk_full / out of memory.
_READ_ONLY_PG_CODES = {"25006"}
_FULL_PG_CODES = {"53100", "53200"}


def write_problem(error: BaseException | None) -> str | None:
    """"read_only" or "full" when `error` says the database takes no writes now, else None.

    Looks along the chain too: SQLite rolls a transaction back itself on SQLITE_FULL, so the
    error that surfaces is peewee's failed ROLLBACK, raised while handling the real one.
    """
    seen = 0
    while error is not None and seen < 8:
        seen += 1
        original = error.args[0] if error.args and isinstance(error.args[0], BaseException) \
            else error
        code = getattr(original, "pgcode", None)
        if code in _READ_ONLY_PG_CODES:
            return "read_only"
        if code in _FULL_PG_CODES:
            return "full"
        name = getattr(original, "sqlite_errorname", "") or ""
        text = str(original).lower()
        if name.startswith("SQLITE_READONLY") or "readonly database" in text:
            return "read_only"
        if name.startswith("SQLITE_FULL") or "database or disk is full" in text:
            return "full"
        error = error.__cause__ or error.__context__
    return None


class DatabaseNotWritableError(Exception):
    """The database can be read but takes no writes (read-only file or server, or full)."""


def check_writable() -> None:
    """Raise DatabaseNotWritableError when the bound database would refuse a write now."""
    from peewee import DatabaseError as PeeweeDatabaseError

    with connection():
        try:
            with transaction():
                if is_postgres():
                    read_only = database.execute_sql("SHOW transaction_read_only").fetchone()[0]
                    if read_only == "on":
                        raise DatabaseNotWritableError("the server accepts only reads "
                                                       "(a standby, or read-only by setting)")
                else:
                    # Rewriting the header's user_version is a real write, rolled back here.
                    version = database.execute_sql("PRAGMA user_version").fetchone()[0]
                    database.execute_sql(f"PRAGMA user_version = {int(version)}")
                raise _RolledBack
        except _RolledBack:
            pass
        except PeeweeDatabaseError as error:
            problem = write_problem(error)
            if problem is None:
                raise
            raise DatabaseNotWritableError(
                "the database file is read-only" if problem == "read_only"
                else "the database or its disk is full") from error
    if not is_postgres():
        path = Path(database.database)
        if path.name != ":memory:" and shutil.disk_usage(path.parent).free < MIN_FREE_BYTES:
            raise DatabaseNotWritableError(f"the disk holding {path} is full")


class _RolledBack(Exception):
    """Ends the probe's transaction without committing it."""


# Below this much free space next to a SQLite file, nothing is started (a write would fail).
MIN_FREE_BYTES = 4 * 1024 * 1024


__all__ = ["database", "bind", "make_database", "migrate", "connection", "transaction",
           "is_postgres", "write_problem", "check_writable", "DatabaseNotWritableError",
           "PROJECT_ROOT"]

"""Losing pooled database connections as a server does: `pg_terminate_backend` on PostgreSQL
(a failover or `idle_session_timeout` looks the same to the client), a closed connection on
SQLite."""

import time

import psycopg2

from core import db


def _killer(pool) -> "psycopg2.extensions.connection":
    params = dict(pool.connect_params, dbname=pool.database)
    killer = psycopg2.connect(**params)
    killer.autocommit = True
    return killer


def _terminate(pool, only_pid: int | None = None) -> int:
    """Terminate the database's other backends (or one) and wait until they are gone."""
    killer = _killer(pool)  # autocommit, no `with`: a transaction would freeze pg_stat_activity
    try:
        cursor = killer.cursor()
        cursor.execute(
            "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND (%s IS NULL OR pid = %s)", (only_pid, only_pid))
        pids = [pid for pid, _ in cursor.fetchall()]
        deadline = time.monotonic() + 10
        while pids:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,))
            if cursor.fetchone()[0] == 0:
                break
            assert time.monotonic() < deadline, f"backends {pids} outlived the termination"
            time.sleep(0.005)
    finally:
        killer.close()
    return len(pids)


def lose_every_connection(pool) -> int:
    """Drop every connection of the pool, idle or in use (the caller's too); how many."""
    if db.is_postgres():
        return _terminate(pool)
    lost = [conn for _, _, conn in pool._connections]
    lost += [entry.connection for entry in pool._in_use.values()]
    for conn in lost:
        conn.close()
    return len(lost)


def lose_current_connection(pool) -> None:
    """Drop the connection the calling thread holds (after it was checked out)."""
    conn = pool.connection()
    if db.is_postgres():
        _terminate(pool, conn.get_backend_pid())
    else:
        conn.close()


def dropper_of_this_threads_connection(database):
    """A function that drops, from any thread, the connection the calling thread holds now."""
    conn = database.connection()
    if db.is_postgres():
        pid = conn.get_backend_pid()
        return lambda: _terminate(database, pid)
    return conn.close  # the SQLite connections are opened with check_same_thread=False

"""Core tests: the shared fixtures of tests/conftest.py, with a faster clean-up on PostgreSQL."""

import pytest
from peewee import sort_models

from core import db
from core.models import ALL_MODELS


@pytest.fixture(autouse=True)
def database(database_url):
    """An open connection to an empty database for each test (ids start at 1 again).

    Same contract as tests/conftest.py's fixture; on PostgreSQL, DELETE plus a sequence reset
    takes milliseconds where TRUNCATE of every table takes up to a second per test.
    """
    database = db.database
    database.connect(reuse_if_open=True)
    tables = [m._meta.table_name for m in reversed(sort_models(ALL_MODELS))]
    with database.atomic():
        if db.is_postgres():
            for table in tables:
                database.execute_sql(f'DELETE FROM "{table}"')
            database.execute_sql("SELECT " + ", ".join(
                f"setval(pg_get_serial_sequence('\"{t}\"', 'id'), 1, false)" for t in tables))
        else:
            database.execute_sql("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                database.execute_sql(f'DELETE FROM "{table}"')
    yield database
    if not database.is_closed():
        database.close()

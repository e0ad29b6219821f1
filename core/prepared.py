"""Queries of a fixed shape whose SQL is built once: for the reads every portal request makes.

Peewee builds a query's SQL from its expression tree on every execution; for a join of a few
wide tables that costs several times what the database then spends answering it. A
`PreparedSelect` builds its query once per kind of database, with `Param` placeholders where
the values go, and afterwards only binds the values and turns rows into models as peewee
would:

    SITE = PreparedSelect(lambda: Organization.select().where(Organization.slug == Param("slug")))
    org = SITE.first(slug="acme-trading")

Values are passed as the database stores them (ids, strings, dates), since the field converters
that run while SQL is built do not run again.

On pooled PostgreSQL connections (`core.db.PostgresPool`, which servers use) the statement is
also prepared on the server, once per connection (`PREPARE`, then `EXECUTE` with the values):
the server then skips parsing and planning, which for these small indexed reads costs more than
running them (a join of two wide tables: 240 µs a run unprepared, 110 prepared). A short-lived
connection would pay the PREPARE more often than it saves, so it runs the SQL as it is; SQLite's
driver keeps its own cache of compiled statements.
"""

import itertools
import re
import weakref
from collections.abc import Callable

from peewee import Node

from core.db import database

_names = itertools.count(1)
# The statements prepared on each PostgreSQL connection (they live as long as the connection;
# a rollback does not remove them).
_prepared_on: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%%|%s")
# What a cursor wrapper holds of one run (the rest of its state is the row plan).
_PER_RUN = frozenset({"cursor", "count", "index", "initialized", "populated", "row_cache"})
# False only while the benchmark measures what this module saves (`python -m bench --without
# prepared_reads`): every run then builds its SQL and maps its rows as peewee does.
BUILD_ONCE = True


class _Slot:
    """Where a named value goes in the compiled parameter list."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class Param(Node):
    """A named placeholder in a prepared query."""

    def __init__(self, name: str):
        self.name = name

    def __sql__(self, ctx):
        return ctx.value(_Slot(self.name), converter=False)


class PreparedSelect:
    """A select built by `build()` once per kind of database, then run with new values."""

    def __init__(self, build: Callable):
        self._build = build
        self._name = f"doorstep_q{next(_names)}"
        self._compiled: dict[type, tuple] = {}
        self._row_plans: dict[type, dict] = {}

    def _compile(self, target):
        compiled = self._compiled.get(type(target))
        if compiled is None:
            query = self._build().bind(target)
            sql, params = query.sql()
            server = (_server_statements(self._name, sql, len(params))
                      if getattr(target, "prepares_statements", False) else None)
            compiled = self._compiled[type(target)] = (query, sql, tuple(params), server)
        return compiled

    def execute(self, **values):
        """Run with these values; rows come back as the built query would give them."""
        target = database.obj
        if not BUILD_ONCE:
            query = self._build().bind(target)
            sql, params = query.sql()
            bound = [values[p.name] if isinstance(p, _Slot) else p for p in params]
            return query._get_cursor_wrapper(target.execute_sql(sql, bound))
        query, sql, params, server = self._compile(target)
        bound = [values[p.name] if isinstance(p, _Slot) else p for p in params]
        if server is None:
            cursor = target.execute_sql(sql, bound)
        else:
            prepare, execute = server

            def run():
                names = _prepared_on.setdefault(target.connection(), set())
                if self._name not in names:
                    target.execute_sql(prepare)
                    names.add(self._name)
                return target.execute_sql(execute, bound)

            # A connection found lost is replaced and the read runs again (PREPARE included,
            # since the fresh connection has prepared nothing yet).
            cursor = target.run_retrying(run)
        return self._rows(type(target), query._get_cursor_wrapper(cursor))

    def _rows(self, kind: type, wrapper):
        """The cursor wrapper, told once per process how rows map to models.

        Peewee works out which column goes to which model and field on every execution (for
        the join of organization, preferences, contact and customer, longer than reading the
        row); the SQL is fixed, so the plan from the first run holds for every later one.
        """
        plan = self._row_plans.get(kind)
        if plan is not None:
            wrapper.__dict__.update(plan)
            wrapper.initialized = True
        elif wrapper.cursor.description is not None:
            before = dict(vars(wrapper))
            wrapper.initialize()
            wrapper.initialized = True
            self._row_plans[kind] = {
                name: value for name, value in vars(wrapper).items()
                if name not in _PER_RUN and (name not in before or before[name] is not value)}
        return wrapper

    def first(self, **values):
        """The first row, or None (build the query with `.limit(1)`)."""
        for row in self.execute(**values):
            return row
        return None


def _server_statements(name: str, sql: str, count: int) -> tuple[str, str]:
    """PREPARE and EXECUTE statements for a psycopg query (`%s` placeholders become `$n`)."""
    numbers = itertools.count(1)
    body = _PLACEHOLDER.sub(lambda m: "%" if m.group(0) == "%%" else f"${next(numbers)}", sql)
    arguments = f" ({', '.join(['%s'] * count)})" if count else ""
    return f"PREPARE {name} AS {body}", f"EXECUTE {name}{arguments}"

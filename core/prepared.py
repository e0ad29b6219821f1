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
"""

from collections.abc import Callable

from peewee import Node

from core.db import database


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
        self._compiled: dict[type, tuple] = {}

    def _compile(self, target):
        compiled = self._compiled.get(type(target))
        if compiled is None:
            query = self._build().bind(target)
            sql, params = query.sql()
            compiled = self._compiled[type(target)] = (query, sql, tuple(params))
        return compiled

    def execute(self, **values):
        """Run with these values; rows come back as the built query would give them."""
        target = database.obj
        query, sql, params = self._compile(target)
        bound = [values[p.name] if isinstance(p, _Slot) else p for p in params]
        return query._get_cursor_wrapper(target.execute_sql(sql, bound))

    def first(self, **values):
        """The first row, or None (build the query with `.limit(1)`)."""
        for row in self.execute(**values):
            return row
        return None

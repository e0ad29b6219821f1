"""Document rules for templates: the request's "today" in the organization's time zone and the
status a customer is shown, both answered by `core.document_rules`."""

import datetime

from flask import Flask, g

from core import document_rules


def today() -> datetime.date:
    """Today in the organization's time zone, fixed for the whole request."""
    if "today" not in g:
        g.today = document_rules.today_for(g.get("org"))
    return g.today


def shown_status(document, kind: str) -> str:
    """The status a customer sees (overdue, expired derived from the dates)."""
    return document_rules.shown_status(kind, document, today())


def init_app(app: Flask) -> None:
    """Offer `doc|shown_status(kind)` and `today()` to templates."""
    app.jinja_env.filters["shown_status"] = shown_status
    app.jinja_env.globals["today"] = today

"""The fields of a list's filter form, rendered once per form, locale and query string.

A filter form (GET, no CSRF token, nothing from the session) renders the same HTML for the same
query string in the same language: its values and its errors come from the query string alone.
WTForms renders a select with translated options in about 150 µs, a third of an invoice list
page, so each rendering is kept and served again; the memo is bounded, since query strings are
whatever a visitor types.
"""

from flask import Flask, current_app, get_template_attribute, request
from flask_babel import get_locale
from markupsafe import Markup

_MEMO_SIZE = 512


def filter_fields(form) -> Markup:
    """Every field of a filter form, through the `field` macro of `_macros.html`."""
    values = tuple(item for item in request.args.items(multi=True) if item[0] in form._fields)
    key = (type(form), str(get_locale()), values)
    memo: dict = current_app.extensions["doorstep_filter_fields"]
    html = memo.get(key)
    if html is None:
        field = get_template_attribute("_macros.html", "field")
        html = Markup("\n").join(field(item) for item in form)
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = html
    return html


def init_app(app: Flask) -> None:
    """Offer `filter_fields(form)` to templates."""
    app.extensions["doorstep_filter_fields"] = {}
    app.jinja_env.globals["filter_fields"] = filter_fields

"""The fields of a GET filter form, rendered once per form, language and input.

Replaces: WTForms rendering the filter form on every list page (a select with translated
options, about 150 µs: a third of an invoice list page). A filter form (GET, no CSRF token,
nothing from the session) renders the same HTML for the same input in the same language: its
values and its errors come from what its fields were given alone (the query string, or the
defaults a view filled in). So each rendering is kept and served again; the cache is
bounded, since query strings are whatever a visitor types.
"""

from functools import lru_cache

from flask import Flask, get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

_RENDERINGS_PER_PROCESS = 512


def render_fields(form) -> Markup:
    """Every field of a filter form, through the `field` macro of `_macros.html`."""
    field = get_template_attribute("_macros.html", "field")
    return Markup("\n").join(field(item) for item in form)


def init_app(app: Flask, *, cached: bool = True) -> None:
    """Offer `filter_fields(form)` to templates (kept per query string when `cached`)."""
    if not cached:
        app.jinja_env.globals["filter_fields"] = render_fields
        return

    @lru_cache(maxsize=_RENDERINGS_PER_PROCESS)
    def rendering(form_class, language: str, query: tuple, form: "_NotPartOfTheKey") -> Markup:
        # The cache keeps this key object: let go of the request's form once it is rendered.
        fields, form.form = form.form, None
        return render_fields(fields)

    def filter_fields(form) -> Markup:
        # What each field was given (the query string, or defaults a view filled in, such as
        # the statement's period, which moves with the date): its value and errors follow.
        given = tuple((name, tuple(field.raw_data or ())) for name, field in form._fields.items())
        return rendering(type(form), str(get_locale()), given, _NotPartOfTheKey(form))

    app.jinja_env.globals["filter_fields"] = filter_fields


class _NotPartOfTheKey:
    """Hands the form to the cached rendering: equal to any other, so only the form's class,
    the language and the query string key the rendering."""

    __slots__ = ("form",)

    def __init__(self, form):
        self.form = form

    def __hash__(self):
        return 0

    def __eq__(self, other):
        return isinstance(other, _NotPartOfTheKey)

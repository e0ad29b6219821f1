"""What every template render gets, resolved once per render instead of once per use.

A portal page calls gettext and the formatters a hundred times and reads `g` dozens of times.
Through Flask-Babel each gettext call looks the locale and the catalog up again through several
context-local proxies (a few µs each time), and every `g.org` resolves a proxy. Here the render
gets the request's `g`, `request` and `session` objects themselves, gettext bound to the
render's catalog and the formatters bound to its locale. They are bound when the template is
rendered, so `force_locale` (emails, PDFs) and a language change mid-request are honoured.
Macros imported without context still see Flask-Babel's own callables, which give the same text.
"""

from functools import partial

from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from portal_site.site import i18n, urls


def _template_gettext(translations):
    """The gettext family Jinja's i18n extension calls (new style: the callable formats)."""

    @pass_context
    def gettext(__context, __string, **variables):
        text = translations.ugettext(__string)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(__context, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        text = translations.ungettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def pgettext(__context, __string_ctx, __string, **variables):
        variables.setdefault("context", __string_ctx)
        text = translations.upgettext(__string_ctx, __string)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def npgettext(__context, __string_ctx, __singular, __plural, __num, **variables):
        variables.setdefault("context", __string_ctx)
        variables.setdefault("num", __num)
        text = translations.unpgettext(__string_ctx, __singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext, "pgettext": pgettext,
            "npgettext": npgettext}


def _render_context() -> dict:
    """The request's objects, and translations and formatters bound to this render's locale."""
    if not g:  # no application context: Flask-Babel's own callables answer
        return {}
    context = {"g": g._get_current_object()}
    if has_request_context():
        context["request"] = request._get_current_object()
        context["session"] = session._get_current_object()
        context["url_scope"] = urls.url_scope()
    locale = get_locale()
    if locale is None:
        return context
    translations = get_translations()
    context.update(_template_gettext(translations))
    context.update(
        money=partial(i18n.money_in, locale),
        fmt_date=partial(i18n.date_in, locale),
        status_label=partial(i18n.status_label_in, translations),
    )
    return context


@pass_context
def _money_filter(context, amount, currency: str) -> str:
    """`amount|money(currency)`: a filter, which Jinja calls directly (a function call in a
    template goes through Context.call, about 1 µs: a list's rows make hundreds)."""
    return context["money"](amount, currency)


@pass_context
def _date_filter(context, value) -> str:
    """`value|fmt_date`."""
    return context["fmt_date"](value)


@pass_context
def _status_filter(context, status: str, kind: str) -> str:
    """`status|status_label(kind)`."""
    return context["status_label"](kind, status)


def init_app(app: Flask) -> None:
    """Register the per-render context (after Flask-Babel and Flask-Login are set up), and the
    formatting filters list rows use."""
    app.context_processor(_render_context)
    app.jinja_env.filters.update(money=_money_filter, fmt_date=_date_filter,
                                 status_label=_status_filter)

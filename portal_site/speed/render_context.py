"""What every template render gets, resolved once per render instead of once per use.

Replaces: Flask-Babel's template gettext and the `money`/`fmt_date`/`status_label` globals,
which look the locale and the catalog up again through several context-local proxies on every
call (a few µs each; a page makes a hundred), and the `g`, `request`, `session` proxies. Here a
render gets those objects themselves, Jinja's own gettext callables bound to the render's
catalog (`jinja2.ext`'s makers, which Flask-Babel also uses: jinja2 is bounded <3.2 in
pyproject.toml) and the formatters bound to its locale. They are bound when the template is
rendered, so `force_locale` (emails, PDFs) and a language change mid-request are honoured.
Macros imported without context still see Flask-Babel's own callables, which give the same text.
"""

import weakref
from functools import partial

from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.ext import (
    _make_new_ngettext,
    _make_new_npgettext,
    _make_new_pgettext,
)
from markupsafe import Markup

from portal_site.site import i18n
from portal_site.speed.url_shapes import url_scope

# Translated template strings kept per catalog (Flask-Babel keeps one catalog per language for
# the process); bounded, in case a template ever passes text that is not a literal.
_KEPT_PER_CATALOG = 4096
_gettexts: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _gettext_of(translations):
    """Jinja's newstyle `gettext` for this catalog, with each string's lookup kept: a page
    translates the same few dozen strings on every request (column names, the menu)."""
    made = _gettexts.get(translations)
    if made is not None:
        return made
    lookup = translations.ugettext
    kept: dict[tuple[str, bool], str] = {}

    @pass_context
    def gettext(__context, __string, **variables):
        # What jinja2.ext's newstyle gettext gives: the translation, Markup when autoescaping,
        # always formatted with the variables (so "%%" reads "%" with none).
        autoescape = __context.eval_ctx.autoescape
        translated = kept.get((__string, autoescape))
        if translated is None:
            translated = Markup(lookup(__string)) if autoescape else lookup(__string)
            if len(kept) < _KEPT_PER_CATALOG:
                kept[(__string, autoescape)] = translated
        return translated % variables

    _gettexts[translations] = gettext
    return gettext


def _render_context() -> dict:
    """The request's objects, and translations and formatters bound to this render's locale."""
    if not g:  # no application context: Flask-Babel's own callables answer
        return {}
    context = {"g": g._get_current_object()}
    if has_request_context():
        context["request"] = request._get_current_object()
        context["session"] = session._get_current_object()
        context["url_scope"] = url_scope()
    locale = get_locale()
    if locale is None:
        return context
    translations = get_translations()
    formats = i18n.formats_in(locale)
    gettext = _gettext_of(translations)
    context.update(
        # `_` is Jinja's alias that looks `gettext` up and calls it: bound straight to it,
        # each `_()` skips one lookup and one `Context.call` (a statement line makes two).
        _=gettext,
        gettext=gettext,
        ngettext=_make_new_ngettext(translations.ungettext),
        pgettext=_make_new_pgettext(translations.upgettext),
        npgettext=_make_new_npgettext(translations.unpgettext),
        money=formats.money,
        fmt_date=formats.date,
        status_label=partial(i18n.status_label_in, translations),
    )
    return context


def init_app(app: Flask) -> None:
    """Give every render its context (after Flask-Babel and Flask-Login are set up)."""
    app.context_processor(_render_context)

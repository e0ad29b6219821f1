"""The portal's main menu, rendered once per language, address, modules shown and page.

Replaces: rendering the menu of `base.html` on every page (nine links, each a `url_for`, a
translated label and a test of the page it is on: about a tenth of the invoice page). The menu
shows the same HTML for the same language, portal address (which carries the organization's
slug and mount point), modules, company-admin right and endpoint, so each rendering is kept;
the cache is bounded, since there are as many addresses as organizations.
"""

from functools import lru_cache

from flask import Flask, get_template_attribute
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from portal_site.speed.url_shapes import url_scope

# The modules the menu links to (a `visible.<kind>` test each in _main_nav.html).
MENU_MODULES = ("quote", "sales_order", "invoice", "payment", "shipment", "statement")
_RENDERINGS_PER_PROCESS = 2048


def render_menu(here: str, visible: dict[str, bool], company_admin: bool) -> Markup:
    """The menu through the `main_nav` macro of `_main_nav.html`."""
    menu = get_template_attribute("_main_nav.html", "main_nav")
    return Markup(menu(here, visible, company_admin))


def init_app(app: Flask, *, cached: bool = True) -> None:
    """Offer `main_nav(here)` to templates (each rendering kept when `cached`)."""

    def menu_of(here: str):
        scope = current_user.scope
        visible = {kind: bool(scope.module_enabled(kind)) for kind in MENU_MODULES}
        return here, visible, bool(scope.is_company_admin)

    if not cached:
        app.jinja_env.globals["main_nav"] = lambda here: render_menu(*menu_of(here))
        return

    @lru_cache(maxsize=_RENDERINGS_PER_PROCESS)
    def rendering(language: str, address: tuple, here: str, visible: tuple,
                  company_admin: bool) -> Markup:
        return render_menu(here, dict(visible), company_admin)

    def main_nav(here: str) -> Markup:
        here, visible, company_admin = menu_of(here)
        # The address is what the menu's URLs depend on: mount point and organization.
        return rendering(str(get_locale()), url_scope(), here, tuple(visible.items()),
                         company_admin)

    app.jinja_env.globals["main_nav"] = main_nav

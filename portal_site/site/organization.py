"""The organization a portal URL names: `/<org slug>/...`, with old slugs redirecting."""

from flask import Flask, abort, current_app, g, redirect, request
from flask_babel import refresh

from core.queries.portal import get_portal_site, get_portal_site_and_contact
from portal_site.site.session import VISITING_CONTACT, session_contact_id


def _pull_org_slug(endpoint, values) -> None:
    """Turn the `org_slug` URL value into `g.org` and `g.prefs` (one query, which also reads
    the session's contact); 404 for an unknown slug, 301 for an old one."""
    if not values or "org_slug" not in values:
        return
    slug = values.pop("org_slug")
    contact_id = session_contact_id()
    if contact_id is None:
        org, prefs, current = get_portal_site(slug)
    else:
        # Signed in: the session's contact comes in the same query (checked by the loader).
        org, prefs, current, contact = get_portal_site_and_contact(slug, contact_id)
        if current:
            g.setdefault(VISITING_CONTACT, contact)
    if org is None:
        abort(404)
    if not current:
        # The rest of the path and the query string are kept: bookmarks keep working.
        rest = request.path[len(slug) + 1:]
        query = request.query_string.decode("latin-1")
        abort(redirect(f"{request.script_root}/{org.slug}{rest}" + (f"?{query}" if query else ""),
                       301))
    g.org, g.prefs = org, prefs


def adopt_org_of_path() -> None:
    """For an address that matched no page: take the organization (and the signed-in
    contact) from the path's first segment, so its 404 speaks the contact's language and
    carries the organization's name and a way back."""
    if g.get("org") is not None:
        return
    slug = request.path.strip("/").split("/", 1)[0]
    if not slug or len(slug) > 60:
        return
    contact_id = session_contact_id()
    if contact_id is None:
        org, prefs, current = get_portal_site(slug)
    else:
        org, prefs, current, contact = get_portal_site_and_contact(slug, contact_id)
        if current:
            g.setdefault(VISITING_CONTACT, contact)
    if org is None or not current:
        return
    g.org, g.prefs = org, prefs
    # Whatever was decided before the organization was known is decided again.
    g.pop("_login_user", None)
    refresh()


def _add_org_slug(endpoint, values) -> None:
    """Fill in the current organization's slug when building a URL under `/<org slug>/`."""
    org = g.get("org")
    if org is None or "org_slug" in values:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "org_slug"):
        values["org_slug"] = org.slug


def init_app(app: Flask) -> None:
    """Resolve the organization of every request under `/<org slug>/`."""
    app.url_value_preprocessor(_pull_org_slug)
    app.url_defaults(_add_org_slug)

"""The signed-in contact: Flask-Login's user, loaded through the ContactScope every request.

The session stores "contact_id:session_version". Signing out, changing the password or being
disabled bumps the contact's version in the database, so every cookie issued before stops
working on its next request.

The (signed) session also carries when it started and when it was last used: it ends after
PORTAL_SESSION_IDLE_MINUTES without a request and PORTAL_SESSION_MAX_DAYS after sign-in,
whatever happens in between. A cookie without those times (issued before they existed) is out.

One person may be a contact of several customers (same email, one password): the session
names one of those contacts at a time, and switching company (`switch_session`) names another,
keeping the session's start. Each company keeps its own role, language and access state;
disabling one ends the sessions that show it and leaves the others.
"""

import time
from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import UserMixin, current_user, login_user

from core.errors import NotFoundError
from core.queries.portal import list_companies
from core.queries.scoping import DOCUMENT_MODULE, ContactScope
from portal_site.extensions import login_manager

# Where the organization's lookup leaves the session's contact row for the user loader.
VISITING_CONTACT = "visiting_contact"
_NOT_READ = object()
SESSION_STARTED, SESSION_SEEN = "started_at", "seen_at"
# The last-used time is rewritten at most this often, so not every response sets a cookie.
_TOUCH_SECONDS = 60
_EXPIRED = "session_expired"
# Set when the person had more than one company at sign-in: only then does the header read
# the company switcher's list (one query), so a one-company contact's pages cost no more.
SEVERAL_COMPANIES = "several_companies"
# Which kind of record each portal module flag shows.
_FLAG_KIND = {flag: kind for kind, flag in DOCUMENT_MODULE.items()}


class PortalUser(UserMixin):
    """A signed-in contact; every read goes through `scope`."""

    def __init__(self, scope: ContactScope):
        self.scope = scope

    def get_id(self) -> str:
        """The session's user id: contact id and session version."""
        return f"{self.scope.contact.id}:{self.scope.contact.session_version}"


def parse_user_id(user_id) -> tuple[int, int] | None:
    """(contact id, session version) from a session's user id, or None."""
    try:
        contact_id, version = (int(part) for part in user_id.split(":"))
    except (AttributeError, ValueError):
        return None
    return contact_id, version


def session_is_live() -> bool:
    """True while the session is inside its idle time and its absolute lifetime."""
    started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
    if not isinstance(started, int) or not isinstance(seen, int):
        return False
    now = int(time.time())
    config = current_app.config
    return (now - seen <= config["PORTAL_SESSION_IDLE_MINUTES"] * 60
            and now - started <= config["PORTAL_SESSION_MAX_DAYS"] * 86400)


def session_contact_id() -> int | None:
    """The contact id the session names (not yet checked), or None (also when it expired)."""
    parsed = parse_user_id(session.get("_user_id"))
    return parsed[0] if parsed and session_is_live() else None


def _end_expired_session() -> None:
    for key in ("_user_id", "_fresh", "_id", SESSION_STARTED, SESSION_SEEN, SEVERAL_COMPANIES):
        session.pop(key, None)
    g.setdefault(_EXPIRED, True)


def _touch_session() -> None:
    now = int(time.time())
    if now - session.get(SESSION_SEEN, 0) >= _TOUCH_SECONDS:
        session[SESSION_SEEN] = now


@login_manager.user_loader
def load_user(user_id: str) -> PortalUser | None:
    """The contact of a session, when its version is current and it belongs to this portal."""
    parsed = parse_user_id(user_id)
    org = g.get("org")
    if parsed is None or org is None:
        return None
    if not session_is_live():
        _end_expired_session()
        return None
    contact_id, version = parsed
    # Read with the organization when the URL was resolved (see portal_site.site.organization).
    preloaded = g.pop(VISITING_CONTACT, _NOT_READ)
    try:
        # Limited to the organization of the URL: a session never opens another portal.
        if preloaded is not _NOT_READ and (preloaded is None or preloaded.id == contact_id):
            scope = ContactScope.of_contact_row(preloaded, version, org, g.prefs)
        else:
            scope = ContactScope.for_contact(contact_id, version, organization=org,
                                             preferences=g.prefs)
    except NotFoundError:
        return None
    _touch_session()
    return PortalUser(scope)


@login_manager.unauthorized_handler
def _unauthorized():
    if g.get("org") is None:
        abort(404)
    target = request.full_path if request.method == "GET" else None
    if g.pop(_EXPIRED, False):
        flash(_("Your session has expired. Please sign in again."), "info")
    else:
        flash(str(login_manager.login_message), "info")
    return redirect(url_for("auth.sign_in", next=target.rstrip("?") if target else None))


def start_session(contact_id: int) -> None:
    """Start a fresh session for a contact that just proved who it is."""
    session.clear()  # nothing from before sign-in (pending tokens, old ids) carries over
    user = PortalUser(ContactScope.for_contact(contact_id))
    login_user(user)
    session[SESSION_STARTED] = session[SESSION_SEEN] = int(time.time())
    if len(list_companies(user.scope)) > 1:
        session[SEVERAL_COMPANIES] = True


def switch_session(contact_id: int) -> None:
    """Go on as the same person's contact at another company (checked by
    `access.switch_company`): the session keeps its start, so switching never extends it."""
    started = session.get(SESSION_STARTED)
    session.clear()
    login_user(PortalUser(ContactScope.for_contact(contact_id)))
    session[SESSION_STARTED], session[SESSION_SEEN] = started, int(time.time())
    session[SEVERAL_COMPANIES] = True


def header_companies() -> list:
    """The companies the header's switcher offers (none when the person has only one)."""
    if not session.get(SEVERAL_COMPANIES) or not current_user.is_authenticated:
        return []
    companies = list_companies(current_user.scope)
    return companies if len(companies) > 1 else []


def scope() -> ContactScope:
    """The signed-in contact's scope."""
    return current_user.scope


def module_required(flag: str):
    """Answer 404 when the organization turned this portal module off, or the signed-in
    contact's role does not include it (after `login_required`)."""
    kind = _FLAG_KIND[flag]

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not scope().module_enabled(kind):
                abort(404)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def company_admin_required(view):
    """Answer 404 unless the signed-in contact is its company's admin (after `login_required`)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not scope().is_company_admin:
            abort(404)
        return view(*args, **kwargs)
    return wrapped


def safe_next(target: str | None) -> str | None:
    """A `next` URL only when it stays inside this organization's portal."""
    if not target or not g.get("org"):
        return None
    prefix = f"{request.script_root}/{g.org.slug}/"
    if target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return None

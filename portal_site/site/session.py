"""The signed-in contact: Flask-Login's user, loaded through the ContactScope every request.

The session stores "contact_id:session_version". Signing out, changing the password or being
disabled bumps the contact's version in the database, so every cookie issued before stops
working on its next request.
"""

from functools import wraps

from flask import abort, flash, g, redirect, request, session, url_for
from flask_login import UserMixin, current_user, login_user

from core.errors import NotFoundError
from core.queries.scoping import ContactScope
from portal_site.extensions import login_manager

# Where the organization's lookup leaves the session's contact row for the user loader.
VISITING_CONTACT = "visiting_contact"
_NOT_READ = object()


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


def session_contact_id() -> int | None:
    """The contact id the session names (not yet checked), or None."""
    parsed = parse_user_id(session.get("_user_id"))
    return parsed[0] if parsed else None


@login_manager.user_loader
def load_user(user_id: str) -> PortalUser | None:
    """The contact of a session, when its version is current and it belongs to this portal."""
    parsed = parse_user_id(user_id)
    org = g.get("org")
    if parsed is None or org is None:
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
    return PortalUser(scope)


@login_manager.unauthorized_handler
def _unauthorized():
    if g.get("org") is None:
        abort(404)
    target = request.full_path if request.method == "GET" else None
    flash(str(login_manager.login_message), "info")
    return redirect(url_for("auth.sign_in", next=target.rstrip("?") if target else None))


def start_session(contact_id: int) -> None:
    """Start a fresh session for a contact that just proved who it is."""
    session.clear()  # nothing from before sign-in (pending tokens, old ids) carries over
    login_user(PortalUser(ContactScope.for_contact(contact_id)))


def scope() -> ContactScope:
    """The signed-in contact's scope."""
    return current_user.scope


def module_required(flag: str):
    """Answer 404 when the organization turned this portal module off."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not getattr(g.prefs, flag):
                abort(404)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def safe_next(target: str | None) -> str | None:
    """A `next` URL only when it stays inside this organization's portal."""
    if not target or not g.get("org"):
        return None
    prefix = f"{request.script_root}/{g.org.slug}/"
    if target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return None

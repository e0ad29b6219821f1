"""Who is signed in to the console: the session id in the HttpOnly cookie the sign-in route set.

The script never sees a password or sets a cookie: `/sign-in` (staff_dashboard/web/sign_in.py)
checks the password and sets the cookie; each run reads it from `st.context.cookies` and asks
core whether the session is still live (not signed out, not idle, not past its lifetime, the
staff member active), so signing out or a deactivation ends every tab at its next click.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from core.services.staff import resume_staff_session
from staff_dashboard import keys
from staff_dashboard.web.cookies import SESSION_COOKIE, sign_out_token


@dataclass(frozen=True)
class SignedIn:
    """The staff member of this run, as plain values (never a live database row)."""

    id: int
    organization_id: int
    name: str
    email: str
    role: str
    organization_name: str
    organization_slug: str
    timezone: str
    currency: str
    sign_out_token: str

    @property
    def is_admin(self) -> bool:
        """True for an administrator (preferences and staff pages)."""
        return self.role == "admin"


def browser_session_id() -> str:
    """The session id the browser sent when this tab connected ("" without one)."""
    try:
        value = st.context.cookies.get(SESSION_COOKIE)
    except Exception:  # noqa: BLE001 - no request context (bare mode): no cookie
        return ""
    return value if isinstance(value, str) else ""


def resolve_session() -> SignedIn | None:
    """The staff member whose live session this browser holds, else None."""
    session_id = browser_session_id()
    staff = resume_staff_session(session_id) if session_id else None
    if staff is None:
        # Nothing of a signed-in staff member's page state may outlive the session.
        for key in list(st.session_state.keys()):
            del st.session_state[key]
        st.session_state[keys.AUTH_ENDED] = bool(session_id)
        return None
    organization = staff.organization
    signed_in = SignedIn(staff.id, staff.organization_id, staff.name, staff.email, staff.role,
                         organization.name, organization.slug, organization.timezone,
                         organization.currency, sign_out_token(session_id))
    previous = st.session_state.get(keys.AUTH_STAFF)
    if previous is not None and previous.id != signed_in.id:
        # Someone else signed in in this browser: nothing of the last one's page state stays.
        for key in list(st.session_state.keys()):
            del st.session_state[key]
    st.session_state[keys.AUTH_STAFF] = signed_in
    return signed_in


def current_staff() -> SignedIn:
    """The signed-in staff member of this run (pages only run once someone is signed in)."""
    return st.session_state[keys.AUTH_STAFF]


def sign_in_url(ended: bool, next_path: str) -> str:
    """Where the browser signs in, coming back to `next_path` (a path here, never a token)."""
    query = {"next": next_path}
    if ended:
        query["ended"] = "1"
    return "/sign-in?" + urlencode(query)

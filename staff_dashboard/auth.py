"""Who is signed in to the console: a session token kept in the URL so a reload keeps it."""

from dataclasses import dataclass

import streamlit as st

from core.queries.staff import get_staff_for_session
from core.services.staff import authenticate_staff, end_staff_session, start_staff_session
from staff_dashboard import keys


@dataclass(frozen=True)
class SignedIn:
    """The staff member of this run, as plain values (never a live database row)."""

    id: int
    organization_id: int
    name: str
    email: str
    role: str
    token: str
    organization_name: str
    organization_slug: str
    timezone: str
    currency: str

    @property
    def is_admin(self) -> bool:
        """True for an administrator (preferences and staff pages)."""
        return self.role == "admin"


def resolve_session() -> SignedIn | None:
    """The staff member whose live session this browser holds, else None (and forget it).

    The token rides in the URL (`?s=`) to survive a reload, and in session state because
    moving between pages clears the URL's parameters; each run puts it back in the URL.
    """
    token = st.query_params.get(keys.QUERY_TOKEN) or st.session_state.get(keys.AUTH_TOKEN)
    staff = get_staff_for_session(token) if token else None
    if staff is None:
        if token:
            st.session_state[keys.AUTH_ENDED] = True
        _forget()
        return None
    organization = staff.organization
    signed_in = SignedIn(staff.id, staff.organization_id, staff.name, staff.email, staff.role,
                         token, organization.name, organization.slug, organization.timezone,
                         organization.currency)
    st.session_state[keys.AUTH_TOKEN] = token
    st.session_state[keys.AUTH_STAFF] = signed_in
    if st.query_params.get(keys.QUERY_TOKEN) != token:
        st.query_params[keys.QUERY_TOKEN] = token
    return signed_in


def current_staff() -> SignedIn:
    """The signed-in staff member of this run (pages only run once someone is signed in)."""
    return st.session_state[keys.AUTH_STAFF]


def sign_in(email: str, password: str, ip: str) -> SignedIn:
    """Check the password (throttled, audited), open a session and remember it in the URL."""
    staff = authenticate_staff(email, password, ip)
    token = start_staff_session(staff.id)
    st.session_state[keys.AUTH_TOKEN] = token
    st.session_state.pop(keys.AUTH_ENDED, None)
    st.query_params[keys.QUERY_TOKEN] = token
    return resolve_session()


def sign_out() -> None:
    """End the session in the database and forget it in this browser."""
    token = st.session_state.get(keys.AUTH_TOKEN)
    if token:
        end_staff_session(token)
    _forget()
    # Nothing of the signed-in staff member's page state may outlive the session.
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def _forget() -> None:
    st.session_state.pop(keys.AUTH_TOKEN, None)
    st.session_state.pop(keys.AUTH_STAFF, None)
    if keys.QUERY_TOKEN in st.query_params:
        del st.query_params[keys.QUERY_TOKEN]


def page_params(**extra) -> dict:
    """Query parameters for st.switch_page: the session token plus any extras."""
    return {keys.QUERY_TOKEN: current_staff().token, **{k: str(v) for k, v in extra.items()}}

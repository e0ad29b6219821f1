"""The Doorstep staff console. Run with `streamlit run staff_dashboard/app.py`.

Binds the database once per process, opens one connection per script run, signs the staff
member in (or keeps them signed in from the URL), then shows the pages their role allows.
"""

import streamlit as st

from core import db
from core.config import MissingSecretKeyError, load_settings
from core.queries.staff import unread_notification_count
from staff_dashboard import auth, paths


class PendingMigrationsError(Exception):
    """The database schema is older than the code."""


@st.cache_resource(show_spinner=False)
def bind_database(url: str) -> str:
    """Bind core's database once per process; a database bound already (tests) is kept."""
    if db.database.obj is None:
        db.bind(url)
    pending = db.pending_migrations()
    if pending:  # raising keeps the result out of the cache, so a later run checks again
        raise PendingMigrationsError(", ".join(pending))
    return url


def navigation(staff: auth.SignedIn):
    """The pages this staff member may open, grouped as in the sidebar."""
    unread = unread_notification_count(staff.id)
    sections = {
        "Overview": [
            st.Page(paths.HOME, title="Home", icon=":material/home:", default=True),
            st.Page(paths.NOTIFICATIONS, icon=":material/notifications:",
                    title=f"Notifications ({unread})" if unread else "Notifications"),
        ],
        "Customers": [
            st.Page(paths.CUSTOMERS, title="Customers", icon=":material/groups:"),
            st.Page(paths.NEW_CUSTOMER, title="New customer", icon=":material/person_add:"),
            st.Page(paths.CUSTOMER_OVERVIEW, title="Customer overview",
                    icon=":material/badge:", visibility="hidden"),
        ],
        "Sales": [
            st.Page(paths.INVOICES, title="Invoices", icon=":material/receipt_long:"),
            st.Page(paths.QUOTES, title="Quotes", icon=":material/request_quote:"),
            st.Page(paths.SALES_ORDERS, title="Sales orders", icon=":material/shopping_cart:"),
        ],
        "System": [st.Page(paths.MAIL, title="Mail", icon=":material/mail:")],
    }
    if staff.is_admin:
        sections["System"] += [
            st.Page(paths.PREFERENCES, title="Portal preferences", icon=":material/tune:"),
            st.Page(paths.STAFF, title="Staff", icon=":material/manage_accounts:"),
            st.Page(paths.API_WEBHOOKS, title="API & webhooks", icon=":material/api:"),
            st.Page(paths.IMPORT, title="Import", icon=":material/upload_file:"),
            st.Page(paths.AUDIT_TRAIL, title="Audit trail", icon=":material/history:"),
        ]
    return st.navigation(sections)


def sidebar(staff: auth.SignedIn) -> None:
    """Who is signed in, and the way out."""
    with st.sidebar:
        st.caption(f"**{staff.organization_name}**  \n{staff.name} · {staff.role}")
        if st.button("Sign out", icon=":material/logout:", key="auth_sign_out"):
            auth.sign_out()
            st.rerun()


st.set_page_config(page_title="Doorstep console", page_icon="🚪", layout="wide")
settings = load_settings()
try:
    settings.require_secret_key()  # invitation links are derived from it: never a constant
except MissingSecretKeyError as error:
    st.error(str(error))
    st.stop()
try:
    bind_database(settings.database_url)
except PendingMigrationsError as error:
    st.error(f"The database needs migrations ({error}). Run `doorstep migrate`, then reload.")
    st.stop()

with db.connection():
    signed_in = auth.resolve_session()
    if signed_in is None:
        page = st.navigation([st.Page(paths.SIGN_IN, title="Sign in", icon=":material/login:")],
                             position="hidden")
    else:
        page = navigation(signed_in)
        sidebar(signed_in)
    page.run()

"""The Doorstep staff console's pages. Serve it with `streamlit run staff_dashboard/server.py`
(the `st.App` that adds the sign-in routes and security headers).

Binds the database once per process, opens one connection per script run, finds the staff
member from the session cookie, then shows the pages their role allows.
"""

import html

import streamlit as st

from core import db
from core.config import MissingSecretKeyError, load_settings
from core.queries.staff import unread_notification_count
from staff_dashboard import auth, paths, ui
from staff_dashboard.web.cookies import CSRF_FIELD


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
    # Admin pages are in the sidebar of admins only; anyone else opening one by its address
    # is told why (ui.require_admin) rather than "page not found".
    visibility = "visible" if staff.is_admin else "hidden"
    sections["System"] += [
        st.Page(paths.PREFERENCES, title="Portal preferences", icon=":material/tune:",
                visibility=visibility),
        st.Page(paths.STAFF, title="Staff", icon=":material/manage_accounts:",
                visibility=visibility),
        st.Page(paths.API_WEBHOOKS, title="API & webhooks", icon=":material/api:",
                visibility=visibility),
        st.Page(paths.IMPORT, title="Import", icon=":material/upload_file:",
                visibility=visibility),
        st.Page(paths.AUDIT_TRAIL, title="Audit trail", icon=":material/history:",
                visibility=visibility),
    ]
    return st.navigation(sections)


SIGN_OUT_FORM = """<form method="post" action="/sign-out" style="margin:0">
<input type="hidden" name="{field}" value="{token}">
<button type="submit" style="font:inherit;padding:.25rem .75rem;border-radius:.5rem;
border:1px solid rgba(49,51,63,.2);background:transparent;color:inherit;cursor:pointer">
Sign out</button></form>"""


def sidebar(staff: auth.SignedIn) -> None:
    """Who is signed in, and the way out: a form posted to the sign-out route, which ends the
    session for every tab and removes the cookie."""
    with st.sidebar:
        st.caption(f"**{ui.md(staff.organization_name)}**  \n{ui.md(staff.name)} · {staff.role}")
        st.html(SIGN_OUT_FORM.format(field=CSRF_FIELD, token=html.escape(staff.sign_out_token)))


st.set_page_config(page_title="Doorstep console", page_icon="🚪", layout="wide")
ui.count_run()
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

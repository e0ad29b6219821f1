"""Every URL an email carries, built from PORTAL_BASE_URL (never from a request's Host header).

The portal serves these paths under `{PORTAL_BASE_URL}/<org slug>/`; emails already sent point
at them, so a route may move only if the old path keeps redirecting:

    accept/<token>     accept an invitation (invitation and re-invitation emails)
    reset/<token>      choose a new password (password reset email)
    signup/<token>     finish self sign-up (sign-up verification email)
    login              sign in
    invoices/<id>      one invoice
    quotes/<id>        one quote
    orders/<id>        one sales order
    shipments/<id>     one shipment
    payments/<id>      one payment (its receipt)

Staff emails link to the staff console: CONSOLE_URL (core.config.Settings).
"""

from urllib.parse import quote

from flask import current_app

# The path segment of each kind of document a comment or notification can point at.
DOCUMENT_PATHS = {
    "invoice": "invoices",
    "quote": "quotes",
    "sales_order": "orders",
    "shipment": "shipments",
    "payment": "payments",
}


def portal_base_url() -> str:
    """The configured public address of the portal, without a trailing slash."""
    return current_app.config["PORTAL_BASE_URL"].rstrip("/")


def portal_url(slug: str, *parts) -> str:
    """`{PORTAL_BASE_URL}/{slug}/` followed by the given path segments, each URL-quoted."""
    path = "/".join(quote(str(part), safe="") for part in (slug, *parts))
    return f"{portal_base_url()}/{path}" + ("" if parts else "/")


def accept_url(slug: str, token: str) -> str:
    """The invitation link."""
    return portal_url(slug, "accept", token)


def reset_url(slug: str, token: str) -> str:
    """The password-reset link."""
    return portal_url(slug, "reset", token)


def signup_url(slug: str, token: str) -> str:
    """The sign-up verification link."""
    return portal_url(slug, "signup", token)


def login_url(slug: str) -> str:
    """The portal's sign-in page."""
    return portal_url(slug, "login")


def document_url(slug: str, document_type: str, document_id: int) -> str:
    """A document's page: invoice, quote, sales_order, shipment or payment."""
    return portal_url(slug, DOCUMENT_PATHS[document_type], document_id)


def console_url() -> str:
    """The staff console's address (the app's CONSOLE_URL, from Settings unless overridden)."""
    return current_app.config["CONSOLE_URL"].rstrip("/")

"""Domain errors and HTTP errors mapped to pages, in one place, translated."""

import logging

from flask import Flask, g, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from peewee import DatabaseError
from werkzeug.exceptions import HTTPException

from core.audit import Actor, record
from core.db import transaction, write_problem
from core.errors import (
    DoorstepError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TokenError,
)
from portal_site.site.organization import adopt_org_of_path

log = logging.getLogger(__name__)

PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("You are not allowed to do that.")),
    404: (_l("Page not found"),
          _l("This page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This page can't be used that way.")),
    409: (_l("Not possible right now"),
          _l("This action is not possible in the record's current state.")),
    410: (_l("This link can't be used"),
          _l("This link was already used or has expired. Please ask for a new one.")),
    429: (_l("Too many attempts"),
          _l("Too many attempts. Please wait a few minutes and try again.")),
    503: (_l("Not available right now"),
          _l("The PDF can't be made right now. Please try again later or contact us.")),
    500: (_l("Something went wrong"),
          _l("Something went wrong on our side. Please try again in a moment.")),
}


def translated(error: DoorstepError) -> str:
    """A domain error's message in the page's language."""
    return gettext(error.message, **error.params)


def error_page(status: int, message: str | None = None, title: str | None = None,
               actions: list[tuple[str, str]] | None = None):
    """Render the error page for `status` (with an optional specific message, and links
    (endpoint, label) offered instead of the default way back)."""
    default_title, default_message = PAGES.get(status, PAGES[500])
    body = render_template("errors/error.html", status=status, title=title or default_title,
                           message=message or default_message, actions=actions or [])
    return body, status


def _audit_denied(reason: str) -> None:
    """Leave an audit event for a refused request (SPEC §8: denied requests are audited)."""
    org = g.get("org")
    if org is None:
        return
    ip = request.remote_addr or ""
    actor = (Actor.contact(current_user.scope.contact.id, ip)
             if current_user.is_authenticated else Actor.anonymous(ip))
    try:
        with transaction():
            record(org.id, actor, "request_denied", reason=reason, method=request.method,
                   path=request.path[:300])
    except Exception:  # an audit failure must not turn a refusal into a server error
        log.exception("could not audit a denied request")


def _record_not_found(_error: NotFoundError):
    # A record the contact may not see (or that does not exist): audited, then the same
    # 404 page as any missing page, so another customer's record and a missing one look alike.
    _audit_denied("not_found")
    return error_page(404)


def _not_found(_error):
    adopt_org_of_path()
    return error_page(404)


def _rate_limited(error: RateLimitedError):
    body, status = error_page(429, translated(error))
    return body, status, {"Retry-After": str(error.retry_after)}


def _token(error: TokenError):
    # A link that was real but is used up or expired is gone (410); a made-up one is a 400.
    # Either way the page offers the way on: sign in, or ask for a new password link.
    actions = [("auth.sign_in", gettext("Sign in"))]
    if error.purpose in {"invitation", "reset", "signup"}:
        actions.append(("auth.forgot_password", gettext("Forgot your password?")))
    return error_page(410 if error.gone else 400, translated(error),
                      title=gettext("This link can't be used"), actions=actions)


def _denied(error: PermissionDeniedError):
    _audit_denied("permission")
    return error_page(403, translated(error))


def _invalid_state(error: InvalidStateError):
    return error_page(409, translated(error))


def _domain(error: DoorstepError):
    # A ValidationError that a view did not put beside a field still gets a readable page.
    return error_page(400, translated(error))


def _csrf(_error: CSRFError):
    _audit_denied("csrf")
    return error_page(400, gettext("The form has expired. Go back, reload the page and send "
                                   "it again."), title=gettext("Please try again"))


def _http(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    return error_page(error.code if error.code in PAGES else 400)


def _pdf_unavailable(error):
    log.error("PDF fonts missing: %s", error)
    return error_page(503)


def _database(error: DatabaseError):
    # A database that can be read but takes no writes (a read-only file or standby, a full
    # disk) is a passing outage, not a bug: say so, change nothing, offer the way back.
    problem = write_problem(error)
    if problem is None:
        raise error
    log.error("the database takes no writes (%s): %s", problem, error)
    body, status = error_page(
        503, gettext("The portal can't save changes right now, so nothing was changed. "
                     "Please try again in a few minutes."))
    return body, status, {"Retry-After": "120"}


def _server_error(error):
    log.exception("unhandled error", exc_info=getattr(error, "original_exception", error))
    return error_page(500)


def init_app(app: Flask) -> None:
    """Register every error handler of the portal."""
    app.register_error_handler(NotFoundError, _record_not_found)
    app.register_error_handler(RateLimitedError, _rate_limited)
    app.register_error_handler(TokenError, _token)
    app.register_error_handler(PermissionDeniedError, _denied)
    app.register_error_handler(InvalidStateError, _invalid_state)
    app.register_error_handler(DoorstepError, _domain)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(DatabaseError, _database)
    app.register_error_handler(500, _server_error)
    try:
        from portal_site.pdf import FontsMissingError
    except ImportError:  # a build without PDF support still serves every page
        return
    app.register_error_handler(FontsMissingError, _pdf_unavailable)

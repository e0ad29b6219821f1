"""Domain errors and HTTP errors mapped to pages, in one place, translated."""

import logging

from flask import Flask, render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.errors import (
    DoorstepError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TokenError,
)

log = logging.getLogger(__name__)

PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("You are not allowed to do that.")),
    404: (_l("Page not found"),
          _l("This page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This page can't be used that way.")),
    409: (_l("Not possible right now"),
          _l("This action is not possible in the record's current state.")),
    429: (_l("Too many attempts"),
          _l("Too many attempts. Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"),
          _l("Something went wrong on our side. Please try again in a moment.")),
}


def translated(error: DoorstepError) -> str:
    """A domain error's message in the page's language."""
    return gettext(error.message, **error.params)


def error_page(status: int, message: str | None = None, title: str | None = None):
    """Render the error page for `status` (with an optional specific message)."""
    default_title, default_message = PAGES.get(status, PAGES[500])
    body = render_template("errors/error.html", status=status, title=title or default_title,
                           message=message or default_message)
    return body, status


def _not_found(_error):
    # Another customer's record and a missing one must look exactly alike.
    return error_page(404)


def _rate_limited(error: RateLimitedError):
    body, status = error_page(429, translated(error))
    return body, status, {"Retry-After": str(error.retry_after)}


def _token(error: TokenError):
    return error_page(400, translated(error), title=gettext("This link can't be used"))


def _denied(error: PermissionDeniedError):
    return error_page(403, translated(error))


def _invalid_state(error: InvalidStateError):
    return error_page(409, translated(error))


def _domain(error: DoorstepError):
    # A ValidationError that a view did not put beside a field still gets a readable page.
    return error_page(400, translated(error))


def _csrf(_error: CSRFError):
    return error_page(400, gettext("The form has expired. Go back, reload the page and send "
                                   "it again."), title=gettext("Please try again"))


def _http(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    return error_page(error.code if error.code in PAGES else 400)


def _server_error(error):
    log.exception("unhandled error", exc_info=getattr(error, "original_exception", error))
    return error_page(500)


def init_app(app: Flask) -> None:
    """Register every error handler of the portal."""
    app.register_error_handler(NotFoundError, _not_found)
    app.register_error_handler(RateLimitedError, _rate_limited)
    app.register_error_handler(TokenError, _token)
    app.register_error_handler(PermissionDeniedError, _denied)
    app.register_error_handler(InvalidStateError, _invalid_state)
    app.register_error_handler(DoorstepError, _domain)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(500, _server_error)

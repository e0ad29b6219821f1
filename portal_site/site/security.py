"""Security headers on every response (SPEC §8)."""

from flask import Flask, abort, request

# No inline script or style anywhere: CSS and JS are static files, the accent colour comes
# from a per-organization stylesheet.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def allow_form_target(response, *origins: str):
    """Let a page's forms lead on to other origins (a payment provider's checkout page):
    browsers apply form-action to every redirect after a submit."""
    extra = " ".join(origin for origin in origins if origin)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {extra}".rstrip())
    return response


def _add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if _served_over_tls():
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not request.path.startswith("/static/"):
        # Pages show a customer's money and documents: never keep them in a shared cache.
        headers.setdefault("Cache-Control", "no-store")
    return response


def _refuse_nul_characters(_endpoint=None, _values=None):
    """No database stores NUL in text (PostgreSQL refuses it): answer 400 before any query."""
    if "\x00" in request.path:
        abort(400)
    for values in (request.args, request.form):
        for _name, items in values.lists():
            if any("\x00" in item for item in items):
                abort(400)


def _served_over_tls() -> bool:
    from flask import current_app

    return current_app.config.get("PORTAL_BASE_URL", "").startswith("https://")


def init_app(app: Flask) -> None:
    """Add the headers to every response, error pages included (call before the
    organization's init_app)."""
    # A URL value preprocessor runs before the organization is looked up from the URL.
    app.url_value_preprocessor(_refuse_nul_characters)
    app.after_request(_add_headers)

"""Who calls: the API key of the `Authorization: Bearer` header, checked on every request."""

from flask import current_app, g, request

from core import throttle
from core.audit import Actor
from core.errors import AuthenticationError, RateLimitedError
from core.services.api_keys import authenticate_api_key
from portal_site.api.problems import problem, unauthorized

# Query parameters that would carry a key in a URL (logs, proxies, browser history keep URLs).
KEY_PARAMETERS = {"api_key", "apikey", "key", "access_token", "token", "bearer"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
RATE_WINDOW_SECONDS = 60


# A batch of 500 documents with their lines is larger than any portal form (256 KiB).
MAX_BODY_BYTES = 8 * 1024 * 1024


def authenticate():
    """Refuse a request without a live key of the right scope; set g.api_key and g.actor."""
    if KEY_PARAMETERS & {name.lower() for name in request.args}:
        return unauthorized("Send the API key in the Authorization header, never in the URL.")
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return unauthorized("Send an API key as Authorization: Bearer <key>.")
    try:
        key = authenticate_api_key(raw.strip())
    except AuthenticationError:
        return unauthorized("The API key is unknown or revoked.")
    try:
        throttle.hit_counter(f"api_key:{key.id}", int(current_app.config["API_RATE_LIMIT"]),
                             RATE_WINDOW_SECONDS)
    except RateLimitedError as error:
        return problem(429, "Too many requests with this key.",
                       headers={"Retry-After": str(error.retry_after)})
    if request.method not in READ_METHODS and key.scope != "write":
        return problem(403, "This key may only read.")
    request.max_content_length = MAX_BODY_BYTES
    g.api_key = key
    g.actor = Actor.api_key(key.id, key.organization_id, request.remote_addr or "")
    return None


def organization_id() -> int:
    """The organization of the calling key."""
    return g.api_key.organization_id

"""The console's cookies and the tokens its two HTML forms carry (no Streamlit, no Starlette)."""

import hashlib
import hmac

from core.config import load_settings

SESSION_COOKIE = "doorstep_console_session"  # the raw session id, HttpOnly, SameSite=Strict
CSRF_COOKIE = "doorstep_console_csrf"        # the sign-in form's double-submit token
CSRF_FIELD = "csrf_token"


def sign_out_token(session_id: str) -> str:
    """The sign-out form's token: bound to the session it ends, useless to another site."""
    key = load_settings().require_secret_key().encode()
    return hmac.new(key, f"console-sign-out:{session_id}".encode(), hashlib.sha256).hexdigest()


def same_token(expected: str, given: str) -> bool:
    """True when both are non-empty and equal (compared in constant time)."""
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


def secure_cookies() -> bool:
    """Cookies carry `Secure` when the console is served over https (CONSOLE_URL)."""
    return load_settings().console_url.startswith("https://")


def safe_next(target: str | None) -> str:
    """A path on this console to go to after signing in; anything else (another host, a
    scheme, a protocol-relative `//host`) is the home page."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return "/"
    if any(ord(char) < 32 for char in target):
        return "/"
    return target

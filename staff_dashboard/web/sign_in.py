"""The console's sign-in and sign-out routes: the only places the session cookie is set.

Streamlit's script cannot set a cookie, so signing in is a plain HTML form posted to
`/sign-in`; the answer sets an opaque, random session id in an HttpOnly, SameSite=Strict
cookie and sends the browser to the console, whose script reads it with `st.context.cookies`.
The password is checked by core (`authenticate_staff`, throttled as in the portal).
"""

import html
import secrets
from string import Template

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from core import db
from core.config import load_settings
from core.errors import DoorstepError, RateLimitedError
from core.queries.staff import get_live_staff_session
from core.services.staff import authenticate_staff, end_staff_session, start_staff_session
from core.throttle import client_address
from staff_dashboard.web.cookies import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    safe_next,
    same_token,
    secure_cookies,
    sign_out_token,
)

SIGN_IN_PATH = "/sign-in"
SIGN_OUT_PATH = "/sign-out"
# Our own pages load nothing and run no script: only their inline style, posting to themselves.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")

PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Doorstep console</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f6f8fa;margin:0;
color:#1f2328}
main{max-width:24rem;margin:12vh auto;background:#fff;border:1px solid #d0d7de;
border-radius:.5rem;padding:2rem}
h1{font-size:1.5rem;margin:0 0 1.5rem}label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.5rem;font-size:1rem;border:1px solid #d0d7de;
border-radius:.375rem}
button{margin-top:1.5rem;width:100%;padding:.6rem;font-size:1rem;background:#1f6feb;color:#fff;
border:0;border-radius:.375rem;cursor:pointer}
.message{padding:.75rem;border-radius:.375rem;margin-bottom:1rem}
.error{background:#ffebe9;color:#82071e}.info{background:#ddf4ff;color:#0a3069}
</style></head>
<body><main>
<h1>Doorstep staff console</h1>
$message
<form method="post" action="$action">
<input type="hidden" name="$csrf_field" value="$csrf">
<input type="hidden" name="next" value="$next">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" value="$email" required
 autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</main></body></html>
""")


def _client_ip(request: Request) -> str:
    peer = request.client.host if request.client else ""
    return client_address(peer, request.headers.get("x-forwarded-for"),
                          load_settings().portal_trusted_proxies)


def _same_origin(request: Request) -> bool:
    """A form post from this console's own page (an Origin from anywhere else is refused)."""
    origin = request.headers.get("origin")
    if origin is None:  # browsers send one with every form post; curl and tests may not
        return True
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def _cookie(response: Response, name: str, value: str, *, max_age: int | None,
            path: str = "/") -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True,
                        samesite="strict", secure=secure_cookies())


def _sign_in_page(*, message: str = "", kind: str = "error", email: str = "", next_path: str = "/",
                  status: int = 200, headers: dict | None = None) -> Response:
    """The form, with a fresh double-submit CSRF token in a cookie and in the form."""
    csrf = secrets.token_urlsafe(32)
    shown = f'<p class="message {kind}" role="alert">{html.escape(message)}</p>' if message else ""
    body = PAGE.substitute(message=shown, action=SIGN_IN_PATH, csrf_field=CSRF_FIELD, csrf=csrf,
                           next=html.escape(next_path), email=html.escape(email))
    response = HTMLResponse(body, status_code=status, headers={
        "Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store", **(headers or {})})
    _cookie(response, CSRF_COOKIE, csrf, max_age=3600, path=SIGN_IN_PATH)
    return response


def _live(session_id: str) -> bool:
    with db.connection():
        return get_live_staff_session(session_id) is not None


async def sign_in_form(request: Request) -> Response:
    """The sign-in form; someone signed in already goes straight on."""
    next_path = safe_next(request.query_params.get("next"))
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if session_id and await run_in_threadpool(_live, session_id):
        return RedirectResponse(next_path, status_code=303)
    ended = bool(session_id) or request.query_params.get("ended") == "1"
    response = _sign_in_page(
        message="Your session has ended. Please sign in again." if ended else "", kind="info",
        next_path=next_path)
    if session_id:  # a dead session id is no use to anyone: forget it
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _sign_in(email: str, password: str, ip: str) -> str:
    with db.connection():
        staff = authenticate_staff(email, password, ip)
        return start_staff_session(staff.id)


async def sign_in(request: Request) -> Response:
    """Check the password through core; on success set the session cookie and go on."""
    form = await request.form()
    email = str(form.get("email") or "")[:254]
    next_path = safe_next(str(form.get("next") or "/"))
    if not _same_origin(request) or not same_token(request.cookies.get(CSRF_COOKIE, ""),
                                                   str(form.get(CSRF_FIELD) or "")):
        return _sign_in_page(message="This form has expired. Please sign in again.",
                             email=email, next_path=next_path, status=403)
    try:
        session_id = await run_in_threadpool(_sign_in, email, str(form.get("password") or ""),
                                             _client_ip(request))
    except RateLimitedError as error:
        return _sign_in_page(message=str(error), email=email, next_path=next_path, status=429,
                             headers={"Retry-After": str(error.retry_after)})
    except DoorstepError as error:
        return _sign_in_page(message=str(error), email=email, next_path=next_path, status=401)
    response = RedirectResponse(next_path, status_code=303)
    _cookie(response, SESSION_COOKIE, session_id,
            max_age=load_settings().console_session_max_hours * 3600)
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN_PATH)
    return response


def _sign_out(session_id: str) -> None:
    with db.connection():
        end_staff_session(session_id)


async def sign_out(request: Request) -> Response:
    """End the session in the database (every tab) and forget the cookie in this browser."""
    form = await request.form()
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if not _same_origin(request) or not session_id or not same_token(
            sign_out_token(session_id), str(form.get(CSRF_FIELD) or "")):
        # Not a form of ours: nothing ends (a page elsewhere cannot sign staff out).
        return RedirectResponse("/", status_code=303)
    await run_in_threadpool(_sign_out, session_id)
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def routes() -> list[Route]:
    """The sign-in form, its post, and sign-out (post only)."""
    return [
        Route(SIGN_IN_PATH, sign_in_form, methods=["GET"]),
        Route(SIGN_IN_PATH, sign_in, methods=["POST"]),
        Route(SIGN_OUT_PATH, sign_out, methods=["POST"]),
    ]

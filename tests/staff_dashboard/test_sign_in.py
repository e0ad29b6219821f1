"""Signing in and out of the console: the sign-in routes over real HTTP, the session cookie,
its lifetimes, and who sees which pages."""

import datetime
import http.client
import re
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from streamlit.testing.v1 import AppTest

from core import throttle
from core.audit import Actor
from core.errors import AuthenticationError
from core.models import AuditEvent, RateEvent, StaffSession, utcnow
from core.services.staff import authenticate_staff, set_staff_active, start_staff_session
from staff_dashboard.web.cookies import CSRF_COOKIE, SESSION_COOKIE, sign_out_token
from staff_dashboard.web.headers import SecurityHeaders
from staff_dashboard.web.sign_in import routes
from tests.conftest import PASSWORD
from tests.core.helpers import age_rate_events
from tests.e2e.servers import free_port
from tests.staff_dashboard.conftest import APP, BROWSER_COOKIES, open_console, texts


class Browser:
    """A cookie-keeping HTTP client for the console's routes (no redirects followed)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.origin = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, form: dict | None = None, origin: str | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = origin or self.origin
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.text = response.read().decode()
        for header in response.headers.get_all("set-cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value in ("", '""'):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        connection.close()
        return response

    def sign_in(self, email: str, password: str, next_path: str = "/", origin: str | None = None):
        form = self.request("GET", "/sign-in")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        return self.request("POST", "/sign-in", {"csrf_token": csrf, "email": email,
                                                 "password": password, "next": next_path},
                            origin=origin)


@pytest.fixture
def server():
    """The console's sign-in routes and headers, served by uvicorn on a free port."""
    app = Starlette(routes=routes(), middleware=[Middleware(SecurityHeaders)])
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning",
                            lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield config.port
    running.should_exit = True
    thread.join(10)


@pytest.fixture
def browser(server):
    """A fresh browser (no cookies) talking to the server."""
    return Browser(server)


def test_the_right_password_sets_an_httponly_strict_cookie_and_no_token_in_any_url(admin,
                                                                                     browser):
    answer = browser.sign_in("admin@acme.example", PASSWORD, next_path="/customers?status=invited")

    assert answer.status == 303
    assert answer.headers["Location"] == "/customers?status=invited"
    cookie = next(h for h in answer.headers.get_all("set-cookie") if SESSION_COOKIE in h)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    session_id = browser.cookies[SESSION_COOKIE]
    assert session_id not in answer.headers["Location"]
    session = StaffSession.get()
    assert session.staff_id == admin.id and session.token_hash != session_id
    # The console's script, reading that cookie, is signed in.
    BROWSER_COOKIES["session"] = session_id
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert texts(app.title) == ["Acme Trading"]
    assert not any("s=" in str(value) for value in app.query_params.values())


def test_behind_https_the_cookie_is_secure(admin, browser, monkeypatch):
    monkeypatch.setenv("CONSOLE_URL", "https://console.acme.example")
    answer = browser.sign_in("admin@acme.example", PASSWORD)
    cookie = next(h for h in answer.headers.get_all("set-cookie") if SESSION_COOKIE in h)
    assert "Secure" in cookie


def test_a_wrong_password_shows_an_error_and_opens_no_session(admin, browser):
    answer = browser.sign_in("admin@acme.example", "not the password")

    assert answer.status == 401
    assert "The email or password is not correct." in answer.text
    assert 'value="admin@acme.example"' in answer.text  # what was typed stays
    assert SESSION_COOKIE not in browser.cookies
    assert StaffSession.select().count() == 0


def test_a_post_without_the_forms_token_or_from_another_site_signs_nobody_in(admin, browser):
    browser.request("GET", "/sign-in")
    without_token = browser.request("POST", "/sign-in", {"email": "admin@acme.example",
                                                         "password": PASSWORD})
    other_site = browser.sign_in("admin@acme.example", PASSWORD,
                                 origin="https://evil.example")
    forged = browser.request("POST", "/sign-in", {"email": "admin@acme.example",
                                                  "password": PASSWORD, "csrf_token": "guess"})

    assert [without_token.status, other_site.status, forged.status] == [403, 403, 403]
    assert "This form has expired" in without_token.text
    assert StaffSession.select().count() == 0
    assert not AuditEvent.select().where(AuditEvent.action == "staff_login").exists()


def test_next_never_leaves_the_console(admin, browser):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        browser.cookies.clear()  # a fresh browser each time: signed in, the form goes on
        answer = browser.sign_in("admin@acme.example", PASSWORD, next_path=target)
        assert answer.headers["Location"] == "/", target


def test_failures_without_an_address_slow_the_account_down_but_never_lock_it(admin, browser):
    # Only the account's own, short slow-down applies when no address is known.
    for _ in range(throttle.ACCOUNT_FREE):
        with pytest.raises(AuthenticationError):
            authenticate_staff("admin@acme.example", "wrong guess", "")
    answer = browser.sign_in("admin@acme.example", PASSWORD)

    assert answer.status == 429 and "Too many attempts. Please wait " in answer.text
    assert int(answer.headers["Retry-After"]) > 0
    assert StaffSession.select().count() == 0
    assert not [key for (key,) in RateEvent.select(RateEvent.key).tuples() if key.endswith(":")]

    assert throttle.PasswordAttempts("staff:admin@acme.example").wait_seconds() <= 60
    age_rate_events(seconds=throttle.ACCOUNT_MAX_WAIT)
    assert browser.sign_in("admin@acme.example", PASSWORD).status == 303
    assert AuditEvent.select().where(AuditEvent.action == "staff_login").count() == 1


def test_repeated_failures_from_one_address_are_throttled_for_that_address(admin, browser):
    for _ in range(throttle.PAIR_FREE + 1):
        browser.sign_in("admin@acme.example", "wrong guess")
    answer = browser.sign_in("admin@acme.example", PASSWORD)
    assert answer.status == 429
    assert RateEvent.select().where(RateEvent.key.contains("127.0.0.1")).exists()


def test_sign_out_ends_the_session_for_every_tab_and_drops_the_cookie(admin, browser):
    browser.sign_in("admin@acme.example", PASSWORD)
    session_id = browser.cookies[SESSION_COOKIE]
    BROWSER_COOKIES["session"] = session_id
    other_tab = AppTest.from_file(str(APP), default_timeout=60).run()
    assert texts(other_tab.title) == ["Acme Trading"]

    answer = browser.request("POST", "/sign-out", {"csrf_token": sign_out_token(session_id)})

    assert answer.status == 303 and answer.headers["Location"] == "/sign-in"
    assert SESSION_COOKIE not in browser.cookies
    assert StaffSession.get().ended_at is not None
    other_tab.run()  # the other tab's next click
    assert texts(other_tab.title) == ["Doorstep staff console"]
    assert "Your session has ended" in texts(other_tab.info)[0]
    # The sign-in form says so too, and a session id kept anywhere signs nobody in again.
    browser.cookies[SESSION_COOKIE] = session_id
    form = browser.request("GET", "/sign-in")
    assert form.status == 200 and "Your session has ended" in form.text
    assert SESSION_COOKIE not in browser.cookies


def test_sign_out_from_another_site_or_without_the_token_ends_nothing(admin, browser):
    browser.sign_in("admin@acme.example", PASSWORD)
    session_id = browser.cookies[SESSION_COOKIE]

    browser.request("POST", "/sign-out", {"csrf_token": ""})
    browser.request("POST", "/sign-out", {"csrf_token": sign_out_token(session_id)},
                    origin="https://evil.example")
    browser.request("POST", "/sign-out", {"csrf_token": sign_out_token("another session")})

    assert StaffSession.get().ended_at is None
    assert browser.cookies[SESSION_COOKIE] == session_id


def test_signed_in_already_the_form_goes_straight_on(admin, browser):
    browser.sign_in("admin@acme.example", PASSWORD)
    answer = browser.request("GET", "/sign-in?next=/invoices")
    assert answer.status == 303 and answer.headers["Location"] == "/invoices"


def test_every_answer_forbids_framing_and_sniffing(org, browser):
    answer = browser.request("GET", "/sign-in")
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert "script-src" not in answer.headers["Content-Security-Policy"]  # default-src 'none'
    assert answer.headers["Cache-Control"] == "no-store"
    assert CSRF_COOKIE in browser.cookies


def test_a_session_idle_too_long_is_out(admin, monkeypatch):
    app = open_console(admin)
    assert texts(app.title) == ["Acme Trading"]

    StaffSession.update(last_seen_at=utcnow() - datetime.timedelta(minutes=31)).execute()
    app.run()

    assert texts(app.title) == ["Doorstep staff console"]
    assert "Your session has ended" in texts(app.info)[0]


def test_the_idle_time_and_lifetime_come_from_the_settings(admin, monkeypatch):
    monkeypatch.setenv("CONSOLE_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("CONSOLE_SESSION_MAX_HOURS", "2")
    BROWSER_COOKIES["session"] = start_staff_session(admin.id)
    session = StaffSession.get()
    assert session.expires_at - session.created_at == datetime.timedelta(hours=2)

    StaffSession.update(last_seen_at=utcnow() - datetime.timedelta(minutes=4)).execute()
    assert texts(AppTest.from_file(str(APP), default_timeout=60).run().title) == ["Acme Trading"]
    StaffSession.update(last_seen_at=utcnow() - datetime.timedelta(minutes=6)).execute()
    assert texts(AppTest.from_file(str(APP), default_timeout=60).run().title) == [
        "Doorstep staff console"]


def test_a_busy_session_still_ends_after_its_lifetime(admin):
    app = open_console(admin)
    StaffSession.update(expires_at=utcnow() - datetime.timedelta(seconds=1),
                        last_seen_at=utcnow()).execute()
    app.run()
    assert texts(app.title) == ["Doorstep staff console"]


def test_a_deactivated_staff_member_is_out_at_once(admin, staff_member):
    app = open_console(staff_member)
    assert texts(app.title) == ["Acme Trading"]

    set_staff_active(Actor.staff(admin.id), staff_member.id, False)
    app.run()

    assert texts(app.title) == ["Doorstep staff console"]
    assert "Your session has ended" in texts(app.info)[0]


def test_signed_out_the_console_sends_the_browser_to_the_form_and_back(org):
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.context["url"] = "http://console.example/customers"
    app.query_params["status"] = "invited"
    BROWSER_COOKIES["session"] = "not-a-real-session"
    app.run()

    assert texts(app.title) == ["Doorstep staff console"]
    [button] = app.get("link_button")
    assert button.proto.url == "/sign-in?next=%2Fcustomers%3Fstatus%3Dinvited&ended=1"


def test_the_sidebar_signs_out_with_a_form_bound_to_the_session(admin):
    app = open_console(admin)
    [form] = [element.proto.body for element in app.sidebar.get("html")]
    assert 'action="/sign-out"' in form
    assert sign_out_token(BROWSER_COOKIES["session"]) in form
    assert BROWSER_COOKIES["session"] not in form


@pytest.mark.parametrize("page", ["app_pages/preferences.py", "app_pages/staff.py"])
def test_a_staff_member_opening_an_admin_page_is_told_why(staff_member, page):
    app = open_console(staff_member)

    app.switch_page(page).run()

    assert texts(app.error) == ["Only an administrator can open this page."]
    assert app.sidebar.get("html")  # still signed in, the page says why


@pytest.mark.parametrize("page", ["app_pages/preferences.py", "app_pages/staff.py"])
def test_an_admin_reaches_admin_pages(admin, page):
    app = open_console(admin, page=page)

    assert texts(app.title) in (["Portal preferences"], ["Staff"])

"""Signing in and out of the console, staying signed in, and who sees which pages."""

import pytest
from streamlit.testing.v1 import AppTest

from core import throttle
from core.audit import Actor
from core.errors import AuthenticationError
from core.models import AuditEvent, RateEvent, StaffSession
from core.services.staff import authenticate_staff, set_staff_active
from tests.conftest import PASSWORD
from tests.core.helpers import age_rate_events
from tests.staff_dashboard.conftest import APP, open_console, texts


def sign_in(email, password) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    app.text_input(key="sign_in_email").input(email)
    app.text_input(key="sign_in_password").input(password)
    app.button[0].click().run()
    assert not app.exception
    return app


def test_the_right_password_signs_in_and_the_session_rides_in_the_url(admin):
    app = sign_in("admin@acme.example", PASSWORD)

    assert texts(app.title) == ["Acme Trading"]
    token = app.query_params["s"]
    assert StaffSession.select().where(StaffSession.staff == admin.id).count() == 1
    # A browser reload is a new script session that has only the URL.
    reloaded = AppTest.from_file(str(APP), default_timeout=60)
    reloaded.query_params["s"] = token
    reloaded.run()
    assert texts(reloaded.title) == ["Acme Trading"]


def test_a_wrong_password_shows_an_error_and_opens_no_session(admin):
    app = sign_in("admin@acme.example", "not the password")

    assert texts(app.error) == ["The email or password is not correct."]
    assert "s" not in app.query_params
    assert StaffSession.select().count() == 0


def test_failures_without_an_address_slow_the_account_down_but_never_lock_it(admin):
    # Streamlit gives no address on loopback (nor in AppTest): only the account's own,
    # short slow-down applies, never a counter shared by everyone without an address.
    for _ in range(throttle.ACCOUNT_FREE):
        with pytest.raises(AuthenticationError):
            authenticate_staff("admin@acme.example", "wrong guess", "")
    app = sign_in("admin@acme.example", PASSWORD)

    [message] = texts(app.error)
    assert message.startswith("Too many attempts. Please wait ")
    assert StaffSession.select().count() == 0
    assert not [key for (key,) in RateEvent.select(RateEvent.key).tuples()
                if key.endswith(":") or key.startswith("pw-ip:")]

    # A short wait later (at most a minute, however many failures), the owner is back in.
    assert throttle.PasswordAttempts("staff:admin@acme.example").wait_seconds() <= 60
    age_rate_events(seconds=throttle.ACCOUNT_MAX_WAIT)
    app = sign_in("admin@acme.example", PASSWORD)
    assert texts(app.title) == ["Acme Trading"]
    successes = AuditEvent.select().where(AuditEvent.action == "staff_login")
    assert successes.count() == 1


def test_sign_out_ends_the_session(admin):
    app = open_console(admin)
    token = app.query_params["s"]

    app.button(key="auth_sign_out").click().run()

    assert not app.exception
    assert "s" not in app.query_params
    assert app.text_input(key="sign_in_email") is not None
    assert StaffSession.get().ended_at is not None
    reopened = AppTest.from_file(str(APP), default_timeout=60)
    reopened.query_params["s"] = token
    reopened.run()
    assert texts(reopened.title) == ["Doorstep staff console"]


def test_a_deactivated_staff_member_is_out_at_once(admin, staff_member):
    app = open_console(staff_member)
    assert texts(app.title) == ["Acme Trading"]

    set_staff_active(Actor.staff(admin.id), staff_member.id, False)
    app.run()

    assert texts(app.title) == ["Doorstep staff console"]
    assert "Your session has ended" in texts(app.info)[0]


def test_a_made_up_token_shows_the_sign_in_page(org):
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.query_params["s"] = "not-a-real-token"
    app.run()

    assert texts(app.title) == ["Doorstep staff console"]


@pytest.mark.parametrize("page", ["app_pages/preferences.py", "app_pages/staff.py"])
def test_a_staff_member_cannot_reach_admin_pages(staff_member, page):
    app = open_console(staff_member)

    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page(page)


@pytest.mark.parametrize("page", ["app_pages/preferences.py", "app_pages/staff.py"])
def test_an_admin_reaches_admin_pages(admin, page):
    app = open_console(admin, page=page)

    assert texts(app.title) in (["Portal preferences"], ["Staff"])

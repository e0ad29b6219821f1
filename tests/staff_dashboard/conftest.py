"""Fixtures for the console: an AppTest of staff_dashboard/app.py, signed in as someone."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from staff_dashboard import auth

APP = Path(__file__).resolve().parents[2] / "staff_dashboard" / "app.py"

# The cookies "the browser" of an AppTest sends. AppTest cannot seed `st.context.cookies`
# (they come from the websocket's request), so the one function reading them is pointed here.
BROWSER_COOKIES: dict[str, str] = {}


@pytest.fixture(autouse=True)
def browser_cookies(monkeypatch):
    """A fresh, empty cookie jar for every test (and no reads kept by staff_dashboard.speed
    from another test's database, whose ids repeat)."""
    import streamlit as st

    st.cache_data.clear()
    BROWSER_COOKIES.clear()
    monkeypatch.setattr(auth, "browser_session_id", lambda: BROWSER_COOKIES.get("session", ""))
    return BROWSER_COOKIES


def open_console(staff=None, page: str | None = None, **session) -> AppTest:
    """Run the console (signed in as `staff` through a real session cookie), on `page`."""
    from core.services.staff import start_staff_session

    app = AppTest.from_file(str(APP), default_timeout=60)
    if staff is not None:
        BROWSER_COOKIES["session"] = start_staff_session(staff.id)
    for key, value in session.items():
        app.session_state[key] = value
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(elements) -> list[str]:
    """The text of each element (messages, captions, markdown)."""
    return [element.value for element in elements]


@pytest.fixture
def console():
    """Open the console as a staff member: console(staff, page=..., **session_state)."""
    return open_console

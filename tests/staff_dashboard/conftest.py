"""Fixtures for the console: an AppTest of staff_dashboard/app.py, signed in as someone."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "staff_dashboard" / "app.py"


def open_console(staff=None, page: str | None = None, **session) -> AppTest:
    """Run the console (signed in as `staff` through a real session token), on `page`."""
    from core.services.staff import start_staff_session

    app = AppTest.from_file(str(APP), default_timeout=60)
    if staff is not None:
        app.query_params["s"] = start_staff_session(staff.id)
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

"""Portal sessions end after an idle time and after an absolute lifetime."""

import time

import pytest

from tests.portal_site.conftest import text_of

PROFILE = "/{slug}/profile"


@pytest.fixture
def signed_in_client(client, auth, contact):
    auth.sign_in(contact)
    return client


def shift_session(client, *, started_ago: float = 0, seen_ago: float = 0) -> None:
    """Make the signed-in session look older (time passing without a request)."""
    with client.session_transaction() as session:
        session["started_at"] -= int(started_ago)
        session["seen_at"] -= int(seen_ago)


def profile(client, org):
    return client.get(PROFILE.format(slug=org.slug))


def test_the_defaults_are_two_hours_idle_and_fourteen_days_in_all(app):
    assert app.config["PORTAL_SESSION_IDLE_MINUTES"] == 120
    assert app.config["PORTAL_SESSION_MAX_DAYS"] == 14


def test_a_session_idle_for_longer_than_the_idle_time_is_over(signed_in_client, org):
    shift_session(signed_in_client, started_ago=3 * 3600, seen_ago=121 * 60)

    response = profile(signed_in_client, org)

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = signed_in_client.get(response.headers["Location"])
    assert "Your session has expired" in text_of(page)
    assert profile(signed_in_client, org).status_code == 302  # and stays over


def test_using_the_portal_keeps_the_session_alive(signed_in_client, org):
    for _ in range(3):  # three visits, each 100 minutes after the one before
        shift_session(signed_in_client, started_ago=100 * 60, seen_ago=100 * 60)
        assert profile(signed_in_client, org).status_code == 200
    with signed_in_client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60


def test_a_session_older_than_the_lifetime_is_over_however_busy(signed_in_client, org):
    shift_session(signed_in_client, started_ago=14 * 86400 + 60)

    assert profile(signed_in_client, org).status_code == 302


def test_a_cookie_from_before_sessions_had_times_is_over(signed_in_client, org):
    with signed_in_client.session_transaction() as session:
        del session["started_at"], session["seen_at"]

    assert profile(signed_in_client, org).status_code == 302


def test_the_limits_are_settings(database_url, auth, contact, org, monkeypatch):
    from portal_site import create_app

    monkeypatch.setenv("PORTAL_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("PORTAL_SESSION_MAX_DAYS", "1")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    auth.sign_in(contact, client=client)
    shift_session(client, seen_ago=4 * 60)
    assert profile(client, org).status_code == 200
    shift_session(client, seen_ago=6 * 60)
    assert profile(client, org).status_code == 302

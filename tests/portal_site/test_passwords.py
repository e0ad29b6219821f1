"""Password strength (zxcvbn) with the reason shown in the contact's language, and the
current-password check on the profile throttled like a sign-in."""

import html

import pytest

from core import throttle
from core.errors import ValidationError
from core.security import check_password_strength
from tests.conftest import PASSWORD
from tests.portal_site.conftest import text_of


@pytest.mark.parametrize("weak, reason", [
    ("1234567890", "commonly used password"),
    ("password12", "commonly used password"),
    ("qwertyuiop", "commonly used password"),
    ("aaaaaaaaaaaa", "repeats and sequences"),
    ("jonathan12", "single word or name"),
    ("19801231ab", "Dates and years"),
])
def test_easily_guessed_passwords_are_refused_with_the_reason(weak, reason):
    with pytest.raises(ValidationError, match=reason) as refused:
        check_password_strength(weak)
    assert refused.value.field == "password"


@pytest.mark.parametrize("good", ["doorstep-demo", PASSWORD, "a brand new secret",
                                  "zebra kettle orbit"])
def test_the_demo_and_ordinary_passphrases_are_accepted(good):
    check_password_strength(good)


def test_a_password_made_of_the_contacts_own_email_is_weak():
    check_password_strength("anna.berger77")
    with pytest.raises(ValidationError):
        check_password_strength("anna.berger77", ("anna.berger77@example.com",))


def test_the_profile_shows_the_reason_in_the_contacts_language(app, auth, make_active_contact,
                                                               org):
    contact = make_active_contact(language="de")
    client = app.test_client()
    auth.sign_in(contact, client=client)

    weak = client.post(f"/{org.slug}/profile/password",
                       data={"current_password": PASSWORD, "password": "1234567890",
                             "confirm": "1234567890"})

    assert weak.status_code == 400
    assert "Dieses Passwort wird häufig verwendet." in html.unescape(text_of(weak))


def test_guessing_the_current_password_on_the_profile_is_slowed_down(app, auth, contact, org):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    auth.sign_in(contact, client=client)
    new = {"password": "another strong passphrase", "confirm": "another strong passphrase"}
    for _ in range(throttle.PAIR_FREE):
        wrong = client.post(f"/{org.slug}/profile/password",
                            data={"current_password": "a guess", **new})
        assert wrong.status_code == 400
    refused = client.post(f"/{org.slug}/profile/password",
                          data={"current_password": PASSWORD, **new})

    assert refused.status_code == 400
    assert "Too many attempts. Please wait" in text_of(refused)

"""Raw invitation, reset, sign-up and session tokens never reach the database or a log."""

import logging

from core.audit import Actor
from core.config import load_settings
from core.models import ALL_MODELS, AccessToken, Contact
from core.security import derive_token, hash_token
from core.services import access
from core.services.customers import add_contact
from core.services.organizations import update_portal_preferences
from core.services.staff import authenticate_staff, start_staff_session
from tests.conftest import PASSWORD, token_of


def every_stored_text() -> str:
    """Every value of every column of every table, as text."""
    values = []
    for model in ALL_MODELS:
        for row in model.select().tuples():
            values.extend(str(value) for value in row)
    return "\n".join(values)


def test_no_raw_token_or_link_is_stored_or_logged_after_a_full_cycle(
        make_customer, admin, org, caplog):
    staff = Actor.staff(admin.id)
    caplog.set_level(logging.DEBUG)  # peewee logs every query with its parameters at DEBUG
    update_portal_preferences(staff, allow_signup=True)
    customer = make_customer(allow_portal_access=True)
    contact = Contact.get(Contact.customer == customer)
    links = []

    first_invitation = token_of(contact)
    access.reinvite_contact(staff, contact.id)
    invitation = token_of(contact)
    access.accept_invitation(org.id, invitation, PASSWORD)
    access.request_password_reset(org.id, contact.email)
    reset = token_of(contact, "reset")
    access.reset_password(org.id, reset, "a brand new passphrase")
    newcomer = add_contact(staff, customer.id, first_name="New", email="new@customer.example")
    access.request_signup(org.id, newcomer.email)
    signup = token_of(newcomer, "signup")
    access.complete_signup(org.id, signup, PASSWORD)
    authenticate_staff(admin.email, PASSWORD)
    session = start_staff_session(admin.id)

    raw_tokens = [derive_token(t.purpose, t.nonce) for t in AccessToken.select()]
    assert {first_invitation, invitation, reset, signup} <= set(raw_tokens)
    raw_tokens.append(session)
    base = load_settings().portal_base_url
    for path, raw in (("accept", first_invitation), ("accept", invitation), ("reset", reset),
                      ("signup", signup)):
        links.append(f"{base}/{org.slug}/{path}/{raw}")

    stored = every_stored_text()
    logged = "\n".join(record.getMessage() + repr(record.args) for record in caplog.records)
    assert "INSERT" in logged  # the log really captured the queries
    assert hash_token(invitation) in stored  # the dump really covers the token table
    for secret in raw_tokens + links:
        assert secret not in stored
        assert secret not in logged

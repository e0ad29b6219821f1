"""The raw token of a link exists only in the email: never in the database, never in a log."""

import logging
import re

from core.audit import Actor
from core.models import ALL_MODELS
from core.services import access
from core.services.organizations import update_portal_preferences
from tests.mail.servers import deliver

TOKEN_LINK = re.compile(r"https?://\S+/(?:accept|reset|signup)/([\w-]+)")


def database_text() -> str:
    """Every value of every row of every table, as one string."""
    return "\n".join(repr(row) for model in ALL_MODELS for row in model.select().tuples())


def test_no_raw_token_or_link_reaches_the_database_or_the_log_after_sending(
        org, admin, make_customer, make_active_contact, mail_app, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    update_portal_preferences(Actor.staff(admin.id), allow_signup=True)
    make_customer(email="invited@co.example", allow_portal_access=True)
    reset = make_active_contact(email="reset@co.example")
    access.request_password_reset(org.id, reset.email)
    make_customer(email="signup@co.example")
    access.request_signup(org.id, "signup@co.example")

    deliver(mail_app)

    tokens = set()
    for message in smtp.handler.messages:
        tokens.update(TOKEN_LINK.findall(message.get_body(("plain",)).get_content()))
    assert len(tokens) == 3
    stored = database_text()
    # Everything our side logged, SQL included; "mail.log" is the test SMTP server receiving.
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if record.name != "mail.log")
    for token in tokens:
        assert token not in stored
        assert token not in logged

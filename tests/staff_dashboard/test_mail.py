"""The mail page: the outbox, retrying a failed message, and the catcher's caught mail."""

from email.message import EmailMessage

from core.models import AuditEvent, OutboxMessage
from tests.staff_dashboard.conftest import open_console, texts

PAGE = "app_pages/mail.py"


def failed_message(make_customer):
    """An invitation the worker gave up on (the worker is the only one who fails messages)."""
    make_customer(allow_portal_access=True)
    message = OutboxMessage.get()
    (OutboxMessage.update(status="failed", attempts=5, last_error="550 mailbox unavailable")
     .where(OutboxMessage.id == message.id).execute())
    return message


def test_a_failed_message_is_queued_again(admin, make_customer):
    message = failed_message(make_customer)
    app = open_console(admin, page=PAGE)
    assert list(app.dataframe[0].value["Status"]) == ["failed"]

    app.session_state[app.dataframe[0].key] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    assert "550 mailbox unavailable" in texts(app.code)
    app.button(key=f"mail_retry_{message.id}").click().run()

    assert texts(app.success) == [f"Message to {message.recipient} queued again."]
    retried = OutboxMessage.get_by_id(message.id)
    assert (retried.status, retried.attempts) == ("queued", 0)
    assert AuditEvent.get(AuditEvent.action == "outbox_retried").actor_id == admin.id


def test_a_sent_message_has_no_retry(admin, make_customer):
    make_customer(allow_portal_access=True)
    app = open_console(admin, page=PAGE)
    app.session_state[app.dataframe[0].key] = {"selection": {"rows": [0], "columns": []}}
    app.run()

    assert not [b for b in app.button if b.label == "Retry this message"]


def test_caught_mail_is_listed_with_its_links(admin, tmp_path, monkeypatch):
    folder = tmp_path / "mail"
    folder.mkdir()
    message = EmailMessage()
    message["Subject"] = "You are invited to the Acme portal"
    message["From"] = "portal@acme.example"
    message["To"] = "dana@delta.example"
    message.set_content("Accept here: https://portal.example.test/acme/invitation/abc123\n")
    message.add_alternative('<p><a href="https://portal.example.test/acme/invitation/abc123">'
                            "Accept</a></p>", subtype="html")
    (folder / "0001.eml").write_bytes(bytes(message))
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path))

    app = open_console(admin, page=PAGE)

    assert app.expander[0].label == ("You are invited to the Acme portal → "
                                     "dana@delta.example")
    link = "https://portal.example.test/acme/invitation/abc123"
    assert any(text.endswith(f"](<{link}>)") for text in texts(app.markdown))


def test_without_a_catcher_folder_the_page_says_how_to_get_one(admin, tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path))

    app = open_console(admin, page=PAGE)

    assert "No catcher folder" in texts(app.info)[0]

"""The mail page: the outbox, retrying a failed message, and the catcher's caught mail."""

from email.message import EmailMessage

import pytest

from core.audit import Actor
from core.errors import PermissionDeniedError
from core.models import AuditEvent, OutboxMessage
from core.services import access
from core.services.organizations import create_organization
from core.services.staff import create_staff
from portal_site.mail.catcher import SavingHandler
from staff_dashboard.caught_mail import read_caught_mail
from staff_dashboard.ui import md as ui_md
from tests.conftest import PASSWORD
from tests.mail.servers import TEST_MAIL_CONFIG, SmtpServer, deliver
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

    assert texts(app.toast) == [f"Message to {message.recipient} queued again."]
    retried = OutboxMessage.get_by_id(message.id)
    assert (retried.status, retried.attempts) == ("queued", 0)
    assert AuditEvent.get(AuditEvent.action == "outbox_retried").actor_id == admin.id


def test_a_sent_message_has_no_retry(admin, make_customer):
    make_customer(allow_portal_access=True)
    app = open_console(admin, page=PAGE)
    app.session_state[app.dataframe[0].key] = {"selection": {"rows": [0], "columns": []}}
    app.run()

    assert not [b for b in app.button if b.label == "Retry this message"]


@pytest.fixture
def catcher(tmp_path, monkeypatch):
    """The local development catcher on loopback, keeping mail in the instance folder."""
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path))
    server = SmtpServer(SavingHandler(tmp_path / "mail", announce=lambda *a, **k: None)).start()
    yield server
    server.stop()


@pytest.fixture
def two_organizations_mail(org, admin, make_active_contact, make_customer, catcher):
    """Acme's contact asked for a password reset and Beta invited a contact; the worker sent
    both to the catcher. Returns Beta's admin."""
    from portal_site import create_app

    victim = make_active_contact()
    access.request_password_reset(org.id, victim.email)
    beta = create_organization("Beta Supplies", default_language="en", currency="EUR")
    beta_admin = create_staff(Actor.system(beta.id), "admin@beta.example", "Bea Admin", PASSWORD,
                              role="admin")
    make_customer(organization=beta, actor=Actor.staff(beta_admin.id), email="dee@dee.example",
                  allow_portal_access=True)
    deliver(create_app({**TEST_MAIL_CONFIG, "MAIL_SERVER": "127.0.0.1",
                        "MAIL_PORT": catcher.port}))
    assert OutboxMessage.select().where(OutboxMessage.status == "sent").count() == 2
    return victim, beta_admin


def caught_subjects(app) -> list[str]:
    return [expander.label for expander in app.expander]


def test_an_admin_sees_only_the_mail_of_their_own_organization(admin, two_organizations_mail):
    victim, beta_admin = two_organizations_mail

    acme = open_console(admin, page=PAGE)
    [label] = caught_subjects(acme)
    assert label.endswith(f"→ {ui_md(victim.email)}") and "Reset your password" in label
    assert any("/reset/" in text for text in texts(acme.markdown))
    assert "Caught mail (local development catcher)" in [tab.label for tab in acme.tabs]

    beta = open_console(beta_admin, page=PAGE)
    labels = caught_subjects(beta)
    assert labels and all("dee@dee.example" in label for label in labels)
    shown = " ".join(texts(beta.markdown) + texts(beta.text) + labels)
    assert victim.email not in shown and "/reset/" not in shown


def test_a_staff_member_who_is_not_an_admin_sees_no_caught_mail(staff_member,
                                                               two_organizations_mail):
    app = open_console(staff_member, page=PAGE)

    assert not caught_subjects(app)
    assert not [tab for tab in app.tabs if "Caught" in tab.label]
    with pytest.raises(PermissionDeniedError):
        read_caught_mail(Actor.staff(staff_member.id))


def test_a_forged_message_is_shown_to_nobody(admin, two_organizations_mail, tmp_path):
    victim, beta_admin = two_organizations_mail
    acme_id = OutboxMessage.get(OutboxMessage.recipient == victim.email).message_id
    forged = EmailMessage()
    forged["Subject"] = "Copied id, other recipient"
    forged["To"] = "attacker@evil.example"
    forged["Message-ID"] = acme_id
    forged.set_content("https://evil.example/")
    made_up = EmailMessage()
    made_up["Subject"] = "An id no outbox sent"
    made_up["To"] = "dee@dee.example"
    made_up["Message-ID"] = "<made-up@doorstep>"
    made_up.set_content("hello")
    for n, message in enumerate((forged, made_up)):
        (tmp_path / "mail" / f"99999999-forged-{n}.eml").write_bytes(bytes(message))

    for staff in (admin, beta_admin):
        labels = caught_subjects(open_console(staff, page=PAGE))
        assert not [label for label in labels if "Copied" in label or "no outbox" in label]


def test_without_a_catcher_folder_the_page_says_how_to_get_one(admin, tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path))

    app = open_console(admin, page=PAGE)

    assert "No catcher folder" in texts(app.info)[0]

"""Every kind of email arrives with a text and an HTML part, in its recipient's language, with
links built from PORTAL_BASE_URL only."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.numbers import format_currency

from core import outbox
from core.audit import Actor
from core.gateways import Card
from core.models import AccessToken, Contact, OutboxMessage
from core.outbox import ALL_KINDS
from core.queries.scoping import ContactScope
from core.services import access, comments, documents, payments, sales
from core.services.organizations import update_organization, update_portal_preferences
from portal_site.mail.render import render
from tests.conftest import PASSWORD, token_of
from tests.mail.servers import deliver, statuses

BASE = "https://customers.acme.example/portal"
CONSOLE = "https://console.acme.example"
LINK = re.compile(r"https?://[^\s<>\"']+")
GOOD_CARD = Card("4242 4242 4242 4242", "12/39", "123")


def parts(message) -> dict[str, str]:
    """The text and HTML bodies of a received message."""
    return {"text": message.get_body(("plain",)).get_content(),
            "html": message.get_body(("html",)).get_content()}


def links_in(message) -> list[str]:
    """Every http(s) address in both parts."""
    found = []
    for body in parts(message).values():
        found += LINK.findall(body)
    return found


def kind_of(message) -> str:
    """The outbox kind a received message was sent for (found by its Message-ID)."""
    return OutboxMessage.get(OutboxMessage.message_id == message["Message-ID"]).kind


@pytest.fixture
def every_kind(org, admin, make_customer, make_active_contact, make_invoice, make_documents):
    """Cause one email of every kind through the services, the way users would."""
    actor = Actor.staff(admin.id)
    update_portal_preferences(actor, allow_signup=True, email_on_invoice_viewed=True,
                              email_on_invitation_accepted=True)
    # A contact who accepted its invitation (staff_invitation_accepted), then views an invoice
    # (staff_invoice_viewed), pays it (payment_receipt, staff_payment), comments (staff_comment)
    # and gets a staff reply (comment_reply), then forgets its password (password_reset).
    payer = make_active_contact(name="Payer GmbH", email="payer@payer.example", language="de",
                                currency="EUR")
    scope = ContactScope.for_contact(payer.id)
    invoice = make_invoice(payer.customer, "100.00")
    documents.record_invoice_view(scope, invoice.id)
    payments.pay_invoice(scope, invoice.id, "40,00", method="card", idempotency_key="k1",
                         card=GOOD_CARD)
    comments.add_contact_comment(scope, "invoice", invoice.id, "Wann kommt die Ware?")
    comments.add_staff_comment(Actor.staff(admin.id), "invoice", invoice.id, "Morgen früh.")
    access.request_password_reset(org.id, payer.email)
    # Its shipment leaves (shipment_shipped) and a draft invoice is sent (invoice_sent).
    make_documents(payer.customer)
    sales.send_invoice(actor, make_invoice(payer.customer, "30.00", status="draft").id)
    # An invitation, and one re-sent (reinvitation).
    make_customer(name="Invited KK", email="invited@invited.example", language="ja",
                  allow_portal_access=True)
    resent = make_customer(name="Resent SA", email="resent@resent.example", language="fr",
                           allow_portal_access=True)
    access.invite_contact(actor, Contact.get(Contact.customer == resent).id)
    # Self sign-up: the verification email, then staff_signup once it is completed.
    signer = make_customer(name="Signer SL", email="signer@signer.example", language="es")
    access.request_signup(org.id, "signer@signer.example")
    access.complete_signup(org.id, token_of(Contact.get(Contact.customer == signer), "signup"),
                           PASSWORD)
    access.request_signup(org.id, "signer@signer.example")  # nothing: already active
    make_customer(name="Second Signer", email="second@signer.example", language="ar")
    access.request_signup(org.id, "second@signer.example")
    # No service sends this kind yet; it must still render.
    outbox.enqueue(org.id, "staff_quote_response", admin.email, "en",
                   message="Payer GmbH accepted quote QT-1.", record_type="quote", record_id=1)
    return {"payer": payer, "invoice": invoice}


def test_every_kind_of_email_arrives_once_with_a_text_and_an_html_part(
        every_kind, make_app, smtp):
    queued = {m.kind for m in OutboxMessage.select()}
    assert queued == ALL_KINDS  # the fixture really causes every kind

    assert deliver(make_app(smtp.port)) == 0

    received = smtp.handler.messages
    # The links of three were used or replaced before the worker ran: those are not sent.
    superseded = OutboxMessage.select().where(OutboxMessage.status == "cancelled")
    assert {(m.kind, m.recipient) for m in superseded} == {
        ("invitation", "payer@payer.example"), ("invitation", "resent@resent.example"),
        ("signup_verification", "signer@signer.example")}
    assert all("link was replaced or already used" in m.last_error for m in superseded)
    assert statuses() == {"sent": len(received), "cancelled": 3}
    assert {kind_of(m) for m in received} == ALL_KINDS
    assert len(set(smtp.handler.message_ids())) == len(received)
    for message in received:
        assert message.get_content_type() == "multipart/mixed"
        body = parts(message)
        assert body["text"].strip() and "<html" in body["html"], kind_of(message)
        assert message["Subject"].strip()
        assert "Acme Trading" in message["From"]


def test_the_message_id_is_the_one_stored_at_enqueue(every_kind, mail_app, smtp):
    deliver(mail_app)

    stored = [m.message_id for m in OutboxMessage.select().where(OutboxMessage.status == "sent")]
    assert len(stored) == 14  # what the fixture causes, less the superseded links
    assert sorted(smtp.handler.message_ids()) == sorted(stored)


def test_a_german_contacts_invitation_is_in_german_with_german_dates(
        org, make_customer, mail_app, smtp):
    make_customer(name="Müller AG", email="jonas@mueller.example", language="de",
                  allow_portal_access=True)

    deliver(mail_app)

    (message,) = smtp.handler.by_recipient("jonas@mueller.example")
    token = AccessToken.get(AccessToken.email == "jonas@mueller.example")
    local = token.expires_at.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo(org.timezone))
    german_date = format_date(local.date(), "medium", locale="de")
    body = parts(message)
    assert message["Content-Language"] == "de"
    assert '<html lang="de" dir="ltr">' in body["html"]
    assert german_date in body["text"] and german_date in body["html"]
    assert german_date != format_date(local.date(), "medium", locale="en")


def test_an_arabic_email_reads_right_to_left(make_customer, mail_app, smtp):
    make_customer(email="fatima@alfajr.example", language="ar", allow_portal_access=True)

    deliver(mail_app)

    (message,) = smtp.handler.by_recipient("fatima@alfajr.example")
    html = parts(message)["html"]
    assert message["Content-Language"] == "ar"
    assert '<html lang="ar" dir="rtl">' in html
    assert 'dir="rtl"' in html.split("<body", 1)[1]


def test_a_receipt_shows_amounts_in_the_documents_currency_formatted_for_the_contact(
        make_active_contact, make_invoice, mail_app, smtp):
    payer = make_active_contact(email="lena@baeckerei.example", language="de", currency="EUR")
    invoice = make_invoice(payer.customer, "1234.50")
    payments.pay_invoice(ContactScope.for_contact(payer.id), invoice.id, Decimal("1000.00"),
                         method="card", idempotency_key="k", card=GOOD_CARD)

    deliver(mail_app)

    (receipt,) = [m for m in smtp.handler.by_recipient("lena@baeckerei.example")
                  if kind_of(m) == "payment_receipt"]
    text = parts(receipt)["text"]
    assert format_currency(Decimal("1000.00"), "EUR", locale="de") in text  # 1.000,00 €
    assert format_currency(Decimal("234.50"), "EUR", locale="de") in text   # still due
    assert "1.000,00" in text and "$" not in text
    assert "GMT+00:00" in text  # the payment's time says which clock it is on


def test_the_invitation_shows_the_portal_its_username_and_a_working_accept_button(
        org, make_customer, make_app, smtp):
    customer = make_customer(email="emma@harbor.example", allow_portal_access=True)

    app = make_app(smtp.port, PORTAL_BASE_URL=BASE)
    deliver(app)

    (message,) = smtp.handler.by_recipient("emma@harbor.example")
    body = parts(message)
    portal = f"{BASE}/{org.slug}/"
    accept = re.search(rf'<a href="({re.escape(BASE)}/{org.slug}/accept/([\w-]+))"[^>]*>'
                       r"Accept invitation</a>", body["html"])
    assert accept, body["html"]
    assert portal in body["text"] and portal in body["html"]
    assert "emma@harbor.example" in body["text"] and "emma@harbor.example" in body["html"]
    assert accept.group(1) in body["text"]
    # The link's token is the contact's live invitation: following it would work.
    contact = access.describe_token(org.id, accept.group(2), "invitation")
    assert contact.customer_id == customer.id
    page = app.test_client().get(accept.group(1)[len(BASE):], follow_redirects=True)
    assert page.status_code == 200 and "emma@harbor.example" in page.get_data(as_text=True)


def test_every_link_comes_from_portal_base_url_or_the_console(every_kind, make_app, smtp, org):
    deliver(make_app(smtp.port, PORTAL_BASE_URL=BASE, CONSOLE_URL=CONSOLE))

    for message in smtp.handler.messages:
        found = links_in(message)
        assert found, kind_of(message)
        wanted = CONSOLE if kind_of(message).startswith("staff_") else f"{BASE}/{org.slug}/"
        assert all(link.startswith(wanted) for link in found), (kind_of(message), found)


@pytest.mark.parametrize("kind, purpose, path", [
    ("password_reset", "reset", "reset"),
    ("signup_verification", "signup", "signup"),
])
def test_token_emails_carry_a_link_that_the_portal_accepts(
        kind, purpose, path, org, make_active_contact, make_customer, make_app, smtp, admin):
    if purpose == "reset":
        contact = make_active_contact(email="someone@co.example")
        access.request_password_reset(org.id, contact.email)
    else:
        update_portal_preferences(Actor.staff(admin.id), allow_signup=True)
        make_customer(email="someone@co.example")
        access.request_signup(org.id, "someone@co.example")

    deliver(make_app(smtp.port, PORTAL_BASE_URL=BASE))

    (message,) = [m for m in smtp.handler.by_recipient("someone@co.example")
                  if kind_of(m) == kind]
    (link,) = {link for link in links_in(message) if f"/{path}/" in link}
    assert link.startswith(f"{BASE}/{org.slug}/{path}/")
    assert access.describe_token(org.id, link.rsplit("/", 1)[1], purpose).email == \
        "someone@co.example"


def test_a_forged_host_header_never_reaches_a_link(org, make_customer, make_app):
    make_customer(email="emma@harbor.example", allow_portal_access=True)
    app = make_app(1, PORTAL_BASE_URL=BASE)
    message = OutboxMessage.get(OutboxMessage.kind == "invitation")

    # Even rendered inside a request that claims another host, links keep PORTAL_BASE_URL.
    with app.test_request_context("/", headers={"Host": "evil.example"},
                                  base_url="http://evil.example"):
        subject, text, html = render(message)

    assert "evil.example" not in text + html
    assert f"{BASE}/{org.slug}/accept/" in text


def test_staff_emails_link_to_the_console(make_active_contact, make_invoice, make_app, smtp):
    payer = make_active_contact()
    invoice = make_invoice(payer.customer, "50.00")
    payments.pay_invoice(ContactScope.for_contact(payer.id), invoice.id, "50.00",
                         method="card", idempotency_key="k", card=GOOD_CARD)

    deliver(make_app(smtp.port, CONSOLE_URL=CONSOLE))

    (notice,) = smtp.handler.by_recipient("admin@acme.example")
    assert kind_of(notice) == "staff_payment"
    assert "$50.00" in notice["Subject"]
    assert f'href="{CONSOLE}"' in parts(notice)["html"]


@pytest.fixture
def fresh_translations():
    """Forget loaded catalogs before and after (Flask-Babel caches them per process)."""
    from portal_site.extensions import babel

    babel.domain_instance.cache.clear()
    yield
    babel.domain_instance.cache.clear()


def test_subjects_and_bodies_go_through_the_translation_catalog(
        tmp_path, fresh_translations, make_customer, make_app, smtp):
    catalog = Catalog(locale="de")
    catalog.add("%(organization)s invites you to its customer portal",
                "%(organization)s lädt Sie in sein Kundenportal ein")
    catalog.add("Accept invitation", "Einladung annehmen")
    catalog.add("Your username", "Ihr Benutzername")
    (tmp_path / "de" / "LC_MESSAGES").mkdir(parents=True)
    with open(tmp_path / "de" / "LC_MESSAGES" / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    make_customer(email="jonas@mueller.example", language="de", allow_portal_access=True)
    make_customer(email="emma@harbor.example", language="en", allow_portal_access=True)

    deliver(make_app(smtp.port, BABEL_TRANSLATION_DIRECTORIES=str(tmp_path)))

    (german,) = smtp.handler.by_recipient("jonas@mueller.example")
    (english,) = smtp.handler.by_recipient("emma@harbor.example")
    assert german["Subject"] == "Acme Trading lädt Sie in sein Kundenportal ein"
    assert ">Einladung annehmen</a>" in parts(german)["html"]
    assert "Ihr Benutzername: jonas@mueller.example" in parts(german)["text"]
    assert english["Subject"] == "Acme Trading invites you to its customer portal"
    assert ">Accept invitation</a>" in parts(english)["html"]


def test_user_entered_text_is_escaped_in_the_html_part(make_active_contact, make_invoice,
                                                       admin, mail_app, smtp):
    payer = make_active_contact(email="p@p.example")
    invoice = make_invoice(payer.customer, "10.00")
    comments.add_staff_comment(Actor.staff(admin.id), "invoice", invoice.id,
                               "<script>alert(1)</script> & co")

    deliver(mail_app)

    (reply,) = [m for m in smtp.handler.by_recipient("p@p.example")
                if kind_of(m) == "comment_reply"]
    body = parts(reply)
    assert "<script>" not in body["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body["html"]
    assert "<script>alert(1)</script> & co" in body["text"]


def test_headers_survive_the_wire_with_any_name_and_language(
        org, admin, make_customer, mail_app, smtp):
    name = 'Müller & Söhne, "Trading" 佐藤電機'
    update_organization(Actor.staff(admin.id), name=name)
    make_customer(email="hanako@sato.example", language="ja", allow_portal_access=True)
    queued = OutboxMessage.get(OutboxMessage.recipient == "hanako@sato.example")
    with mail_app.app_context():
        expected_subject, _, _ = render(queued)

    deliver(mail_app)

    (message,) = smtp.handler.by_recipient("hanako@sato.example")
    assert message["Subject"] == expected_subject and name in expected_subject
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, "portal@acme.example")
    assert message["Message-ID"] == queued.message_id
    assert message["Content-Language"] == "ja"
    assert "hanako@sato.example" in parts(message)["text"]


def test_a_forged_host_on_a_portal_request_never_reaches_the_email_and_the_link_works(
        org, make_active_contact, make_app, smtp):
    contact = make_active_contact(email="lena@baeckerei.example", language="de")
    app = make_app(smtp.port, PORTAL_BASE_URL=BASE, WTF_CSRF_ENABLED=False)
    client = app.test_client()

    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    asked = client.post(f"/{org.slug}/forgot-password", data={"email": contact.email},
                        base_url="http://evil.example", headers=forged)
    assert asked.status_code == 200
    deliver(app)

    (message,) = [m for m in smtp.handler.by_recipient(contact.email)
                  if kind_of(m) == "password_reset"]
    assert "evil.example" not in message.as_string()
    (link,) = {link for link in links_in(message) if "/reset/" in link}
    assert link.startswith(f"{BASE}/{org.slug}/reset/")
    # The portal serves that path: following it shows the contact's username.
    page = client.get(link[len(BASE):], follow_redirects=True)
    assert page.status_code == 200
    assert contact.email in page.get_data(as_text=True)


def test_a_bank_transfer_notice_is_acknowledged_not_receipted(make_active_contact, make_invoice,
                                                              mail_app, smtp):
    payer = make_active_contact(email="p@p.example")
    invoice = make_invoice(payer.customer, "80.00")
    payments.pay_invoice(ContactScope.for_contact(payer.id), invoice.id, "80.00",
                         method="bank_transfer", idempotency_key="k", reference="TRX-9")

    deliver(mail_app)

    (notice,) = [m for m in smtp.handler.by_recipient("p@p.example")
                 if kind_of(m) == "payment_receipt"]
    text = parts(notice)["text"]
    assert "bank transfer notice" in notice["Subject"]
    assert "We will confirm the payment when the money arrives." in text
    assert "TRX-9" in text and "$80.00" in text
    (staff,) = smtp.handler.by_recipient("admin@acme.example")
    assert "sent a bank transfer notice of $80.00" in parts(staff)["text"]

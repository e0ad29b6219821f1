"""The receipt email carries the receipt PDF; names and addresses read right in every script.

Mail goes through the real worker to an aiosmtpd server on loopback.
"""

import re
import subprocess

from fpdf.bidi import BidiParagraph
from fpdf.enums import TextDirection

from core.gateways import Card
from core.models import OutboxMessage
from core.queries.scoping import ContactScope
from core.services import payments
from tests.mail.servers import deliver
from tests.mail.test_emails import kind_of, parts

GOOD_CARD = Card("4242 4242 4242 4242", "12/39", "123")
ISOLATES = "\u2066\u2067\u2068\u2069"
URL = re.compile(r"https?://[^\s<>\"'\u2066-\u2069]+")


def pdf_text(data: bytes) -> str:
    """The text a PDF shows (poppler's pdftotext)."""
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def shown_rtl(line: str) -> str:
    """How an RTL paragraph lays `line` out, left to right, as a reader sees it."""
    visual = BidiParagraph(line, base_direction=TextDirection.RTL).get_reordered_string()
    return "".join(ch for ch in visual if ch not in ISOLATES)


def test_the_receipt_email_arrives_with_the_receipt_as_a_pdf(
        make_active_contact, make_invoice, mail_app, smtp):
    payer = make_active_contact(email="lena@baeckerei.example", language="de", currency="EUR")
    invoice = make_invoice(payer.customer, "250.00")
    payment = payments.pay_invoice(ContactScope.for_contact(payer.id), invoice.id, "100,00",
                                   method="card", idempotency_key="att", card=GOOD_CARD)

    deliver(mail_app)

    (receipt,) = [m for m in smtp.handler.by_recipient("lena@baeckerei.example")
                  if kind_of(m) == "payment_receipt"]
    (attachment,) = list(receipt.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{payment.number}.pdf"
    data = attachment.get_content()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "ZAHLUNGSBELEG" in text and payment.number in text and invoice.number in text
    assert "100,00 €" in text.replace("\xa0", " ")
    assert OutboxMessage.get(OutboxMessage.kind == "payment_receipt").status == "sent"


def test_other_emails_carry_no_attachment(make_customer, mail_app, smtp):
    make_customer(email="no-files@customer.example", allow_portal_access=True)
    deliver(mail_app)
    (invitation,) = smtp.handler.by_recipient("no-files@customer.example")
    assert list(invitation.iter_attachments()) == []


def test_the_arabic_emails_portal_address_reads_left_to_right(make_customer, mail_app, smtp):
    make_customer(email="fatima@alfajr.example", language="ar", allow_portal_access=True)

    deliver(mail_app)

    (message,) = smtp.handler.by_recipient("fatima@alfajr.example")
    text, html = parts(message)["text"], parts(message)["html"]
    url_lines = [line for line in text.splitlines() if URL.search(line)]
    assert url_lines, "the invitation shows its links"
    for line in url_lines:
        for url in URL.findall(line):
            shown = shown_rtl(line)
            assert url in shown, f"{url!r} is shown as {shown!r}"
            assert f"/{url.rstrip('/')}" not in shown  # the bug: "/http://…"
    portal = "https://portal.example.test/"
    assert f"\u2066{portal}" in text  # the portal address, isolated left to right
    assert f"\u2066{portal}" in html and 'dir="ltr"' in html


def test_a_japanese_email_greets_family_name_first(make_customer, mail_app, smtp):
    make_customer(email="taro@yamada.example", language="ja", allow_portal_access=True,
                  contacts=[{"first_name": "太郎", "last_name": "山田",
                             "email": "taro@yamada.example"}])
    deliver(mail_app)
    (message,) = smtp.handler.by_recipient("taro@yamada.example")
    assert "山田 太郎様" in parts(message)["text"]

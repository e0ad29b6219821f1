"""The console shows a quote's signature and offers quote, order and receipt PDFs."""

from core.gateways import Card
from core.services.documents import accept_quote
from core.services.payments import pay_invoice
from staff_dashboard.notifications_view import document_focus_key
from tests.staff_dashboard.conftest import open_console, texts


def downloads(app) -> list:
    """The download buttons on the page (protos: label and the file's URL)."""
    return [element.proto for element in app.get("download_button")]


def test_a_signed_quote_shows_who_signed_when_and_from_where(admin, make_active_contact,
                                                             make_documents, scope_of):
    contact = make_active_contact()
    quote = make_documents(contact.customer).quote
    accept_quote(scope_of(contact), quote.id, "Jane Q. Buyer", ip="203.0.113.9")

    app = open_console(admin, page="app_pages/quotes.py",
                       **{document_focus_key("quote"): quote.id})

    (signed,) = [text for text in texts(app.success) if "Jane Q. Buyer" in text]
    assert "203.0.113.9" in signed and contact.email in signed
    assert [button.label for button in downloads(app)] == ["Download PDF"]


def test_an_invoice_offers_a_receipt_per_payment(admin, make_active_contact, make_invoice,
                                                 scope_of):
    contact = make_active_contact()
    invoice = make_invoice(contact.customer, "90.00")
    payment = pay_invoice(scope_of(contact), invoice.id, "40.00", method="card",
                          idempotency_key="console-r",
                          card=Card("4242 4242 4242 4242", "12/39", "123"))

    app = open_console(admin, page="app_pages/invoices.py",
                       **{document_focus_key("invoice"): invoice.id})

    labels = [button.label for button in downloads(app) if not button.label.startswith("Export")]
    assert labels == [f"Receipt {payment.number} · 40.00 USD · succeeded"]

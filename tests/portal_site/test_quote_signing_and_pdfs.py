"""Accepting a quote through a signing step, and the quote, sales order and receipt PDFs."""

from core.audit import Actor
from core.gateways import Card
from core.models import Quote
from core.queries.scoping import ContactScope
from core.services import organizations, payments
from tests.portal_site.conftest import text_of
from tests.portal_site.test_pdf import pdf_text

GOOD_CARD = Card("4242 4242 4242 4242", "12/39", "123")


def test_the_quote_page_leads_to_a_signing_step_that_works_without_javascript(
        signed_in, contact, org, papers_of):
    quote = papers_of(contact.customer).quote
    page = text_of(signed_in.get(f"/{org.slug}/quotes/{quote.id}"))
    assert f'href="/{org.slug}/quotes/{quote.id}/sign"' in page

    step = signed_in.get(f"/{org.slug}/quotes/{quote.id}/sign")
    html = text_of(step)
    assert step.status_code == 200
    assert f'action="/{org.slug}/quotes/{quote.id}/accept"' in html
    assert 'name="signature"' in html and "$50.00" in html
    assert "network address" in html
    assert Quote.get_by_id(quote.id).status == "sent"  # opening the step changes nothing


def test_signing_without_a_name_is_refused_in_the_contacts_language(
        signed_in, contact, org, papers_of):
    quote = papers_of(contact.customer).quote
    signed_in.post(f"/{org.slug}/profile/language", data={"language": "de"})
    refused = signed_in.post(f"/{org.slug}/quotes/{quote.id}/accept", data={"signature": "  "})
    assert refused.status_code == 400
    assert "Geben Sie Ihren vollständigen Namen ein" in text_of(refused)
    assert 'id="signature-error"' in text_of(refused)
    assert Quote.get_by_id(quote.id).status == "sent"


def test_a_signed_quote_shows_the_signature_on_the_page_and_in_the_pdf(
        signed_in, contact, org, papers_of):
    quote = papers_of(contact.customer).quote
    done = signed_in.post(f"/{org.slug}/quotes/{quote.id}/accept",
                          data={"signature": "Jane Q. Buyer"},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert done.status_code == 302
    stored = Quote.get_by_id(quote.id)
    assert (stored.status, stored.signature_name, stored.signature_ip) == (
        "accepted", "Jane Q. Buyer", "203.0.113.9")
    page = text_of(signed_in.get(done.location))
    assert "Accepted and signed by Jane Q. Buyer on" in page
    assert "Sign and accept" not in page

    pdf = signed_in.get(f"/{org.slug}/quotes/{quote.id}/pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    text = pdf_text(pdf.data)
    assert quote.number in text and "Steel widget" in text and "50.00" in text
    assert "Accepted and signed by typing the name: Jane Q. Buyer" in text
    assert "Network address: 203.0.113.9" in text
    assert contact.email in text


def test_sales_order_and_receipt_pdfs_download_in_the_contacts_language(
        signed_in, contact, org, papers_of):
    papers = papers_of(contact.customer)
    payment = payments.pay_invoice(ContactScope.for_contact(contact.id), papers.invoice.id,
                                   "100.00", method="card", idempotency_key="pdf-k",
                                   card=GOOD_CARD)
    signed_in.post(f"/{org.slug}/profile/language", data={"language": "de"})

    order = signed_in.get(f"/{org.slug}/orders/{papers.order.id}/pdf")
    assert order.mimetype == "application/pdf"
    order_text = pdf_text(order.data)
    assert "AUFTRAG" in order_text.upper() and papers.order.number in order_text
    assert "Bestelldatum" in order_text and "Steel widget" in order_text

    receipt = signed_in.get(f"/{org.slug}/payments/{payment.id}/pdf")
    assert receipt.mimetype == "application/pdf"
    receipt_text = pdf_text(receipt.data)
    assert "ZAHLUNGSBELEG" in receipt_text and payment.number in receipt_text
    assert "Erhaltener Betrag" in receipt_text and papers.invoice.number in receipt_text
    assert "150,00" in receipt_text  # what the invoice still owes

    pages = [text_of(signed_in.get(f"/{org.slug}/orders/{papers.order.id}")),
             text_of(signed_in.get(f"/{org.slug}/payments/{payment.id}"))]
    assert f"/orders/{papers.order.id}/pdf" in pages[0]
    assert f"/payments/{payment.id}/pdf" in pages[1]


def test_another_customers_pdfs_answer_404(signed_in, contact, org, papers_of,
                                           make_active_contact):
    stranger = make_active_contact()
    theirs = papers_of(stranger.customer)
    for url in (f"quotes/{theirs.quote.id}/pdf", f"orders/{theirs.order.id}/pdf",
                f"quotes/{theirs.quote.id}/sign"):
        assert signed_in.get(f"/{org.slug}/{url}").status_code == 404
    refused = signed_in.post(f"/{org.slug}/quotes/{theirs.quote.id}/accept",
                             data={"signature": "Mallory"})
    assert refused.status_code == 404
    assert Quote.get_by_id(theirs.quote.id).status == "sent"


def test_a_receipt_pdf_leaves_out_the_invoice_when_the_invoices_module_is_off(
        signed_in, contact, org, papers_of):
    papers = papers_of(contact.customer)
    payment = payments.pay_invoice(ContactScope.for_contact(contact.id), papers.invoice.id,
                                   "10.00", method="card", idempotency_key="k2", card=GOOD_CARD)
    organizations.update_portal_preferences(Actor.system(org.id), show_invoices=False)
    text = pdf_text(signed_in.get(f"/{org.slug}/payments/{payment.id}/pdf").data)
    assert payment.number in text and papers.invoice.number not in text

"""The portal with Stripe: the pay form sends the contact to Stripe's page, the receipt waits
for the webhook, the webhook endpoint takes signed events only (also 20 copies at once); paying
several invoices and withdrawing a bank-transfer notice.

The stripe library talks to tests/stripe_server.py, a local stand-in for Stripe's servers.
"""

import re
import threading
from decimal import Decimal

import pytest

from core.models import Invoice, Payment, StripeAccount
from core.queries.scoping import ContactScope
from core.services import payments
from tests.portal_site.conftest import text_of
from tests.stripe_server import sign

GOOD_CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12/39", "card_cvc": "123",
             "card_name": "Pat Payer"}


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)


def _webhook(org) -> str:
    return f"/stripe/webhooks/{StripeAccount.get(StripeAccount.organization == org.id).webhook_id}"


def _start(client, org, invoice, amount="80.00"):
    page = client.get(f"/{org.slug}/invoices/{invoice.id}/pay")
    response = client.post(f"/{org.slug}/invoices/{invoice.id}/pay", data={
        "method": "card", "amount": amount, "idempotency_key": _key(text_of(page))})
    assert response.status_code == 303, text_of(response)[:500]
    return response


def test_the_pay_form_in_test_mode_says_so_and_asks_for_no_card(signed_in, contact, stripe_org,
                                                                 make_invoice, fake_stripe):
    invoice = make_invoice(contact.customer, "80.00")
    page = signed_in.get(f"/{stripe_org.slug}/invoices/{invoice.id}/pay")
    html = text_of(page)
    assert "Test mode" in html and "Stripe" in html
    assert 'name="card_number"' not in html and "Sandbox" not in html
    # The form may lead on to Stripe's page (browsers check form-action on the redirect).
    assert f"form-action 'self' https://checkout.stripe.com {fake_stripe.base}" in \
        page.headers["Content-Security-Policy"]


def test_paying_goes_to_stripe_and_only_the_webhook_marks_it_paid(signed_in, contact,
                                                                  stripe_org, make_invoice,
                                                                  fake_stripe, client):
    invoice = make_invoice(contact.customer, "80.00")
    response = _start(signed_in, stripe_org, invoice)
    assert response.headers["Location"].startswith(f"{fake_stripe.base}/pay/cs_test_")
    payment = Payment.get(Payment.invoice == invoice.id)
    # Coming back to the success address changes nothing: the receipt waits, and reloads.
    receipt = signed_in.get(f"/{stripe_org.slug}/payments/{payment.id}")
    html = text_of(receipt)
    assert "Processing" in html and 'http-equiv="refresh"' in html
    assert Invoice.get_by_id(invoice.id).balance == Decimal("80.00")

    body = fake_stripe.complete(payment.checkout_session_id)
    answer = client.post(_webhook(stripe_org), data=body,
                         headers={"Stripe-Signature": sign(body),
                                  "Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json["outcome"] == "applied"
    html = text_of(signed_in.get(f"/{stripe_org.slug}/payments/{payment.id}"))
    assert "Received" in html and "http-equiv" not in html and "Test mode" in html
    assert Invoice.get_by_id(invoice.id).status == "paid"


def test_twenty_copies_of_an_event_at_once_over_http_pay_once(app, contact, stripe_org,
                                                              make_invoice, fake_stripe):
    invoice = make_invoice(contact.customer, "80.00")
    payment = payments.pay_invoice(
        ContactScope.for_contact(contact.id), invoice.id, "80.00", method="card",
        idempotency_key="k", back=payments.CheckoutReturn(lambda i: "http://x/", "http://x/"))
    body = fake_stripe.complete(payment.checkout_session_id)
    url, barrier, answers = _webhook(stripe_org), threading.Barrier(20), []

    def post():
        client = app.test_client()
        barrier.wait(timeout=30)
        answers.append(client.post(url, data=body, headers={"Stripe-Signature": sign(body)}))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(a.status_code for a in answers) == [200] * 20
    assert sorted(a.json["outcome"] for a in answers) == ["applied"] + ["duplicate"] * 19
    assert Invoice.get_by_id(invoice.id).balance == 0
    assert Payment.get_by_id(payment.id).status == "succeeded"


def test_the_webhook_refuses_unsigned_tampered_and_unknown(client, contact, stripe_org,
                                                           make_invoice, fake_stripe):
    invoice = make_invoice(contact.customer, "80.00")
    payment = payments.pay_invoice(
        ContactScope.for_contact(contact.id), invoice.id, "80.00", method="card",
        idempotency_key="k", back=payments.CheckoutReturn(lambda i: "http://x/", "http://x/"))
    body = fake_stripe.complete(payment.checkout_session_id)
    url = _webhook(stripe_org)
    assert client.post(url, data=body).status_code == 400
    assert client.post(url, data=body.replace(b"8000", b"1"),
                       headers={"Stripe-Signature": sign(body)}).status_code == 400
    tampered = body.replace(b'"amount_total": 8000', b'"amount_total": 1')
    assert client.post(url, data=tampered,
                       headers={"Stripe-Signature": sign(tampered)}).status_code == 400
    assert client.post("/stripe/webhooks/nope", data=body,
                       headers={"Stripe-Signature": sign(body)}).status_code == 404
    assert client.get(url).status_code == 405
    assert Invoice.get_by_id(invoice.id).balance == Decimal("80.00")


def test_paying_several_invoices_and_everything_overdue(signed_in, contact, org, make_invoice):
    import datetime

    old = datetime.date.today() - datetime.timedelta(days=60)
    late = make_invoice(contact.customer, "10.00", issue_date=old)
    later = make_invoice(contact.customer, "20.00", issue_date=old)
    current = make_invoice(contact.customer, "5.00")
    listing = text_of(signed_in.get(f"/{org.slug}/invoices"))
    assert "Pay everything overdue" in listing
    page = signed_in.get(f"/{org.slug}/invoices/pay?overdue=1")
    html = text_of(page)
    for invoice, checked in [(late, True), (later, True), (current, False)]:
        box = re.search(rf'<input type="checkbox" name="invoice" value="{invoice.id}"[^>]*>',
                        html).group(0)
        assert ("checked" in box) == checked
    response = signed_in.post(f"/{org.slug}/invoices/pay", data={
        "invoice": [late.id, later.id], "idempotency_key": _key(html), **GOOD_CARD})
    assert response.status_code == 302, text_of(response)[:1000]
    receipt = text_of(signed_in.get(response.headers["Location"]))
    assert late.number in receipt and later.number in receipt and current.number not in receipt
    assert "$30.00" in receipt
    assert Invoice.get_by_id(late.id).status == Invoice.get_by_id(later.id).status == "paid"
    assert Invoice.get_by_id(current.id).balance == Decimal("5.00")


def test_paying_several_without_choosing_says_so(signed_in, contact, org, make_invoice):
    make_invoice(contact.customer, "10.00")
    html = text_of(signed_in.get(f"/{org.slug}/invoices/pay"))
    response = signed_in.post(f"/{org.slug}/invoices/pay",
                              data={"idempotency_key": _key(html), **GOOD_CARD})
    assert response.status_code == 400
    assert "Choose at least one invoice to pay." in text_of(response)


def test_a_contact_withdraws_a_notice_from_its_receipt(signed_in, contact, org, make_invoice,
                                                       make_active_contact, client):
    invoice = make_invoice(contact.customer, "80.00")
    notice = payments.pay_invoice(ContactScope.for_contact(contact.id), invoice.id, "80.00",
                                  method="bank_transfer", idempotency_key="n")
    receipt = text_of(signed_in.get(f"/{org.slug}/payments/{notice.id}"))
    assert "Withdraw this notice" in receipt
    response = signed_in.post(f"/{org.slug}/payments/{notice.id}/withdraw")
    assert response.status_code == 303
    page = text_of(signed_in.get(response.headers["Location"]))
    assert "Your bank transfer notice was withdrawn." in page and "Withdrawn" in page
    assert "Withdraw this notice" not in page
    assert Payment.get_by_id(notice.id).status == "withdrawn"


def test_another_customers_notice_cannot_be_withdrawn(app, contact, org, make_invoice,
                                                      make_active_contact):
    from tests.portal_site.conftest import Auth

    invoice = make_invoice(contact.customer, "80.00")
    notice = payments.pay_invoice(ContactScope.for_contact(contact.id), invoice.id, "80.00",
                                  method="bank_transfer", idempotency_key="n")
    stranger = app.test_client()
    Auth(stranger, org).sign_in(make_active_contact())
    assert stranger.post(f"/{org.slug}/payments/{notice.id}/withdraw").status_code == 404
    assert stranger.get(f"/{org.slug}/payments/{notice.id}").status_code == 404
    assert Payment.get_by_id(notice.id).status == "pending"


@pytest.mark.parametrize("language, words", [("de", "Testmodus")])
def test_test_mode_is_translated(signed_in, contact, stripe_org, make_invoice, language, words):
    from core.services.profile import set_contact_language

    set_contact_language(ContactScope.for_contact(contact.id), language)
    invoice = make_invoice(contact.customer, "80.00")
    assert words in text_of(signed_in.get(f"/{stripe_org.slug}/invoices/{invoice.id}/pay"))

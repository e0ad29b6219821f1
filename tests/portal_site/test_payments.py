"""Paying invoices (sandbox card, bank-transfer notice), receipts and the payment history."""

import re
from decimal import Decimal

from core.audit import Actor
from core.models import Invoice, Payment
from core.services import organizations
from tests.portal_site.conftest import Auth, text_of

GOOD_CARD = {"method": "card", "card_number": "4242 4242 4242 4242", "card_expiry": "12/39",
             "card_cvc": "123", "card_name": "Pat Payer"}


def _pay_form(client, org, invoice):
    page = client.get(f"/{org.slug}/invoices/{invoice.id}/pay")
    assert page.status_code == 200
    html = text_of(page)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    return html, key


def test_the_pay_form_says_sandbox_lists_test_cards_and_bank_instructions(
        signed_in, contact, org, make_invoice):
    organizations.update_portal_preferences(
        Actor.system(org.id), bank_transfer_instructions="IBAN DE00 1234 <b>5678</b>")
    invoice = make_invoice(contact.customer, "80.00")
    html, key = _pay_form(signed_in, org, invoice)
    assert "Sandbox" in html and "4242 4242 4242 4242" in html
    assert "4000 0000 0000 0002" in html and "4000 0000 0000 0119" in html
    assert "IBAN DE00 1234 &lt;b&gt;5678&lt;/b&gt;" in html
    assert 'value="80.00"' in html
    assert len(key) >= 24
    _again, other_key = _pay_form(signed_in, org, invoice)
    assert other_key != key


def test_paying_the_full_balance_with_a_test_card(signed_in, contact, org, make_invoice):
    invoice = make_invoice(contact.customer, "80.00")
    _html, key = _pay_form(signed_in, org, invoice)
    response = signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                              data={**GOOD_CARD, "amount": "80.00", "idempotency_key": key})
    assert response.status_code == 302
    receipt = text_of(signed_in.get(response.location))
    assert "Thank you! Your payment of $80.00 was received." in receipt
    assert "4242" in receipt and "Sandbox" in receipt
    assert Invoice.get_by_id(invoice.id).status == "paid"
    assert "Pay this invoice" not in text_of(signed_in.get(f"/{org.slug}/invoices/{invoice.id}"))


def test_a_partial_payment_leaves_the_rest_to_pay(signed_in, contact, org, make_invoice):
    invoice = make_invoice(contact.customer, "80.00")
    _html, key = _pay_form(signed_in, org, invoice)
    signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                   data={**GOOD_CARD, "amount": "30.00", "idempotency_key": key})
    stored = Invoice.get_by_id(invoice.id)
    assert stored.status == "partially_paid" and stored.balance == Decimal("50.00")
    html, _key = _pay_form(signed_in, org, invoice)
    assert 'value="50.00"' in html


def test_a_double_submit_or_retry_pays_only_once(signed_in, contact, org, make_invoice):
    invoice = make_invoice(contact.customer, "80.00")
    _html, key = _pay_form(signed_in, org, invoice)
    data = {**GOOD_CARD, "amount": "20.00", "idempotency_key": key}
    first = signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay", data=data)
    second = signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay", data=data)
    assert first.location == second.location
    assert Payment.select().where(Payment.invoice == invoice.id).count() == 1
    assert Invoice.get_by_id(invoice.id).balance == Decimal("60.00")


def test_more_than_the_balance_is_refused_beside_the_amount(signed_in, contact, org,
                                                             make_invoice):
    invoice = make_invoice(contact.customer, "80.00")
    _html, key = _pay_form(signed_in, org, invoice)
    response = signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                              data={**GOOD_CARD, "amount": "80.01", "idempotency_key": key})
    assert response.status_code == 400
    html = text_of(response)
    assert 'id="amount-error"' in html and "You can pay at most" in html
    assert f'value="{key}"' in html  # the retry keeps the same key
    assert not Payment.select().exists()


def test_a_declined_card_takes_no_money_and_says_so(signed_in, contact, org, make_invoice):
    invoice = make_invoice(contact.customer, "80.00")
    _html, key = _pay_form(signed_in, org, invoice)
    response = signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                              data={**GOOD_CARD, "card_number": "4000000000000002",
                                    "amount": "80.00", "idempotency_key": key})
    assert response.status_code == 402
    assert "The card was declined. No money was taken." in text_of(response)
    assert Invoice.get_by_id(invoice.id).balance == Decimal("80.00")


def test_a_bad_card_number_is_explained_beside_the_field(signed_in, contact, org, make_invoice):
    invoice = make_invoice(contact.customer, "80.00")
    _html, key = _pay_form(signed_in, org, invoice)
    response = signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                              data={**GOOD_CARD, "card_number": "1234", "amount": "80.00",
                                    "idempotency_key": key})
    assert 'id="card_number-error"' in text_of(response)


def test_a_bank_transfer_notice_waits_for_staff(signed_in, contact, org, make_invoice):
    invoice = make_invoice(contact.customer, "80.00")
    _html, key = _pay_form(signed_in, org, invoice)
    response = signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                              data={"method": "bank_transfer", "amount": "80.00",
                                    "reference": "TRX-1", "idempotency_key": key})
    receipt = text_of(signed_in.get(response.location))
    assert "Awaiting confirmation" in receipt and "TRX-1" in receipt
    assert Invoice.get_by_id(invoice.id).balance == Decimal("80.00")
    assert "Pay this invoice" not in text_of(signed_in.get(f"/{org.slug}/invoices/{invoice.id}"))


def test_payment_history_lists_payments_with_receipts(signed_in, contact, org, make_invoice):
    invoice = make_invoice(contact.customer, "80.00")
    _html, key = _pay_form(signed_in, org, invoice)
    signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                   data={**GOOD_CARD, "amount": "80.00", "idempotency_key": key})
    payment = Payment.get()
    history = text_of(signed_in.get(f"/{org.slug}/payments"))
    assert payment.number in history and invoice.number in history and "$80.00" in history
    assert f"/{org.slug}/payments/{payment.id}" in history


def test_a_german_contact_pays_with_german_figures(translated_client, org, make_active_contact,
                                                  make_invoice):
    german = make_active_contact(language="de", currency="EUR")
    invoice = make_invoice(german.customer, "1500.00")
    Auth(translated_client, org).sign_in(german)
    html, key = _pay_form(translated_client, org, invoice)
    assert 'value="1.500,00"' in html
    assert "1.500,00\xa0€ bezahlen" in html

    refused = translated_client.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                                     data={**GOOD_CARD, "amount": "1.600,00",
                                           "idempotency_key": key})
    assert refused.status_code == 400
    assert "Sie können höchstens 1.500,00\xa0€ zahlen." in text_of(refused)
    assert 'value="1.600,00"' in text_of(refused)
    wrong = translated_client.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                                   data={**GOOD_CARD, "amount": "1.5", "idempotency_key": key})
    assert "zum Beispiel 1.234,56" in text_of(wrong)
    assert Invoice.get_by_id(invoice.id).balance == Decimal("1500.00")

    paid = translated_client.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                                  data={**GOOD_CARD, "amount": "1.234,56",
                                        "idempotency_key": key})
    assert paid.status_code == 302
    assert Invoice.get_by_id(invoice.id).balance == Decimal("265.44")


def test_a_comma_on_an_english_page_groups_thousands(signed_in, contact, org, make_invoice):
    invoice = make_invoice(contact.customer, "2000.00")
    _html, key = _pay_form(signed_in, org, invoice)
    signed_in.post(f"/{org.slug}/invoices/{invoice.id}/pay",
                   data={**GOOD_CARD, "amount": "1,250", "idempotency_key": key})
    assert Invoice.get_by_id(invoice.id).balance == Decimal("750.00")

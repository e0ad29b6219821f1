"""A contact pays an invoice through Stripe Checkout: the pay form (test mode shown), Stripe's
page (the local stand-in, tests/stripe_server.py), the processing page that updates itself
without JavaScript, then the paid receipt once the signed webhook event has arrived."""

import re

from playwright.sync_api import expect

from core.audit import Actor
from core.models import Invoice, StripeAccount
from core.queries.gateway import webhook_path
from core.services.stripe_setup import connect_stripe, disconnect_stripe
from tests.e2e.conftest import screenshot
from tests.stripe_server import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET


def test_contact_pays_on_stripe_and_sees_the_paid_receipt(new_page, portal, make_contact,
                                                          stack, database):
    sam = make_contact("en", first_name="Sam", last_name="Stripe")
    org_id = sam.customer.organization_id
    connect_stripe(Actor.system(org_id), publishable_key=PUBLISHABLE_KEY, secret_key=SECRET_KEY,
                   webhook_secret=WEBHOOK_SECRET)
    account = StripeAccount.get(StripeAccount.organization == org_id)
    stack.stripe.webhook_url = stack.portal_url + webhook_path(account.webhook_id)
    stack.stripe.webhook_delay = 2.0  # the contact is back before Stripe's event arrives
    try:
        # JavaScript off: the processing page must update itself without it.
        page = new_page(java_script_enabled=False)
        portal.sign_in(page, sam.email, sam.password)
        page.goto(portal.url(f"/invoices/{sam.invoice.id}/pay"))
        expect(page.get_by_text("Test mode").first).to_be_visible()
        expect(page.get_by_label("Card number")).to_have_count(0)
        page.get_by_label("Amount to pay").fill("60.00")
        page.get_by_label("Card, on Stripe (test mode)").check()
        screenshot(page, "stripe-pay")
        # Without JavaScript the button keeps naming the payable amount ("Pay €80.00").
        page.get_by_role("button", name=re.compile(r"^Pay\b")).click()

        expect(page).to_have_title(re.compile("Stripe Checkout"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Pay 60.00 EUR")
        page.get_by_role("button", name=re.compile("Pay")).click()

        expect(page.get_by_text("We are waiting for Stripe to confirm your payment."))\
            .to_be_visible()
        screenshot(page, "stripe-processing")
        expect(page.locator(".title-row .status")).to_have_text("Received", timeout=30_000)
        expect(page.get_by_text("We are waiting for Stripe")).to_have_count(0)
        screenshot(page, "stripe-receipt")
        assert Invoice.get_by_id(sam.invoice.id).balance == 40
    finally:
        disconnect_stripe(Actor.system(org_id))
        stack.stripe.webhook_delay = 0.0

"""The contact opens an invoice (staff sees it viewed), pays part of it by sandbox card,
downloads the PDF and gets a receipt; staff sees the payment."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import notification, screenshot
from tests.e2e.servers import text_of


def test_contact_views_pays_and_downloads_an_invoice(page, new_page, portal, console,
                                                       make_contact, stack):
    erin = make_contact("en", first_name="Erin", last_name="Payer")
    invoice = erin.invoice
    portal.sign_in(page, erin.email, erin.password)
    page.get_by_role("navigation").get_by_role("link", name="Invoices").click()
    screenshot(page, "invoices")
    page.get_by_role("link", name=invoice.number).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {invoice.number}")
    screenshot(page, "invoice")

    staff = new_page()
    console.sign_in(staff)
    console.open(staff, "Notifications")
    viewed = f"Erin Payer ({erin.customer.display_name}) viewed invoice {invoice.number}."
    expect(notification(staff, viewed)).to_be_visible()
    notification(staff, viewed).get_by_role("button", name="Open").click()
    expect(staff.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()
    expect(staff.get_by_text(re.compile(
        r"👁 First viewed \d{4}-\d\d-\d\d \d\d:\d\d by Erin Payer"))).to_be_visible()
    number = staff.get_by_role("textbox", name="Number")
    number.fill(invoice.number)
    number.press("Enter")
    expect(staff.get_by_text("of 1 · 1 invoices")).to_be_visible()
    row = staff.get_by_test_id("stDataFrame").last
    # The viewed mark opens the invoice's row (the header says 👁 too, then "Number").
    expect(row).to_contain_text(re.compile(rf"👁\s*{invoice.number}"))
    expect(row).to_contain_text("Erin Payer")

    page.get_by_role("link", name="Pay this invoice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay invoice {invoice.number}")
    page.get_by_label("Amount to pay").fill("40.00")
    page.get_by_label("Card (sandbox)").check()
    page.get_by_label("Name on card").fill("Erin Payer")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    screenshot(page, "pay")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_text(re.compile(r"Thank you! Your payment of .*40\.00.* was received")))\
        .to_be_visible()
    screenshot(page, "receipt")

    page.get_by_role("main").get_by_role("link", name=invoice.number, exact=True).click()
    expect(page.get_by_text(re.compile(r"60\.00")).first).to_be_visible()  # the balance left
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{invoice.number}.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    receipt = stack.smtp.wait_for(erin.email, "Receipt")
    assert invoice.number in text_of(receipt)
    assert "40.00" in text_of(receipt)

    console.open(staff, "Notifications")
    expect(staff.get_by_text(
        re.compile(rf"Erin Payer \({erin.customer.display_name}\) .*40\.00 EUR on invoice "
                   rf"{invoice.number}\."))).to_be_visible()

"""Contacts read the portal in their own language; Arabic runs right to left."""

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, translated


def test_a_japanese_contact_reads_the_portal_in_japanese(page, portal, make_contact):
    hanako = make_contact("ja", first_name="花子", last_name="佐藤", company="佐藤商店")
    portal.sign_in(page, hanako.email, hanako.password)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ja")
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        translated("ja", "Welcome, %(name)s") % {"name": "佐藤 花子"})  # family name first
    invoices = translated("ja", "Invoices")
    assert invoices != "Invoices"
    page.get_by_role("navigation").get_by_role("link", name=invoices).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(invoices)
    screenshot(page, "invoices-ja")


def test_an_arabic_contact_reads_the_portal_right_to_left(page, portal, make_contact):
    ahmad = make_contact("ar", first_name="سلمى", last_name="الحسن", company="شركة الريان")
    portal.sign_in(page, ahmad.email, ahmad.password)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        translated("ar", "Welcome, %(name)s") % {"name": "سلمى"})
    # Right to left for real: the navigation starts at the right edge of the page.
    box = page.get_by_role("navigation").get_by_role("link").first.bounding_box()
    assert box["x"] > page.viewport_size["width"] / 2
    screenshot(page, "home-ar")
    page.goto(portal.url(f"/invoices/{ahmad.invoice.id}"))
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        translated("ar", "Invoice %(number)s") % {"number": ahmad.invoice.number})
    screenshot(page, "invoice-ar")

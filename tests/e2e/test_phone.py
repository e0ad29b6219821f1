"""The portal on a phone (390x844) and a desktop (1280x800): lists become cards that show
status and balance without sideways scrolling, a compact menu that works without JavaScript,
no serious accessibility problems; quotes are signed without JavaScript; names and numbers
read right in Japanese and Arabic."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from core import db
from core.audit import Actor
from core.gateways import Card
from core.models import Quote
from core.queries.scoping import ContactScope
from core.services import payments, sales
from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.e2e.test_pages import serious_problems

LISTS = {"invoices": "/invoices", "quotes": "/quotes", "orders": "/orders",
         "payments": "/payments", "shipments": "/shipments", "statement": "/statement"}


@pytest.fixture(scope="module")
def axe():
    """axe-core, from the copy bundled with axe-playwright-python (no network)."""
    return Axe()


@pytest.fixture
def customer(make_contact):
    """A contact with an invoice part paid, a shipment, quotes and an order."""
    person = make_contact("en", first_name="Pat", last_name="Phone",
                          company="Pocket Parts Wholesale International")
    with db.connection():
        shipment = sales.create_shipment(Actor.system(person.order.organization_id),
                                         person.order.id, f"SH-{person.order.number}",
                                         carrier="DHL Express", tracking_number="JD0146000012")
        payments.pay_invoice(ContactScope.for_contact(person.contact.id), person.invoice.id,
                             "30.00", method="card", idempotency_key=f"phone-{person.email}",
                             card=Card("4242424242424242", "12/30", "123"))
    person.shipment = shipment
    return person


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth")


def within_window(page, locator) -> bool:
    """True when the element is shown and lies fully inside the window's width."""
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size[
        "width"] + 0.5


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_lists_fit_the_screen_with_status_and_balance_visible(new_page, portal, axe, customer,
                                                              viewport):
    page = new_page(viewport)
    portal.sign_in(page, customer.email, customer.password)
    problems: list[str] = []
    for name, path in LISTS.items():
        page.goto(portal.url(path))
        assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways"
        problems += serious_problems(axe, page, f"{name}@{viewport['width']}")
    page.goto(portal.url("/invoices"))
    row = page.locator("tbody tr").filter(has_text=customer.invoice.number)
    status, balance = row.locator(".status"), row.locator("td.balance")
    expect(status).to_be_visible()
    expect(balance).to_be_visible()
    expect(balance).to_contain_text("70.00")
    assert within_window(page, status) and within_window(page, balance)
    if viewport is PHONE:
        # A card: the balance has its column's name beside it, the headings row is hidden.
        label = balance.evaluate("e => getComputedStyle(e, '::before').content")
        assert label == '"Balance"'
        expect(page.locator("table thead")).to_have_css("position", "absolute")
        screenshot(page, "invoices-cards")
    page.goto(portal.url("/statement"))
    expect(page.locator("td.balance").last).to_be_visible()
    assert within_window(page, page.locator("td.balance").last)
    assert problems == [], "\n".join(problems)


def test_the_phone_menu_opens_and_navigates_without_javascript(new_page, portal, customer):
    page = new_page(PHONE, java_script_enabled=False)
    portal.sign_in(page, customer.email, customer.password)
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices")
    expect(nav_link).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    header_height = page.locator("header").bounding_box()["height"]
    assert header_height < 90, "the closed header is one compact row"

    page.get_by_text("Menu", exact=True).click()
    expect(nav_link).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert horizontal_overflow(page) <= 0
    nav_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Quotes")) \
        .to_be_hidden()  # a new page starts with the menu closed


def test_the_menu_is_reachable_by_keyboard_on_a_phone(new_page, portal, customer):
    page = new_page(PHONE)
    portal.sign_in(page, customer.email, customer.password)
    toggle = page.locator("#menu-toggle")
    toggle.focus()
    assert toggle.evaluate("e => e.matches(':focus')")
    page.keyboard.press("Space")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Payments")) \
        .to_be_visible()


def test_on_a_desktop_the_menu_is_one_row_without_a_menu_button(new_page, portal, customer):
    page = new_page(DESKTOP)
    portal.sign_in(page, customer.email, customer.password)
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, "every menu entry on one row"
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_quote_is_signed_and_accepted_without_javascript(new_page, portal, customer):
    page = new_page(PHONE, java_script_enabled=False)
    portal.sign_in(page, customer.email, customer.password)
    quote = customer.quotes[0]
    page.goto(portal.url(f"/quotes/{quote.id}"))
    page.get_by_role("link", name="Accept quote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Accept quote {quote.number}")
    name = page.get_by_label("Your full name")
    expect(name).to_have_attribute("required", "")  # the browser asks for it before sending
    expect(name).to_be_empty()  # typed by the person, never filled in for them
    name.fill("Pat Phone")
    page.get_by_role("button", name="Sign and accept").click()
    expect(page.get_by_test_id("signature")).to_contain_text("Accepted and signed by Pat Phone")
    assert horizontal_overflow(page) <= 0
    with db.connection():
        stored = Quote.get_by_id(quote.id)
    assert (stored.status, stored.signature_name) == ("accepted", "Pat Phone")
    assert stored.signature_ip  # the browser's address, as the portal saw it
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_japanese_home_greets_family_name_first(new_page, portal, make_contact):
    person = make_contact("ja", first_name="太郎", last_name="山田")
    page = new_page(PHONE)
    portal.sign_in(page, person.email, person.password)
    expect(page.get_by_role("heading", level=1)).to_have_text("ようこそ、山田 太郎様")
    assert horizontal_overflow(page) <= 0


def test_arabic_pages_keep_amounts_and_addresses_in_one_piece(new_page, portal, axe, make_contact):
    person = make_contact("ar", first_name="Fatima", last_name="Haddad")
    page = new_page(PHONE)
    portal.sign_in(page, person.email, person.password)
    page.goto(portal.url("/invoices"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    balance = page.locator("tbody td.balance").first
    expect(balance).to_have_css("unicode-bidi", "isolate")
    assert horizontal_overflow(page) <= 0
    assert serious_problems(axe, page, "arabic invoices") == []
    page.goto(portal.url("/profile"))
    email = page.locator("bdi[dir=ltr]").filter(has_text=re.compile(r"@customer\.example"))
    expect(email).to_have_count(1)
    screenshot(page, "arabic-profile")

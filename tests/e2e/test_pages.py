"""Every portal page, signed out and signed in: no serious accessibility problems (axe-core),
a screenshot at desktop and phone size; and signing in and paying work by keyboard alone."""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from core import db
from core.audit import Actor
from core.gateways import Card
from core.models import StaffUser
from core.queries.scoping import ContactScope
from core.services import access, payments, sales
from tests.e2e.conftest import live_token, screenshot

SIGNED_OUT_PAGES = {"sign-in": "/login", "forgot-password": "/forgot-password",
                    "sign-up": "/sign-up"}
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe():
    """axe-core, from the copy bundled with axe-playwright-python (no network)."""
    return Axe()


def serious_problems(axe, page, name: str) -> list[str]:
    """The serious and critical axe violations on the page, one line per element."""
    results = axe.run(page)
    return [f"{name}: {violation['id']} ({violation['impact']}) at {node['target']}: "
            f"{node.get('failureSummary') or violation['help']}"
            for violation in results.response["violations"] if violation["impact"] in SERIOUS
            for node in violation["nodes"]]


def visit(axe, page, name: str, url: str, problems: list, heading: str | None = None) -> None:
    """Open a page, check it with axe-core and photograph it."""
    page.goto(url)
    if heading is not None:
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    problems += serious_problems(axe, page, name)
    screenshot(page, name)


def test_signed_out_pages_are_accessible(page, portal, axe, make_contact, staff_login):
    invited = make_contact("en", first_name="Ivy", last_name="Invited", active=False)
    forgetful = make_contact("en", first_name="Finn", last_name="Forgetful")
    with db.connection():
        admin = StaffUser.get(StaffUser.email == staff_login[0])
        access.invite_contact(Actor.staff(admin.id), invited.contact.id)
        access.request_password_reset(admin.organization_id, forgetful.email)
    problems: list[str] = []
    for name, path in SIGNED_OUT_PAGES.items():
        visit(axe, page, name, portal.url(path), problems)
    visit(axe, page, "accept-invitation",
          portal.url(f"/accept/{live_token(invited.contact.id)}"), problems,
          "Accept your invitation")
    visit(axe, page, "reset-password",
          portal.url(f"/reset/{live_token(forgetful.contact.id, 'reset')}"), problems,
          "Choose a new password")
    page.goto(portal.url("/forgot-password"))
    page.locator("input[name=email]").fill("nobody@example.com")
    page.locator("form:has(input[name=email]) [type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    problems += serious_problems(axe, page, "link-sent")
    screenshot(page, "link-sent")
    page.goto(portal.url("/login"))
    page.locator("input[name=email]").fill("nobody@example.com")
    page.locator("input[name=password]").fill("not the password")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    expect(page.get_by_role("alert")).to_have_text("The email or password is not correct.")
    problems += serious_problems(axe, page, "sign-in-error")
    assert problems == [], "\n".join(problems)


def test_signed_in_pages_are_accessible(page, portal, axe, make_contact):
    sam = make_contact("en", first_name="Sam", last_name="Seen", company="Seaside Hardware")
    with db.connection():
        shipment = sales.create_shipment(Actor.system(sam.order.organization_id), sam.order.id,
                                         f"SH-{sam.order.number}", carrier="DHL",
                                         tracking_number="JD000111222")
        sales.add_tracking_event(Actor.system(shipment.organization_id), shipment.id, "shipped",
                                 location="Portsmouth hub",
                                 occurred_at=datetime.datetime.now(datetime.UTC)
                                 .replace(tzinfo=None))
        # Two parcels, one with a carrier link, so axe checks the packages' markup too.
        sales.set_shipment_packages(Actor.system(shipment.organization_id), shipment.id, [
            {"carrier": "DHL", "tracking_number": "JD000111222", "weight": "1.5",
             "lines": [{"description": "Widget", "quantity": "1"}]},
            {"carrier": "Local courier", "tracking_number": "LC-9", "lines": []}])
        payment = payments.pay_invoice(ContactScope.for_contact(sam.contact.id), sam.invoice.id,
                                       "30.00", method="card", idempotency_key=f"e2e-{sam.email}",
                                       card=Card("4242424242424242", "12/30", "123"))
    portal.sign_in(page, sam.email, sam.password)
    problems: list[str] = []
    pages = {
        "home": ("/", "Welcome, Sam"),
        "quotes": ("/quotes", "Quotes"),
        "quote": (f"/quotes/{sam.quotes[0].id}", sam.quotes[0].number),
        "orders": ("/orders", "Sales orders"),
        "order": (f"/orders/{sam.order.id}", sam.order.number),
        "invoices": ("/invoices", "Invoices"),
        "invoice": (f"/invoices/{sam.invoice.id}", sam.invoice.number),
        "pay": (f"/invoices/{sam.invoice.id}/pay", sam.invoice.number),
        "payments": ("/payments", "Payments"),
        "receipt": (f"/payments/{payment.id}", None),
        "shipments": ("/shipments", "Shipments"),
        "shipment": (f"/shipments/{shipment.id}", shipment.number),
        "statement": ("/statement", None),
        "profile": ("/profile", None),
        "not-found": ("/invoices/2147483000", None),
    }
    for name, (path, heading) in pages.items():
        visit(axe, page, name, portal.url(path), problems, heading)
    assert problems == [], "\n".join(problems)


def tab_to(page, selector: str, presses: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_sign_in_and_payment_work_by_keyboard_alone(page, portal, make_contact):
    kim = make_contact("en", first_name="Kim", last_name="Keys")
    page.goto(portal.url("/login"))
    tab_to(page, "input[name=email]")
    page.keyboard.type(kim.email)
    tab_to(page, "input[name=password]")
    page.keyboard.type(kim.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Kim")

    tab_to(page, "nav a[href$='/invoices']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices")
    tab_to(page, f"a[href$='/invoices/{kim.invoice.id}']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {kim.invoice.number}")
    tab_to(page, f"a[href$='/invoices/{kim.invoice.id}/pay']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Pay invoice {kim.invoice.number}")
    tab_to(page, "input[name=amount]")
    page.keyboard.press("Control+A")
    page.keyboard.type("25.00")
    for name, value in (("card_name", "Kim Keys"), ("card_number", "4242 4242 4242 4242"),
                        ("card_expiry", "12/30"), ("card_cvc", "123")):
        tab_to(page, f"input[name={name}]")
        page.keyboard.type(value)
    tab_to(page, "form.pay-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"Thank you! Your payment of .*25\.00.* was received")))\
        .to_be_visible()

"""Staff creates a customer with portal access in the console; the German invitation arrives;
the contact accepts it and lands on a German home page."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import CONTACT_PASSWORD, screenshot, translated
from tests.e2e.servers import text_of


def streamlit_select(page, label: str, option: str) -> None:
    """Choose `option` in the Streamlit selectbox labelled `label`."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_staff_invites_a_german_contact_who_accepts(page, new_page, console, portal, stack):
    console.sign_in(page)
    console.open(page, "New customer")
    page.get_by_role("textbox", name="Display name *").fill("Bäckerei Krause")
    streamlit_select(page, "Portal language", "Deutsch (de)")
    page.get_by_role("textbox", name="First name *").fill("Greta")
    page.get_by_role("textbox", name="Last name", exact=True).fill("Krause")
    page.get_by_role("textbox", name="Email", exact=True).fill("greta@krause.example")
    page.get_by_text("Allow portal access").click()
    page.get_by_role("button", name="Create customer").click()

    expect(page.get_by_text("Bäckerei Krause is created; the primary contact's invitation "
                                 "email is queued."))\
        .to_be_visible()
    expect(page.get_by_role("heading", name="Bäckerei Krause")).to_be_visible()

    invitation = stack.smtp.wait_for("greta@krause.example")
    assert invitation["Content-Language"] == "de"
    assert str(invitation["Subject"]) == translated(
        "de", "%(organization)s invites you to its customer portal") % {
        "organization": "Acme Trading"}
    body = text_of(invitation)
    assert translated("de", "Accept invitation") in body
    assert "Einladung annehmen" in body  # the German catalog translates the invitation
    link = re.search(r"https?://\S+/accept/\S+", body).group(0)

    contact_page = new_page()
    contact_page.goto(link)
    expect(contact_page.locator("html")).to_have_attribute("lang", "de")
    expect(contact_page.locator(".username")).to_have_text("greta@krause.example")
    expect(contact_page.get_by_role("heading", level=1)).to_have_text(
        translated("de", "Accept your invitation"))
    assert "/accept/" not in contact_page.url  # the token left the address bar
    screenshot(contact_page, "accept-invitation")
    contact_page.locator("input[name=password]").fill(CONTACT_PASSWORD)
    contact_page.locator("input[name=confirm]").fill(CONTACT_PASSWORD)
    contact_page.locator("form:has(input[name=confirm]) [type=submit]").click()

    contact_page.wait_for_url(portal.url("/"))
    expect(contact_page.locator("html")).to_have_attribute("lang", "de")
    expect(contact_page.get_by_role("heading", level=1)).to_have_text(
        translated("de", "Welcome, %(name)s") % {"name": "Greta"})
    expect(contact_page.get_by_text(translated("de", "Welcome! Your account is ready.")))\
        .to_be_visible()
    expect(contact_page.get_by_role("navigation").get_by_role(
        "link", name=translated("de", "Invoices"))).to_be_visible()
    screenshot(contact_page, "home-de")

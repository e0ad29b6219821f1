"""Staff gives and takes portal access in the console; the portal follows at once."""

import re

from playwright.sync_api import expect

from core import db
from core.audit import Actor
from core.models import Contact, StaffUser
from core.services import customers
from tests.e2e.conftest import CONTACT_PASSWORD
from tests.e2e.servers import text_of


def test_removed_access_signs_the_contact_out_and_reinvite_restores_it(
        page, new_page, portal, console, make_contact, stack):
    rita = make_contact("en", first_name="Rita", last_name="Removed")
    portal.sign_in(page, rita.email, rita.password)
    expect(page.get_by_role("heading", name="Welcome, Rita")).to_be_visible()

    staff = new_page()
    console.sign_in(staff)
    console.open_customer(staff, rita.customer.id)
    access = staff.get_by_test_id("stExpander").filter(has_text="Configure customer portal")
    access.get_by_text(f"Rita Removed ({rita.email})").click()
    access.get_by_role("button", name="Save portal access").click()
    expect(staff.get_by_text("Disable portal access of Rita Removed?")).to_be_visible()
    access.get_by_role("button", name="Disable and save").click()
    expect(staff.get_by_text("Portal access saved: 1 change.")).to_be_visible()
    expect(staff.get_by_role("button", name="Re-invite")).to_be_visible()

    # The contact's open page: the next click signs it out.
    page.get_by_role("navigation").get_by_role("link", name="Invoices").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("navigation")).to_have_count(0)
    page.locator("input[name=email]").fill(rita.email)
    page.locator("input[name=password]").fill(rita.password)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    expect(page.get_by_role("alert")).to_have_text("The email or password is not correct.")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("link", name="Invoices")).to_have_count(0)

    before = len([m for m in stack.smtp.inbox.messages if rita.email in str(m["To"])])
    staff.get_by_role("button", name="Re-invite").click()
    expect(staff.get_by_text(f"Invitation to {rita.email} queued; its delivery shows here.")
           ).to_be_visible()
    mail = stack.smtp.wait_for(rita.email, after=before)
    link = re.search(r"https?://\S+/accept/\S+", text_of(mail)).group(0)
    page.goto(link)
    expect(page.locator(".username")).to_have_text(rita.email)
    page.locator("input[name=password]").fill(CONTACT_PASSWORD + " again")
    page.locator("input[name=confirm]").fill(CONTACT_PASSWORD + " again")
    page.locator("form:has(input[name=confirm]) [type=submit]").click()
    expect(page.get_by_role("heading", name="Welcome, Rita")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("link", name=rita.invoice.number).first).to_be_visible()


def test_bulk_enable_portal_invites_some_and_reports_the_skipped(
        page, console, make_contact, stack, staff_login):
    fresh = [make_contact("en", first_name=name, last_name="Bulk", company=f"Bulkhead {name}",
                          active=False) for name in ("Ada", "Bea")]
    make_contact("en", first_name="Cy", last_name="Bulk", company="Bulkhead Cy")  # active
    with db.connection():
        admin = StaffUser.get(StaffUser.email == staff_login[0])
        customers.create_customer(Actor.staff(admin.id),
                                  display_name="Bulkhead Dee", contacts=[
                                      {"first_name": "Dee", "last_name": "Bulk"}])

    console.sign_in(page)
    console.open(page, "Customers")
    search = page.get_by_role("textbox", name="Search")
    search.fill("Bulkhead")
    search.press("Enter")
    expect(page.get_by_text("4 customers match")).to_be_visible()
    page.get_by_text("Select all 4 matching").click()
    page.get_by_role("button", name="Enable portal for 4 customers").click()
    expect(page.get_by_text("Before sending: 2 to invite, 0 to re-invite")).to_be_visible()
    page.get_by_role("button", name="Send 2 invitations").click()

    expect(page.get_by_text("Portal enabled: 2 invited, 0 re-invited, 2 skipped; the emails "
                            "are queued (see the report).")).to_be_visible()
    expect(page.get_by_text("Enable portal: 2 invited, 0 re-invited, 2 skipped")).to_be_visible()
    report = page.get_by_test_id("stDataFrame").first
    expect(report).to_contain_text("The primary contact has no email address.")
    expect(report).to_contain_text("The primary contact already has portal access.")
    for customer in fresh:
        invitation = stack.smtp.wait_for(customer.email)
        assert "/accept/" in text_of(invitation)
    with db.connection():
        states = {c.first_name: c.portal_state for c in Contact.select().where(
            Contact.last_name == "Bulk")}
    assert states == {"Ada": "invited", "Bea": "invited", "Cy": "active", "Dee": "not_invited"}

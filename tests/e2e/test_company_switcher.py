"""One person buying for two companies signs in once and switches company from the header;
each company's pages show only that company's records."""

import datetime
import re
from decimal import Decimal

from playwright.sync_api import expect

from core.audit import Actor
from core.models import Contact, StaffUser
from core.services import access, customers, sales
from tests.e2e.conftest import CONTACT_PASSWORD, live_token


def test_the_header_switches_between_the_persons_companies(page, portal, make_contact,
                                                            staff_login):
    first = make_contact("en", first_name="Pat", last_name="Buyer", company="Northwind E2E")
    admin = StaffUser.get(StaffUser.email == staff_login[0])
    second = customers.create_customer(
        Actor.staff(admin.id), display_name="Southwind E2E", currency="EUR",
        contacts=[{"first_name": "Pat", "last_name": "Buyer", "email": first.email}])
    contact = Contact.get(Contact.customer == second)
    access.invite_contact(Actor.staff(admin.id), contact.id)
    access.accept_invitation(second.organization_id, live_token(contact.id), CONTACT_PASSWORD)
    today = datetime.date.today()
    south_invoice = sales.create_invoice(
        Actor.system(second.organization_id), second.id, f"SOUTH-{second.id}",
        [{"description": "Bolts", "quantity": 1, "rate": Decimal("40.00")}], issue_date=today,
        due_date=today + datetime.timedelta(days=30))

    portal.sign_in(page, first.email, first.password)
    switcher = page.get_by_test_id("company-switcher")
    expect(switcher).to_be_visible()
    expect(switcher.locator("option")).to_have_text(["Northwind E2E", "Southwind E2E"])

    for company, shown, hidden in (("Southwind E2E", south_invoice.number, first.invoice.number),
                                   ("Northwind E2E", first.invoice.number, south_invoice.number)):
        switcher.select_option(label=company)
        page.get_by_role("button", name="Switch company").click()
        expect(page.get_by_text(f"You are now working for {company}.")).to_be_visible()
        expect(page.locator("main .muted").first).to_have_text(company)
        page.get_by_role("navigation").get_by_role("link", name="Invoices").click()
        expect(page.get_by_role("link", name=shown)).to_be_visible()
        expect(page.get_by_role("link", name=hidden)).to_have_count(0)
        expect(page).to_have_url(re.compile(r"/invoices"))
        switcher = page.get_by_test_id("company-switcher")

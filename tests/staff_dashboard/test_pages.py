"""Every page renders for a signed-in admin with data in the database."""

import pytest

from core.services.comments import add_contact_comment
from core.services.documents import record_invoice_view
from tests.staff_dashboard.conftest import open_console, texts

PAGES = {
    "app_pages/home.py": "Acme Trading",
    "app_pages/customers.py": "Customers",
    "app_pages/new_customer.py": "New customer",
    "app_pages/customer_overview.py": "Customer overview",
    "app_pages/invoices.py": "Invoices",
    "app_pages/quotes.py": "Quotes",
    "app_pages/sales_orders.py": "Sales orders",
    "app_pages/notifications.py": "Notifications",
    "app_pages/mail.py": "Mail",
    "app_pages/preferences.py": "Portal preferences",
    "app_pages/staff.py": "Staff",
    "app_pages/api_webhooks.py": "API & webhooks",
}


@pytest.fixture
def busy_organization(make_active_contact, make_customer, make_invoice, scope_of):
    """Customers in each state, invoices viewed and not, a comment: every list has rows."""
    contact = make_active_contact()
    make_customer(email=None)
    make_customer(allow_portal_access=True)
    viewed = make_invoice(contact.customer, "250.00")
    make_invoice(contact.customer, "80.00")
    record_invoice_view(scope_of(contact), viewed.id)
    add_contact_comment(scope_of(contact), "invoice", viewed.id, "Is *this* right?")
    return contact


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders(admin, busy_organization, page):
    app = open_console(admin, page=page)

    assert not app.exception
    assert texts(app.title)[0] == PAGES[page]


def test_the_navigation_shows_the_unread_count(admin, busy_organization):
    app = open_console(admin)

    # invitation accepted, invoice viewed, comment: three unread notifications
    assert "Notifications (3)" in [page["page_name"] for page in
                                   app._registered_pages.values()]


def test_home_shows_each_figure_with_its_number_and_both_charts(admin, busy_organization):
    import re

    app = open_console(admin)

    shown = " ".join(element.value for element in app.html)
    figures = dict(re.findall(r'<dt [^>]*>([^<]+)(?:<span[^>]*>\?</span>)?</dt>'
                              r'<dd [^>]*>([^<]+)</dd>', shown))
    assert figures["Contacts active"] == "1"
    assert (figures["Invoices viewed"], figures["Invoices not viewed"]) == ("1", "1")
    assert figures["Portal payments this month"] == "0"
    assert 'title="Invited; the invitation is not accepted yet."' in shown
    # The active contact was invited and accepted today: the last day of the chart says so.
    assert re.search(r"Invitations sent and accepted per day, last 60 days\. In all: "
                     r"Invited \d+, Accepted 1\.", shown)
    assert "Payments made through the portal per day, last 60 days. In all: Payments 0." in shown

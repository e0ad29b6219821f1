"""Portal fixtures: the app, a test client, and signing a contact in through the real form."""

import re

import pytest

from core.audit import Actor
from core.models import Contact
from tests.conftest import PASSWORD


@pytest.fixture
def app(database_url):
    """The portal app on the test database; CSRF is off except in the CSRF tests."""
    from portal_site import create_app

    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def csrf_app(database_url):
    """The portal app with CSRF protection on, as in production."""
    from portal_site import create_app

    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    """A browser without cookies."""
    return app.test_client()


def csrf_token_of(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Auth:
    """Signs contacts in and out through the real sign-in form."""

    def __init__(self, client, org):
        self.client = client
        self.org = org

    def sign_in(self, contact, password=PASSWORD, client=None):
        client = client or self.client
        page = client.get(f"/{self.org.slug}/login")
        data = {"email": contact.email, "password": password}
        if "csrf_token" in page.get_data(as_text=True):
            data["csrf_token"] = csrf_token_of(page.get_data(as_text=True))
        response = client.post(f"/{self.org.slug}/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def sign_out(self, client=None):
        client = client or self.client
        return client.post(f"/{self.org.slug}/sign-out")


@pytest.fixture
def auth(client, org):
    """Sign-in helper bound to the default client."""
    return Auth(client, org)


@pytest.fixture
def contact(make_active_contact):
    """An active contact (English) of a customer."""
    return make_active_contact()


@pytest.fixture
def signed_in(client, auth, contact):
    """The client, signed in as `contact`."""
    auth.sign_in(contact)
    return client


def text_of(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def other_contact_of(contact) -> Contact:
    """Reload a contact (after services changed it)."""
    return Contact.get_by_id(contact.id)


class Papers:
    """One of each document for a customer, made through the core services."""

    def __init__(self, customer, make_invoice):
        import datetime

        from core.services import sales

        today = datetime.date.today()
        line = [{"description": "Steel widget", "quantity": 4, "rate": "12.50"}]
        self.quote = sales.create_quote(Actor.system(customer.organization_id), customer.id,
                                        f"Q-{customer.id}-1", line,
                                        issue_date=today,
                                        expiry_date=today + datetime.timedelta(days=30))
        self.order = sales.create_sales_order(Actor.system(customer.organization_id), customer.id,
                                              f"SO-{customer.id}-1", line,
                                              order_date=today)
        self.shipment = sales.create_shipment(Actor.system(self.order.organization_id),
                                              self.order.id, f"SH-{customer.id}-1",
                                              carrier="DHL Express", tracking_number="JD014600")
        sales.add_tracking_event(Actor.system(self.shipment.organization_id), self.shipment.id,
                                 "in_transit", location="London gateway",
                                 description="Left the hub")
        self.invoice = make_invoice(customer, "250.00")


@pytest.fixture
def papers_of(make_invoice):
    """Build a quote, sales order, shipment and invoice for a customer."""
    return lambda customer: Papers(customer, make_invoice)


@pytest.fixture
def translated_client(database_url, tmp_path):
    """A client of an app reading catalogs compiled from translations/*.po for this test."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from portal_site import TRANSLATIONS_DIR, create_app
    from portal_site.extensions import babel

    catalogs = sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"))
    assert catalogs, "no catalogs in translations/"
    for po_path in catalogs:
        target = tmp_path / po_path.relative_to(TRANSLATIONS_DIR).with_suffix(".mo")
        target.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po, target.open("wb") as mo:
            write_mo(mo, read_po(po))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                      "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)})
    # Flask-Babel caches loaded catalogs per process by locale alone, whatever the directory.
    with app.app_context():  # the domain is made (and kept) on first use inside an app
        cache = babel.domain_instance.cache
    cache.clear()
    yield app.test_client()
    cache.clear()

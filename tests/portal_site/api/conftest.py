"""API fixtures: keys made through the core service, and a client that sends them."""

import pytest

from core.audit import Actor
from core.services.api_keys import create_api_key


class ApiClient:
    """The test client with an `Authorization: Bearer` header on every request."""

    def __init__(self, client, raw_key):
        self.client, self.raw_key = client, raw_key

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.raw_key}", **(headers or {})}

    def get(self, path, headers=None, **kwargs):
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def put(self, path, json=None, headers=None, **kwargs):
        return self.client.put(path, json=json, headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(path, json=json, headers=self._headers(headers), **kwargs)


@pytest.fixture
def write_key(admin):
    """A read-write key of `org`: (row, raw key)."""
    return create_api_key(Actor.staff(admin.id), "ERP sync", "write")


@pytest.fixture
def read_key(admin):
    """A read-only key of `org`."""
    return create_api_key(Actor.staff(admin.id), "BI reader", "read")


@pytest.fixture
def api(client, write_key):
    """A client that calls the API with the write key."""
    return ApiClient(client, write_key[1])


@pytest.fixture
def reader(client, read_key):
    """A client that calls the API with the read key."""
    return ApiClient(client, read_key[1])


@pytest.fixture
def other_org_api(client):
    """A client with a write key of another organization."""
    from core.services.organizations import create_organization
    from core.services.staff import create_staff
    from tests.conftest import PASSWORD

    other = create_organization("Globex Corporation")
    boss = create_staff(
        Actor.system(other.id), "boss@globex.example", "Gina Globex", PASSWORD, role="admin"
    )
    return ApiClient(client, create_api_key(Actor.staff(boss.id), "Globex ERP", "write")[1])


CUSTOMER = {
    "display_name": "Bright Water Supplies",
    "company_name": "Bright Water Supplies Ltd",
    "phone": "+44 20 7946 0000",
    "currency": "GBP",
    "payment_terms_days": 14,
    "portal_language": "en",
    "billing": {
        "street": "1 River Road",
        "city": "London",
        "postal_code": "E1 6AN",
        "region": "",
        "country": "United Kingdom",
    },
}
CONTACT = {
    "customer_external_id": "C-1",
    "first_name": "Rita",
    "last_name": "Rivers",
    "email": "rita@brightwater.example",
    "is_primary": True,
    "language": "en",
    "portal_access": True,
}
INVOICE = {
    "customer_external_id": "C-1",
    "number": "INV-2026-001",
    "issue_date": "2026-11-01",
    "due_date": "2026-12-01",
    "status": "sent",
    "tax_rate": "0.20",
    "lines": [
        {"description": "Water filters", "quantity": "3", "rate": "25.50"},
        {"description": "Delivery", "quantity": "1", "rate": "10.00"},
    ],
}

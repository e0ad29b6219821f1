"""Shared fixtures: a migrated database (SQLite, or PostgreSQL from TEST_DATABASE_URL), cleaned
before every test, and builders that make data through the core services as users would."""

import datetime
import os
import tempfile
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DOORSTEP_FAST_PASSWORD_HASH", "1")
os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("PORTAL_BASE_URL", "https://portal.example.test")
# Webhook receivers in the tests listen on loopback; tests of the refusal turn this off.
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "1")

import pytest  # noqa: E402
from peewee import sort_models  # noqa: E402

from core import db  # noqa: E402
from core.audit import Actor  # noqa: E402
from core.models import ALL_MODELS, AccessToken, Contact  # noqa: E402
from core.security import derive_token  # noqa: E402

PASSWORD = "correct horse battery"


def _database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


@pytest.fixture(scope="session")
def database_url():
    """The URL of the test database, migrated from empty once per session."""
    tmp = Path(tempfile.mkdtemp(prefix="doorstep-test-"))
    url = _database_url(tmp)
    database = db.bind(url)
    with db.connection():
        if db.is_postgres():
            database.execute_sql("DROP SCHEMA public CASCADE")
            database.execute_sql("CREATE SCHEMA public")
    db.migrate()
    os.environ["DATABASE_URL"] = url
    return url


@pytest.fixture(autouse=True)
def database(database_url):
    """An open connection to an empty database for each test (ids start at 1 again).

    On PostgreSQL, DELETE plus a sequence reset takes milliseconds where TRUNCATE of every
    table takes up to a second per test.
    """
    database = db.database
    database.connect(reuse_if_open=True)
    tables = [m._meta.table_name for m in reversed(sort_models(ALL_MODELS))]
    with database.atomic():
        if db.is_postgres():
            for table in tables:
                database.execute_sql(f'DELETE FROM "{table}"')
            database.execute_sql("SELECT " + ", ".join(
                f"setval(pg_get_serial_sequence('\"{t}\"', 'id'), 1, false)" for t in tables))
        else:
            database.execute_sql("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                database.execute_sql(f'DELETE FROM "{table}"')
    yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def pooled(database_url, database):
    """The shared database bound to a pool (as the portal binds it), restored afterwards."""
    plain = db.database.obj
    database.close()
    pool = db.bind(database_url, pooled=True)
    yield pool
    if not pool.is_closed():
        pool.close()
    pool.close_all()
    db.database.initialize(plain)
    plain.connect(reuse_if_open=True)


@pytest.fixture
def org():
    """An organization with default preferences."""
    from core.services.organizations import create_organization

    return create_organization("Acme Trading", default_language="en", currency="USD")


@pytest.fixture
def system(org):
    """Doorstep itself acting for `org` (the back office, an import, the demo)."""
    return Actor.system(org.id)


@pytest.fixture
def admin(org):
    """An admin staff member of `org`."""
    from core.services.staff import create_staff

    return create_staff(Actor.system(org.id), "admin@acme.example", "Alex Admin", PASSWORD,
                        role="admin")


@pytest.fixture
def staff_member(org):
    """An ordinary staff member of `org`."""
    from core.services.staff import create_staff

    return create_staff(Actor.system(org.id), "staff@acme.example", "Sam Staff", PASSWORD)


@pytest.fixture
def make_customer(org, admin):
    """Build a customer with one primary contact (kwargs go to create_customer)."""
    from core.services.customers import create_customer

    counter = {"n": 0}

    def build(name=None, email="auto", language=None, organization=None, actor=None,
              **kwargs):
        counter["n"] += 1
        n = counter["n"]
        email = f"contact{n}@customer{n}.example" if email == "auto" else email
        contacts = kwargs.pop("contacts", None) or [
            {"first_name": f"Contact{n}", "last_name": "Person", "email": email}]
        if actor is None:  # in another organization: made by the system, as an import would
            actor = (Actor.system(organization.id) if organization
                     else Actor.staff(admin.id, organization_id=org.id))
        return create_customer(actor, display_name=name or f"Customer {n}",
                               portal_language=language, contacts=contacts, **kwargs)

    return build


def resolve_reset_requests() -> None:
    """What the mail worker does first with queued reset requests: make their links."""
    from core.models import OutboxMessage
    from core.services.access import resolve_password_reset_request

    for message in OutboxMessage.select().where(OutboxMessage.kind == "password_reset",
                                                OutboxMessage.status == "queued"):
        resolve_password_reset_request(message)


def token_of(contact, purpose="invitation") -> str:
    """The raw token of the contact's newest live token (what its email link carries)."""
    if purpose == "reset":
        resolve_reset_requests()
    token = (AccessToken.select()
             .where(AccessToken.contact == contact.id, AccessToken.purpose == purpose,
                    AccessToken.used_at.is_null(), AccessToken.revoked_at.is_null())
             .order_by(AccessToken.id.desc()).first())
    assert token is not None, f"no live {purpose} token for {contact.email}"
    return derive_token(purpose, token.nonce)


@pytest.fixture
def make_active_contact(make_customer, admin):
    """Build a customer whose primary contact accepted its invitation (password PASSWORD)."""
    from core.services import access

    def build(**kwargs):
        customer = make_customer(allow_portal_access=True, **kwargs)
        contact = Contact.get(Contact.customer == customer, Contact.is_primary)
        access.accept_invitation(customer.organization_id, token_of(contact), PASSWORD)
        return Contact.get_by_id(contact.id)

    return build


@pytest.fixture
def make_invoice():
    """Build a sent invoice for a customer (total = quantity x rate)."""
    from core.services.sales import create_invoice

    counter = {"n": 0}

    def build(customer, total="100.00", *, issue_date=None, due_in=30, status="sent"):
        counter["n"] += 1
        issue_date = issue_date or datetime.date.today()
        return create_invoice(Actor.system(customer.organization_id), customer.id,
                              f"INV-{counter['n']:05d}-{customer.id}",
                              [{"description": "Widgets", "quantity": 1,
                                "rate": Decimal(total)}],
                              issue_date=issue_date,
                              due_date=issue_date + datetime.timedelta(days=due_in),
                              status=status)

    return build


@pytest.fixture
def scope_of():
    """The ContactScope of a contact (what a signed-in contact reads through)."""
    from core.queries.scoping import ContactScope

    return lambda contact: ContactScope.for_contact(contact.id)


@pytest.fixture
def make_documents(make_invoice):
    """Build one of each document for a customer: a sent quote, a sales order shipped in one
    shipment (with a tracking event), and a sent invoice of 100.00; returns them by kind."""
    from types import SimpleNamespace

    from core.services.sales import (
        add_tracking_event,
        create_quote,
        create_sales_order,
        create_shipment,
    )

    counter = {"n": 0}

    def build(customer):
        counter["n"] += 1
        n, today = counter["n"], datetime.date.today()
        line = [{"description": "Widgets", "quantity": 4, "rate": Decimal("25.00")}]
        system = Actor.system(customer.organization_id)
        quote = create_quote(system, customer.id, f"Q-{n:05d}-{customer.id}", line,
                             issue_date=today, expiry_date=today + datetime.timedelta(days=30))
        order = create_sales_order(system, customer.id, f"SO-{n:05d}-{customer.id}", line,
                                   order_date=today)
        shipment = create_shipment(system, order.id, f"SH-{n:05d}-{customer.id}", carrier="DHL",
                                   tracking_number=f"JD{n:08d}")
        add_tracking_event(system, shipment.id, "shipped", location="Hub")
        return SimpleNamespace(quote=quote, sales_order=order, shipment=shipment,
                               invoice=make_invoice(customer))

    return build


@pytest.fixture
def make_colleague(admin):
    """Add an active contact with a role to an existing customer (password PASSWORD)."""
    from core.services import access, customers

    counter = {"n": 0}

    def build(customer, role="full", email=None, first_name=None):
        counter["n"] += 1
        n = counter["n"]
        staff = Actor.staff(admin.id)
        contact = customers.add_contact(
            staff, customer.id, first_name=first_name or f"Colleague{n}",
            email=email or f"colleague{n}.{role}@customer{customer.id}.example", role=role)
        access.invite_contact(staff, contact.id)
        access.accept_invitation(customer.organization_id, token_of(contact), PASSWORD)
        return Contact.get_by_id(contact.id)

    return build


@pytest.fixture
def fake_stripe(monkeypatch):
    """The local stand-in for Stripe's servers (tests/stripe_server.py), which the stripe
    library is pointed at."""
    from tests.stripe_server import FakeStripe

    server = FakeStripe().start()
    monkeypatch.setenv("STRIPE_API_BASE", server.base)
    yield server
    server.stop()


@pytest.fixture
def stripe_org(org, fake_stripe):
    """The organization with Stripe test keys saved, as an admin would on the console."""
    from core.services.stripe_setup import connect_stripe
    from tests.stripe_server import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET

    connect_stripe(Actor.system(org.id), publishable_key=PUBLISHABLE_KEY, secret_key=SECRET_KEY,
                   webhook_secret=WEBHOOK_SECRET)
    return org

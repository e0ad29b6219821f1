"""Pooled connections as servers use them: prepared reads give the rows peewee would, each
statement is prepared once per PostgreSQL connection, and a connection lost while idle in the
pool is replaced instead of failing the next request."""

import psycopg2
import pytest
from playhouse.test_utils import count_queries

from core import db
from core.queries import portal
from core.queries.scoping import ContactScope


def _statements(run) -> list[str]:
    with count_queries(only_select=False) as counter:
        run()
    return [record.msg[0].split()[0] for record in counter.get_queries()]


def test_prepared_reads_match_peewee_and_prepare_once_per_connection(
        pooled, make_active_contact, make_invoice):
    contact = make_active_contact()
    invoices = [make_invoice(contact.customer, total) for total in ("5.00", "6.00", "7.00")]
    org = contact.organization
    with db.connection():
        site, prefs, current = portal.get_portal_site(org.slug)
        assert (site.id, prefs.organization_id, current) == (org.id, org.id, True)
        scope = ContactScope.for_contact(contact.id, organization=site, preferences=prefs)

        def read():
            return [(i.id, i.total) for i in portal.list_invoices(scope).items]

        first = _statements(read)
        again = _statements(read)
        expected = sorted(((i.id, i.total) for i in invoices), reverse=True)
        assert sorted(read(), reverse=True) == expected
    if db.is_postgres():
        assert first == ["PREPARE", "EXECUTE"]
        assert again == ["EXECUTE"]
    else:
        assert first == again == ["SELECT", "SELECT"]


def test_a_connection_back_in_the_pool_is_lent_again(pooled):
    with db.connection():
        first = db.database.connection()
    with db.connection():
        assert db.database.connection() is first
        assert db.database.execute_sql("SELECT 1").fetchone() == (1,)


def test_a_connection_lost_while_idle_in_the_pool_is_replaced(pooled, monkeypatch):
    with db.connection():
        lost = db.database.connection()
    if db.is_postgres():
        backend = lost.get_backend_pid()
        params = dict(pooled.connect_params, dbname=pooled.database)
        with psycopg2.connect(**params) as other:
            other.autocommit = True
            other.cursor().execute("SELECT pg_terminate_backend(%s)", (backend,))
        # Idle past the window: the pool pings the connection, finds it gone, opens another.
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0)
    else:
        lost.close()  # closed under the pool: its check-out test finds it unusable
    with db.connection():
        assert db.database.connection() is not lost
        assert db.database.execute_sql("SELECT 1").fetchone() == (1,)


def test_a_prepared_read_maps_every_run_as_peewee_would(make_active_contact):
    """The row plan kept from the first run fits runs with and without the joined rows."""
    first, second = make_active_contact(), make_active_contact()
    slug = first.organization.slug
    for contact in (first, None, second, None, first):
        org, prefs, current, found = portal.get_portal_site_and_contact(
            slug, contact.id if contact else 2_000_000_000)
        assert (org.slug, prefs.organization_id, current) == (slug, org.id, True)
        if contact is None:
            assert found is None
        else:
            assert (found.id, found.email) == (contact.id, contact.email)
            assert found.customer.id == contact.customer_id
            assert found.customer.display_name == contact.customer.display_name


def test_a_write_transaction_whose_begin_finds_the_connection_lost_runs_on_a_fresh_one(
        pooled, org):
    from core.models import Organization
    from tests.lost_connections import lose_current_connection

    with db.connection():
        assert Organization.select().count() == 1
        lose_current_connection(pooled)
        with db.transaction():  # BEGIN fails on the lost connection: nothing was sent yet
            Organization.update(name="Acme Renamed").where(Organization.id == org.id).execute()
    with db.connection():
        assert Organization.get_by_id(org.id).name == "Acme Renamed"


def test_a_statement_inside_a_transaction_is_never_run_again(pooled, org):
    """Once a transaction has sent something, a lost connection fails it: what it did is rolled
    back by the server, and nothing runs twice or half."""
    from peewee import PeeweeException

    from core.models import Organization
    from tests.lost_connections import lose_current_connection

    with db.connection():
        with pytest.raises(PeeweeException):
            with db.transaction():
                Organization.update(name="Half done").where(Organization.id == org.id).execute()
                lose_current_connection(pooled)
                Organization.update(name="Never").where(Organization.id == org.id).execute()
    with db.connection():
        assert Organization.get_by_id(org.id).name == "Acme Trading"

"""Bulk "Enable portal": invite each selected customer's primary contact, report who was
skipped and why."""

import pytest

from core.audit import Actor
from core.models import AuditEvent, Contact, OutboxMessage
from core.services import access
from core.services.access import SKIP_REASONS, bulk_enable_portal
from core.services.customers import create_customer
from core.services.organizations import create_organization
from core.services.staff import create_staff
from tests.conftest import PASSWORD


@pytest.fixture
def staff(admin):
    return Actor.staff(admin.id)


@pytest.fixture
def customers(make_customer, make_active_contact, staff, org):
    """One customer in each situation bulk enabling meets."""
    fresh = make_customer(name="Fresh")
    invited = make_customer(name="Invited", allow_portal_access=True)
    no_email = make_customer(name="No email", email=None)
    no_contacts = create_customer(staff, display_name="No contacts")
    active = make_active_contact(name="Active").customer
    disabled = make_active_contact(name="Disabled")
    access.disable_contact(staff, disabled.id)
    return {"fresh": fresh, "invited": invited, "no_email": no_email,
            "no_contacts": no_contacts, "active": active, "disabled": disabled.customer}


def test_each_customer_is_invited_or_skipped_with_its_reason(customers, staff, org):
    ids = [c.id for c in customers.values()]
    calls = []

    results = bulk_enable_portal(staff, ids, progress=lambda done, total:
                                 calls.append((done, total)), chunk_size=4)

    by_customer = {r.customer_id: (r.outcome, r.reason) for r in results}
    assert by_customer == {
        customers["fresh"].id: ("invited", ""),
        customers["invited"].id: ("reinvited", ""),  # a fresh link for a pending invitation
        customers["no_email"].id: ("skipped", "no_email"),
        customers["no_contacts"].id: ("skipped", "no_email"),
        customers["active"].id: ("skipped", "already_active"),
        customers["disabled"].id: ("skipped", "disabled"),
    }
    assert calls == [(4, 6), (6, 6)]
    assert set(SKIP_REASONS) == {"no_email", "already_active", "disabled"}
    fresh = Contact.get(Contact.customer == customers["fresh"])
    assert fresh.portal_state == "invited"
    sent = [(m.kind, m.recipient) for m in OutboxMessage.select().where(
        OutboxMessage.id > 2).order_by(OutboxMessage.id)]  # after the fixtures' two invitations
    invited_email = Contact.get(Contact.customer == customers["invited"]).email
    assert ("invitation", fresh.email) in sent and ("reinvitation", invited_email) in sent
    summaries = [e.details for e in AuditEvent.select().where(
        AuditEvent.action == "bulk_portal_enable").order_by(AuditEvent.id)]
    assert ['"customers": 4' in d for d in summaries] == [True, False]
    assert ['"invited": 2' in summaries[0], '"invited": 0' in summaries[1]] == [True, True]


def test_another_organizations_customers_are_ignored(make_customer, staff, org):
    mine = make_customer()
    other = create_organization("Other Org")
    other_admin = create_staff(Actor.system(other.id), "x@other.example", "X", PASSWORD,
                               role="admin")
    theirs = create_customer(Actor.staff(other_admin.id), display_name="Theirs",
                             contacts=[{"first_name": "T", "email": "t@other.example"}])

    results = bulk_enable_portal(staff, [theirs.id, mine.id, 10**7])

    assert [r.customer_id for r in results] == [mine.id]
    assert Contact.get(Contact.customer == theirs).portal_state == "not_invited"


def test_duplicate_ids_invite_once(make_customer, staff, org):
    customer = make_customer()
    results = bulk_enable_portal(staff, [customer.id, customer.id])
    assert len(results) == 1
    assert OutboxMessage.select().count() == 1


def test_enabling_many_customers_writes_one_invitation_each(make_customer, staff, org):
    ids = [make_customer().id for _ in range(30)]
    results = bulk_enable_portal(staff, ids, chunk_size=7)
    assert [r.outcome for r in results] == ["invited"] * 30
    assert OutboxMessage.select().where(OutboxMessage.kind == "invitation").count() == 30


def test_the_audit_summary_of_each_chunk_counts_that_chunk_only(make_customer, staff, org):
    first, second, third = (make_customer() for _ in range(3))
    other = create_organization("Other Org")
    theirs = create_customer(Actor.system(other.id), display_name="Theirs")

    bulk_enable_portal(staff, [first.id, second.id, theirs.id, third.id], chunk_size=2)

    summaries = [e.details for e in AuditEvent.select().where(
        AuditEvent.action == "bulk_portal_enable").order_by(AuditEvent.id)]
    assert '"invited": 2' in summaries[0]
    assert '"invited": 1' in summaries[1] and '"customers": 1' in summaries[1]


def test_staff_of_another_organization_cannot_enable_ours(make_customer, org):
    from core.errors import PermissionDeniedError
    from tests.core.helpers import unchanged

    customer = make_customer()
    other = create_organization("Other Org")
    outsider = create_staff(Actor.system(other.id), "x@other.example", "X", PASSWORD, role="admin")
    with unchanged(), pytest.raises(PermissionDeniedError):  # claiming to act for us
        bulk_enable_portal(Actor.staff(outsider.id, organization_id=org.id), [customer.id])
    assert bulk_enable_portal(Actor.staff(outsider.id), [customer.id]) == []  # theirs: not ours
    assert Contact.get(Contact.customer == customer).portal_state == "not_invited"


def test_the_preview_says_what_enabling_would_do_and_changes_nothing(customers, staff):
    from core.models import AuditEvent, OutboxMessage
    from core.services.access import preview_bulk_enable_portal

    ids = [c.id for c in customers.values()]
    before = (OutboxMessage.select().count(), AuditEvent.select().count())

    preview = preview_bulk_enable_portal(staff, ids, chunk_size=4)

    assert {r.customer_id: (r.outcome, r.reason) for r in preview} == {
        r.customer_id: (r.outcome, r.reason) for r in bulk_enable_portal(staff, ids)}
    assert [r.outcome for r in preview].count("reinvited") == 1
    assert before == (OutboxMessage.select().count() - 2, AuditEvent.select().count() - 3)


def test_the_preview_ignores_another_organizations_customers(customers, staff):
    from core.services.access import preview_bulk_enable_portal
    from core.services.organizations import create_organization

    other = create_organization("Other Org")
    theirs = create_customer(Actor.system(other.id), display_name="Theirs",
                             contacts=[{"first_name": "T", "email": "t@their.example"}])
    assert preview_bulk_enable_portal(staff, [theirs.id]) == []

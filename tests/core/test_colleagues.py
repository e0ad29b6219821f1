"""A Company admin manages its own company's contacts: invites a colleague (through staff when
the organization approves invitations), changes roles, removes access; never another
customer's contacts, never its own role, never a role beyond Company admin."""

import pytest

from core.audit import Actor
from core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationError
from core.models import Contact, Notification, OutboxMessage
from core.queries import portal
from core.queries.scoping import ContactScope
from core.services import access, colleagues
from core.services.organizations import update_portal_preferences
from tests.core.helpers import unchanged


@pytest.fixture
def boss(make_active_contact, admin):
    """The Company admin of a customer."""
    contact = make_active_contact()
    access.configure_portal_access(Actor.staff(admin.id), contact.customer_id, [contact.id],
                                   roles={contact.id: "admin"})
    return ContactScope.for_contact(contact.id)


def test_an_invitation_waits_for_staff_approval_by_default(boss, admin, staff_member):
    colleague = colleagues.invite_colleague(boss, first_name="Quinn", email="quinn@firm.example",
                                            role="billing")
    row = Contact.get_by_id(colleague.id)
    assert (row.portal_state, row.role, row.requested_by_id) == (
        "not_invited", "billing", boss.contact.id)
    assert not OutboxMessage.select().where(
        OutboxMessage.recipient == "quinn@firm.example").exists()
    assert Notification.select().where(Notification.kind == "colleague_requested").count() == 2
    # Staff approve it by giving it access in "Configure customer portal".
    access.configure_portal_access(Actor.staff(admin.id), boss.customer.id,
                                   [boss.contact.id, colleague.id])
    row = Contact.get_by_id(colleague.id)
    assert (row.portal_state, row.requested_by_id) == ("invited", None)
    assert OutboxMessage.get(OutboxMessage.recipient == "quinn@firm.example").kind == "invitation"


def test_without_approval_the_colleague_is_invited_at_once(boss, admin):
    update_portal_preferences(Actor.staff(admin.id), colleague_invites_need_approval=False)
    scope = ContactScope.for_contact(boss.contact.id)
    colleague = colleagues.invite_colleague(scope, first_name="Rae", email="rae@firm.example")
    assert Contact.get_by_id(colleague.id).portal_state == "invited"
    assert OutboxMessage.get(OutboxMessage.recipient == "rae@firm.example").kind == "invitation"


def test_the_admin_changes_roles_and_removes_access(boss, make_colleague):
    other = make_colleague(boss.customer, "full")
    colleagues.change_colleague_role(boss, other.id, "orders")
    assert Contact.get_by_id(other.id).role == "orders"
    colleagues.remove_colleague_access(boss, other.id)
    assert Contact.get_by_id(other.id).portal_state == "disabled"
    assert [c.id for c in portal.list_colleagues(boss)] == [boss.contact.id, other.id]


def test_another_customers_contacts_are_out_of_reach(boss, make_active_contact):
    neighbour = make_active_contact()
    with unchanged():
        for call in (lambda: colleagues.change_colleague_role(boss, neighbour.id, "billing"),
                     lambda: colleagues.remove_colleague_access(boss, neighbour.id),
                     lambda: colleagues.change_colleague_role(boss, 10**7, "billing")):
            with pytest.raises(NotFoundError):
                call()
    assert Contact.get_by_id(neighbour.id).portal_state == "active"


def test_no_role_beyond_company_admin_and_not_ones_own(boss, make_colleague):
    other = make_colleague(boss.customer, "billing")
    with unchanged():
        for role in ("owner", "staff", "superadmin", ""):
            if role:
                with pytest.raises(ValidationError):
                    colleagues.change_colleague_role(boss, other.id, role)
        with pytest.raises(InvalidStateError):
            colleagues.change_colleague_role(boss, boss.contact.id, "billing")
        with pytest.raises(InvalidStateError):
            colleagues.remove_colleague_access(boss, boss.contact.id)


def test_only_a_company_admin_manages_contacts(boss, make_colleague):
    for role in ("billing", "orders", "full"):
        member = ContactScope.for_contact(make_colleague(boss.customer, role).id)
        with unchanged():
            with pytest.raises(PermissionDeniedError):
                colleagues.invite_colleague(member, first_name="X", email="x@firm.example")
            with pytest.raises(PermissionDeniedError):
                colleagues.change_colleague_role(member, boss.contact.id, "billing")
            with pytest.raises(NotFoundError):
                portal.list_colleagues(member)


def test_inviting_someone_who_already_has_access_is_refused(boss, make_colleague):
    other = make_colleague(boss.customer, "full")
    with unchanged(), pytest.raises(InvalidStateError):
        colleagues.invite_colleague(boss, first_name="Again", email=other.email)

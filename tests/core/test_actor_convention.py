"""Staff-side services take an Actor first: who acts, for which organization, from where.

The organization comes from the Actor; a staff member is checked against the database on every
call, so an Actor that names another organization, a deactivated member, a contact or a visitor
gets nothing done, and another organization's record answers as if it did not exist.
"""

import datetime

import pytest

from core.audit import Actor
from core.errors import NotFoundError, PermissionDeniedError
from core.models import AuditEvent, Customer
from core.services import access, comments, customers, mail_admin, notifications, payments, sales
from core.services.organizations import create_organization
from core.services.staff import create_staff, set_staff_active
from tests.conftest import PASSWORD
from tests.core.helpers import unchanged

TODAY = datetime.date.today()
LINE = [{"description": "Widgets", "quantity": 1, "rate": "10.00"}]


@pytest.fixture
def theirs():
    """Another organization, its admin, and one of its customers."""
    other = create_organization("Other Org")
    boss = create_staff(Actor.system(other.id), "boss@other.example", "Boss", PASSWORD,
                        role="admin")
    customer = customers.create_customer(Actor.system(other.id), display_name="Theirs",
                                         contacts=[{"first_name": "T",
                                                    "email": "t@other.example"}])
    return other, boss, customer


def test_the_organization_comes_from_the_actor_and_the_audit_names_it(org, admin):
    actor = Actor.staff(admin.id, "203.0.113.9", org.id)
    customer = customers.create_customer(actor, display_name="Brightwater")
    assert customer.organization_id == org.id
    event = AuditEvent.get(AuditEvent.action == "customer_created")
    assert (event.organization_id, event.actor_type, event.actor_id, event.ip) == (
        org.id, "staff", admin.id, "203.0.113.9")


def test_an_api_key_acts_for_its_organization_and_is_audited_as_itself(org, make_customer):
    key = Actor.api_key(42, org.id, "198.51.100.7")
    customer = make_customer()
    invoice = sales.create_invoice(key, customer.id, "INV-API-1", LINE, issue_date=TODAY)
    payments.record_offline_payment(key, invoice.id, "10.00", reference="ERP 77")
    assert [(e.actor_type, e.actor_id, e.ip) for e in AuditEvent.select().where(
        AuditEvent.action.in_(["invoice_created", "payment_recorded"]))] == [
        ("api_key", 42, "198.51.100.7")] * 2


def test_an_actor_naming_another_organization_than_its_own_is_refused(org, admin, theirs):
    _other, boss, _customer = theirs
    mine = customers.create_customer(Actor.staff(admin.id), display_name="Mine")
    forged = Actor.staff(boss.id, organization_id=org.id)
    with unchanged():
        with pytest.raises(PermissionDeniedError):
            customers.create_customer(forged, display_name="Planted")
        with pytest.raises(PermissionDeniedError):
            customers.update_customer(forged, mine.id, display_name="Taken")
        with pytest.raises(PermissionDeniedError):
            sales.create_invoice(forged, mine.id, "INV-X", LINE, issue_date=TODAY)


def test_another_organizations_records_answer_not_found(make_customer, make_documents, theirs):
    _other, boss, their_customer = theirs
    outsider = Actor.staff(boss.id)
    mine = make_customer()
    docs = make_documents(mine)
    with unchanged():
        for call in (
            lambda: customers.update_customer(outsider, mine.id, display_name="Taken"),
            lambda: customers.set_portal_language(outsider, mine.id, "de"),
            lambda: sales.create_invoice(outsider, mine.id, "INV-X", LINE, issue_date=TODAY),
            lambda: sales.create_quote(outsider, mine.id, "Q-X", LINE, issue_date=TODAY),
            lambda: sales.create_shipment(outsider, docs.sales_order.id, "SH-X"),
            lambda: sales.add_tracking_event(outsider, docs.shipment.id, "delivered"),
            lambda: payments.record_offline_payment(outsider, docs.invoice.id, "1.00"),
            lambda: comments.add_staff_comment(outsider, "invoice", docs.invoice.id, "Hi"),
        ):
            with pytest.raises(NotFoundError):
                call()
    # Their own customer they reach as before.
    assert customers.set_portal_language(outsider, their_customer.id, "fr").portal_language == "fr"


def test_a_new_document_links_only_to_the_same_customers_documents(make_customer,
                                                                   make_documents, system):
    first, second = make_customer(), make_customer()
    docs = make_documents(first)
    with unchanged():
        with pytest.raises(NotFoundError):
            sales.create_sales_order(system, second.id, "SO-X", LINE, order_date=TODAY,
                                     quote_id=docs.quote.id)
        with pytest.raises(NotFoundError):
            sales.create_invoice(system, second.id, "INV-X", LINE, issue_date=TODAY,
                                 sales_order_id=docs.sales_order.id)
    linked = sales.create_invoice(system, first.id, "INV-L", LINE, issue_date=TODAY,
                                  sales_order_id=docs.sales_order.id)
    assert linked.sales_order_id == docs.sales_order.id


def test_a_deactivated_staff_member_can_do_nothing(org, admin, staff_member, make_customer):
    customer = make_customer()
    set_staff_active(Actor.staff(admin.id), staff_member.id, False)
    gone = Actor.staff(staff_member.id)
    with unchanged():
        with pytest.raises(PermissionDeniedError):
            customers.update_customer(gone, customer.id, display_name="Late edit")
        with pytest.raises(PermissionDeniedError):
            notifications.mark_all_notifications_read(gone)
        with pytest.raises(PermissionDeniedError):
            mail_admin.retry_outbox_message(gone, 1)


def test_items_and_invoice_states_follow_the_same_guards(org, admin, staff_member,
                                                        make_customer, theirs):
    """A staff member reaches their own organization's item and invoice with a plain
    Actor.staff(id); another organization's admin and a deactivated member reach nothing."""
    _other, boss, _their_customer = theirs
    ours = Actor.staff(admin.id)
    item = sales.create_item(ours, "WID-1", "Widget", "10.00")
    invoice = sales.create_invoice(ours, make_customer().id, "INV-D", LINE, issue_date=TODAY,
                                   status="draft")
    set_staff_active(ours, staff_member.id, False)
    with unchanged():
        for actor, error in ((Actor.staff(boss.id), NotFoundError),
                             (Actor.staff(staff_member.id), PermissionDeniedError)):
            for call in (lambda a=actor: sales.update_item(a, item.id, name="Taken"),
                         lambda a=actor: sales.send_invoice(a, invoice.id),
                         lambda a=actor: sales.void_invoice(a, invoice.id)):
                with pytest.raises(error):
                    call()
    assert sales.update_item(ours, item.id, name="Gadget").name == "Gadget"
    assert sales.send_invoice(ours, invoice.id).status == "sent"


@pytest.mark.parametrize("actor", [Actor.contact(1), Actor.anonymous("192.0.2.1"),
                                   Actor("system")], ids=["contact", "anonymous", "no-org"])
def test_nobody_but_staff_an_api_key_or_the_system_of_an_organization_acts(actor, org,
                                                                           make_customer):
    customer = make_customer()
    contact_id = customer.contacts.get().id
    with unchanged():
        for call in (
            lambda: customers.create_customer(actor, display_name="Planted"),
            lambda: customers.update_customer(actor, customer.id, display_name="Taken"),
            lambda: access.invite_contact(actor, contact_id),
            lambda: access.bulk_enable_portal(actor, [customer.id]),
            lambda: sales.create_invoice(actor, customer.id, "INV-X", LINE, issue_date=TODAY),
        ):
            with pytest.raises(PermissionDeniedError):
                call()
    assert Customer.get_by_id(customer.id).display_name != "Taken"


def test_a_reply_and_notifications_belong_to_a_person(org, make_customer, make_documents):
    docs = make_documents(make_customer())
    with unchanged():
        with pytest.raises(PermissionDeniedError):
            comments.add_staff_comment(Actor.api_key(1, org.id), "invoice", docs.invoice.id,
                                       "Signed by nobody")
        with pytest.raises(PermissionDeniedError):
            notifications.mark_all_notifications_read(Actor.system(org.id))

"""Comments on quotes, sales orders, invoices and shipments, by contacts and by staff."""

import pytest

from core.audit import Actor
from core.errors import NotFoundError, ValidationError
from core.models import Notification, OutboxMessage
from core.queries import portal
from core.queries.scoping import DOCUMENT_MODELS, ContactScope
from core.queries.staff import get_document_thread
from core.services import access
from core.services.comments import add_contact_comment, add_staff_comment
from core.services.customers import add_contact
from core.services.organizations import create_organization, update_portal_preferences
from core.services.staff import create_staff
from tests.conftest import PASSWORD
from tests.core.helpers import actions, unchanged


@pytest.fixture
def setting(make_active_contact, make_documents):
    contact = make_active_contact()
    return contact, make_documents(contact.customer), ContactScope.for_contact(contact.id)


@pytest.mark.parametrize("kind", list(DOCUMENT_MODELS))
def test_a_contact_comments_and_staff_reply_in_one_thread(setting, admin, kind):
    contact, docs, scope = setting
    document = getattr(docs, kind)

    add_contact_comment(scope, kind, document.id, "When will this arrive?", ip="192.0.2.1")
    add_staff_comment(Actor.staff(admin.id), kind, document.id, "Tomorrow morning.")

    thread = portal.get_thread(scope, kind, document.id)
    assert [(c.body, c.contact_id, c.staff_id) for c in thread] == [
        ("When will this arrive?", contact.id, None), ("Tomorrow morning.", None, admin.id)]
    assert thread[1].staff.name == admin.name  # the author comes with the thread
    _, staff_thread = get_document_thread(contact.organization_id, kind, document.id)
    assert [c.body for c in staff_thread] == ["When will this arrive?", "Tomorrow morning."]
    assert actions()[-2:] == ["comment_added", "staff_comment_added"]


def test_a_contact_comment_notifies_and_emails_staff(setting, admin):
    contact, docs, scope = setting
    add_contact_comment(scope, "invoice", docs.invoice.id, "Please resend the PDF")

    note = Notification.get(Notification.kind == "comment")
    assert note.record_type == "invoice" and note.record_id == docs.invoice.id
    assert "Please resend the PDF" in note.message
    assert [m.recipient for m in OutboxMessage.select().where(
        OutboxMessage.kind == "staff_comment")] == [admin.email]


def test_no_staff_email_when_the_preference_is_off(setting, admin, org):
    _, docs, scope = setting
    update_portal_preferences(Actor.staff(admin.id), email_on_comment=False)
    add_contact_comment(scope, "invoice", docs.invoice.id, "Hello")
    assert not OutboxMessage.select().where(OutboxMessage.kind == "staff_comment").exists()
    assert Notification.select().where(Notification.kind == "comment").count() == 1


def test_a_staff_reply_emails_the_contacts_in_the_thread(setting, admin, org):
    contact, docs, scope = setting
    other = add_contact(Actor.staff(admin.id), contact.customer_id, first_name="Other",
                        email="other@customer.example")
    add_contact_comment(scope, "sales_order", docs.sales_order.id, "Back entrance please")

    add_staff_comment(Actor.staff(admin.id), "sales_order", docs.sales_order.id, "Noted.")

    replies = list(OutboxMessage.select().where(OutboxMessage.kind == "comment_reply"))
    assert [m.recipient for m in replies] == [contact.email]
    assert other.email not in [m.recipient for m in replies]


def test_a_staff_reply_without_a_thread_emails_the_active_primary_contact(setting, admin):
    contact, docs, _ = setting
    add_staff_comment(Actor.staff(admin.id), "invoice", docs.invoice.id, "Your invoice is ready.")
    assert [m.recipient for m in OutboxMessage.select().where(
        OutboxMessage.kind == "comment_reply")] == [contact.email]


def test_a_staff_reply_emails_nobody_who_lost_access(setting, admin):
    contact, docs, scope = setting
    add_contact_comment(scope, "invoice", docs.invoice.id, "Question")
    access.disable_contact(Actor.staff(admin.id), contact.id)
    add_staff_comment(Actor.staff(admin.id), "invoice", docs.invoice.id, "Answer")
    assert not OutboxMessage.select().where(OutboxMessage.kind == "comment_reply").exists()


@pytest.mark.parametrize("body", ["", "   ", None, "x" * 4001])
def test_an_empty_or_overlong_comment_is_refused(setting, admin, body):
    _, docs, scope = setting
    with unchanged(), pytest.raises(ValidationError) as caught:
        add_contact_comment(scope, "invoice", docs.invoice.id, body)
    assert caught.value.field == "body"
    with unchanged(), pytest.raises(ValidationError):
        add_staff_comment(Actor.staff(admin.id), "invoice", docs.invoice.id, body)


def test_staff_cannot_comment_outside_their_organization(setting):
    _, docs, _ = setting
    other = create_organization("Other Org")
    outsider = create_staff(Actor.system(other.id), "x@other.example", "X", PASSWORD)
    with unchanged():
        with pytest.raises(NotFoundError):
            add_staff_comment(Actor.staff(outsider.id), "invoice", docs.invoice.id, "Hi")
        with pytest.raises(NotFoundError):
            add_staff_comment(Actor.staff(outsider.id), "customer", docs.invoice.id, "Hi")
        with pytest.raises(NotFoundError):
            get_document_thread(other.id, "invoice", docs.invoice.id)

"""Staff notifications: one per active staff member, listed newest first, marked read."""

import pytest

from core.audit import Actor
from core.errors import NotFoundError
from core.models import Notification
from core.queries.staff import list_notifications, unread_notification_count
from core.services.notifications import (
    mark_all_notifications_read,
    mark_notification_read,
    notify_staff,
)
from tests.core.helpers import actions, unchanged


@pytest.fixture
def notified(org, admin, staff_member):
    for n in range(3):
        notify_staff(org.id, "comment", f"Comment {n}", record_type="invoice", record_id=n)
    return admin


def test_each_active_staff_member_gets_each_notification(notified, staff_member):
    assert unread_notification_count(notified.id) == 3
    assert unread_notification_count(staff_member.id) == 3
    page = list_notifications(notified.id)
    assert [n.message for n in page.items] == ["Comment 2", "Comment 1", "Comment 0"]


def test_marking_one_read(notified, staff_member):
    newest = list_notifications(notified.id).items[0]
    mark_notification_read(Actor.staff(notified.id), newest.id)

    assert unread_notification_count(notified.id) == 2
    assert unread_notification_count(staff_member.id) == 3  # theirs is their own
    assert actions()[-1] == "notification_read"
    assert [n.message for n in list_notifications(notified.id, unread_only=True).items] == [
        "Comment 1", "Comment 0"]


def test_nobody_marks_another_staff_members_notification(notified, staff_member):
    theirs = Notification.get(Notification.staff == staff_member.id)
    with unchanged():
        with pytest.raises(NotFoundError):
            mark_notification_read(Actor.staff(notified.id), theirs.id)
        with pytest.raises(NotFoundError):
            mark_notification_read(Actor.staff(notified.id), 10**7)


def test_marking_all_read(notified, staff_member):
    assert mark_all_notifications_read(Actor.staff(notified.id)) == 3
    assert unread_notification_count(notified.id) == 0
    assert unread_notification_count(staff_member.id) == 3
    assert actions()[-1] == "notifications_read"
    assert mark_all_notifications_read(Actor.staff(notified.id)) == 0


def test_a_notification_message_is_cut_to_fit(org, admin):
    notify_staff(org.id, "comment", "x" * 1000)
    assert len(Notification.get().message) == 400


def test_each_staff_member_chooses_which_events_email_them(org, admin, staff_member):
    from core.models import OutboxMessage
    from core.services.notifications import set_staff_email_choices

    # The organization emails payments (on by default) and not first views (off).
    set_staff_email_choices(Actor.staff(staff_member.id), {"payment": False,
                                                           "invoice_viewed": True})
    notify_staff(org.id, "payment", "Paid")
    notify_staff(org.id, "invoice_viewed", "Viewed")

    sent = {(m.recipient, m.kind) for m in OutboxMessage.select()}
    assert sent == {(admin.email, "staff_payment"),
                    (staff_member.email, "staff_invoice_viewed")}
    assert actions()[-1] == "staff_email_choices_changed"

    set_staff_email_choices(Actor.staff(staff_member.id), {"payment": None})  # back to default
    notify_staff(org.id, "payment", "Paid again")
    assert OutboxMessage.select().where(OutboxMessage.recipient == staff_member.email,
                                        OutboxMessage.kind == "staff_payment").count() == 1


def test_email_choices_refuse_unknown_events_and_change_nothing(org, staff_member):
    from core.errors import ValidationError
    from core.services.notifications import set_staff_email_choices

    with unchanged(), pytest.raises(ValidationError):
        set_staff_email_choices(Actor.staff(staff_member.id), {"everything": True})

"""Staff notifications: in-app for every active staff member, email when preferences say so
(each member's own choice, else the organization's)."""

import json

from core import outbox
from core.audit import Actor, record
from core.db import transaction
from core.errors import NotFoundError, ValidationError
from core.guards import acting_staff
from core.i18n import N_
from core.models import Notification, PortalPreferences, StaffUser

# Which preference switches the staff email of each notification kind.
EMAIL_PREFERENCE = {
    "invoice_viewed": ("email_on_invoice_viewed", "staff_invoice_viewed"),
    "payment": ("email_on_payment", "staff_payment"),
    "comment": ("email_on_comment", "staff_comment"),
    "signup": ("email_on_signup", "staff_signup"),
    "invitation_accepted": ("email_on_invitation_accepted", "staff_invitation_accepted"),
}


def notify_staff(organization_id: int, kind: str, message: str, *, record_type: str = "",
                 record_id: int | None = None, customer_id: int | None = None,
                 **email_payload) -> int:
    """Notify every active staff member (call inside the caller's transaction); returns count."""
    staff = list(StaffUser.select(StaffUser.id, StaffUser.email, StaffUser.email_choices)
                 .where(StaffUser.organization == organization_id, StaffUser.is_active))
    if staff:
        Notification.insert_many([
            {"organization": organization_id, "staff": member.id, "kind": kind,
             "message": message[:400], "record_type": record_type, "record_id": record_id,
             "customer": customer_id}
            for member in staff
        ]).execute()
    preference = EMAIL_PREFERENCE.get(kind)
    if preference:
        prefs = PortalPreferences.get(PortalPreferences.organization == organization_id)
        default = bool(getattr(prefs, preference[0]))
        for member in staff:
            if member.own_email_choices().get(kind, default):
                outbox.enqueue(organization_id, preference[1], member.email, "en",
                               message=message, record_type=record_type, record_id=record_id,
                               **email_payload)
    return len(staff)


def mark_notification_read(actor: Actor, notification_id: int) -> None:
    """Mark one of this staff member's notifications read."""
    with transaction():
        staff = acting_staff(actor)
        updated = (Notification.update(is_read=True)
                   .where(Notification.id == notification_id, Notification.staff == staff.id)
                   .execute())
        if not updated:
            raise NotFoundError()
        record(staff.organization_id, actor, "notification_read",
               notification_id=notification_id)


def mark_all_notifications_read(actor: Actor) -> int:
    """Mark every unread notification of this staff member read; returns how many."""
    with transaction():
        staff = acting_staff(actor)
        count = (Notification.update(is_read=True)
                 .where(Notification.staff == staff.id, ~Notification.is_read)
                 .execute())
        record(staff.organization_id, actor, "notifications_read", count=count)
        return count


def set_staff_email_choices(actor: Actor, choices: dict[str, bool | None]) -> StaffUser:
    """The signed-in staff member chooses which events email them: True, False, or None for
    the organization's preference."""
    unknown = set(choices) - set(EMAIL_PREFERENCE)
    if unknown:
        raise ValidationError(N_("Unknown field: %(name)s."), name=sorted(unknown)[0])
    with transaction():
        staff = acting_staff(actor)
        own = {kind: bool(value) for kind, value in choices.items() if value is not None}
        staff.email_choices = json.dumps(own, sort_keys=True)
        staff.save()
        record(staff.organization_id, actor, "staff_email_choices_changed", staff, **own)
    return staff

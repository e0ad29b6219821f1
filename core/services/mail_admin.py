"""What staff may do with the outbox: send a failed message again."""

from core.audit import Actor, record
from core.db import transaction
from core.errors import InvalidStateError, NotFoundError
from core.i18n import N_
from core.models import OutboxMessage, StaffUser, utcnow


def retry_outbox_message(staff_id: int, message_id: int, ip: str = "") -> OutboxMessage:
    """Queue a failed email again: attempts start over and the worker picks it up now."""
    with transaction():
        staff = StaffUser.get_or_none(StaffUser.id == staff_id, StaffUser.is_active)
        message = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
        if staff is None or message is None or message.organization_id != staff.organization_id:
            raise NotFoundError()
        if message.status != "failed":
            raise InvalidStateError(N_("Only a failed message can be sent again."))
        message.status = "queued"
        message.attempts = 0
        message.next_attempt_at = utcnow()
        message.claimed_by, message.claimed_at = "", None
        message.save()
        record(staff.organization_id, Actor.staff(staff.id, ip), "outbox_retried", message,
               kind=message.kind, recipient=message.recipient,
               last_error=message.last_error[:200])
    return message

"""What staff may do with the outbox: send a failed message again."""

from core.audit import Actor, record
from core.db import transaction
from core.errors import InvalidStateError
from core.guards import load_for_staff
from core.i18n import N_
from core.models import OutboxMessage, utcnow


def retry_outbox_message(actor: Actor, message_id: int) -> OutboxMessage:
    """Queue a failed email again: attempts start over and the worker picks it up now."""
    with transaction():
        message = load_for_staff(actor, OutboxMessage, message_id)
        if message.status != "failed":
            raise InvalidStateError(N_("Only a failed message can be sent again."))
        message.status = "queued"
        message.attempts = 0
        message.next_attempt_at = utcnow()
        message.claimed_by, message.claimed_at = "", None
        message.save()
        record(message.organization_id, actor, "outbox_retried", message,
               kind=message.kind, recipient=message.recipient,
               last_error=message.last_error[:200])
    return message

"""The outbox: emails written in the same transaction as the change that causes them."""

import json
import uuid

from core.models import OutboxMessage, utcnow

# Every kind of email the system sends; the mail renderer has a template pair for each.
CONTACT_KINDS = {"invitation", "reinvitation", "password_reset", "signup_verification",
                 "payment_receipt", "comment_reply"}
STAFF_KINDS = {"staff_invoice_viewed", "staff_payment", "staff_comment", "staff_signup",
               "staff_invitation_accepted", "staff_quote_response"}
ALL_KINDS = CONTACT_KINDS | STAFF_KINDS


def message_row(organization_id: int, kind: str, recipient: str, language: str,
                **payload) -> dict:
    """The fields of one queued email (what `enqueue` writes)."""
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    return dict(
        organization=organization_id,
        kind=kind,
        recipient=recipient,
        language=language,
        payload=json.dumps(payload, default=str, sort_keys=True),
        message_id=f"<{uuid.uuid4().hex}@doorstep>",
    )


def enqueue(organization_id: int, kind: str, recipient: str, language: str,
            **payload) -> OutboxMessage:
    """Queue one email; the payload holds ids and values for the template, never a raw token."""
    return OutboxMessage.create(**message_row(organization_id, kind, recipient, language,
                                              **payload))


def enqueue_many(rows: list[dict]) -> None:
    """Queue many emails built with `message_row` in one statement (bulk actions)."""
    if rows:
        now = utcnow()
        OutboxMessage.insert_many([{"created_at": now, "next_attempt_at": now, **row}
                                   for row in rows]).execute()


def payload_of(message: OutboxMessage) -> dict:
    """The decoded payload of a message."""
    return json.loads(message.payload or "{}")

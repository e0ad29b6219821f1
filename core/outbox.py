"""The outbox: emails written in the same transaction as the change that causes them, and the
states a worker moves them through while sending (claim, release, sent, failed, retried)."""

import datetime
import json
import logging
import uuid
from dataclasses import dataclass

from core import db
from core.models import OutboxMessage, utcnow

log = logging.getLogger("doorstep.mail")

# Every kind of email the system sends; the mail renderer has a template pair for each.
CONTACT_KINDS = {"invitation", "reinvitation", "password_reset", "signup_verification",
                 "payment_receipt", "comment_reply", "invoice_sent", "shipment_shipped"}
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


# -- the state machine the mail worker drives ---------------------------------------------------
#
# queued --claim--> sending --mark_sent--> sent
#                           --mark_failed / mark_cancelled--> failed / cancelled
#                           --mark_retry--> queued (later, one attempt charged) or failed
#                           --release / postpone--> queued (no attempt charged)
# A claim older than the lease belongs to a worker that died and is taken over; every change
# of a claimed message checks that the claim is still the caller's.

MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried: base x 2^(attempts-1) seconds, capped, N attempts."""

    base_seconds: float = 30.0
    max_seconds: float = 3600.0
    max_attempts: int = 8

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the given number of failed attempts."""
        return retry_delay(attempts, self.base_seconds, self.max_seconds)


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after the given number of failed attempts: base x 2^(attempts-1)."""
    return min(base * 2 ** max(attempts - 1, 0), cap)


def claim_due(model, waiting_status: str, worker_id: str, *, limit: int,
              lease_seconds: float, due_before: datetime.datetime | None = None) -> list[int]:
    """The lease every worker queue shares (outbox messages, webhook deliveries): mark up to
    `limit` rows that are due (or whose claim expired) as this worker's, oldest due first,
    and return their ids. Runs inside the caller's transaction."""
    now = utcnow()
    expired = now - datetime.timedelta(seconds=lease_seconds)
    query = (model
             .select(model.id)
             .where(((model.status == waiting_status)
                     & (model.next_attempt_at <= (due_before or now)))
                    | ((model.status == "sending") & (model.claimed_at < expired)))
             .order_by(model.next_attempt_at, model.id)
             .limit(limit))
    if db.is_postgres():
        # Rows another worker is claiming right now are skipped, not waited for.
        query = query.for_update(skip_locked=True)
    ids = [row.id for row in query]
    if ids:
        (model
         .update(status="sending", claimed_by=worker_id, claimed_at=now)
         .where(model.id.in_(ids))
         .execute())
    return ids


def claim(worker_id: str, *, limit: int, lease_seconds: float,
          due_before: datetime.datetime | None = None) -> list[OutboxMessage]:
    """Take up to `limit` due messages (and messages whose claim expired) for this worker."""
    with db.transaction():
        ids = claim_due(OutboxMessage, "queued", worker_id, limit=limit,
                        lease_seconds=lease_seconds, due_before=due_before)
        if not ids:
            return []
        return list(OutboxMessage.select()
                    .where(OutboxMessage.id.in_(ids))
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id))


def _still_ours(worker_id: str, ids: list[int]):
    return (OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker_id,
            OutboxMessage.status == "sending")


def release(worker_id: str, messages: list[OutboxMessage]) -> int:
    """Give claimed, untried messages back to the queue as they were; returns how many."""
    if not messages:
        return 0
    with db.transaction():
        return (OutboxMessage
                .update(status="queued", claimed_by="", claimed_at=None)
                .where(*_still_ours(worker_id, [m.id for m in messages]))
                .execute())


def postpone(worker_id: str, messages: list[OutboxMessage], seconds: float, reason: str) -> int:
    """Queue claimed, untried messages again after `seconds`, charging no attempt (the mail
    server could not be reached for another message); returns how many."""
    if not messages:
        return 0
    with db.transaction():
        return (OutboxMessage
                .update(status="queued", claimed_by="", claimed_at=None,
                        last_error=reason[:MAX_ERROR_LENGTH],
                        next_attempt_at=utcnow() + datetime.timedelta(seconds=seconds))
                .where(*_still_ours(worker_id, [m.id for m in messages]))
                .execute())


def _finish(worker_id: str, message: OutboxMessage, **fields) -> None:
    fields.update(attempts=message.attempts + 1, claimed_by="", claimed_at=None)
    with db.transaction():
        if db.is_postgres():
            # Not waiting for the WAL flush makes an outcome 5-10x cheaper to record; only a
            # crash of the database server itself (not of the worker) within a fraction of a
            # second could forget it, and the message would then be sent again.
            db.database.execute_sql("SET LOCAL synchronous_commit TO OFF")
        # Only while the claim is still ours: a worker that outlived its lease changes nothing.
        OutboxMessage.update(**fields).where(*_still_ours(worker_id, [message.id])).execute()


def mark_sent(worker_id: str, message: OutboxMessage) -> None:
    """Record a delivered message."""
    _finish(worker_id, message, status="sent", sent_at=utcnow(), last_error="")
    log.info("sent #%s %s to %s", message.id, message.kind, message.recipient)


def mark_failed(worker_id: str, message: OutboxMessage, error: str) -> None:
    """Record a message that will not be sent."""
    _finish(worker_id, message, status="failed", last_error=error[:MAX_ERROR_LENGTH])
    log.warning("failed #%s %s to %s: %s", message.id, message.kind, message.recipient, error)


def mark_cancelled(worker_id: str, message: OutboxMessage, reason: str) -> None:
    """Record a message that is no longer worth sending."""
    _finish(worker_id, message, status="cancelled", last_error=reason[:MAX_ERROR_LENGTH])
    log.info("cancelled #%s %s to %s: %s", message.id, message.kind, message.recipient, reason)


def mark_retry(worker_id: str, message: OutboxMessage, error: str,
               policy: RetryPolicy) -> str:
    """Queue a transiently failed message again later (one attempt charged), or fail it when
    out of attempts; returns "retried" or "failed"."""
    attempts = message.attempts + 1
    if attempts >= policy.max_attempts:
        mark_failed(worker_id, message, f"gave up after {attempts} attempts: {error}")
        return "failed"
    delay = policy.delay(attempts)
    _finish(worker_id, message, status="queued", last_error=error[:MAX_ERROR_LENGTH],
            next_attempt_at=utcnow() + datetime.timedelta(seconds=delay))
    log.info("retry #%s %s to %s in %.0f s: %s", message.id, message.kind, message.recipient,
             delay, error)
    return "retried"

"""Webhook deliveries: endpoint secrets, signatures, and the delivery state machine.

Mirrors the mail outbox: the worker claims due deliveries in a short transaction (PostgreSQL:
`FOR UPDATE SKIP LOCKED`, so several workers split the work; SQLite: the write lock taken at
BEGIN), POSTs each one (portal_site/webhooks/delivery.py) and records the outcome here. A 2xx
answer delivers; anything else (another status, a timeout, a refused connection) is retried
with the mail worker's backoff until its attempts run out, then fails. A claim older than the
lease belongs to a worker that died and is taken over. The event id stays the same on every
attempt, so a receiver recognises a repeat; the signature's timestamp lets it refuse replays.
"""

import datetime
import hashlib
import hmac
from urllib.parse import urlsplit

from core import db
from core.errors import ValidationError
from core.i18n import N_
from core.models import Event, WebhookDelivery, WebhookEndpoint, utcnow
from core.outbox import claim_due
from core.security import derive_token, new_nonce

SIGNATURE_HEADER = "Doorstep-Signature"
EVENT_ID_HEADER = "Doorstep-Event-Id"
SECRET_PREFIX = "whsec_"
MAX_ERROR_LENGTH = 1000
MAX_URL_LENGTH = 2000


def new_secret_nonce() -> str:
    """A fresh nonce, from which an endpoint's secret is derived."""
    return new_nonce()


def endpoint_secret(nonce: str) -> str:
    """The signing secret of an endpoint: HMAC(SECRET_KEY) of its nonce, never stored.

    Only the nonce is in the database, as with link tokens: a copy of the database alone
    cannot sign. Changing SECRET_KEY changes every endpoint's secret (rotate them after).
    """
    return SECRET_PREFIX + derive_token("webhook_secret", nonce)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Doorstep-Signature header: `t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>`."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def check_url(value) -> str:
    """A webhook URL: absolute http(s), with a host, without credentials or a fragment.

    Endpoints are registered by the organization's admins only; other schemes (file:, ftp:,
    gopher:...) are refused so a URL can never make the worker read or talk anything but HTTP.
    """
    if not isinstance(value, str):
        raise ValidationError(N_("Enter the URL of your endpoint."), field="url")
    url = value.strip()
    if not url:
        raise ValidationError(N_("This field is required."), field="url")
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(N_("Use at most %(count)d characters."), field="url",
                              count=MAX_URL_LENGTH)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme.lower() not in {"http", "https"} or not parts.hostname
            or any(ord(char) < 33 or ord(char) == 127 for char in url)):
        raise ValidationError(N_("Enter a URL that starts with http or https."), field="url")
    if parts.username or parts.password:
        raise ValidationError(N_("Leave user names and passwords out of the URL."),
                              field="url")
    if parts.fragment or port == 0:
        raise ValidationError(N_("Enter a URL that starts with http or https."), field="url")
    return url


# -- the delivery state machine ------------------------------------------------------------

def claim_deliveries(worker_id: str, *, batch_size: int, lease_seconds: float,
                     due_before: datetime.datetime | None = None) -> list[WebhookDelivery]:
    """Take up to a batch of due deliveries (and ones whose claim expired) for this worker.

    Each comes with its event and endpoint joined (one query for the batch).
    """
    with db.transaction():
        ids = claim_due(WebhookDelivery, "pending", worker_id, limit=batch_size,
                        lease_seconds=lease_seconds, due_before=due_before)
        if not ids:
            return []
        return list(WebhookDelivery
                    .select(WebhookDelivery, Event, WebhookEndpoint)
                    .join(Event, on=(WebhookDelivery.event == Event.id))
                    .switch(WebhookDelivery)
                    .join(WebhookEndpoint, on=(WebhookDelivery.endpoint == WebhookEndpoint.id))
                    .where(WebhookDelivery.id.in_(ids))
                    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id))


def release_deliveries(worker_id: str, deliveries: list[WebhookDelivery]) -> int:
    """Give claimed, unattempted deliveries back as they were; returns how many."""
    if not deliveries:
        return 0
    return (WebhookDelivery
            .update(status="pending", claimed_by="", claimed_at=None)
            .where(WebhookDelivery.id.in_([d.id for d in deliveries]),
                   WebhookDelivery.status == "sending",
                   WebhookDelivery.claimed_by == worker_id)
            .execute())


def _finish(worker_id: str, delivery: WebhookDelivery, attempted: bool = True,
            **fields) -> None:
    now = utcnow()
    if attempted:
        fields.update(attempts=delivery.attempts + 1, last_attempt_at=now)
    fields.update(claimed_by="", claimed_at=None)
    with db.transaction():
        # Only while the claim is still ours: a worker that outlived its lease changes nothing.
        (WebhookDelivery
         .update(**fields)
         .where(WebhookDelivery.id == delivery.id, WebhookDelivery.claimed_by == worker_id,
                WebhookDelivery.status == "sending")
         .execute())


def mark_delivered(worker_id: str, delivery: WebhookDelivery, response_code: int) -> None:
    """Record a delivery the endpoint accepted (2xx)."""
    _finish(worker_id, delivery, status="delivered", delivered_at=utcnow(),
            last_response_code=response_code, last_error="")


def mark_cancelled(worker_id: str, delivery: WebhookDelivery, reason: str) -> None:
    """Record a delivery no longer worth sending (its endpoint was disabled)."""
    _finish(worker_id, delivery, attempted=False, status="cancelled",
            last_error=reason[:MAX_ERROR_LENGTH])


def mark_retry(worker_id: str, delivery: WebhookDelivery, *, error: str,
               response_code: int | None, max_attempts: int, delay_seconds: float) -> str:
    """Try a failed delivery again after `delay_seconds`, or fail it when out of attempts.

    Returns "retried" or "failed".
    """
    attempts = delivery.attempts + 1
    if attempts >= max_attempts:
        _finish(worker_id, delivery, status="failed", last_response_code=response_code,
                last_error=f"gave up after {attempts} attempts: {error}"[:MAX_ERROR_LENGTH])
        return "failed"
    _finish(worker_id, delivery, status="pending", last_response_code=response_code,
            last_error=error[:MAX_ERROR_LENGTH],
            next_attempt_at=utcnow() + datetime.timedelta(seconds=delay_seconds))
    return "retried"

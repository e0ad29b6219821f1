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
import ipaddress
import socket
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


def address_is_public(address: str) -> bool:
    """True for an IP address on the public internet: not loopback, private, link-local,
    multicast, reserved, unspecified or shared (carrier-grade NAT) space."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback
                                 or ip.is_link_local or ip.is_private or ip.is_unspecified)


def resolve(host: str, port: int | None) -> list[str]:
    """Every address a host name (or literal) resolves to; [] when it resolves to none."""
    try:
        found = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(sockaddr[0]) for _family, _type, _proto, _name, sockaddr in found})


def check_destination(host: str, port: int | None) -> None:
    """Refuse a host that is, or resolves to, an address that is not public (a webhook must
    never make the worker reach the business's own network or this machine)."""
    addresses = resolve(host, port)
    if not addresses:
        raise ValidationError(N_("This host name could not be found."), field="url")
    blocked = [address for address in addresses if not address_is_public(address)]
    if blocked:
        raise ValidationError(
            N_("%(host)s is a private, loopback or reserved address (%(address)s): webhooks "
               "are sent to public addresses only."), field="url", host=host[:100],
            address=blocked[0])


def check_url(value, allow_private: bool = False) -> str:
    """A webhook URL: absolute https (http too when `allow_private`), with a public host,
    without credentials or a fragment.

    Endpoints are registered by the organization's admins only; other schemes (file:, ftp:,
    gopher:...) are refused so a URL can never make the worker read or talk anything but HTTP.
    Unless `allow_private` (WEBHOOK_ALLOW_PRIVATE_ADDRESSES, for development and tests), the
    host must resolve to public addresses only; the worker checks again at each delivery,
    against the address it actually connects to (a DNS answer can change meanwhile).
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
    if not allow_private:
        if parts.scheme.lower() != "https":
            raise ValidationError(N_("Use an https URL: events carry your customers' data."),
                                  field="url")
        check_destination(parts.hostname, port)
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

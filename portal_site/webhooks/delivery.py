"""POSTs due webhook deliveries, signed, with the mail worker's timeout, retries and backoff.

Called from the outbox worker's loop (`deliver_due(worker)`); `worker` is anything with the
worker's `config` (MAIL_TIMEOUT, MAIL_MAX_ATTEMPTS, MAIL_RETRY_BASE_SECONDS,
MAIL_RETRY_MAX_SECONDS, MAIL_BATCH_SIZE, MAIL_LEASE_SECONDS), `worker_id` and `stop` event.
The state changes (claim, delivered, retry, failed) live in core.webhooks.

Each attempt sends the same body and `Doorstep-Event-Id`, and a fresh signature:
`Doorstep-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Redirects
are not followed (a 3xx is a failed attempt), proxies from the environment are not used, and
only http and https URLs are ever opened. Unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on, the
worker connects only to public addresses, checked on the address it actually connects to
(a host name that resolved to a public address at registration and to 127.0.0.1 now, as in
DNS rebinding, is refused).
"""

import datetime
import http.client
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from core import outbox, webhooks
from core.events import event_body

log = logging.getLogger("doorstep.webhooks")

USER_AGENT = "Doorstep-Webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024  # read (and forget) at most this much of an answer


@dataclass
class Attempt:
    """What one POST came to: the status code (None without an answer) and an error text."""

    code: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        """True for a 2xx answer."""
        return self.code is not None and 200 <= self.code < 300


class BlockedAddressError(OSError):
    """The endpoint's host resolves only to addresses the worker may not connect to."""


def guarded_connector(allow_private: bool):
    """socket.create_connection for http.client that connects to public addresses only
    (any address when `allow_private`), checking the peer of the socket it connected."""

    def create_connection(address, timeout=None, source_address=None, *args, **kwargs):
        host, port = address
        last_error: OSError | None = None
        blocked = []
        for family, kind, proto, _name, sockaddr in socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM):
            if not allow_private and not webhooks.address_is_public(str(sockaddr[0])):
                blocked.append(str(sockaddr[0]))
                continue
            sock = socket.socket(family, kind, proto)
            try:
                if isinstance(timeout, int | float):
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                peer = str(sock.getpeername()[0])
                if not allow_private and not webhooks.address_is_public(peer):
                    raise BlockedAddressError(f"connected to {peer}, not a public address")
                return sock
            except OSError as error:
                sock.close()
                last_error = error
        if last_error is None and blocked:
            raise BlockedAddressError(
                f"refused: {host} resolves to {blocked[0]}, not a public address "
                "(WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off)")
        raise last_error or OSError(f"{host} resolves to no address")

    return create_connection


def post(url: str, body: bytes, headers: dict[str, str], timeout: float,
         allow_private: bool = False) -> Attempt:
    """POST `body` to `url` once; never raises for a network failure."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        return Attempt(None, f"refused to open {scheme or 'a relative'} URL")
    if scheme == "http" and not allow_private:
        return Attempt(None, "refused: http without TLS (WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    # http.client opens its socket through this attribute (HTTPS wraps the same socket).
    connection._create_connection = guarded_connector(allow_private)  # type: ignore[attr-defined]
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        if 200 <= response.status < 300:
            return Attempt(response.status)
        return Attempt(response.status, f"HTTP {response.status} {response.reason}"[:200])
    except TimeoutError:
        return Attempt(None, f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException, ValueError) as error:
        detail = str(error)
        return Attempt(None, f"{type(error).__name__}: {detail}" if detail
                       else type(error).__name__)
    finally:
        connection.close()


def headers_for(delivery, body: bytes, now: float | None = None) -> dict[str, str]:
    """The headers of one attempt, signed with the endpoint's secret at the current time."""
    secret = webhooks.endpoint_secret(delivery.endpoint.secret_nonce)
    timestamp = int(now if now is not None else time.time())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        webhooks.EVENT_ID_HEADER: delivery.event.public_id,
        webhooks.SIGNATURE_HEADER: webhooks.sign(secret, timestamp, body),
    }


def deliver(worker, delivery) -> str:
    """Attempt one claimed delivery and record its outcome; returns what became of it."""
    config = worker.config
    if not delivery.endpoint.is_active:
        webhooks.mark_cancelled(worker.worker_id, delivery, "the endpoint is disabled")
        return "cancelled"
    body = event_body(delivery.event)
    attempt = post(delivery.endpoint.url, body, headers_for(delivery, body),
                   float(config["MAIL_TIMEOUT"]),
                   bool(config.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)))
    if attempt.delivered:
        webhooks.mark_delivered(worker.worker_id, delivery, attempt.code)
        log.info("delivered %s to endpoint #%s (%s)", delivery.event.public_id,
                 delivery.endpoint_id, attempt.code)
        return "delivered"
    delay = outbox.retry_delay(delivery.attempts + 1, config["MAIL_RETRY_BASE_SECONDS"],
                                    config["MAIL_RETRY_MAX_SECONDS"])
    outcome = webhooks.mark_retry(worker.worker_id, delivery, error=attempt.error,
                                  response_code=attempt.code,
                                  max_attempts=config["MAIL_MAX_ATTEMPTS"],
                                  delay_seconds=delay)
    log.info("%s %s to endpoint #%s: %s", outcome, delivery.event.public_id,
             delivery.endpoint_id, attempt.error)
    return outcome


def deliver_due(worker, due_before: datetime.datetime | None = None) -> int:
    """Claim and attempt a batch of due deliveries; returns how many were claimed."""
    config = worker.config
    batch = webhooks.claim_deliveries(worker.worker_id,
                                      batch_size=int(config["MAIL_BATCH_SIZE"]),
                                      lease_seconds=float(config["MAIL_LEASE_SECONDS"]),
                                      due_before=due_before)
    # Stop taking new deliveries well before another worker may take over the claim.
    deadline = time.monotonic() + float(config["MAIL_LEASE_SECONDS"]) / 2
    done = 0
    try:
        for delivery in batch:
            if worker.stop.is_set() or time.monotonic() > deadline:
                break
            done += 1
            try:
                deliver(worker, delivery)
            except Exception:  # a bug or a database hiccup: the lease hands it on later
                log.exception("could not deliver webhook #%s", delivery.id)
    finally:
        webhooks.release_deliveries(worker.worker_id, batch[done:])
    return len(batch)

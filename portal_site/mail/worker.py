"""The outbox worker: claims due messages, sends them through Flask-Mail, records each outcome.

A message is claimed (status `sending`, `claimed_by` this worker) in a short transaction — on
PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several workers split the work; on SQLite under
the write lock taken at BEGIN, so a second worker waits its turn. One SMTP connection serves a
batch. Transient failures (no connection, timeouts, 4xx replies) go back to the queue with
exponential backoff; permanent ones (5xx replies, an invalid address) fail at once; after
MAIL_MAX_ATTEMPTS a message fails for good. A claim older than MAIL_LEASE_SECONDS belongs to a
worker that died and is taken over; the stored Message-ID stays the same on every attempt, so a
resend after an unknown outcome can be recognised by the receiving side.
"""

import datetime
import email.policy
import logging
import os
import signal
import smtplib
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from email.header import Header
from email.utils import quote

import flask_mail
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask_mail import Message

from core import db
from core.models import Organization, OutboxMessage, utcnow
from portal_site.mail.render import UndeliverableError, render
from portal_site.webhooks import delivery as webhook_delivery

log = logging.getLogger("doorstep.mail")

# Settings the worker reads from app.config; each can also come from the environment.
MAIL_DEFAULTS = {
    "MAIL_TIMEOUT": 10.0,              # seconds for the connection and for every SMTP reply
    "MAIL_BATCH_SIZE": 50,             # messages claimed (and sent over one connection) at once
    "MAIL_MAX_ATTEMPTS": 8,            # then a transiently failing message fails for good
    "MAIL_RETRY_BASE_SECONDS": 30.0,   # first retry delay; doubles with every attempt ...
    "MAIL_RETRY_MAX_SECONDS": 3600.0,  # ... up to this
    "MAIL_LEASE_SECONDS": 300.0,       # a claim older than this is taken over
    "MAIL_POLL_SECONDS": 2.0,          # idle wait between looks at the outbox
}
MAX_ERROR_LENGTH = 1000


def configure(app: Flask) -> None:
    """Fill the worker's settings into app.config (environment, else the defaults)."""
    for key, default in MAIL_DEFAULTS.items():
        if key not in app.config:
            app.config[key] = type(default)(os.environ.get(key, default))


# -- SMTP --------------------------------------------------------------------------------------

class TimedConnection(flask_mail.Connection):
    """Flask-Mail's connection, with a socket timeout on connecting and on every reply."""

    def configure_host(self) -> smtplib.SMTP:
        """Connect, say hello, STARTTLS and log in as Flask-Mail would, with MAIL_TIMEOUT."""
        timeout = current_app.config["MAIL_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host

    def open(self) -> "TimedConnection":
        """Open the SMTP session."""
        self.host = self.configure_host()
        self.num_emails = 0
        return self

    def close(self) -> None:
        """End the session politely if the server still listens, and drop the socket."""
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()
        self.host = None


# Flask-Mail's headers are already RFC 2047-encoded strings; compat32 writes them as they are,
# about twice as fast as policy.SMTP, which parses every header again on the way out.
WIRE_POLICY = email.policy.compat32.clone(linesep="\r\n")


class OutboxEmail(Message):
    """A Flask-Mail message with the outbox's Message-ID, serialised quickly."""

    def __init__(self, message_id: str, **kwargs):
        super().__init__(**kwargs)
        self.msgId = message_id  # the same on every attempt

    def as_bytes(self) -> bytes:
        """The message as sent on the wire (CRLF line ends)."""
        mime = self._message()
        mime.policy = WIRE_POLICY
        if not self.subject.isascii():
            # compat32 would fold the pre-encoded subject after an empty first line.
            mime.replace_header("Subject", Header(self.subject, "utf-8"))
        return mime.as_bytes()


class InvalidAddressError(ValueError):
    """The recipient is not a usable email address."""


def _check_address(address: str) -> None:
    try:
        validate_email(address or "", check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise InvalidAddressError(f"invalid recipient address {address!r}: {error}") from None


def _reply_code(error: BaseException) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return max(codes) if codes else None
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


def is_permanent(error: BaseException) -> bool:
    """True for a failure a retry cannot fix: a 5xx reply, an invalid address or header."""
    code = _reply_code(error)
    if code is not None:
        return 500 <= code < 600
    return isinstance(error, InvalidAddressError | flask_mail.BadHeaderError
                      | smtplib.SMTPNotSupportedError | UnicodeError)


def keeps_connection(error: BaseException) -> bool:
    """True when the SMTP session is still usable after this error (the server answered)."""
    code = _reply_code(error)
    if code is not None:
        return code != 421 and code > 0  # 421: the server is closing the channel
    return isinstance(error, InvalidAddressError | flask_mail.BadHeaderError
                      | smtplib.SMTPNotSupportedError | UnicodeError)


def describe(error: BaseException) -> str:
    """A one-line account of a failure for `last_error` (never a link or a token)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_text(error.smtp_error)}"
    else:
        detail = str(error)
        text = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return text[:MAX_ERROR_LENGTH]


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after the given number of failed attempts: base x 2^(attempts-1)."""
    return min(base * 2 ** max(attempts - 1, 0), cap)


# -- the worker --------------------------------------------------------------------------------

@dataclass
class BatchResult:
    """What one batch came to."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0


class OutboxWorker:
    """Claims batches of due messages and sends them; `stop` ends it between two messages."""

    def __init__(self, app: Flask, worker_id: str | None = None,
                 stop: threading.Event | None = None):
        configure(app)
        self.app = app
        self.config = app.config
        self.worker_id = worker_id or (
            f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
        self.stop = stop or threading.Event()
        self._organizations: dict[int, Organization] = {}

    # claiming and releasing

    def claim(self, due_before: datetime.datetime | None = None) -> list[OutboxMessage]:
        """Take up to a batch of due messages (and messages whose claim expired) for this worker."""
        now = utcnow()
        due_before = due_before or now
        expired = now - datetime.timedelta(seconds=self.config["MAIL_LEASE_SECONDS"])
        with db.transaction():
            query = (OutboxMessage
                     .select(OutboxMessage.id)
                     .where(((OutboxMessage.status == "queued")
                             & (OutboxMessage.next_attempt_at <= due_before))
                            | ((OutboxMessage.status == "sending")
                               & (OutboxMessage.claimed_at < expired)))
                     .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                     .limit(self.config["MAIL_BATCH_SIZE"]))
            if db.is_postgres():
                # Rows another worker is claiming right now are skipped, not waited for.
                query = query.for_update(skip_locked=True)
            ids = [row.id for row in query]
            if not ids:
                return []
            (OutboxMessage
             .update(status="sending", claimed_by=self.worker_id, claimed_at=now)
             .where(OutboxMessage.id.in_(ids))
             .execute())
            return list(OutboxMessage.select()
                        .where(OutboxMessage.id.in_(ids))
                        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id))

    def release(self, messages: list[OutboxMessage]) -> int:
        """Give claimed, unsent messages back to the queue as they were; returns how many."""
        if not messages:
            return 0
        return (OutboxMessage
                .update(status="queued", claimed_by="", claimed_at=None)
                .where(OutboxMessage.id.in_([m.id for m in messages]),
                       OutboxMessage.status == "sending",
                       OutboxMessage.claimed_by == self.worker_id)
                .execute())

    def _finish(self, message: OutboxMessage, **fields) -> None:
        fields.update(attempts=message.attempts + 1, claimed_by="", claimed_at=None)
        with db.transaction():
            if db.is_postgres():
                # Not waiting for the WAL flush makes an outcome 5-10x cheaper to record; only a
                # crash of the database server itself (not of this worker) within a fraction of
                # a second could forget it, and the message would then be sent again.
                db.database.execute_sql("SET LOCAL synchronous_commit TO OFF")
            # Only while the claim is still ours: a worker that outlived its lease changes nothing.
            (OutboxMessage
             .update(**fields)
             .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == self.worker_id,
                    OutboxMessage.status == "sending")
             .execute())

    def mark_sent(self, message: OutboxMessage) -> None:
        """Record a delivered message."""
        self._finish(message, status="sent", sent_at=utcnow(), last_error="")
        log.info("sent #%s %s to %s", message.id, message.kind, message.recipient)

    def mark_failed(self, message: OutboxMessage, error: str) -> None:
        """Record a message that will not be sent."""
        self._finish(message, status="failed", last_error=error[:MAX_ERROR_LENGTH])
        log.warning("failed #%s %s to %s: %s", message.id, message.kind, message.recipient,
                    error)

    def mark_cancelled(self, message: OutboxMessage, reason: str) -> None:
        """Record a message that is no longer worth sending."""
        self._finish(message, status="cancelled", last_error=reason[:MAX_ERROR_LENGTH])
        log.info("cancelled #%s %s to %s: %s", message.id, message.kind, message.recipient,
                 reason)

    def mark_retry(self, message: OutboxMessage, error: str) -> str:
        """Queue a transiently failed message again later, or fail it when out of attempts."""
        attempts = message.attempts + 1
        if attempts >= self.config["MAIL_MAX_ATTEMPTS"]:
            self.mark_failed(message, f"gave up after {attempts} attempts: {error}")
            return "failed"
        delay = retry_delay(attempts, self.config["MAIL_RETRY_BASE_SECONDS"],
                            self.config["MAIL_RETRY_MAX_SECONDS"])
        self._finish(message, status="queued", last_error=error[:MAX_ERROR_LENGTH],
                     next_attempt_at=utcnow() + datetime.timedelta(seconds=delay))
        log.info("retry #%s %s to %s in %.0f s: %s", message.id, message.kind,
                 message.recipient, delay, error)
        return "retried"

    def _record_error(self, message: OutboxMessage, error: BaseException,
                      result: BatchResult) -> None:
        if is_permanent(error):
            self.mark_failed(message, describe(error))
            result.failed += 1
        elif self.mark_retry(message, describe(error)) == "retried":
            result.retried += 1
        else:
            result.failed += 1

    # composing and sending

    def _organization(self, organization_id: int) -> Organization:
        if organization_id not in self._organizations:
            organization = Organization.get_or_none(Organization.id == organization_id)
            if organization is None:
                raise UndeliverableError("the organization no longer exists")
            self._organizations[organization_id] = organization
        return self._organizations[organization_id]

    def compose(self, message: OutboxMessage) -> OutboxEmail:
        """The Flask-Mail message for an outbox row, rendered in its language."""
        _check_address(message.recipient)
        organization = self._organization(message.organization_id)
        subject, text, html = render(message, organization)
        return OutboxEmail(
            message.message_id,
            subject=subject, recipients=[message.recipient], body=text, html=html,
            # Quoted here: Flask-Mail would split a name with a comma ("Acme, Inc.") in two.
            sender=f'"{quote(organization.name)}" <{self.config["MAIL_DEFAULT_SENDER"]}>',
            reply_to=organization.email or None,
            extra_headers={"Content-Language": message.language,
                           "Auto-Submitted": "auto-generated"})

    def send_batch(self, messages: list[OutboxMessage]) -> BatchResult:
        """Send claimed messages over one SMTP connection; release what a stop leaves unsent."""
        result = BatchResult()
        self._organizations.clear()
        started = time.monotonic()
        # Stop taking new messages well before another worker may take over the claim.
        deadline = started + self.config["MAIL_LEASE_SECONDS"] / 2
        connection: TimedConnection | None = None
        done = 0
        try:
            for message in messages:
                if self.stop.is_set() or time.monotonic() > deadline:
                    break
                done += 1
                try:
                    outgoing = self.compose(message)
                except UndeliverableError as error:
                    # Nothing went wrong: the email became pointless (a newer link replaced
                    # it, or it was used already), so it is cancelled rather than failed.
                    self.mark_cancelled(message, f"not sent: {error}")
                    continue
                except InvalidAddressError as error:
                    self.mark_failed(message, f"not sent: {error}")
                    result.failed += 1
                    continue
                except Exception as error:  # a bug or a database hiccup: retry later
                    log.exception("could not render #%s %s", message.id, message.kind)
                    self._record_error(message, error, result)
                    continue
                if connection is None:
                    try:
                        connection = TimedConnection(
                            current_app.extensions["mail"]).open()
                    except Exception as error:
                        # Nothing in this batch can go out; each counts a failed attempt.
                        reason = f"cannot connect to the mail server: {describe(error)}"
                        for waiting in messages[done - 1:]:
                            if self.mark_retry(waiting, reason) == "retried":
                                result.retried += 1
                            else:
                                result.failed += 1
                        done = len(messages)
                        break
                try:
                    connection.send(outgoing)
                except Exception as error:
                    self._record_error(message, error, result)
                    if not keeps_connection(error):
                        connection.close()
                        connection = None
                else:
                    self.mark_sent(message)
                    result.sent += 1
        finally:
            if connection is not None:
                connection.close()
            result.released = self.release(messages[done:])
        return result

    def run(self, once: bool = False) -> Counter:
        """Send until stopped; with `once`, send what is due now and return. Returns totals."""
        totals: Counter = Counter()
        started = utcnow()
        while not self.stop.is_set():
            try:
                with db.connection():
                    batch = self.claim(due_before=started if once else None)
                    if batch:
                        result = self.send_batch(batch)
                        totals.update(sent=result.sent, retried=result.retried,
                                      failed=result.failed, released=result.released)
                    webhooks = webhook_delivery.deliver_due(self, started if once else None)
            except Exception:
                if once:
                    raise
                # A database restart must not end a long-running worker; claims expire anyway.
                log.exception("mail worker: this round failed; trying again shortly")
                self.stop.wait(max(self.config["MAIL_POLL_SECONDS"], 5.0))
                continue
            if not batch and not webhooks:
                if once:
                    break
                self.stop.wait(self.config["MAIL_POLL_SECONDS"])
        return totals


def run_worker(once: bool = False, app: Flask | None = None,
               stop: threading.Event | None = None) -> int:
    """Run the outbox worker (the `doorstep worker` command); returns the exit code.

    SIGTERM and SIGINT finish the message being sent, give the rest of the batch back to the
    queue, and exit 0.
    """
    if app is None:
        from portal_site import create_app

        app = create_app()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    worker = OutboxWorker(app, stop=stop)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: worker.stop.set())
    try:
        with app.app_context():
            log.info("mail worker %s started (%s)", worker.worker_id,
                     "sending what is due, then exiting" if once else "polling")
            totals = worker.run(once=once)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("mail worker %s stopped: %d sent, %d to retry, %d failed, %d given back",
             worker.worker_id, totals["sent"], totals["retried"], totals["failed"],
             totals["released"])
    return 0

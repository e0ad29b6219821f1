"""The outbox worker: renders due messages and sends them through Flask-Mail.

The outbox's states live in `core.outbox` (claim with `FOR UPDATE SKIP LOCKED`, release, sent,
failed, cancelled, retry with backoff); this module renders and speaks SMTP. One SMTP connection
serves a batch. Transient failures (timeouts, 4xx replies) go back to the queue with exponential
backoff; permanent ones (5xx replies, an invalid address) fail at once; after MAIL_MAX_ATTEMPTS
a message fails for good. When the mail server cannot be reached, the message that tried is
charged an attempt and the rest of the batch waits as long, charged nothing. When the database
fails mid-batch, the worker reconnects, records the outcome of the message in flight, and gives
the rest of the batch back at once. A claim older than MAIL_LEASE_SECONDS belongs to a worker
that died and is taken over; the stored Message-ID stays the same on every attempt, so a resend
after an unknown outcome can be recognised by the receiving side.
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
from collections.abc import Callable
from dataclasses import dataclass
from email.header import Header
from email.utils import quote

import flask_mail
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask_mail import Message
from peewee import DatabaseError, InterfaceError

from core import db, outbox, throttle
from core.config import load_settings
from core.events import prune_events
from core.models import Organization, OutboxMessage, utcnow
from portal_site.mail.render import UndeliverableError, attachments, render
from portal_site.webhooks import delivery as webhook_delivery

log = logging.getLogger("doorstep.mail")

MAX_ERROR_LENGTH = outbox.MAX_ERROR_LENGTH
# A driver error of either engine, as peewee raises it (a lost connection, a locked or
# read-only database, a failed statement).
DATABASE_ERRORS = (DatabaseError, InterfaceError)
# Waits between tries to record an outcome after the database failed (about 15 s in all):
# a failover or restart is over by then; past it the claim expires and the lease decides.
RECORD_RETRY_WAITS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)
PRUNE_INTERVAL_SECONDS = 3600.0


def configure(app: Flask) -> None:
    """Fill the worker's settings (core.config.Settings) into app.config where not set."""
    settings = load_settings()
    for key, value in settings.mail_worker_config().items():
        app.config.setdefault(key, value)
    app.config.setdefault("WEBHOOK_ALLOW_PRIVATE_ADDRESSES",
                          settings.webhook_allow_private_addresses)
    app.config.setdefault("EVENT_RETENTION_DAYS", settings.event_retention_days)


class DatabaseUnavailableError(Exception):
    """The database failed and could not be reached again to record an outcome."""


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


# -- the worker --------------------------------------------------------------------------------

@dataclass
class BatchResult:
    """What one batch came to."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0
    postponed: int = 0


class OutboxWorker:
    """Claims batches of due messages and sends them; `stop` ends it between two messages.

    `due_work` lists one function per kind of work the loop does (sending mail, pruning old
    events); each takes the time up to which work counts as due (None: now) and returns a
    Counter of what it did, empty when nothing was due. `lane_work` runs in a thread of its
    own with its own loop and connection (webhooks: an endpoint that hangs until the timeout
    must not hold the mail back); with `once`, everything runs in turn in the caller's thread.
    """

    def __init__(self, app: Flask, worker_id: str | None = None,
                 stop: threading.Event | None = None):
        configure(app)
        self.app = app
        self.config = app.config
        self.worker_id = worker_id or (
            f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
        self.stop = stop or threading.Event()
        self.policy = outbox.RetryPolicy(
            base_seconds=float(self.config["MAIL_RETRY_BASE_SECONDS"]),
            max_seconds=float(self.config["MAIL_RETRY_MAX_SECONDS"]),
            max_attempts=int(self.config["MAIL_MAX_ATTEMPTS"]))
        self._organizations: dict[int, Organization] = {}
        self._database_failed = False
        self.due_work: list[Callable[[object], Counter]] = [self.send_due_mail,
                                                            self.prune_expired]
        self.lane_work: list[Callable[[object], Counter]] = [self.deliver_due_webhooks]
        self._next_prune = 0.0

    # the database

    def _reconnect(self) -> None:
        """Drop the thread's connection (it may be dead) and open a new one."""
        try:
            db.database.close()
        except DATABASE_ERRORS:
            pass
        db.database.connect(reuse_if_open=True)

    def _record(self, change: Callable, *args):
        """Apply one outbox change; after a database error, reconnect and apply it again.

        Every change checks that the claim is still this worker's, so applying one twice (the
        first went through but its answer was lost) changes nothing more.
        """
        error: BaseException | None = None
        for wait in (None, *RECORD_RETRY_WAITS):
            if wait is not None:
                self._database_failed = True
                time.sleep(wait)
                try:
                    self._reconnect()
                except DATABASE_ERRORS as reconnect_error:
                    error = reconnect_error
                    continue
            try:
                return change(self.worker_id, *args)
            except DATABASE_ERRORS as failure:
                error = failure
                log.warning("mail worker: the database failed (%s); reconnecting",
                            describe(failure))
        raise DatabaseUnavailableError(f"cannot record the outbox: {describe(error)}") from error

    def claim(self, due_before=None) -> list[OutboxMessage]:
        """Take up to a batch of due messages (and messages whose claim expired)."""
        return outbox.claim(self.worker_id, limit=int(self.config["MAIL_BATCH_SIZE"]),
                            lease_seconds=float(self.config["MAIL_LEASE_SECONDS"]),
                            due_before=due_before)

    def _record_error(self, message: OutboxMessage, error: BaseException,
                      result: BatchResult) -> None:
        if is_permanent(error):
            self._record(outbox.mark_failed, message, describe(error))
            result.failed += 1
        elif self._record(outbox.mark_retry, message, describe(error),
                          self.policy) == "retried":
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
        outgoing = OutboxEmail(
            message.message_id,
            subject=subject, recipients=[message.recipient], body=text, html=html,
            # Quoted here: Flask-Mail would split a name with a comma ("Acme, Inc.") in two.
            sender=f'"{quote(organization.name)}" <{self.config["MAIL_DEFAULT_SENDER"]}>',
            reply_to=organization.email or None,
            extra_headers={"Content-Language": message.language,
                           "Auto-Submitted": "auto-generated"})
        for attachment in attachments(message, organization):
            outgoing.attach(attachment.filename, attachment.content_type, attachment.data)
        return outgoing

    def send_batch(self, messages: list[OutboxMessage]) -> BatchResult:
        """Send claimed messages over one SMTP connection; give back what is left untried."""
        result = BatchResult()
        self._organizations.clear()
        self._database_failed = False
        # Stop taking new messages well before another worker may take over the claim.
        deadline = time.monotonic() + float(self.config["MAIL_LEASE_SECONDS"]) / 2
        connection: TimedConnection | None = None
        untried = list(messages)
        try:
            while untried and not self._database_failed:
                if self.stop.is_set() or time.monotonic() > deadline:
                    break
                message = untried[0]
                try:
                    outgoing = self.compose(message)
                except UndeliverableError as error:
                    # Nothing went wrong: the email became pointless (a newer link replaced
                    # it, or it was used already), so it is cancelled rather than failed.
                    untried.pop(0)
                    self._record(outbox.mark_cancelled, message, f"not sent: {error}")
                    result.cancelled += 1
                    continue
                except InvalidAddressError as error:
                    untried.pop(0)
                    self._record(outbox.mark_failed, message, f"not sent: {error}")
                    result.failed += 1
                    continue
                except DATABASE_ERRORS as error:
                    # The database failed, not the message: it goes back with the rest, as it
                    # was, once the database answers again.
                    log.warning("could not render #%s %s: the database failed (%s)",
                                message.id, message.kind, describe(error))
                    self._database_failed = True
                    break
                except Exception as error:  # a bug in a template: retry later
                    untried.pop(0)
                    log.exception("could not render #%s %s", message.id, message.kind)
                    self._record_error(message, error, result)
                    continue
                untried.pop(0)
                if connection is None:
                    try:
                        connection = TimedConnection(current_app.extensions["mail"]).open()
                    except Exception as error:
                        # This message was tried and counts an attempt; the rest were not:
                        # they wait as long as it does, charged nothing (a superseded
                        # invitation among them is still cancelled when its turn comes).
                        reason = f"cannot connect to the mail server: {describe(error)}"
                        if self._record(outbox.mark_retry, message, reason,
                                        self.policy) == "retried":
                            result.retried += 1
                        else:
                            result.failed += 1
                        result.postponed = self._record(
                            outbox.postpone, untried, self.policy.delay(message.attempts + 1),
                            f"not tried yet: {reason}")
                        untried = []
                        break
                try:
                    connection.send(outgoing)
                except Exception as error:
                    self._record_error(message, error, result)
                    if not keeps_connection(error):
                        connection.close()
                        connection = None
                else:
                    self._record(outbox.mark_sent, message)
                    result.sent += 1
        finally:
            if connection is not None:
                connection.close()
            if untried:
                result.released = self._record(outbox.release, untried)
        return result

    def deliver_due_webhooks(self, due_before=None) -> Counter:
        """POST one batch of due webhook deliveries; counts how many were claimed."""
        claimed = webhook_delivery.deliver_due(self, due_before)
        return Counter(webhooks=claimed) if claimed else Counter()

    def send_due_mail(self, due_before=None) -> Counter:
        """Claim one batch of due mail and send it; what it came to (empty: nothing due)."""
        batch = self.claim(due_before=due_before)
        if not batch:
            return Counter()
        result = self.send_batch(batch)
        return Counter({key: value for key, value in vars(result).items() if value})

    def prune_expired(self, due_before=None) -> Counter:
        """Once an hour: delete events past EVENT_RETENTION_DAYS (their deliveries with them)
        and rate-limit counts past their windows."""
        if time.monotonic() < self._next_prune:
            return Counter()
        self._next_prune = time.monotonic() + PRUNE_INTERVAL_SECONDS
        cutoff = utcnow() - datetime.timedelta(days=int(self.config["EVENT_RETENTION_DAYS"]))
        events = prune_events(cutoff)
        counts = throttle.prune()
        if events:
            log.info("pruned %d events older than %s", events, cutoff.date())
        return Counter({key: value for key, value in
                        (("pruned_events", events), ("pruned_rate_counts", counts)) if value})

    def run(self, once: bool = False) -> Counter:
        """Work until stopped; with `once`, do what is due now and return. Returns totals."""
        if once:
            return self._loop(self.due_work + self.lane_work, once=True)
        lane_totals: Counter = Counter()

        def lane(work) -> None:
            with self.app.app_context():
                lane_totals.update(self._loop([work], once=False))

        lanes = [threading.Thread(target=lane, args=(work,), daemon=True,
                                  name=f"worker-{work.__name__}") for work in self.lane_work]
        for thread in lanes:
            thread.start()
        try:
            totals = self._loop(self.due_work, once=False)
        finally:
            self.stop.set()
            for thread in lanes:
                # A lane may be waiting on an endpoint: at most its timeout, then it stops.
                thread.join(timeout=float(self.config["MAIL_TIMEOUT"]) + 5.0)
        return totals + lane_totals

    def _loop(self, due_work: list, once: bool) -> Counter:
        totals: Counter = Counter()
        started = utcnow()
        while not self.stop.is_set():
            busy = False
            for work in due_work:
                try:
                    with db.connection():
                        done = work(started if once else None)
                except Exception:
                    if once:
                        raise
                    # A database restart must not end a long-running worker; claims expire
                    # anyway. The next round starts on a new connection.
                    log.exception("mail worker: this round failed; trying again shortly")
                    try:
                        db.database.close()
                    except DATABASE_ERRORS:
                        pass
                    self.stop.wait(max(float(self.config["MAIL_POLL_SECONDS"]), 5.0))
                    busy = True
                    break
                totals.update(done)
                busy = busy or bool(done)
            if not busy:
                if once:
                    break
                self.stop.wait(float(self.config["MAIL_POLL_SECONDS"]))
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

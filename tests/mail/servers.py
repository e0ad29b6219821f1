"""Real SMTP servers on loopback for the mail tests (aiosmtpd), a server that never answers,
and small helpers around the outbox worker."""

import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller

from core.models import OutboxMessage, utcnow
from portal_site.mail.worker import run_worker

# Fast retries and short timeouts: the behaviour under test, not the production pacing.
TEST_MAIL_CONFIG = {
    "MAIL_TIMEOUT": 1.0,
    "MAIL_RETRY_BASE_SECONDS": 30.0,
    "MAIL_RETRY_MAX_SECONDS": 3600.0,
    "MAIL_MAX_ATTEMPTS": 8,
    "MAIL_BATCH_SIZE": 50,
    "MAIL_POLL_SECONDS": 0.05,
    "MAIL_DEFAULT_SENDER": "portal@acme.example",
    "PORTAL_BASE_URL": "https://portal.example.test",
}


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that accepts every message and keeps it, parsed."""

    def __init__(self, delay: float = 0.0):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.delay = delay
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(parsed)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 Message accepted"

    def message_ids(self) -> list[str]:
        """The Message-ID of everything received, in arrival order (duplicates kept)."""
        with self._lock:
            return [m["Message-ID"] for m in self.messages]

    def by_recipient(self, address: str) -> list[email.message.EmailMessage]:
        """Messages received for one address."""
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Block until `count` messages arrived (or fail)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} arrived"
            time.sleep(0.02)


class RefusingInbox(Inbox):
    """Answers RCPT for some addresses (all when `addresses` is None) with a fixed reply,
    `times` times per address (None: always), and accepts the rest."""

    def __init__(self, reply: str, addresses: set[str] | None = None, times: int | None = None):
        super().__init__()
        self.reply = reply
        self.addresses = addresses
        self.times = times
        self.refused: dict[str, int] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        targeted = self.addresses is None or address in self.addresses
        if targeted and (self.times is None or self.refused.get(address, 0) < self.times):
            self.refused[address] = self.refused.get(address, 0) + 1
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"


class ClosingInbox(Inbox):
    """Accepts `accept` messages, then answers every MAIL FROM with 421 (shutting down)."""

    def __init__(self, accept: int):
        super().__init__()
        self.accept = accept

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if len(self.messages) >= self.accept:
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        return "250 2.1.0 OK"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self, handler: Inbox, port: int | None = None):
        self.handler = handler
        self.port = port or free_port()
        self.controller: Controller | None = None

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     enable_SMTPUTF8=True)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class SilentServer:
    """Accepts TCP connections on loopback and never says a word."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def stop(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


def deliver(app) -> int:
    """Run `doorstep worker --once` in-process against `app`."""
    return run_worker(once=True, app=app)


def make_due() -> None:
    """Pretend every retry's wait is over."""
    OutboxMessage.update(next_attempt_at=utcnow()).where(
        OutboxMessage.status == "queued").execute()


def statuses() -> dict[str, int]:
    """How many outbox messages are in each status."""
    counts: dict[str, int] = {}
    for message in OutboxMessage.select(OutboxMessage.status):
        counts[message.status] = counts.get(message.status, 0) + 1
    return counts

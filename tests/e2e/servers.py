"""Real servers for browser tests: portal (gunicorn), console (streamlit), mail worker, and an
aiosmtpd server on loopback that keeps what it receives."""

import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


@dataclass
class SmtpServer:
    """A real SMTP server on loopback with the messages it received."""

    port: int
    inbox: _Inbox = field(default_factory=_Inbox)
    controller: Controller | None = None

    def start(self) -> "SmtpServer":
        """Start listening."""
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self.controller:
            self.controller.stop()

    def wait_for(self, recipient: str, subject_contains: str = "", timeout: float = 30,
                 after: int = 0) -> EmailMessage:
        """The first message to `recipient` (after the first `after` ones) once it arrives."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.inbox.lock:
                found = [m for m in self.inbox.messages
                         if recipient.lower() in str(m["To"]).lower()
                         and subject_contains in str(m["Subject"])]
            if len(found) > after:
                return found[after]
            time.sleep(0.25)
        raise AssertionError(f"no email to {recipient} ({subject_contains!r}) within {timeout}s")


def text_of(message: EmailMessage) -> str:
    """The plain-text part of an email."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def html_of(message: EmailMessage) -> str:
    """The HTML part of an email."""
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part else ""


def wait_http(url: str, timeout: float = 60) -> None:
    """Wait until `url` answers (any HTTP status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@dataclass
class Stack:
    """Everything a browser test talks to."""

    env: dict
    portal_url: str
    console_url: str
    smtp: SmtpServer
    processes: list = field(default_factory=list)
    logs: Path | None = None

    def doorstep(self, *args: str) -> str:
        """Run the doorstep command against the stack's database; returns stdout."""
        result = subprocess.run([sys.executable, "-m", "portal_site.cli", *args],
                                env=self.env, capture_output=True, text=True, timeout=120,
                                cwd=self.env["HOME_DIR"])
        assert result.returncode == 0, result.stderr
        return result.stdout

    def stop(self) -> None:
        """Stop every server."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.smtp.stop()


def start_stack(workdir: Path, extra_env: dict | None = None) -> Stack:
    """Migrate a fresh SQLite database in `workdir` and start every server on free ports
    (`extra_env`: more settings for them)."""
    portal_port, console_port, smtp_port = free_port(), free_port(), free_port()
    smtp = SmtpServer(smtp_port).start()
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"sqlite:///{workdir / 'e2e.db'}",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{portal_port}",
        "CONSOLE_URL": f"http://127.0.0.1:{console_port}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        # The test process's own key: links it derives and links the worker sends agree.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "e2e-secret",
        "DOORSTEP_INSTANCE": str(workdir / "instance"),
        # The worker's settings (core.config.Settings, MAIL_*): look often, retry soon.
        "MAIL_POLL_SECONDS": "0.5",
        "MAIL_RETRY_BASE_SECONDS": "1",
        "HOME_DIR": str(workdir),
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra_env or {})
    env.pop("TEST_DATABASE_URL", None)
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    stack = Stack(env, f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{console_port}",
                  smtp, logs=logs)
    stack.doorstep("migrate")

    def spawn(name: str, *command: str) -> None:
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - lives as long as the process
        stack.processes.append(subprocess.Popen(command, env=env, cwd=workdir, stdout=log,
                                                stderr=subprocess.STDOUT))

    spawn("portal", sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
          "--bind", f"127.0.0.1:{portal_port}", "portal_site:create_app()")
    spawn("console", sys.executable, "-m", "streamlit", "run",
          str(ROOT / "staff_dashboard" / "server.py"), "--server.headless", "true",
          "--server.port", str(console_port), "--server.address", "127.0.0.1",
          "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none")
    spawn("worker", sys.executable, "-m", "portal_site.cli", "worker")
    try:
        wait_http(stack.portal_url + "/")
        wait_http(stack.console_url + "/")
    except AssertionError:
        stack.stop()  # no server outlives a failed start
        raise AssertionError(f"the servers did not start; their logs are in {logs}") from None
    return stack

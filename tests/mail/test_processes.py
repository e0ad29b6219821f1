"""The worker and the catcher as the commands an operator runs."""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from core import db, outbox
from core.models import OutboxMessage
from tests.mail.servers import Inbox, deliver, free_port, statuses


def command_env(port: int, **extra) -> dict:
    """The environment of a `doorstep` command sending to 127.0.0.1:`port`."""
    return {**os.environ, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
            "MAIL_TIMEOUT": "5", "MAIL_POLL_SECONDS": "0.1",
            **{key: str(value) for key, value in extra.items()}}


def worker_process(port: int, *args: str, **extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "portal_site.cli", "worker", *args],
                            env=command_env(port, **extra), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def queue_notices(organization_id: int, count: int) -> None:
    with db.transaction():
        for i in range(count):
            outbox.enqueue(organization_id, "staff_signup", f"staff{i}@acme.example", "en",
                           contact_name=f"Contact {i}", customer_name=f"Customer {i}")


def test_worker_once_sends_what_is_due_and_exits_0(org, smtp):
    queue_notices(org.id, 5)

    process = worker_process(smtp.port, "--once")
    output, _ = process.communicate(timeout=60)

    assert process.returncode == 0, output
    assert statuses() == {"sent": 5}
    assert len(smtp.handler.messages) == 5


def test_two_worker_processes_over_500_messages_deliver_each_exactly_once(org, smtp):
    queue_notices(org.id, 500)

    processes = [worker_process(smtp.port, "--once", MAIL_BATCH_SIZE=20) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in processes]

    assert [p.returncode for p in processes] == [0, 0], outputs
    received = smtp.handler.message_ids()
    assert len(received) == 500
    assert sorted(received) == sorted(m.message_id for m in OutboxMessage.select())
    assert statuses() == {"sent": 500}


def test_sigterm_mid_batch_finishes_the_message_and_gives_the_rest_back(
        org, smtp_servers, make_app):
    slow = smtp_servers(Inbox(delay=0.2))
    queue_notices(org.id, 20)
    process = worker_process(slow.port)  # polling, not --once
    slow.handler.wait_for(3, timeout=60)

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)

    assert process.returncode == 0, output
    received = slow.handler.message_ids()
    assert 3 <= len(received) < 20
    sent = [m for m in OutboxMessage.select() if m.status == "sent"]
    assert sorted(m.message_id for m in sent) == sorted(received)  # finished, and recorded
    waiting = [m for m in OutboxMessage.select() if m.status != "sent"]
    assert {(m.status, m.attempts, m.claimed_by) for m in waiting} == {("queued", 0, "")}

    slow.handler.delay = 0
    deliver(make_app(slow.port))

    assert statuses() == {"sent": 20}
    assert sorted(slow.handler.message_ids()) == sorted(
        m.message_id for m in OutboxMessage.select())


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"nothing listens on {port}")
            time.sleep(0.05)


def test_the_catcher_keeps_each_message_as_an_eml_file_and_prints_a_line(
        tmp_path, make_customer, make_app):
    port = free_port()
    catcher = subprocess.Popen(
        [sys.executable, "-m", "portal_site.mail.catcher", "--port", str(port),
         "--dir", str(tmp_path / "mail")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port)
        make_customer(email="jonas@mueller.example", language="de", allow_portal_access=True)
        deliver(make_app(port))
    finally:
        catcher.send_signal(signal.SIGTERM)
        output, _ = catcher.communicate(timeout=20)

    assert catcher.returncode == 0, output
    (kept,) = list((tmp_path / "mail").glob("*.eml"))
    caught = email.message_from_bytes(kept.read_bytes(), policy=email.policy.default)
    assert caught["To"] == "jonas@mueller.example"
    assert caught["Content-Language"] == "de"
    assert "/accept/" in caught.get_body(("plain",)).get_content()
    assert "<html" in caught.get_body(("html",)).get_content()
    line = [line for line in output.splitlines() if "jonas@mueller.example" in line]
    assert len(line) == 1 and caught["Subject"] in line[0] and str(kept) in line[0]

"""A real HTTP receiver on loopback for webhook tests: answers as scripted, keeps every request."""

import http.server
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    """One request as it arrived: path, headers and the raw body bytes."""

    path: str
    headers: dict
    body: bytes


@dataclass
class Script:
    """What the receiver answers, request by request: a status code, or "hang" (no answer
    for `hang_seconds`); after the list runs out, `then`."""

    answers: list = field(default_factory=list)
    then: int = 200
    hang_seconds: float = 3.0

    def next(self):
        return self.answers.pop(0) if self.answers else self.then


class WebhookReceiver:
    """An http.server in a thread on 127.0.0.1; `stop()` closes the port, `start()` reopens it."""

    def __init__(self, script: Script | None = None, port: int = 0):
        self.script = script or Script()
        self.requests: list[Received] = []
        self.port = port
        self._server = None
        self._thread = None

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                answer = receiver.script.next()
                if answer == "hang":
                    time.sleep(receiver.script.hang_seconds)
                    return
                self.send_response(answer)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> "WebhookReceiver":
        """Listen (on the same port as before, when restarted)."""
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port),
                                                       self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections to the port are refused from now on."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    @property
    def url(self) -> str:
        """Where to deliver."""
        return f"http://127.0.0.1:{self.port}/hooks/doorstep"


def closed_port() -> int:
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

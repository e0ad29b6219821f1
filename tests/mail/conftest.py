"""Mail fixtures: SMTP servers on loopback and a portal app pointed at them."""

import pytest

from tests.mail.servers import TEST_MAIL_CONFIG, Inbox, SilentServer, SmtpServer


@pytest.fixture
def smtp_servers():
    """Start SMTP servers with `smtp_servers(handler, port=None)`; all stop after the test."""
    started: list = []

    def start(handler=None, port=None) -> SmtpServer:
        server = SmtpServer(handler or Inbox(), port).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def smtp(smtp_servers) -> SmtpServer:
    """A running server that accepts everything (its handler is `smtp.handler`)."""
    return smtp_servers()


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers."""
    server = SilentServer()
    yield server
    server.stop()


@pytest.fixture
def make_app():
    """A portal app (create_app) sending to 127.0.0.1:`port`, with test mail settings."""
    from portal_site import create_app

    def build(port: int, **config):
        return create_app({**TEST_MAIL_CONFIG, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                           **config})

    return build


@pytest.fixture
def mail_app(make_app, smtp):
    """An app whose mail goes to the `smtp` server."""
    return make_app(smtp.port)

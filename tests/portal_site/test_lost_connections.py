"""The database drops the portal's pooled connections (a failover, `idle_session_timeout`,
`pg_terminate_backend`; on SQLite a closed connection): no page and no form submission fails
for it, and a payment or a comment is recorded exactly once."""

import re

import pytest
from flask import request

from core import db
from core.models import Comment, Invoice, Payment
from tests.lost_connections import lose_current_connection, lose_every_connection
from tests.portal_site.conftest import Auth, Papers, text_of
from tests.portal_site.test_payments import GOOD_CARD


@pytest.fixture
def portal(pooled, make_active_contact, make_invoice, org):
    """A signed-in client of a portal app on the pool, with one of each document."""
    from portal_site import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    app.drops = []  # test_a_connection_dropped_right_after... sets it to drop each checkout

    @app.before_request
    def _drop_the_connection_just_checked_out():
        if app.drops:
            lose_current_connection(pooled)
            app.drops.append(request.path)

    contact = make_active_contact()
    papers = Papers(contact.customer, make_invoice)
    client = app.test_client()
    Auth(client, org).sign_in(contact)
    return app, client, papers


def _pages(org, papers) -> list[str]:
    base = f"/{org.slug}"
    return [f"{base}/", f"{base}/invoices", f"{base}/invoices/{papers.invoice.id}",
            f"{base}/quotes/{papers.quote.id}", f"{base}/orders", f"{base}/shipments",
            f"{base}/statement", f"{base}/payments", f"{base}/profile"]


def _pay(client, org, invoice, amount: str):
    form = client.get(f"/{org.slug}/invoices/{invoice.id}/pay")
    assert form.status_code == 200
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"',
                    text_of(form)).group(1)
    return key, {**GOOD_CARD, "amount": amount, "idempotency_key": key}


def test_pages_and_submissions_survive_connections_dropped_while_idle_in_the_pool(
        portal, pooled, org):
    _app, client, papers = portal
    for path in _pages(org, papers) * 2:
        assert lose_every_connection(pooled) >= 1
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    key, data = _pay(client, org, papers.invoice, "100.00")
    lose_every_connection(pooled)
    paid = client.post(f"/{org.slug}/invoices/{papers.invoice.id}/pay", data=data)
    assert paid.status_code == 302, text_of(paid)[:500]

    lose_every_connection(pooled)
    commented = client.post(f"/{org.slug}/invoices/{papers.invoice.id}/comments",
                            data={"body": "Is the delivery on time?"})
    assert commented.status_code == 302

    assert [p.amount for p in Payment.select().where(Payment.idempotency_key == key)] == [100]
    assert Invoice.get_by_id(papers.invoice.id).balance == 150
    assert [c.body for c in Comment.select()] == ["Is the delivery on time?"]


def test_a_connection_dropped_right_after_the_request_took_it_is_replaced(portal, pooled, org):
    """The server ended the session before its goodbye reached the pool's check (the race
    a look at the socket cannot win): the request's first statement fails and runs again on
    a fresh connection."""
    app, client, papers = portal
    app.drops.append("start")

    for path in _pages(org, papers):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    key, data = _pay(client, org, papers.invoice, "40.00")
    paid = client.post(f"/{org.slug}/invoices/{papers.invoice.id}/pay", data=data)
    assert paid.status_code == 302, text_of(paid)[:500]
    commented = client.post(f"/{org.slug}/quotes/{papers.quote.id}/comments",
                            data={"body": "Can you ship sooner?"})
    assert commented.status_code == 302

    assert len(app.drops) == 1 + len(_pages(org, papers)) + 3
    assert Payment.select().where(Payment.idempotency_key == key).count() == 1
    assert Invoice.get_by_id(papers.invoice.id).balance == 210
    assert Comment.select().where(Comment.body == "Can you ship sooner?").count() == 1


def test_connections_idle_past_the_ping_window_are_checked_too(portal, pooled, org, monkeypatch):
    _app, client, papers = portal
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0)
    for path in _pages(org, papers)[:3]:
        lose_every_connection(pooled)
        assert client.get(path).status_code == 200

"""SPEC §8 in the portal: headers, cookies, CSRF, no writes on GET, escaping, modules, slugs."""

import re

import pytest
from playhouse.test_utils import count_queries

from core.audit import Actor
from core.models import ALL_MODELS, AuditEvent, Contact, Event, Notification, Quote
from core.services import comments, customers, organizations
from tests.conftest import PASSWORD
from tests.portal_site.conftest import Auth, text_of

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _crawl(client, start: str, limit: int = 200) -> dict:
    """Every same-portal page reachable from `start` by links (GET only)."""
    prefix = start.rstrip("/").rsplit("/", 1)[0] if start.count("/") > 2 else start
    seen, todo = {}, [start]
    while todo and len(seen) < limit:
        url = todo.pop()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response
        if response.mimetype == "text/html":
            for href in re.findall(r'href="([^"#]+)"', text_of(response)):
                href = href.replace("&amp;", "&")
                if href.startswith(prefix) and href not in seen:
                    todo.append(href)
    return seen


def _snapshot() -> dict:
    """Row counts of every table except the audit trail and the records of a first view
    (its notification and its `invoice.viewed` event), which a GET rightly writes."""
    counts = {model.__name__: model.select().count() for model in ALL_MODELS
              if model not in (AuditEvent, Notification)}
    counts["Event"] = Event.select().where(Event.type != "invoice.viewed").count()
    counts["versions"] = [c.session_version for c in Contact.select().order_by(Contact.id)]
    counts["quotes"] = [q.status for q in Quote.select().order_by(Quote.id)]
    return counts


@pytest.fixture
def everything(signed_in, contact, org, papers_of, staff_member):
    """A signed-in contact whose customer has one of every document and a comment thread."""
    papers = papers_of(contact.customer)
    comments.add_staff_comment(Actor.staff(staff_member.id), "invoice", papers.invoice.id, "Hello")
    return papers


def test_every_page_has_the_security_headers_and_no_inline_script_or_style(
        signed_in, org, everything):
    pages = _crawl(signed_in, f"/{org.slug}/")
    assert len(pages) > 10
    pages["404"] = signed_in.get(f"/{org.slug}/nothing-here")
    pages["static"] = signed_in.get("/static/portal.css")
    for url, response in pages.items():
        assert response.status_code < 500, url
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        if response.mimetype == "text/html":
            html = text_of(response)
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
            assert not re.search(r"\sstyle=", html) and "<style" not in html, url
            assert "http://" not in html.replace("http://www.w3.org", ""), url


def test_cookies_are_httponly_samesite_and_secure_behind_tls(client, contact, org):
    response = Auth(client, org).sign_in(contact)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_plain_http_portal_has_no_hsts_nor_secure_cookie(database_url, contact, org):
    from portal_site import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                      "PORTAL_BASE_URL": "http://127.0.0.1:5000"})
    client = app.test_client()
    response = Auth(client, org).sign_in(contact)
    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in response.headers


def _fill(rule, org, papers, contact) -> str:
    values = {"org_slug": org.slug, "quote_id": papers.quote.id, "order_id": papers.order.id,
              "invoice_id": papers.invoice.id, "shipment_id": papers.shipment.id,
              "payment_id": 1, "document_id": papers.invoice.id, "token": "some-token",
              "filename": "portal.css", "external_id": "EXT-1", "_rest": "nothing-here",
              "contact_id": contact.id, "webhook_id": "no-such-endpoint"}
    if "document_id" in rule.arguments:
        segment = rule.rule.split("/")[2]
        values["document_id"] = {"quotes": papers.quote.id, "orders": papers.order.id,
                                 "invoices": papers.invoice.id,
                                 "shipments": papers.shipment.id}[segment]
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values[name]), url)
    return url


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(
        csrf_app, org, make_active_contact, papers_of):
    organizations.update_portal_preferences(Actor.system(org.id), allow_signup=True)
    contact = make_active_contact()
    papers = papers_of(contact.customer)
    client = csrf_app.test_client()
    Auth(client, org).sign_in(contact)  # through the form, with its token
    # The integration API takes bearer keys, not cookies, so no CSRF token (tests/portal_site/api);
    # Stripe signs its webhook bodies instead (tests/portal_site/test_stripe_webhooks.py).
    posts = [rule for rule in csrf_app.url_map.iter_rules()
             if "POST" in rule.methods and not rule.rule.startswith(("/api/", "/stripe/"))]
    assert len(posts) >= 15
    before = _snapshot()
    for rule in posts:
        url = _fill(rule, org, papers, contact)
        response = client.post(url, data={"body": HOSTILE, "reason": "x", "first_name": "X",
                                          "email": contact.email, "password": PASSWORD,
                                          "language": "de", "amount": "1.00",
                                          "method": "bank_transfer", "idempotency_key": "k"})
        assert response.status_code == 400, url
        assert "The form has expired" in text_of(response), url
        forged = client.post(url, data={"csrf_token": "forged"})
        assert forged.status_code == 400, url
    assert _snapshot() == before
    assert client.get(f"/{org.slug}/").status_code == 200  # still signed in


def test_get_never_changes_state(signed_in, org, everything, contact):
    before = _snapshot()
    _crawl(signed_in, f"/{org.slug}/")
    for url in ("sign-out", f"quotes/{everything.quote.id}/accept",
                f"quotes/{everything.quote.id}/decline", "profile/details", "profile/password"):
        assert signed_in.get(f"/{org.slug}/{url}").status_code == 405
    assert _snapshot() == before
    assert signed_in.get(f"/{org.slug}/").status_code == 200


def test_text_staff_or_contacts_entered_is_escaped(signed_in, contact, org, admin,
                                                   staff_member, papers_of, client):
    organizations.update_portal_preferences(Actor.system(org.id), banner_text=HOSTILE)
    customers.update_customer(Actor.staff(admin.id), contact.customer_id, display_name=HOSTILE)
    papers = papers_of(contact.customer)
    signed_in.post(f"/{org.slug}/quotes/{papers.quote.id}/comments", data={"body": HOSTILE})
    comments.add_staff_comment(Actor.staff(staff_member.id), "quote", papers.quote.id, HOSTILE)
    signed_in.post(f"/{org.slug}/profile/details", data={"first_name": HOSTILE})
    signed_in.post(f"/{org.slug}/quotes/{papers.quote.id}/decline", data={"reason": HOSTILE})
    for path in ("", f"quotes/{papers.quote.id}", "profile"):
        html = text_of(signed_in.get(f"/{org.slug}/{path}"))
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(" in html, path
    login = text_of(client.application.test_client().get(f"/{org.slug}/login"))
    assert "<script>alert" not in login and "&lt;script&gt;" in login


def test_an_old_slug_redirects_permanently_to_the_current_one(signed_in, org):
    organizations.change_portal_slug(Actor.system(org.id), "acme-new")
    response = signed_in.get(f"/{org.slug}/invoices?status=paid&page=2")
    assert response.status_code == 301
    assert response.location.endswith("/acme-new/invoices?status=paid&page=2")
    assert signed_in.get("/acme-new/").status_code == 200
    assert signed_in.get("/never-existed/").status_code == 404


@pytest.mark.parametrize("flag, nav_label, paths", [
    ("show_invoices", "Invoices", ["invoices", "invoices/{invoice}", "invoices/{invoice}/pay",
                                   "invoices/{invoice}/pdf"]),
    ("show_quotes", "Quotes", ["quotes", "quotes/{quote}"]),
    ("show_sales_orders", "Sales orders", ["orders", "orders/{order}"]),
    ("show_shipments", "Shipments", ["shipments", "shipments/{shipment}"]),
    ("show_payments", "Payments", ["payments", "invoices/{invoice}/pay"]),
    ("show_statement", "Statement", ["statement", "statement.pdf"]),
])
def test_a_module_turned_off_is_absent(signed_in, org, everything, flag, nav_label, paths):
    ids = {"invoice": everything.invoice.id, "quote": everything.quote.id,
           "order": everything.order.id, "shipment": everything.shipment.id}
    assert f">{nav_label}</a>" in text_of(signed_in.get(f"/{org.slug}/"))
    organizations.update_portal_preferences(Actor.system(org.id), **{flag: False})
    assert f">{nav_label}</a>" not in text_of(signed_in.get(f"/{org.slug}/"))
    for path in paths:
        url = f"/{org.slug}/" + path.format(**ids)
        assert signed_in.get(url).status_code == 404, url
    if flag == "show_invoices":
        posted = signed_in.post(f"/{org.slug}/invoices/{ids['invoice']}/comments",
                                data={"body": "hi"})
        assert posted.status_code == 404


def test_the_invoice_list_runs_the_same_number_of_queries_for_10_or_200_invoices(
        signed_in, contact, org, make_invoice):
    def queries_for_list() -> int:
        with count_queries() as counter:
            response = signed_in.get(f"/{org.slug}/invoices")
        assert response.status_code == 200
        return counter.count

    for _ in range(10):
        make_invoice(contact.customer, "10.00")
    with_ten = queries_for_list()
    for _ in range(190):
        make_invoice(contact.customer, "10.00")
    with_two_hundred = queries_for_list()
    assert with_ten == with_two_hundred
    assert with_two_hundred <= 6


def test_a_forged_host_header_never_reaches_the_outbox(client, contact, org):
    client.post(f"/{org.slug}/forgot-password", data={"email": contact.email},
                headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    from core.models import OutboxMessage

    message = OutboxMessage.get(OutboxMessage.kind == "password_reset")
    assert "evil" not in message.payload


HOSTILE_VALUES = ["\x00", "a\x00b", "x" * 5000, "../../etc/passwd", "' OR 1=1 --",
                  "9" * 40, "-1", "1e999", "NaN", "0001-01-01", "9999-12-31", "\u202e\ufeff"]


def test_hostile_input_in_every_form_and_query_never_breaks_a_page(
        app, org, make_active_contact, papers_of):
    organizations.update_portal_preferences(Actor.system(org.id), allow_signup=True)
    contact = make_active_contact()
    papers = papers_of(contact.customer)
    fields = ["email", "password", "confirm", "body", "reason", "first_name", "last_name",
              "phone", "language", "amount", "method", "card_number", "card_expiry", "card_cvc",
              "reference", "idempotency_key", "current_password", "billing_city",
              "shipping_country", "start", "end", "status", "date_from", "date_to", "page"]
    client = app.test_client()
    for value in HOSTILE_VALUES:
        Auth(client, org).sign_in(contact)
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "auth.sign_out":
                continue
            url = _fill(rule, org, papers, contact)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if method == "POST":
                    response = client.post(url, data={name: value for name in fields})
                else:
                    query = "&".join(f"{name}={value}" for name in
                                     ("page", "status", "start", "end", "date_from"))
                    response = client.get(f"{url}?{query}")
                assert response.status_code < 500, (method, url, value[:20])
    assert client.get(f"/{org.slug}/%00").status_code == 400


def test_a_denied_request_leaves_an_audit_event(signed_in, org, make_customer, make_invoice,
                                                contact):
    theirs = make_invoice(make_customer(), "10.00")
    assert signed_in.get(f"/{org.slug}/invoices/{theirs.id}").status_code == 404
    event = AuditEvent.get(AuditEvent.action == "request_denied")
    assert event.actor_type == "contact" and event.actor_id == contact.id
    assert f"/invoices/{theirs.id}" in event.details

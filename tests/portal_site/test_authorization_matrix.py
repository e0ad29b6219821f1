"""Who may use each route: built from app.url_map, so a new route without an entry fails.

For every route and method: an anonymous visitor, a contact of the customer that owns the
record, a contact of another customer, a disabled contact, and a record that does not exist.
Another customer's record and a missing one must answer the same 404.

And roles x routes: a contact of the owning customer in each role (Billing, Orders, Full,
Company admin) reaches exactly the routes of its role's areas; any other answers 404.
"""

import re

from core.audit import Actor
from core.gateways import Card
from core.queries.scoping import ROLES
from core.services import access, organizations, payments
from tests.portal_site.conftest import Auth, text_of

PUBLIC, CONTACT, API_KEY = "public", "contact", "api_key"
# Which area of the portal each route shows (a role sees some areas: core.queries.scoping);
# routes not named here are every signed-in contact's. "company_admin": Company admins only.
AREA = {
    **{f"documents.{name}": "quote" for name in ("quotes", "quote", "quote_accept",
                                                  "quote_sign", "quote_pdf",
                                                  "quote_decline", "quote_comment")},
    **{f"documents.{name}": "sales_order" for name in ("orders", "order", "order_pdf",
                                                        "sales_order_comment")},
    **{f"documents.{name}": "invoice" for name in ("invoices", "invoice", "invoice_pdf",
                                                    "invoice_comment")},
    **{f"documents.{name}": "shipment" for name in ("shipments", "shipment",
                                                     "shipment_comment")},
    "payments.pay": "invoice", "payments.pay_several": "invoice",
    "payments.withdraw": "payment",
    "payments.history": "payment", "payments.receipt": "payment",
    "payments.receipt_pdf": "payment",
    "statement.index": "statement", "statement.pdf": "statement",
    **{f"colleagues.{name}": "company_admin" for name in ("index", "invite", "role", "remove")},
}
# What each role sees, as the issue states it (written out here, not read from core).
ROLE_AREAS = {
    "billing": {"invoice", "payment", "statement"},
    "orders": {"quote", "sales_order", "shipment"},
    "full": {"quote", "sales_order", "invoice", "shipment", "payment", "statement"},
    "admin": {"quote", "sales_order", "invoice", "shipment", "payment", "statement",
              "company_admin"},
}

# endpoint -> (who may use it, the kind of record its URL names)
MATRIX = {
    "static": (PUBLIC, None),
    "site.theme": (PUBLIC, None),
    "auth.sign_in": (PUBLIC, None),
    "auth.sign_out": (CONTACT, None),
    "auth.invitation_link": (PUBLIC, None),
    "auth.accept_invitation": (PUBLIC, None),
    "auth.forgot_password": (PUBLIC, None),
    "auth.reset_link": (PUBLIC, None),
    "auth.reset_password": (PUBLIC, None),
    "auth.sign_up": (PUBLIC, None),
    "auth.signup_link": (PUBLIC, None),
    "auth.complete_signup": (PUBLIC, None),
    "home.index": (CONTACT, None),
    "documents.quotes": (CONTACT, None),
    "documents.quote": (CONTACT, "quote"),
    "documents.quote_sign": (CONTACT, "quote"),
    "documents.quote_accept": (CONTACT, "quote"),
    "documents.quote_pdf": (CONTACT, "quote"),
    "documents.quote_decline": (CONTACT, "quote"),
    "documents.quote_comment": (CONTACT, "quote"),
    "documents.orders": (CONTACT, None),
    "documents.order": (CONTACT, "sales_order"),
    "documents.order_pdf": (CONTACT, "sales_order"),
    "documents.sales_order_comment": (CONTACT, "sales_order"),
    "documents.invoices": (CONTACT, None),
    "documents.invoice": (CONTACT, "invoice"),
    "documents.invoice_pdf": (CONTACT, "invoice"),
    "documents.invoice_comment": (CONTACT, "invoice"),
    "documents.shipments": (CONTACT, None),
    "documents.shipment": (CONTACT, "shipment"),
    "documents.shipment_comment": (CONTACT, "shipment"),
    "payments.pay": (CONTACT, "invoice"),
    "payments.history": (CONTACT, None),
    "payments.receipt": (CONTACT, "payment"),
    "payments.pay_several": (CONTACT, None),
    "payments.withdraw": (CONTACT, "payment"),
    # Stripe signs its events; no session (tests/portal_site/test_stripe_checkout.py).
    "stripe_webhook.receive": (PUBLIC, None),
    "payments.receipt_pdf": (CONTACT, "payment"),
    "statement.index": (CONTACT, None),
    "statement.pdf": (CONTACT, None),
    "profile.index": (CONTACT, None),
    "profile.details": (CONTACT, None),
    "profile.addresses": (CONTACT, None),
    "profile.password": (CONTACT, None),
    "profile.language": (CONTACT, None),
    "auth.switch_company": (CONTACT, None),
    "colleagues.index": (CONTACT, None),
    "colleagues.invite": (CONTACT, None),
    "colleagues.role": (CONTACT, "contact"),
    "colleagues.remove": (CONTACT, "contact"),
    # The integration API: a bearer key, never a portal session (tests/portal_site/api).
    "api_docs.openapi_json": (PUBLIC, None),
    "api_docs.reference": (PUBLIC, None),
    "api_docs.unknown": (PUBLIC, None),
    **{f"api.{verb}_{kind}": (API_KEY, None)
       for kind in ("customers", "contacts", "items", "quotes", "sales_orders", "invoices",
                    "shipments", "payments")
       for verb in ("list", "get", "put", "batch")},
    "api.list_events": (API_KEY, None),
}
MISSING_ID = 2_000_000_000
FORM_DATA = {"body": "A question", "signature": "Matrix Tester", "reason": "Not needed",
             "first_name": "Changed",
             "language": "de", "amount": "1.00", "method": "bank_transfer",
             "idempotency_key": "matrix-key", "billing_city": "Elsewhere"}


def _url(rule, org_slug: str, record_id) -> str:
    values = {"org_slug": org_slug, "token": "not-a-real-token", "filename": "portal.css",
              "_rest": "nothing-here"}
    url = rule.rule
    for name in rule.arguments:
        value = values.get(name, record_id)
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), url)
    return url


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _call(client, method: str, url: str):
    if method == "PUT":
        return client.put(url, json={})
    # The company switcher's choice: the client's own contact (switching to itself).
    data = {**FORM_DATA, "contact": str(getattr(client, "contact_id", ""))}
    return client.post(url, data=data) if method == "POST" else client.get(url)


def _allowed(role: str, endpoint: str) -> bool:
    area = AREA.get(endpoint)
    return area is None or area in ROLE_AREAS[role]


def _without_csrf(html: str) -> str:
    """A page without its CSRF token, which is signed with the current second."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def _is_sign_in_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.location


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "routes without an authorization entry"
    assert set(MATRIX) - endpoints == set(), "entries for routes that no longer exist"


def test_authorization_matrix(app, org, make_active_contact, papers_of, admin,
                              make_colleague):
    organizations.update_portal_preferences(Actor.system(org.id), allow_signup=True)
    owner, stranger, to_disable = (make_active_contact() for _ in range(3))
    # Company admins both: the owner may use every route, the stranger could manage contacts
    # (its own customer's only).
    access.configure_portal_access(Actor.staff(admin.id), owner.customer_id, [owner.id],
                                   roles={owner.id: "admin"})
    access.configure_portal_access(Actor.staff(admin.id), stranger.customer_id, [stranger.id],
                                   roles={stranger.id: "admin"})
    own, theirs = papers_of(owner.customer), papers_of(stranger.customer)
    own_records, their_records = ({
        "quote": p.quote.id, "sales_order": p.order.id, "invoice": p.invoice.id,
        "shipment": p.shipment.id} for p in (own, theirs))
    # A colleague the owner's company admin manages (the stranger's customer has one too).
    own_records["contact"] = make_colleague(owner.customer, "orders").id
    their_records["contact"] = make_colleague(stranger.customer, "orders").id
    by_role = {role: make_colleague(owner.customer, role) for role in ROLES}
    for contact, records in ((owner, own_records), (stranger, their_records)):
        from core.queries.scoping import ContactScope

        records["payment"] = payments.pay_invoice(
            ContactScope.for_contact(contact.id), records["invoice"], "5.00", method="card",
            idempotency_key=f"seed-{contact.id}",
            card=Card("4242424242424242", "12/39", "123")).id

    def signed_in_as(contact):
        client = app.test_client()
        Auth(client, org).sign_in(contact)
        client.contact_id = contact.id
        return client

    disabled = signed_in_as(to_disable)
    access.disable_contact(Actor.staff(admin.id), to_disable.id)
    problems = []

    def check(condition: bool, what: str):
        if not condition:
            problems.append(what)

    for rule in app.url_map.iter_rules():
        who, record = MATRIX[rule.endpoint]
        for method in _methods(rule):
            own_url = _url(rule, org.slug, own_records.get(record, 1))
            label = f"{method} {rule.rule}"

            anonymous = _call(app.test_client(), method, own_url)
            check(anonymous.status_code < 500, f"{label}: anonymous got a server error")
            if who == API_KEY:
                check(anonymous.status_code == 401, f"{label}: let in without a key")
                with_session = _call(signed_in_as(owner), method, own_url)
                check(with_session.status_code == 401, f"{label}: a portal session was let in")
                continue
            if who == CONTACT:
                check(_is_sign_in_redirect(anonymous), f"{label}: anonymous was let in")
                gone = _call(disabled, method, own_url)
                check(_is_sign_in_redirect(gone), f"{label}: a disabled contact was let in")

            if record:
                as_stranger = signed_in_as(stranger)
                foreign = _call(as_stranger, method, own_url)
                missing = _call(as_stranger, method, _url(rule, org.slug, MISSING_ID))
                check(foreign.status_code == 404,
                      f"{label}: another customer's record gave {foreign.status_code}")
                check(missing.status_code == 404,
                      f"{label}: a missing record gave {missing.status_code}")
                check(_without_csrf(text_of(foreign)) == _without_csrf(text_of(missing)),
                      f"{label}: another customer's record and a missing one differ")

            owner_client = signed_in_as(owner)
            as_owner = _call(owner_client, method, own_url)
            check(as_owner.status_code < 500, f"{label}: the owner got a server error")
            if rule.endpoint == "auth.sign_out":
                # Signing out answers with the sign-in page, and the session is over.
                check(_is_sign_in_redirect(owner_client.get(f"/{org.slug}/")),
                      f"{label}: the session survived signing out")
            elif who == CONTACT:
                check(as_owner.status_code != 404 and not _is_sign_in_redirect(as_owner),
                      f"{label}: the owner was refused ({as_owner.status_code})")
            if who != CONTACT or rule.endpoint == "auth.sign_out":
                continue
            for role, colleague in by_role.items():
                answer = _call(signed_in_as(colleague), method, own_url)
                check(answer.status_code < 500, f"{label}: {role} got a server error")
                if _allowed(role, rule.endpoint):
                    check(answer.status_code != 404 and not _is_sign_in_redirect(answer),
                          f"{label}: {role} was refused ({answer.status_code})")
                else:
                    check(answer.status_code == 404,
                          f"{label}: {role} may not, yet got {answer.status_code}")
    assert problems == []

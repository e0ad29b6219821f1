"""The speed pieces (portal_site/speed) change nothing a visitor sees: every page, in every
language and direction, for every organization and mount point, comes out byte for byte as the
portal without them renders it, and runs the same queries."""

import re

import pytest
from flask import render_template_string
from flask_babel import force_locale
from playhouse.test_utils import count_queries

from core.models import OutboxMessage
from portal_site.speed import PIECES
from tests.portal_site.conftest import Auth

SESSION_COOKIE = "doorstep_portal"
# What differs between two renders of one page anyway: a CSRF token carries the second it was
# signed, a payment form a fresh idempotency key.
FRESH_VALUES = re.compile(
    r'(name="(?:csrf_token|idempotency_key)"[^>]*value=|name="csrf-token" content=)"[^"]*"'
)


def _comparable(html: str) -> str:
    return FRESH_VALUES.sub(r'\1"…"', html)


@pytest.fixture
def plain_app(database_url):
    """The portal with every speed piece off: what Flask, Flask-Babel and WTForms give."""
    from portal_site import create_app

    return create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False, "SPEED_PIECES_OFF": list(PIECES)}
    )


class TwoPortals:
    """One signed-in session, replayed against the portal and the portal without the pieces."""

    def __init__(self, app, plain_app, org, contact):
        self.fast = app.test_client()
        self.plain = plain_app.test_client()
        Auth(self.fast, org).sign_in(contact)
        cookie = self.fast.get_cookie(SESSION_COOKIE)
        self.plain.set_cookie(SESSION_COOKIE, cookie.value, domain=cookie.domain or "localhost")

    def same_page(self, path: str, **options) -> str:
        """The page from both portals (after each has seen it once), asserted identical."""
        pages, queries = [], []
        for client in (self.fast, self.plain):
            client.get(path, **options)
            with count_queries() as counter:
                response = client.get(path, **options)
            assert response.status_code == 200, (path, response.status_code)
            pages.append(_comparable(response.get_data(as_text=True)))
            queries.append(counter.count)
        assert pages[0] == pages[1], path
        assert queries[0] == queries[1], path
        return pages[0]


def _every_page(org_slug: str, papers) -> list[str]:
    base = f"/{org_slug}"
    return [
        f"{base}/",
        f"{base}/invoices",
        f"{base}/invoices?status=paid",
        f"{base}/invoices?status=overdue&page=1",
        f"{base}/invoices?date_from=tomorrow",
        f"{base}/invoices/{papers.invoice.id}",
        f"{base}/quotes",
        f"{base}/quotes?status=accepted",
        f"{base}/quotes/{papers.quote.id}",
        f"{base}/orders",
        f"{base}/orders/{papers.sales_order.id}",
        f"{base}/shipments",
        f"{base}/shipments/{papers.shipment.id}",
        f"{base}/statement",
        f"{base}/payments",
        f"{base}/profile",
        f"{base}/invoices/{papers.invoice.id}/pay",
    ]


@pytest.mark.parametrize("language", ["en", "de", "ar", "ja"])
def test_every_page_is_the_same_without_the_speed_pieces(
    app, plain_app, org, make_active_contact, make_documents, make_invoice, language
):
    """Left to right and right to left, with records whose ids differ page to page."""
    contact = make_active_contact(language=language)
    papers = make_documents(contact.customer)
    for total in ("10.00", "20.00", "1234.50"):
        make_invoice(contact.customer, total)
    portals = TwoPortals(app, plain_app, org, contact)
    for path in _every_page(org.slug, papers):
        page = portals.same_page(path)
        assert f'lang="{language}"' in page
        assert ('dir="rtl"' in page) == (language == "ar")
    listing = portals.same_page(f"/{org.slug}/invoices")
    assert f'href="/{org.slug}/invoices/{papers.invoice.id}"' in listing


def test_pages_are_the_same_for_each_organization_and_mount_point(
    app, plain_app, org, admin, make_active_contact, make_documents
):
    """A URL built for one organization or mount point never shows up on another's page."""
    from core.audit import Actor
    from core.services.organizations import create_organization
    from core.services.staff import create_staff
    from tests.conftest import PASSWORD

    other = create_organization("Other Goods", default_language="fr", currency="EUR")
    other_admin = create_staff(
        Actor.system(other.id), "admin@other.example", "Olga Admin", PASSWORD, role="admin"
    )
    ours = make_active_contact()
    theirs = make_active_contact(organization=other, actor=Actor.staff(other_admin.id))
    our_papers, their_papers = make_documents(ours.customer), make_documents(theirs.customer)
    our_portals = TwoPortals(app, plain_app, org, ours)
    their_portals = TwoPortals(app, plain_app, other, theirs)
    for mount in ("http://localhost/", "http://localhost/portal"):
        prefix = "/portal" if mount.endswith("portal") else ""
        for portals, slug, papers in (
            (our_portals, org.slug, our_papers),
            (their_portals, other.slug, their_papers),
        ):
            for path in _every_page(slug, papers):
                page = portals.same_page(path, base_url=mount)
                assert f'href="{prefix}/{slug}/invoices"' in page
                assert f"/{org.slug if slug == other.slug else other.slug}/" not in page


def test_emails_are_the_same_without_the_speed_pieces(app, plain_app, make_customer):
    """An invitation email (links, language, direction) renders the same in both portals."""
    from portal_site.mail.render import render

    for language in ("en", "ar", "ja"):
        make_customer(allow_portal_access=True, language=language)
    messages = list(OutboxMessage.select().order_by(OutboxMessage.id))
    assert len(messages) == 3
    for message in messages:
        with app.app_context():
            fast = render(message)
        with plain_app.app_context():
            plain = render(message)
        assert fast == plain
    assert 'dir="rtl"' in render_in(plain_app, messages[1])[2]


def render_in(app, message):
    """An outbox message rendered in `app`."""
    from portal_site.mail.render import render

    with app.app_context():
        return render(message)


def test_templates_translate_in_the_language_of_the_moment_they_render(app, plain_app, org):
    """`force_locale` (emails, PDFs) and a language switch mid-request are honoured."""
    template = (
        "{{ _('Home') }}|{{ ngettext('%(num)d invoice', '%(num)d invoices', 3) }}|"
        "{{ 1234.5|money('EUR') }}|{{ 'paid'|status_label('invoice') }}"
    )
    seen = []
    for portal in (app, plain_app):
        with portal.test_request_context(f"/{org.slug}/", headers={"Accept-Language": "en"}):
            english = render_template_string(template)
            with force_locale("de"):
                german = render_template_string(template)
            with force_locale("ar"):
                arabic = render_template_string(template)
            seen.append((english, german, arabic, render_template_string(template)))
    assert seen[0] == seen[1]
    english, german, arabic, again = seen[0]
    assert english.startswith("Home|3 invoices|€1,234.50")
    assert german.startswith("Startseite|3 Rechnungen|1.234,50")
    assert arabic != english and again == english


def test_an_unknown_piece_is_refused(database_url):
    """A misspelt piece name fails at start-up instead of silently measuring nothing."""
    from portal_site import create_app

    with pytest.raises(ValueError, match="url_shape"):
        create_app({"TESTING": True, "SPEED_PIECES_OFF": ["url_shape"]})

"""The shipped catalogs at work: a contact sees pages, dates, PDFs and emails in its language."""

import datetime

import pytest
from babel.dates import format_date
from babel.messages.mofile import write_mo
from flask import url_for
from flask_babel import force_locale, ngettext

from core.models import OutboxMessage
from portal_site import create_app
from portal_site.i18n_catalogs import catalog_paths, read_catalog
from tests.conftest import PASSWORD


@pytest.fixture
def app(tmp_path, database_url):
    """The portal reading catalogs compiled from the checked-in .po files."""
    for language, path in catalog_paths().items():
        target = tmp_path / language / "LC_MESSAGES" / "messages.mo"
        target.parent.mkdir(parents=True)
        with open(target, "wb") as mo_file:
            write_mo(mo_file, read_catalog(path, locale=language))
    return create_app({"BABEL_TRANSLATION_DIRECTORIES": str(tmp_path),
                       "WTF_CSRF_ENABLED": False})


def _signed_in(app, contact):
    client = app.test_client()
    with app.test_request_context():
        sign_in = url_for("auth.sign_in", org_slug=contact.organization.slug)
    client.post(sign_in, data={"email": contact.email, "password": PASSWORD})
    return client


def _url(app, endpoint, contact, **values):
    with app.test_request_context():
        return url_for(endpoint, org_slug=contact.organization.slug, **values)


def test_a_japanese_contact_sees_japanese_invoices_with_japanese_dates(
        app, make_active_contact, make_invoice):
    contact = make_active_contact(language="ja")
    issued = datetime.date(2026, 3, 9)
    make_invoice(contact.customer, "1250.00", issue_date=issued)
    page = _signed_in(app, contact).get(_url(app, "documents.invoices", contact))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'lang="ja"' in html
    assert "請求書" in html
    assert format_date(issued, "medium", locale="ja") in html  # 2026/03/09


def test_an_arabic_contact_gets_right_to_left_pages(app, make_active_contact):
    contact = make_active_contact(language="ar")
    html = _signed_in(app, contact).get(_url(app, "home.index", contact)).get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert "الفواتير" in html  # "Invoices" in the navigation


@pytest.mark.parametrize("language, title", [
    ("de", "Seite nicht gefunden"), ("fr", "Page introuvable"),
    ("es", "Página no encontrada"), ("ja", "ページが見つかりません"),
    ("ar", "الصفحة غير موجودة"),
])
def test_the_not_found_page_follows_the_browser_before_sign_in(app, org, language, title):
    response = app.test_client().get(f"/{org.slug}/no-such-page",
                                     headers={"Accept-Language": language})
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_a_japanese_customer_gets_a_japanese_invitation(app, make_customer):
    from portal_site.mail.render import render

    make_customer(language="ja", allow_portal_access=True)
    message = OutboxMessage.get(OutboxMessage.kind == "invitation")
    with app.app_context():
        subject, text, _html = render(message)
    assert subject == "Acme Tradingから顧客ポータルへのご招待"
    assert "招待を承諾する" in text


@pytest.mark.parametrize("language, counts", [
    ("es", {1: "1 factura", 2: "2 facturas", 1_000_000: "1000000 de facturas"}),
    ("fr", {0: "0 facture", 1: "1 facture", 2: "2 factures", 1_000_000: "1000000 de factures"}),
])
def test_counts_take_the_plural_form_cldr_gives_the_language(app, language, counts):
    """Spanish and French say "de" before a round million, as CLDR's "many" form asks."""
    with app.test_request_context(), force_locale(language):
        for num, expected in counts.items():
            assert ngettext("%(num)d invoice", "%(num)d invoices", num) == expected

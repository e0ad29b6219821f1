"""Pages in the contact's language: locale chain, formatted money and dates, right-to-left."""

import datetime

import pytest

from core.audit import Actor
from core.services import organizations
from tests.portal_site.conftest import Auth, text_of

ISSUED = datetime.date(2026, 3, 9)


def _invoice_page(client, auth, org, contact, make_invoice):
    invoice = make_invoice(contact.customer, "1250.00", issue_date=ISSUED)
    auth.sign_in(contact)
    return text_of(client.get(f"/{org.slug}/invoices/{invoice.id}"))


def test_german_contact_sees_german_amounts_and_dates(client, auth, org, make_active_contact,
                                                      make_invoice):
    contact = make_active_contact(language="de", currency="EUR")
    html = _invoice_page(client, auth, org, contact, make_invoice)
    assert '<html lang="de" dir="ltr">' in html
    assert "1.250,00\xa0€" in html
    assert "09.03.2026" in html


def test_japanese_contact_sees_yen_without_decimals(client, auth, org, make_active_contact,
                                                    make_invoice):
    contact = make_active_contact(language="ja", currency="JPY")
    html = _invoice_page(client, auth, org, contact, make_invoice)
    assert '<html lang="ja" dir="ltr">' in html
    assert "￥1,250" in html and "2026/03/09" in html


def test_arabic_pages_are_right_to_left(client, auth, org, make_active_contact, make_invoice):
    contact = make_active_contact(language="ar", currency="AED")
    html = _invoice_page(client, auth, org, contact, make_invoice)
    assert '<html lang="ar" dir="rtl">' in html
    assert "د.إ." in html


def test_the_contact_choice_beats_the_customer_language_which_beats_the_org_default(
        client, auth, org, make_active_contact):
    organizations.update_organization(Actor.system(org.id), default_language="fr")
    contact = make_active_contact(language=None)
    auth.sign_in(contact)
    assert '<html lang="fr"' in text_of(client.get(f"/{org.slug}/"))
    client.post(f"/{org.slug}/profile/language", data={"language": "es"})
    assert '<html lang="es"' in text_of(client.get(f"/{org.slug}/"))


def test_before_sign_in_the_browser_language_is_used_among_the_supported_ones(client, org):
    german = client.get(f"/{org.slug}/login", headers={"Accept-Language": "de-CH,de;q=0.9"})
    assert '<html lang="de" dir="ltr">' in text_of(german)
    unsupported = client.get(f"/{org.slug}/login", headers={"Accept-Language": "sw"})
    assert '<html lang="en"' in text_of(unsupported)
    arabic = client.get(f"/{org.slug}/nope-page", headers={"Accept-Language": "ar"})
    assert arabic.status_code == 404 and 'dir="rtl"' in text_of(arabic)


def test_error_pages_use_the_page_language(client, org):
    for status, path in [(404, f"/{org.slug}/no-such-page"), (404, "/no-such-portal/")]:
        response = client.get(path, headers={"Accept-Language": "ja"})
        assert response.status_code == status
        assert '<html lang="ja"' in text_of(response)


@pytest.mark.parametrize("language, currency, balance, heading", [
    ("de", "EUR", "1.250,00\xa0€", "Offener Saldo"),
    ("ja", "JPY", "￥1,250", "未払い残高"),
    ("ar", "AED", "د.إ.", "الرصيد المستحق"),
])
def test_home_reads_in_the_contact_language(translated_client, org, make_active_contact,
                                            make_invoice, language, currency, balance,
                                            heading):
    contact = make_active_contact(language=language, currency=currency)
    make_invoice(contact.customer, "1250.00")
    Auth(translated_client, org).sign_in(contact)
    html = text_of(translated_client.get(f"/{org.slug}/"))
    assert heading in html and balance in html
    assert "Outstanding balance" not in html


@pytest.mark.parametrize("language, title", [
    ("de", "Seite nicht gefunden"), ("ja", "ページが見つかりません"),
    ("ar", "الصفحة غير موجودة"),
])
def test_the_404_page_is_translated(translated_client, org, language, title):
    response = translated_client.get(f"/{org.slug}/missing",
                                     headers={"Accept-Language": language})
    assert response.status_code == 404 and title in text_of(response)


def test_the_429_page_is_translated(translated_client, contact, org):
    for _ in range(6):
        response = translated_client.post(
            f"/{org.slug}/login", data={"email": contact.email, "password": "wrong"},
            headers={"Accept-Language": "de"})
    assert response.status_code == 429
    assert "Zu viele Versuche" in text_of(response)
    assert response.headers["Retry-After"]


def test_a_server_error_shows_a_translated_page_without_details(database_url, org,
                                                                 monkeypatch):
    from portal_site import create_app
    from portal_site.auth import routes

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(routes, "render_template", broken)
    app = create_app({"TESTING": False, "WTF_CSRF_ENABLED": False})
    response = app.test_client().get(f"/{org.slug}/login", headers={"Accept-Language": "ja"})
    assert response.status_code == 500
    html = text_of(response)
    assert '<html lang="ja"' in html and "secret internals" not in html
    assert response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("language, choice, date", [
    ("de", "Keine gültige Auswahl.", "Kein gültiges Datum."),
    ("ja", "選択肢が正しくありません。", "無効な日付型です。"),
    ("ar", "اختيار غير صحيح.", "قيمة التاريخ غير صالحة."),
])
def test_wtforms_own_messages_come_in_the_page_language(translated_client, org,
                                                        make_active_contact, language, choice,
                                                        date):
    contact = make_active_contact(language=language)
    Auth(translated_client, org).sign_in(contact)
    html = text_of(translated_client.get(f"/{org.slug}/invoices?status=bogus&date_from=x"))
    assert choice in html and date in html
    assert "Not a valid choice" not in html
    quotes = text_of(translated_client.get(f"/{org.slug}/quotes?status=bogus"))
    assert choice in quotes
    statement = text_of(translated_client.get(f"/{org.slug}/statement?start=x&end=2026-01-01"))
    assert "field__error" in statement and "Enter a date" not in statement


def test_a_wrong_address_answers_in_the_signed_in_contacts_language(translated_client, org,
                                                                   make_active_contact):
    contact = make_active_contact(language="de")
    Auth(translated_client, org).sign_in(contact)
    response = translated_client.get(f"/{org.slug}/no/such/page",
                                     headers={"Accept-Language": "en"})
    html = text_of(response)
    assert response.status_code == 404
    assert '<html lang="de"' in html and "Seite nicht gefunden" in html
    assert org.name in html and f'href="/{org.slug}/"' in html


def test_a_wrong_portal_answers_in_the_browsers_language_with_a_hint(translated_client):
    response = translated_client.get("/no-such-portal/x", headers={"Accept-Language": "fr"})
    html = text_of(response)
    assert response.status_code == 404 and '<html lang="fr"' in html
    assert "Vérifiez l’adresse du lien" in html and "Page introuvable" in html


def test_a_used_invitation_link_explains_in_the_contacts_language(
        translated_client, org, make_customer):
    from core.models import Contact
    from core.services import access
    from tests.conftest import PASSWORD, token_of

    contact = Contact.get(Contact.customer == make_customer(allow_portal_access=True,
                                                            language="es"))
    token = token_of(contact)
    access.accept_invitation(org.id, token, PASSWORD)
    fresh = translated_client.application.test_client()
    fresh.get(f"/{org.slug}/accept/{token}", headers={"Accept-Language": "es"})
    response = fresh.get(f"/{org.slug}/accept", headers={"Accept-Language": "es"})
    html = text_of(response)
    assert response.status_code == 410 and '<html lang="es"' in html
    assert "Esta invitación ya se aceptó" in html
    assert f'href="/{org.slug}/login"' in html and f'href="/{org.slug}/forgot-password"' in html


def test_the_banner_and_bank_instructions_come_in_the_contacts_language(
        client, auth, org, make_active_contact, make_invoice):
    organizations.update_portal_preferences(
        Actor.system(org.id), banner_text="Closed on Friday.", bank_transfer_instructions="IBAN",
        banner_texts={"de": "Freitag geschlossen."},
        bank_transfer_texts={"de": "IBAN DE00 (bitte Rechnungsnummer angeben)"})
    german = make_active_contact(language="de")
    invoice = make_invoice(german.customer, "10.00")
    auth.sign_in(german)
    home = text_of(client.get(f"/{org.slug}/"))
    assert "Freitag geschlossen." in home and "Closed on Friday." not in home
    pay = text_of(client.get(f"/{org.slug}/invoices/{invoice.id}/pay"))
    assert "IBAN DE00 (bitte Rechnungsnummer angeben)" in pay
    auth.sign_out()
    french = make_active_contact(language="fr")
    auth.sign_in(french)
    assert "Closed on Friday." in text_of(client.get(f"/{org.slug}/"))


def test_comment_times_show_the_organizations_zone(client, auth, org, make_active_contact,
                                                  make_invoice):
    from core.models import Organization
    from core.queries.scoping import ContactScope
    from core.services import comments

    Organization.update(timezone="Pacific/Kiritimati").where(Organization.id == org.id).execute()
    contact = make_active_contact()
    invoice = make_invoice(contact.customer, "10.00")
    comments.add_contact_comment(ContactScope.for_contact(contact.id), "invoice", invoice.id,
                                 "When does it ship?")
    auth.sign_in(contact)
    html = text_of(client.get(f"/{org.slug}/invoices/{invoice.id}"))
    assert "GMT+14:00" in html

"""Money typed the contact's way and error pages in the reader's language, in a browser."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from tests.e2e.conftest import CONTACT_PASSWORD, live_token, screenshot, translated


def _fill_card(page, language: str) -> None:
    page.get_by_label(translated(language, "Card (sandbox)")).check()
    page.get_by_label(translated(language, "Name on card")).fill("Lena Zahler")
    page.get_by_label(translated(language, "Card number")).fill("4242 4242 4242 4242")
    page.get_by_label(translated(language, "Expiry (MM/YY)")).fill("12/39")
    page.get_by_label(translated(language, "Security code")).fill("123")


def test_a_german_contact_pays_with_german_figures(page, portal, make_contact):
    lena = make_contact("de", first_name="Lena", last_name="Zahler")
    portal.sign_in(page, lena.email, lena.password)
    page.goto(portal.url(f"/invoices/{lena.invoice.id}/pay"))
    amount = page.get_by_label(translated("de", "Amount to pay"))
    expect(amount).to_have_value("100,00")
    pay = page.locator("form.pay-form button[type=submit]")
    expect(pay).to_have_text("100,00\xa0€ bezahlen")
    screenshot(page, "pay-de")

    amount.fill("1.000,00")
    expect(pay).to_have_text(translated("de", "Pay"))  # no figure the server has not read
    _fill_card(page, "de")
    pay.click()
    expect(page.get_by_text("Sie können höchstens 100,00\xa0€ zahlen.")).to_be_visible()
    expect(amount).to_have_value("1.000,00")  # what was typed is kept
    expect(pay).to_have_text("1.000,00\xa0€ bezahlen")

    amount.fill("1.5")
    _fill_card(page, "de")
    pay.click()
    expect(page.get_by_text("zum Beispiel 1.234,56")).to_be_visible()

    amount.fill("40,50")
    _fill_card(page, "de")
    pay.click()
    expect(page.locator(".receipt__amount")).to_have_text("40,50\xa0€")
    page.goto(portal.url(f"/invoices/{lena.invoice.id}"))
    expect(page.locator(".balance")).to_have_text("59,50\xa0€")


def test_a_french_contact_sees_a_narrow_space_between_thousands(page, portal, make_contact,
                                                                database):
    from core.models import Invoice, InvoiceLine

    marie = make_contact("fr", first_name="Marie", last_name="Payeur")
    # A bigger invoice, so that its amount has a thousands group.
    (Invoice.update(total=Decimal("12345.60"), balance=Decimal("12345.60"),
                    subtotal=Decimal("12345.60"))
     .where(Invoice.id == marie.invoice.id).execute())
    InvoiceLine.update(rate=Decimal("3086.40"), amount=Decimal("12345.60")).where(
        InvoiceLine.invoice == marie.invoice.id).execute()
    portal.sign_in(page, marie.email, marie.password)
    page.goto(portal.url(f"/invoices/{marie.invoice.id}/pay"))
    amount = page.get_by_label(translated("fr", "Amount to pay"))
    expect(amount).to_have_value("12\u202f345,60")
    amount.fill("1 000,5")  # a plain space typed for the group is read too
    _fill_card(page, "fr")
    page.locator("form.pay-form button[type=submit]").click()
    expect(page.locator(".receipt__amount")).to_have_text("1\u202f000,50\xa0€")


def test_error_pages_speak_the_readers_language_and_offer_a_way_back(
        page, new_page, portal, make_contact, org_slug, stack):
    kenji = make_contact("ja", first_name="健二", last_name="山田")
    portal.sign_in(page, kenji.email, kenji.password)
    response = page.goto(portal.url("/no/such/page"))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("ja", "Page not found"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.get_by_role("link", name=translated("ja", "Go to the portal's home page")).click()
    expect(page).to_have_url(re.compile(re.escape(portal.url("/")) + "$"))

    stranger = new_page(locale="es-ES")
    response = stranger.goto(f"{stack.portal_url}/no-such-portal/")
    assert response.status == 404
    expect(stranger.locator("html")).to_have_attribute("lang", "es")
    expect(stranger.get_by_role("heading", level=1)).to_have_text(
        translated("es", "Page not found"))
    screenshot(stranger, "404-es")


def test_a_used_invitation_explains_and_offers_sign_in_or_a_new_password(
        new_page, portal, make_contact, database):
    from core.services import access

    claire = make_contact("fr", first_name="Claire", last_name="Invitée", active=False)
    from core.audit import Actor
    from core.models import StaffUser

    admin = StaffUser.select().where(StaffUser.role == "admin").first()
    access.invite_contact(Actor.staff(admin.id), claire.contact.id)
    token = live_token(claire.contact.id)
    access.accept_invitation(claire.customer.organization_id, token, CONTACT_PASSWORD)

    page = new_page(locale="fr-FR")
    response = page.goto(portal.url(f"/accept/{token}"))
    assert response.status == 410
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_text(translated(
        "fr", "This invitation was already accepted, so your account is ready. Sign in with "
        "your email address and password, or choose a new password if you forgot it."))
    ).to_be_visible()
    screenshot(page, "used-invitation-fr")
    page.get_by_role("link", name=translated("fr", "Forgot your password?")).click()
    expect(page).to_have_url(portal.url("/forgot-password"))

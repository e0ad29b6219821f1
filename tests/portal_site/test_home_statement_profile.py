"""Home, the statement of account, and the profile."""

import datetime

from core.audit import Actor
from core.models import Contact, Customer
from core.services import organizations, payments
from tests.conftest import PASSWORD
from tests.portal_site.conftest import text_of


def test_home_shows_balance_overdue_last_payment_recent_documents_and_banner(
        signed_in, contact, org, make_invoice, admin, papers_of):
    organizations.update_portal_preferences(Actor.system(org.id),
                                            banner_text="Closed on Friday")
    papers = papers_of(contact.customer)
    late = make_invoice(contact.customer, "40.00",
                        issue_date=datetime.date.today() - datetime.timedelta(days=60),
                        due_in=10)
    payments.record_offline_payment(Actor.staff(admin.id), papers.invoice.id, "100.00")
    html = text_of(signed_in.get(f"/{org.slug}/"))
    assert "Closed on Friday" in html
    assert 'data-testid="outstanding">$190.00' in html
    assert 'data-testid="overdue">$40.00' in html and "1 invoice is overdue" in html
    assert "$100.00" in html  # the last payment
    assert late.number in html and papers.quote.number in html and papers.order.number in html


def test_statement_for_a_range_shows_opening_transactions_and_closing(
        signed_in, contact, org, make_invoice, admin):
    today = datetime.date.today()
    make_invoice(contact.customer, "70.00", issue_date=today - datetime.timedelta(days=40))
    inside = make_invoice(contact.customer, "30.00", issue_date=today - datetime.timedelta(days=5))
    start = (today - datetime.timedelta(days=10)).isoformat()
    html = text_of(signed_in.get(f"/{org.slug}/statement?start={start}&end={today}"))
    assert "Opening balance" in html and "$70.00" in html
    assert f"Invoice {inside.number}" in html
    assert 'data-testid="closing">$100.00' in html


def test_a_long_statement_shows_in_pages_with_balances_carried_between_them(
        signed_in, contact, org, make_invoice):
    today = datetime.date.today()
    made = [make_invoice(contact.customer, "10.00", issue_date=today - datetime.timedelta(days=n))
            for n in range(55, 0, -1)]  # 55 lines, oldest first
    url = f"/{org.slug}/statement?start={today - datetime.timedelta(days=60)}&end={today}"
    first = text_of(signed_in.get(url))
    assert "Opening balance" in first and "Balance carried forward" in first
    assert f"Invoice {made[49].number}" in first and f"Invoice {made[50].number}" not in first
    assert "$500.00" in first and 'data-testid="closing"' in first  # the closing tile stays
    assert "Page 1 of 2" in first
    second = text_of(signed_in.get(url + "&page=2"))
    assert "Balance brought forward" in second and "Opening balance" not in second.split(
        "<tbody>")[1]
    assert f"Invoice {made[50].number}" in second and f"Invoice {made[49].number}" not in second
    assert "Page 2 of 2" in second and "Balance carried forward" not in second
    assert 'data-testid="closing">$550.00' in second


def test_statement_defaults_to_recent_months_and_explains_a_reversed_range(
        signed_in, contact, org, make_invoice):
    make_invoice(contact.customer, "30.00")
    assert 'data-testid="closing">$30.00' in text_of(signed_in.get(f"/{org.slug}/statement"))
    bad = signed_in.get(f"/{org.slug}/statement?start=2025-05-01&end=2025-01-01")
    assert bad.status_code == 400
    assert "Choose a start date on or before the end date." in text_of(bad)
    garbage = signed_in.get(f"/{org.slug}/statement?start=soon&end=")
    assert garbage.status_code == 400 and 'id="start-error"' in text_of(garbage)


def test_the_default_period_ends_on_the_organizations_today_and_moves_with_it(
        signed_in, org, monkeypatch):
    from core import document_rules
    from core.models import Organization

    Organization.update(timezone="Pacific/Kiritimati").where(Organization.id == org.id).execute()
    late_utc = datetime.datetime(2026, 12, 2, 10, 30, tzinfo=datetime.UTC)  # 3 Dec at UTC+14
    monkeypatch.setattr(document_rules, "current_time", lambda: late_utc)
    first = text_of(signed_in.get(f"/{org.slug}/statement"))
    assert 'value="2026-12-03"' in first and 'value="2026-09-01"' in first
    monkeypatch.setattr(document_rules, "current_time",
                        lambda: late_utc + datetime.timedelta(days=40))
    later = text_of(signed_in.get(f"/{org.slug}/statement"))
    assert 'value="2027-01-12"' in later and 'value="2026-10-01"' in later


def test_statement_pdf_downloads(signed_in, contact, org, make_invoice):
    make_invoice(contact.customer, "30.00")
    response = signed_in.get(f"/{org.slug}/statement.pdf?start=2025-01-01&end=2027-01-01")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_profile_changes_details(signed_in, contact, org):
    page = text_of(signed_in.get(f"/{org.slug}/profile"))
    assert contact.email in page
    response = signed_in.post(f"/{org.slug}/profile/details",
                              data={"first_name": "Renamed", "last_name": "Person",
                                    "phone": "+49 30 1234"})
    assert response.status_code == 302
    stored = Contact.get_by_id(contact.id)
    assert (stored.first_name, stored.phone) == ("Renamed", "+49 30 1234")
    assert "Your details were saved." in text_of(signed_in.get(response.location))


def test_profile_post_with_extra_fields_changes_only_what_the_form_allows(
        signed_in, contact, org, make_customer):
    stranger = make_customer(name="Someone Else")
    before = Contact.get_by_id(contact.id)
    signed_in.post(f"/{org.slug}/profile/details",
                   data={"first_name": "Mallory", "email": "attacker@example.com",
                         "customer": stranger.id, "customer_id": stranger.id,
                         "portal_state": "disabled", "state": "disabled",
                         "session_version": 99, "language": "ar", "password_hash": "x"})
    signed_in.post(f"/{org.slug}/profile/addresses",
                   data={"billing_city": "Berlin", "display_name": "Hacked",
                         "outstanding": "0", "email": "attacker@example.com"})
    after = Contact.get_by_id(contact.id)
    assert after.first_name == "Mallory"
    assert (after.email, after.customer_id, after.portal_state, after.language,
            after.password_hash) == (before.email, before.customer_id, "active",
                                     before.language, before.password_hash)
    customer = Customer.get_by_id(contact.customer_id)
    assert customer.billing_city == "Berlin"
    assert customer.display_name == before.customer.display_name
    assert signed_in.get(f"/{org.slug}/").status_code == 200


def test_addresses_can_be_changed_only_when_the_organization_allows_it(signed_in, contact, org):
    response = signed_in.post(f"/{org.slug}/profile/addresses",
                              data={"shipping_street": "1 Dock Road", "shipping_city": "Hull"})
    assert response.status_code == 302
    assert Customer.get_by_id(contact.customer_id).shipping_city == "Hull"

    organizations.update_portal_preferences(Actor.system(org.id), allow_address_edit=False)
    page = text_of(signed_in.get(f"/{org.slug}/profile"))
    assert "To change an address, please contact us." in page and "Save addresses" not in page
    refused = signed_in.post(f"/{org.slug}/profile/addresses", data={"shipping_city": "York"})
    assert refused.status_code == 404
    assert Customer.get_by_id(contact.customer_id).shipping_city == "Hull"


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, auth, contact, org):
    here, elsewhere = app.test_client(), app.test_client()
    auth.sign_in(contact, client=here)
    auth.sign_in(contact, client=elsewhere)
    wrong = here.post(f"/{org.slug}/profile/password",
                      data={"current_password": "not it", "password": "another secret 1",
                            "confirm": "another secret 1"})
    assert wrong.status_code == 400 and 'id="current_password-error"' in text_of(wrong)
    done = here.post(f"/{org.slug}/profile/password",
                     data={"current_password": PASSWORD, "password": "another secret 1",
                           "confirm": "another secret 1"})
    assert done.status_code == 302
    assert here.get(f"/{org.slug}/profile").status_code == 200
    assert elsewhere.get(f"/{org.slug}/profile").status_code == 302
    auth.sign_in(contact, password="another secret 1", client=app.test_client())


def test_choosing_a_language_switches_the_pages(signed_in, contact, org):
    response = signed_in.post(f"/{org.slug}/profile/language", data={"language": "de"})
    assert response.status_code == 302
    assert '<html lang="de" dir="ltr">' in text_of(signed_in.get(f"/{org.slug}/"))
    assert Contact.get_by_id(contact.id).language == "de"
    bad = signed_in.post(f"/{org.slug}/profile/language", data={"language": "xx"})
    assert bad.status_code == 400
    signed_in.post(f"/{org.slug}/profile/language", data={"language": ""})
    assert Contact.get_by_id(contact.id).language is None

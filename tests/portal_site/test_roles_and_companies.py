"""The portal as each role sees it, the company switcher of a person with several companies,
and a Company admin's page for the company's contacts."""

import pytest
from playhouse.test_utils import count_queries

from core.audit import Actor
from core.models import Contact
from core.services import access
from tests.conftest import PASSWORD, token_of
from tests.portal_site.conftest import Auth, text_of

EMAIL = "pat@buyer.example"


def _signed_in(app, org, contact):
    client = app.test_client()
    Auth(client, org).sign_in(contact)
    return client


def test_a_billing_contact_sees_no_orders_and_an_orders_contact_no_money(
        app, org, make_active_contact, make_colleague, papers_of):
    owner = make_active_contact()
    papers = papers_of(owner.customer)
    billing = _signed_in(app, org, make_colleague(owner.customer, "billing"))
    home = text_of(billing.get(f"/{org.slug}/"))
    assert "Outstanding balance" in home and "Recent quotes" not in home
    assert f"/{org.slug}/quotes" not in home  # not in the menu either
    assert billing.get(f"/{org.slug}/quotes").status_code == 404
    assert billing.get(f"/{org.slug}/quotes/{papers.quote.id}").status_code == 404
    assert billing.get(f"/{org.slug}/invoices/{papers.invoice.id}").status_code == 200

    orders = _signed_in(app, org, make_colleague(owner.customer, "orders"))
    home = text_of(orders.get(f"/{org.slug}/"))
    assert "Outstanding balance" not in home and "Recent quotes" in home
    assert f"/{org.slug}/invoices" not in home
    assert orders.get(f"/{org.slug}/invoices/{papers.invoice.id}").status_code == 404
    assert orders.get(f"/{org.slug}/statement").status_code == 404
    assert orders.get(f"/{org.slug}/shipments/{papers.shipment.id}").status_code == 200


@pytest.fixture
def pat(app, org, make_active_contact, make_customer, admin):
    """Pat, an active contact of Northwind and of Southwind (one email, one password)."""
    north = make_active_contact(name="Northwind", email=EMAIL)
    south_customer = make_customer(name="Southwind", email=None,
                                   contacts=[{"first_name": "Pat", "email": EMAIL}])
    south = Contact.get(Contact.customer == south_customer)
    access.invite_contact(Actor.staff(admin.id), south.id)
    return north, Contact.get_by_id(south.id)


def test_the_second_invitation_asks_for_the_password_pat_already_has(app, org, pat):
    _north, south = pat
    client = app.test_client()
    client.get(f"/{org.slug}/accept/{token_of(south)}")
    page = text_of(client.get(f"/{org.slug}/accept"))
    assert "Enter your password to add Southwind" in page
    assert "Repeat the password" not in page
    wrong = client.post(f"/{org.slug}/accept", data={"password": "not the password at all"})
    assert wrong.status_code == 200
    assert "Enter the password you already use for this portal." in text_of(wrong)
    done = client.post(f"/{org.slug}/accept", data={"password": PASSWORD})
    assert done.status_code == 302
    assert "Southwind" in text_of(client.get(f"/{org.slug}/"))


def test_the_switcher_moves_between_companies_and_each_reads_only_its_own(
        app, org, pat, make_invoice):
    north, south = pat
    access.accept_invitation(org.id, token_of(south), PASSWORD)
    north_invoice, south_invoice = make_invoice(north.customer), make_invoice(south.customer)
    client = _signed_in(app, org, north)
    home = text_of(client.get(f"/{org.slug}/"))
    assert 'data-testid="company-switcher"' in home
    current = "Northwind" if f'value="{north.id}" selected' in home else "Southwind"
    here, there = (north, south) if current == "Northwind" else (south, north)
    mine, theirs = ((north_invoice, south_invoice) if here is north
                    else (south_invoice, north_invoice))
    assert client.get(f"/{org.slug}/invoices/{mine.id}").status_code == 200
    assert client.get(f"/{org.slug}/invoices/{theirs.id}").status_code == 404

    switched = client.post(f"/{org.slug}/switch-company", data={"contact": there.id})
    assert switched.status_code == 302
    listing = text_of(client.get(f"/{org.slug}/invoices"))
    assert theirs.number in listing and mine.number not in listing
    assert client.get(f"/{org.slug}/invoices/{mine.id}").status_code == 404


def test_switching_to_someone_elses_contact_answers_404(app, org, pat, make_active_contact):
    north, south = pat
    access.accept_invitation(org.id, token_of(south), PASSWORD)
    stranger = make_active_contact()
    client = _signed_in(app, org, north)
    answer = client.post(f"/{org.slug}/switch-company", data={"contact": stranger.id})
    assert answer.status_code == 404
    profile = text_of(client.get(f"/{org.slug}/profile"))
    assert EMAIL in profile and stranger.email not in profile


def test_disabling_one_company_ends_its_sessions_and_leaves_the_other(app, org, pat, admin):
    north, south = pat
    access.accept_invitation(org.id, token_of(south), PASSWORD)
    client = _signed_in(app, org, north)
    client.post(f"/{org.slug}/switch-company", data={"contact": south.id})
    access.disable_contact(Actor.staff(admin.id), south.id)
    assert client.get(f"/{org.slug}/").status_code == 302  # Southwind's session is over
    again = _signed_in(app, org, north)
    home = text_of(again.get(f"/{org.slug}/"))
    assert "Northwind" in home and 'data-testid="company-switcher"' not in home


def test_a_one_company_contact_pays_no_query_for_the_switcher(app, org, pat, signed_in):
    north, south = pat
    access.accept_invitation(org.id, token_of(south), PASSWORD)
    several = _signed_in(app, org, north)
    signed_in.get(f"/{org.slug}/")
    several.get(f"/{org.slug}/")
    with count_queries() as one:
        signed_in.get(f"/{org.slug}/")
    with count_queries() as two:
        several.get(f"/{org.slug}/")
    assert two.count == one.count + 1  # the switcher's one list, whatever its length


def test_a_company_admin_invites_changes_roles_and_removes_access(
        app, org, make_active_contact, make_colleague, admin):
    boss = make_active_contact()
    access.configure_portal_access(Actor.staff(admin.id), boss.customer_id, [boss.id],
                                   roles={boss.id: "admin"})
    colleague = make_colleague(boss.customer, "full")
    client = _signed_in(app, org, boss)
    page = text_of(client.get(f"/{org.slug}/company/contacts"))
    assert colleague.email in page and "Company contacts" in page

    invited = client.post(f"/{org.slug}/company/contacts/invite",
                          data={"first_name": "Quinn", "email": "quinn@firm.example",
                                "role": "billing"}, follow_redirects=True)
    assert "We asked for portal access for Quinn" in text_of(invited)
    assert "Waiting for approval" in text_of(invited)

    client.post(f"/{org.slug}/company/contacts/{colleague.id}/role",
                data={f"c{colleague.id}-role": "orders"})
    assert Contact.get_by_id(colleague.id).role == "orders"
    client.post(f"/{org.slug}/company/contacts/{colleague.id}/remove")
    assert Contact.get_by_id(colleague.id).portal_state == "disabled"

    bad = client.post(f"/{org.slug}/company/contacts/invite",
                      data={"first_name": "Q", "email": "q@firm.example", "role": "owner"})
    assert bad.status_code == 400
    assert not Contact.select().where(Contact.email == "q@firm.example").exists()


def test_a_company_admin_cannot_reach_another_customers_contacts(
        app, org, make_active_contact, admin):
    boss, neighbour = make_active_contact(), make_active_contact()
    access.configure_portal_access(Actor.staff(admin.id), boss.customer_id, [boss.id],
                                   roles={boss.id: "admin"})
    client = _signed_in(app, org, boss)
    for action, data in (("role", {f"c{neighbour.id}-role": "billing"}), ("remove", {})):
        answer = client.post(f"/{org.slug}/company/contacts/{neighbour.id}/{action}", data=data)
        assert answer.status_code == 404
    row = Contact.get_by_id(neighbour.id)
    assert (row.role, row.portal_state) == ("full", "active")
    assert neighbour.email not in text_of(client.get(f"/{org.slug}/company/contacts"))

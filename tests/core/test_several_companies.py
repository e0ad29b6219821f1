"""One person, several companies: a contact of more than one customer of an organization (the
same email) has one password, signs in once and switches company; each company keeps its own
role, language and access state, and reads only its own records."""

import pytest

from core.audit import Actor
from core.errors import AuthenticationError, NotFoundError, ValidationError
from core.models import Contact
from core.queries import portal
from core.queries.scoping import ContactScope
from core.services import access, customers
from tests.conftest import PASSWORD, token_of
from tests.core.helpers import unchanged

EMAIL = "pat@buyer.example"


@pytest.fixture
def pat(make_active_contact, make_customer, admin):
    """Pat: an active contact of Northwind, then invited as a contact of Southwind too."""
    first = make_active_contact(name="Northwind", email=EMAIL)
    second_customer = make_customer(name="Southwind", email=None, contacts=[
        {"first_name": "Pat", "email": EMAIL}])
    second = Contact.get(Contact.customer == second_customer)
    access.invite_contact(Actor.staff(admin.id), second.id)
    return first, Contact.get_by_id(second.id)


def test_the_second_invitation_is_accepted_with_the_password_the_person_has(pat, org):
    first, second = pat
    assert access.joins_existing_sign_in(org.id, token_of(second), "invitation")
    done = access.accept_invitation(org.id, token_of(second), PASSWORD)
    assert done.portal_state == "active"
    assert Contact.get_by_id(second.id).password_hash == Contact.get_by_id(first.id).password_hash


def test_a_second_invitation_cannot_replace_the_persons_password(pat, org):
    _first, second = pat
    token = token_of(second)
    with pytest.raises(ValidationError) as caught:
        access.accept_invitation(org.id, token, "a brand new password 42")
    assert caught.value.field == "password"
    assert Contact.get_by_id(second.id).portal_state == "invited"
    # The real password still works, and the link was not used up by the wrong one.
    access.accept_invitation(org.id, token, PASSWORD)


def test_one_sign_in_lists_both_companies_and_switching_reads_only_the_other(
        pat, org, make_invoice):
    first, second = pat
    access.accept_invitation(org.id, token_of(second), PASSWORD)
    north, south = make_invoice(first.customer), make_invoice(second.customer)
    signed_in = access.authenticate_contact(org.id, EMAIL, PASSWORD)
    scope = ContactScope.for_contact(signed_in.id)
    names = [c.customer.display_name for c in portal.list_companies(scope)]
    assert names == ["Northwind", "Southwind"]

    other = second if signed_in.id == first.id else first
    switched = ContactScope.for_contact(access.switch_company(scope, other.id).id)
    mine = north if other.id == first.id else south
    theirs = south if mine is north else north
    assert [i.id for i in portal.list_invoices(switched).items] == [mine.id]
    with pytest.raises(NotFoundError):
        switched.get_document("invoice", theirs.id)


def test_switching_to_another_persons_contact_is_refused(pat, org, make_active_contact):
    first, second = pat
    stranger = make_active_contact()
    scope = ContactScope.for_contact(first.id)
    for target in (stranger.id, second.id, "x", None):  # second: invited, not active yet
        with pytest.raises(NotFoundError):
            access.switch_company(scope, target)


def test_disabling_one_company_leaves_the_other(pat, org, admin):
    first, second = pat
    access.accept_invitation(org.id, token_of(second), PASSWORD)
    access.disable_contact(Actor.staff(admin.id), second.id)
    signed_in = access.authenticate_contact(org.id, EMAIL, PASSWORD)
    assert signed_in.id == first.id
    scope = ContactScope.for_contact(first.id)
    assert [c.id for c in portal.list_companies(scope)] == [first.id]
    with pytest.raises(NotFoundError):
        access.switch_company(scope, second.id)


def test_each_company_keeps_its_own_role_and_language(pat, org, admin):
    first, second = pat
    access.accept_invitation(org.id, token_of(second), PASSWORD)
    customers.update_contact(Actor.staff(admin.id), second.id, role="billing", language="de")
    assert (Contact.get_by_id(first.id).role, Contact.get_by_id(first.id).language) == (
        "full", None)
    assert ContactScope.for_contact(second.id).module_enabled("quote") is False
    assert ContactScope.for_contact(first.id).module_enabled("quote") is True


def test_a_password_change_is_the_persons_and_ends_every_session(pat, org):
    first, second = pat
    access.accept_invitation(org.id, token_of(second), PASSWORD)
    before = Contact.get_by_id(second.id).session_version
    access.change_password(first.id, PASSWORD, "another fine password 77")
    assert Contact.get_by_id(second.id).session_version > before
    with pytest.raises(AuthenticationError):
        access.authenticate_contact(org.id, EMAIL, PASSWORD)
    assert access.authenticate_contact(org.id, EMAIL, "another fine password 77")
    scope = ContactScope.for_contact(first.id)
    assert len(portal.list_companies(scope)) == 2  # the same password: still one person


def test_signing_out_ends_the_persons_sessions_in_every_company(pat, org):
    first, second = pat
    access.accept_invitation(org.id, token_of(second), PASSWORD)
    versions = {c.id: c.session_version for c in Contact.select()}
    access.sign_out_everywhere(first.id)
    assert all(Contact.get_by_id(c).session_version > v for c, v in versions.items())


def test_the_same_email_twice_in_one_customer_is_refused(make_customer, admin):
    customer = make_customer(email=EMAIL)
    with unchanged(), pytest.raises(ValidationError):
        customers.add_contact(Actor.staff(admin.id), customer.id, first_name="Twin",
                              email=EMAIL)

"""What a contact changes about itself: name and phone, addresses, language."""

import pytest

from core.audit import Actor
from core.errors import PermissionDeniedError, ValidationError
from core.i18n import contact_language
from core.models import Contact, Customer
from core.queries.scoping import ContactScope
from core.services.organizations import update_portal_preferences
from core.services.profile import (
    set_contact_language,
    update_contact_details,
    update_customer_addresses,
)
from tests.core.helpers import actions, unchanged


@pytest.fixture
def scope(make_active_contact):
    return ContactScope.for_contact(make_active_contact(language="de").id)


def test_a_contact_changes_its_name_and_phone_but_not_its_email(scope):
    email = scope.contact.email
    update_contact_details(scope, first_name=" Olivia ", last_name="Parker", phone="+1 555")

    contact = Contact.get_by_id(scope.contact.id)
    assert (contact.first_name, contact.last_name, contact.phone, contact.email) == (
        "Olivia", "Parker", "+1 555", email)
    assert actions()[-1] == "profile_updated"


def test_a_contact_needs_a_first_name(scope):
    with unchanged(), pytest.raises(ValidationError) as caught:
        update_contact_details(scope, first_name="")
    assert caught.value.field == "first_name"


def test_a_contact_changes_the_customers_addresses(scope):
    update_customer_addresses(scope, billing_street="1 Rue de la Paix", billing_city="Paris",
                              shipping_country="France")
    customer = Customer.get_by_id(scope.customer.id)
    assert (customer.billing_street, customer.billing_city, customer.shipping_country) == (
        "1 Rue de la Paix", "Paris", "France")
    assert actions()[-1] == "addresses_updated"


@pytest.mark.parametrize("changes, message", [
    ({"billing_city": "x" * 101}, "at most 100"),
    ({"email": "x@example.com"}, "Unknown field"),
    ({"display_name": "Mine"}, "Unknown field"),
])
def test_bad_address_changes_are_refused(scope, changes, message):
    with unchanged(), pytest.raises(ValidationError, match=message):
        update_customer_addresses(scope, **changes)


def test_addresses_are_read_only_when_the_organization_says_so(scope, admin):
    update_portal_preferences(Actor.staff(admin.id), allow_address_edit=False)
    scope = ContactScope.for_contact(scope.contact.id)
    with unchanged(), pytest.raises(PermissionDeniedError, match="can't be changed"):
        update_customer_addresses(scope, billing_city="Paris")


def test_a_contact_language_overrides_the_customers_until_cleared(scope):
    assert contact_language(Contact.get_by_id(scope.contact.id)) == "de"
    set_contact_language(scope, "ja")
    assert contact_language(Contact.get_by_id(scope.contact.id)) == "ja"
    set_contact_language(scope, None)
    assert contact_language(Contact.get_by_id(scope.contact.id)) == "de"
    with unchanged(), pytest.raises(ValidationError, match="offered languages"):
        set_contact_language(scope, "tlh")

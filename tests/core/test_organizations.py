"""The organization, its portal preferences and its portal URL slug."""

import pytest

from core.audit import Actor
from core.errors import PermissionDeniedError, ValidationError
from core.models import AuditEvent, Organization, PortalPreferences
from core.queries.portal import get_organization_by_slug
from core.services.organizations import (
    change_portal_slug,
    create_organization,
    slugify,
    update_organization,
    update_portal_preferences,
)
from tests.core.helpers import unchanged


@pytest.fixture
def staff(admin):
    return Actor.staff(admin.id)


@pytest.mark.parametrize("name, slug", [
    ("Acme Trading GmbH", "acme-trading-gmbh"),
    ("Bäckerei Schulz & Söhne", "backerei-schulz-sohne"),
    ("  --Hello__World--  ", "hello-world"),
    ("山田商事", "portal"),
    ("AB", "portal-ab"),
])
def test_a_slug_is_made_from_the_name(name, slug):
    assert slugify(name) == slug


def test_a_new_organization_gets_a_free_slug_and_default_preferences():
    first = create_organization("Acme Trading")
    second = create_organization("Acme Trading")
    assert (first.slug, second.slug) == ("acme-trading", "acme-trading-2")
    prefs = PortalPreferences.get(PortalPreferences.organization == first.id)
    assert prefs.allow_signup is False and prefs.show_invoices is True
    assert AuditEvent.select().where(AuditEvent.action == "organization_created").count() == 2


@pytest.mark.parametrize("kwargs", [
    {"name": ""}, {"name": "Ok", "default_language": "xx"}, {"name": "Ok", "currency": "ABC"},
    {"name": "Ok", "slug": "A!"},
])
def test_a_bad_organization_is_refused(org, kwargs):
    with unchanged(), pytest.raises(ValidationError):
        create_organization(**kwargs)


def test_a_taken_slug_is_refused_for_a_new_organization(org):
    with unchanged(), pytest.raises(ValidationError, match="already taken"):
        create_organization("Other", slug=org.slug)


def test_preferences_change_and_only_real_changes_are_audited(org, staff):
    prefs = update_portal_preferences(staff, allow_signup=True, show_quotes=False,
                                      show_invoices=True, banner_text="  Closed Monday  ")

    prefs = PortalPreferences.get_by_id(prefs.id)
    assert (prefs.allow_signup, prefs.show_quotes, prefs.banner_text) == (True, False,
                                                                          "Closed Monday")
    event = AuditEvent.get(AuditEvent.action == "preferences_changed")
    assert event.actor_id == staff.id
    assert '"allow_signup": true' in event.details and "show_invoices" not in event.details


@pytest.mark.parametrize("kwargs, message", [
    ({"allow_everything": True}, "Unknown preference: allow_everything"),
    ({"banner_text": "x" * 501}, "at most 500"),
    ({"show_quotes": False, "colour": "red"}, "Unknown preference: colour"),
])
def test_bad_preferences_are_refused(org, staff, kwargs, message):
    with unchanged(), pytest.raises(ValidationError, match=message):
        update_portal_preferences(staff, **kwargs)


def test_a_new_slug_keeps_the_old_one_redirecting(org, staff):
    change_portal_slug(staff, "Acme-Portal")

    assert get_organization_by_slug("acme-portal") == (Organization.get_by_id(org.id), True)
    assert get_organization_by_slug("acme-trading") == (Organization.get_by_id(org.id), False)
    assert get_organization_by_slug("nobody") == (None, False)
    assert AuditEvent.get(AuditEvent.action == "portal_slug_changed").actor_id == staff.id


def test_taking_back_an_old_slug_makes_it_current_again(org, staff):
    change_portal_slug(staff, "acme-portal")
    change_portal_slug(staff, "acme-trading")

    assert get_organization_by_slug("acme-trading")[1] is True
    assert get_organization_by_slug("acme-portal")[1] is False


def test_another_organizations_slug_current_or_old_cannot_be_taken(org, staff):
    other = create_organization("Other Org")
    change_portal_slug(Actor.system(other.id), "other-new")
    for taken in ("other-org", "other-new"):
        with unchanged(), pytest.raises(ValidationError, match="already taken") as caught:
            change_portal_slug(staff, taken)
        assert caught.value.field == "slug"


def test_the_paths_the_portal_serves_itself_are_no_portal_address(org, staff):
    """/api/v1/ and /static/ belong to the app: an organization named "API" gets another."""
    for name in ("API", "Static"):
        assert create_organization(name).slug == f"{name.lower()}-2"
    for reserved in ("api", "static"):
        with unchanged(), pytest.raises(ValidationError, match="already taken"):
            change_portal_slug(staff, reserved)


@pytest.mark.parametrize("slug", ["ab", "-acme", "acme-", "ac--me", "acme trading", "ácme",
                                  "x" * 61, ""])
def test_an_invalid_slug_is_refused(org, staff, slug):
    with unchanged(), pytest.raises(ValidationError, match="lower-case letters"):
        change_portal_slug(staff, slug)


def test_the_same_slug_again_changes_nothing(org, staff):
    with unchanged():
        change_portal_slug(staff, org.slug)


def test_the_organization_details_change(org, staff):
    update_organization(staff, name="Acme Trading Ltd", default_language="fr",
                        accent_color="#AABBCC")
    org = Organization.get_by_id(org.id)
    assert (org.name, org.default_language, org.accent_color) == ("Acme Trading Ltd", "fr",
                                                                  "#aabbcc")
    for kwargs in ({"name": " "}, {"default_language": "xx"}, {"accent_color": "red"}):
        with unchanged(), pytest.raises(ValidationError):
            update_organization(staff, **kwargs)


def test_only_an_admin_of_the_organization_changes_its_settings(org, staff_member):
    from core.services.staff import create_staff
    from tests.conftest import PASSWORD

    other = create_organization("Other Org")
    outsider = create_staff(Actor.system(other.id), "boss@other.example", "Boss", PASSWORD,
                            role="admin")
    # An admin of another organization naming ours, an API key, a contact, a visitor, and the
    # system when it names no organization.
    for actor in (Actor.staff(staff_member.id), Actor.staff(outsider.id, organization_id=org.id),
                  Actor.api_key(1, org.id), Actor.contact(1), Actor.anonymous(), Actor("system")):
        with unchanged():
            with pytest.raises(PermissionDeniedError):
                update_portal_preferences(actor, allow_signup=True)
            with pytest.raises(PermissionDeniedError):
                change_portal_slug(actor, "taken-over")
            with pytest.raises(PermissionDeniedError):
                update_organization(actor, name="Taken Over")


def test_the_portal_site_of_a_slug(org, staff):
    from core.queries.portal import get_portal_site

    change_portal_slug(staff, "acme-portal")
    found, prefs, current = get_portal_site("acme-portal")
    assert (found.id, prefs.organization_id, current) == (org.id, org.id, True)
    found, prefs, current = get_portal_site("acme-trading")
    assert (found.id, prefs, current) == (org.id, None, False)
    assert get_portal_site("nobody") == (None, None, False)

"""Portal access: invitations, the access state machine, tokens, sign-in, resets and sign-up."""

import datetime

import pytest

from core import throttle
from core.audit import Actor
from core.errors import (
    AuthenticationError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TokenError,
    ValidationError,
)
from core.models import AccessToken, Contact, Customer, Notification, OutboxMessage, utcnow
from core.queries.scoping import ContactScope
from core.services import access
from core.services.customers import add_contact
from core.services.organizations import create_organization, update_portal_preferences
from tests.conftest import PASSWORD, token_of
from tests.core.helpers import actions, unchanged

NEW_PASSWORD = "a brand new passphrase"


def reload(contact) -> Contact:
    return Contact.get_by_id(contact.id)


def outbox_kinds(recipient=None) -> list[str]:
    query = OutboxMessage.select().order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return [m.kind for m in query]


@pytest.fixture
def contact(make_customer):
    """A primary contact that was never invited."""
    customer = make_customer()
    return Contact.get(Contact.customer == customer)


@pytest.fixture
def staff(admin):
    return Actor.staff(admin.id, "198.51.100.1")


# -- the state machine ------------------------------------------------------------------------

def test_a_new_contact_is_not_invited(contact):
    assert contact.portal_state == "not_invited"
    assert contact.customer.portal_status == "not_invited"


def test_inviting_makes_the_contact_invited_and_queues_the_invitation(contact, staff):
    before = contact.state_changed_at
    access.invite_contact(staff, contact.id)

    contact = reload(contact)
    assert contact.portal_state == "invited" and contact.state_changed_at >= before
    assert Customer.get_by_id(contact.customer_id).portal_status == "invited"
    assert outbox_kinds(contact.email) == ["invitation"]
    assert actions()[-1] == "contact_invited"


def test_accepting_the_invitation_sets_the_password_and_makes_the_contact_active(
        contact, staff, admin, org):
    access.invite_contact(staff, contact.id)
    accepted = access.accept_invitation(org.id, token_of(contact), PASSWORD, ip="192.0.2.7")

    assert accepted.portal_state == "active"
    assert Customer.get_by_id(contact.customer_id).portal_status == "active"
    assert access.authenticate_contact(org.id, contact.email, PASSWORD).id == contact.id
    assert Notification.get(Notification.staff == admin.id).kind == "invitation_accepted"
    assert "invitation_accepted" in actions()


def test_accepting_with_a_weak_password_changes_nothing(contact, staff, org):
    access.invite_contact(staff, contact.id)
    raw = token_of(contact)
    with unchanged(), pytest.raises(ValidationError, match="at least") as caught:
        access.accept_invitation(org.id, raw, "short")
    assert caught.value.field == "password"
    assert access.accept_invitation(org.id, raw, PASSWORD).portal_state == "active"


@pytest.mark.parametrize("state", ["not_invited", "invited", "active"])
def test_a_contact_can_be_disabled_from_any_state(make_customer, make_active_contact, staff,
                                                  state):
    if state == "active":
        contact = make_active_contact()
    else:
        contact = Contact.get(Contact.customer == make_customer())
        if state == "invited":
            access.invite_contact(staff, contact.id)
    version = reload(contact).session_version

    access.disable_contact(staff, contact.id)

    contact = reload(contact)
    assert contact.portal_state == "disabled"
    assert contact.session_version == version + 1
    assert Customer.get_by_id(contact.customer_id).portal_status == "disabled"
    assert not AccessToken.select().where(AccessToken.contact == contact.id,
                                          AccessToken.revoked_at.is_null(),
                                          AccessToken.used_at.is_null()).exists()
    assert "contact_disabled" in actions()


def test_disabling_ends_the_contacts_sessions_and_sign_in(make_active_contact, staff, org):
    contact = make_active_contact()
    version = contact.session_version
    assert ContactScope.for_contact(contact.id, version).contact.id == contact.id

    access.disable_contact(staff, contact.id)

    with pytest.raises(NotFoundError):
        ContactScope.for_contact(contact.id, version)
    with pytest.raises(NotFoundError):
        ContactScope.for_contact(contact.id)
    with pytest.raises(AuthenticationError):
        access.authenticate_contact(org.id, contact.email, PASSWORD)


def test_disabling_revokes_a_pending_reset_link(make_active_contact, staff, org):
    contact = make_active_contact()
    access.request_password_reset(org.id, contact.email)
    raw = token_of(contact, "reset")

    access.disable_contact(staff, contact.id)

    with pytest.raises(TokenError):
        access.reset_password(org.id, raw, NEW_PASSWORD)


@pytest.mark.parametrize("start", ["invited", "disabled"])
def test_a_reinvite_revokes_the_older_link_and_the_new_one_works(contact, staff, org, start):
    access.invite_contact(staff, contact.id)
    old = token_of(contact)
    if start == "disabled":
        access.disable_contact(staff, contact.id)

    access.reinvite_contact(staff, contact.id)
    new = token_of(contact)

    assert new != old
    assert reload(contact).portal_state == "invited"
    assert outbox_kinds(contact.email) == ["invitation", "reinvitation"]
    assert actions()[-1] == "contact_reinvited"
    with pytest.raises(TokenError):
        access.accept_invitation(org.id, old, PASSWORD)
    assert reload(contact).portal_state == "invited"
    assert access.accept_invitation(org.id, new, PASSWORD).portal_state == "active"


def test_an_active_contact_cannot_be_invited_again(make_active_contact, staff):
    contact = make_active_contact()
    with unchanged(), pytest.raises(InvalidStateError, match="already has portal access"):
        access.invite_contact(staff, contact.id)


def test_a_contact_without_email_cannot_be_invited(make_customer, staff):
    customer = make_customer(email=None)
    contact = Contact.get(Contact.customer == customer)
    with unchanged(), pytest.raises(ValidationError, match="no email") as caught:
        access.invite_contact(staff, contact.id)
    assert caught.value.field == "email"


def test_staff_of_another_organization_cannot_invite_or_disable(contact):
    from core.services.staff import create_staff

    other = create_organization("Other Org")
    outsider = Actor.staff(create_staff(Actor.system(other.id), "x@other.example", "X",
                                        PASSWORD).id)
    with unchanged():
        for action in (access.invite_contact, access.disable_contact):
            with pytest.raises(NotFoundError):
                action(outsider, contact.id)
            with pytest.raises(PermissionDeniedError):  # naming our organization changes nothing
                action(Actor.staff(outsider.id, organization_id=contact.organization_id),
                       contact.id)
        with pytest.raises(NotFoundError):
            access.invite_contact(outsider, 10**6)
        with pytest.raises(NotFoundError):
            access.configure_portal_access(outsider, contact.customer_id, [])


def test_staff_of_another_organization_cannot_configure_a_customer_without_contacts(org):
    from core.services.customers import create_customer
    from core.services.staff import create_staff

    bare = create_customer(Actor.system(org.id), display_name="Bare")
    other = create_organization("Other Org")
    outsider = Actor.staff(create_staff(Actor.system(other.id), "x@other.example", "X",
                                        PASSWORD).id)
    with unchanged(), pytest.raises(NotFoundError):
        access.configure_portal_access(outsider, bare.id, [])


# -- configure portal access -------------------------------------------------------------------

def test_configuring_access_invites_the_chosen_and_disables_the_unchosen(
        make_active_contact, staff, org):
    active = make_active_contact()
    second = add_contact(staff, active.customer_id, first_name="Second", email="second@x.example")
    no_email = add_contact(staff, active.customer_id, first_name="Nomail")

    changes = access.configure_portal_access(staff, active.customer_id, [second.id])

    outcome = {c.contact_id: c.outcome for c in changes}
    assert outcome == {active.id: "disabled", second.id: "invited", no_email.id: "unchanged"}
    assert reload(active).portal_state == "disabled"
    assert reload(second).portal_state == "invited"
    with pytest.raises(NotFoundError):
        ContactScope.for_contact(active.id)

    changes = access.configure_portal_access(staff, active.customer_id, [active.id, second.id])
    assert {c.contact_id: c.outcome for c in changes}[active.id] == "reinvited"


def test_configuring_access_for_a_contact_without_email_changes_nothing(make_customer, staff):
    customer = make_customer()
    nomail = add_contact(staff, customer.id, first_name="Nomail", last_name="Person")
    primary = Contact.get(Contact.customer == customer, Contact.is_primary)

    with unchanged(), pytest.raises(ValidationError, match="Nomail Person has no email"):
        access.configure_portal_access(staff, customer.id, [primary.id, nomail.id])


def test_configuring_access_with_another_customers_contact_is_refused(make_customer, staff):
    first, second = make_customer(), make_customer()
    stranger = Contact.get(Contact.customer == second)
    with unchanged(), pytest.raises(NotFoundError):
        access.configure_portal_access(staff, first.id, [stranger.id])
    with unchanged(), pytest.raises(NotFoundError):
        access.configure_portal_access(staff, 10**6, [])


# -- tokens --------------------------------------------------------------------------------------

@pytest.fixture
def invited(contact, staff):
    access.invite_contact(staff, contact.id)
    return reload(contact)


def test_an_invitation_link_shows_whose_it_is(invited, org):
    assert access.describe_token(org.id, token_of(invited), "invitation").id == invited.id


def test_a_used_invitation_cannot_be_used_again(invited, org):
    raw = token_of(invited)
    access.accept_invitation(org.id, raw, PASSWORD)
    with pytest.raises(TokenError):
        access.accept_invitation(org.id, raw, NEW_PASSWORD)
    assert access.authenticate_contact(org.id, invited.email, PASSWORD)


def test_an_expired_invitation_is_refused(invited, org):
    raw = token_of(invited)
    AccessToken.update(expires_at=utcnow() - datetime.timedelta(seconds=1)).execute()
    with pytest.raises(TokenError, match="This invitation has expired") as caught:
        access.accept_invitation(org.id, raw, PASSWORD)
    assert (caught.value.reason, caught.value.gone) == ("expired", True)
    assert reload(invited).portal_state == "invited"


def test_a_used_invitation_says_so_and_a_made_up_one_says_nothing(invited, org):
    raw = token_of(invited)
    access.accept_invitation(org.id, raw, PASSWORD)
    with pytest.raises(TokenError, match="already accepted") as caught:
        access.accept_invitation(org.id, raw, PASSWORD)
    assert caught.value.reason == "used"
    with pytest.raises(TokenError, match="invalid or has expired") as caught:
        access.accept_invitation(org.id, raw[:-3] + "abc", PASSWORD)
    assert not caught.value.gone


def test_a_revoked_token_is_refused(invited, org):
    raw = token_of(invited)
    AccessToken.update(revoked_at=utcnow()).execute()
    with pytest.raises(TokenError):
        access.describe_token(org.id, raw, "invitation")


def test_a_token_for_another_purpose_is_refused(invited, org):
    raw = token_of(invited)
    with pytest.raises(TokenError):
        access.reset_password(org.id, raw, NEW_PASSWORD)
    with pytest.raises(TokenError):
        access.describe_token(org.id, raw, "signup")


def test_a_token_of_another_organization_is_refused(invited):
    other = create_organization("Other Org")
    with pytest.raises(TokenError):
        access.accept_invitation(other.id, token_of(invited), PASSWORD)


def test_a_token_sent_to_an_email_the_contact_no_longer_has_is_refused(invited, org):
    raw = token_of(invited)
    # The services refuse to change a portal user's email; this stands for any other path.
    Contact.update(email="moved@elsewhere.example").where(Contact.id == invited.id).execute()
    with pytest.raises(TokenError):
        access.accept_invitation(org.id, raw, PASSWORD)


@pytest.mark.parametrize("raw", ["", "not-a-token", None, "x" * 5000])
def test_garbage_tokens_are_refused(invited, org, raw):
    with pytest.raises(TokenError):
        access.accept_invitation(org.id, raw, PASSWORD)


def test_token_submissions_are_rate_limited_per_address(invited, org):
    for _ in range(access.TOKEN_IP_LIMIT):
        with pytest.raises(TokenError):
            access.accept_invitation(org.id, "guess", PASSWORD, ip="203.0.113.66")
    with pytest.raises(RateLimitedError):
        access.accept_invitation(org.id, token_of(invited), PASSWORD, ip="203.0.113.66")
    assert access.accept_invitation(org.id, token_of(invited), PASSWORD,
                                    ip="203.0.113.67").portal_state == "active"


# -- sign-in -------------------------------------------------------------------------------------

def test_sign_in_checks_the_password_and_records_the_login(make_active_contact, org):
    contact = make_active_contact()
    signed_in = access.authenticate_contact(org.id, "  " + contact.email.upper(), PASSWORD,
                                            ip="192.0.2.1")
    assert signed_in.id == contact.id and signed_in.last_login_at is not None
    assert actions()[-1] == "login"


@pytest.mark.parametrize("email, password", [
    ("known", "wrong password"), ("nobody@nowhere.example", PASSWORD), ("", ""),
])
def test_a_wrong_email_or_password_gives_one_message(make_active_contact, org, email,
                                                     password):
    contact = make_active_contact()
    email = contact.email if email == "known" else email
    with pytest.raises(AuthenticationError) as caught:
        access.authenticate_contact(org.id, email, password)
    assert str(caught.value) == "The email or password is not correct."
    assert actions()[-1] == "login_failed"


def test_an_invited_contact_cannot_sign_in(invited, org):
    with pytest.raises(AuthenticationError):
        access.authenticate_contact(org.id, invited.email, "")


def test_failures_slow_that_address_down_but_not_the_real_user_elsewhere(
        make_active_contact, org):
    contact = make_active_contact()
    attacker, owner = "203.0.113.50", "192.0.2.10"
    for _ in range(throttle.PAIR_FREE):
        with pytest.raises(AuthenticationError):
            access.authenticate_contact(org.id, contact.email, "guess", ip=attacker)

    with pytest.raises(RateLimitedError):
        access.authenticate_contact(org.id, contact.email, PASSWORD, ip=attacker)
    assert actions()[-1] == "login_throttled"
    assert access.authenticate_contact(org.id, contact.email, PASSWORD, ip=owner).id == contact.id


def test_one_address_trying_many_emails_is_throttled(make_active_contact, org):
    contact = make_active_contact()
    for n in range(throttle.ADDRESS_LIMIT):
        with pytest.raises(AuthenticationError):
            access.authenticate_contact(org.id, f"victim{n}@x.example", "guess", ip="203.0.113.9")
    with pytest.raises(RateLimitedError):
        access.authenticate_contact(org.id, contact.email, PASSWORD, ip="203.0.113.9")


def test_a_very_long_email_is_a_plain_failure(org):
    with pytest.raises(AuthenticationError):
        access.authenticate_contact(org.id, "x" * 400 + "@example.com", "guess", ip="192.0.2.1")


def test_signing_out_everywhere_ends_every_session(make_active_contact):
    contact = make_active_contact()
    access.sign_out_everywhere(contact.id)
    with pytest.raises(NotFoundError):
        ContactScope.for_contact(contact.id, contact.session_version)
    assert actions()[-1] == "logout"


# -- passwords -----------------------------------------------------------------------------------

def test_changing_the_password_checks_the_current_one_and_ends_other_sessions(
        make_active_contact, org):
    contact = make_active_contact()
    with pytest.raises(ValidationError, match="current password") as caught:
        access.change_password(contact.id, "wrong", NEW_PASSWORD)
    assert caught.value.field == "current_password"
    assert reload(contact).password_hash == contact.password_hash
    assert actions()[-1] == "password_change_failed"
    with unchanged(), pytest.raises(ValidationError, match="at least"):
        access.change_password(contact.id, PASSWORD, "short")

    access.change_password(contact.id, PASSWORD, NEW_PASSWORD)

    assert reload(contact).session_version == contact.session_version + 1
    assert access.authenticate_contact(org.id, contact.email, NEW_PASSWORD)
    with pytest.raises(AuthenticationError):
        access.authenticate_contact(org.id, contact.email, PASSWORD)
    assert "password_changed" in actions()


def test_a_reset_for_a_known_email_queues_a_link_that_sets_a_new_password(
        make_active_contact, org):
    contact = make_active_contact()
    access.request_password_reset(org.id, contact.email.upper())

    assert outbox_kinds(contact.email)[-1] == "password_reset"
    access.reset_password(org.id, token_of(contact, "reset"), NEW_PASSWORD)

    assert access.authenticate_contact(org.id, contact.email, NEW_PASSWORD)
    assert reload(contact).session_version == contact.session_version + 1
    assert "password_reset" in actions()


def test_a_second_reset_request_revokes_the_first_link(make_active_contact, org):
    contact = make_active_contact()
    access.request_password_reset(org.id, contact.email)
    first = token_of(contact, "reset")
    access.request_password_reset(org.id, contact.email)
    second = token_of(contact, "reset")  # made when the worker takes the second request

    with pytest.raises(TokenError):
        access.reset_password(org.id, first, NEW_PASSWORD)
    access.reset_password(org.id, second, NEW_PASSWORD)


def test_a_reset_link_works_once(make_active_contact, org):
    contact = make_active_contact()
    access.request_password_reset(org.id, contact.email)
    raw = token_of(contact, "reset")
    access.reset_password(org.id, raw, NEW_PASSWORD)
    with pytest.raises(TokenError):
        access.reset_password(org.id, raw, "yet another password")


@pytest.mark.parametrize("who", ["unknown", "invited", "disabled"])
def test_a_reset_for_an_email_that_cannot_sign_in_does_nothing_visible(
        make_active_contact, invited, staff, org, who):
    if who == "unknown":
        email = "nobody@nowhere.example"
    elif who == "invited":
        email = invited.email
    else:
        disabled = make_active_contact()
        access.disable_contact(staff, disabled.id)
        email = disabled.email
    tokens_before = AccessToken.select().count()

    assert access.request_password_reset(org.id, email) is None

    # Queued alike for every address (the answer's timing tells nothing) ...
    [queued] = OutboxMessage.select().where(OutboxMessage.kind == "password_reset")
    assert queued.recipient == email
    # ... and the worker sends nothing for it: no link is ever made.
    assert access.resolve_password_reset_request(queued) is False
    assert AccessToken.select().count() == tokens_before


def test_reset_requests_are_rate_limited_for_known_and_unknown_emails_alike(
        make_active_contact, org):
    contact = make_active_contact()
    for email in (contact.email, "nobody@nowhere.example"):
        for _ in range(access.REQUEST_LIMIT):
            access.request_password_reset(org.id, email, ip="203.0.113.3")
        with pytest.raises(RateLimitedError):
            access.request_password_reset(org.id, email, ip="203.0.113.3")
    access.request_password_reset(org.id, contact.email, ip="192.0.2.3")


# -- self sign-up --------------------------------------------------------------------------------

@pytest.fixture
def signup_allowed(org, admin):
    update_portal_preferences(Actor.staff(admin.id), allow_signup=True)


def test_sign_up_is_refused_when_the_portal_does_not_offer_it(contact, org):
    with unchanged(), pytest.raises(PermissionDeniedError, match="self sign-up"):
        access.request_signup(org.id, contact.email)


def test_sign_up_emails_a_verification_link_that_activates_the_contact(
        signup_allowed, contact, org, admin):
    access.request_signup(org.id, contact.email)
    assert outbox_kinds(contact.email) == ["signup_verification"]

    access.complete_signup(org.id, token_of(contact, "signup"), PASSWORD)

    assert reload(contact).portal_state == "active"
    assert access.authenticate_contact(org.id, contact.email, PASSWORD)
    assert Notification.get(Notification.staff == admin.id).kind == "signup"
    assert "signup_completed" in actions()


def test_sign_up_for_an_unknown_email_does_nothing_visible(signup_allowed, org):
    assert access.request_signup(org.id, "nobody@nowhere.example") is None
    assert outbox_kinds() == [] and AccessToken.select().count() == 0


def test_sign_up_with_a_malformed_email_is_refused(signup_allowed, org):
    with unchanged(), pytest.raises(ValidationError, match="valid email"):
        access.request_signup(org.id, "not an email")


def test_sign_up_never_touches_an_active_account(signup_allowed, make_active_contact, org):
    contact = make_active_contact()
    tokens_before = AccessToken.select().count()

    access.request_signup(org.id, contact.email)

    assert AccessToken.select().count() == tokens_before
    assert "signup_verification" not in outbox_kinds()
    assert reload(contact).password_hash == contact.password_hash
    assert access.authenticate_contact(org.id, contact.email, PASSWORD)


def test_a_sign_up_link_dies_when_the_portal_stops_offering_sign_up(
        signup_allowed, contact, org, admin):
    access.request_signup(org.id, contact.email)
    update_portal_preferences(Actor.staff(admin.id), allow_signup=False)
    with pytest.raises(PermissionDeniedError):
        access.complete_signup(org.id, token_of(contact, "signup"), PASSWORD)
    assert reload(contact).portal_state == "not_invited"


def test_a_sign_up_link_cannot_activate_a_contact_staff_disabled(
        signup_allowed, contact, org, staff):
    access.request_signup(org.id, contact.email)
    raw = token_of(contact, "signup")
    access.disable_contact(staff, contact.id)
    with pytest.raises(TokenError):
        access.complete_signup(org.id, raw, PASSWORD)


def test_each_invitation_points_the_contact_at_its_email(admin, make_customer):
    from core.models import OutboxMessage
    from core.services.access import bulk_enable_portal

    customer = make_customer(allow_portal_access=True)
    contact = Contact.get(Contact.customer == customer)
    first = OutboxMessage.get_by_id(contact.invitation_message_id)
    assert first.kind == "invitation" and first.recipient == contact.email

    others = [make_customer() for _ in range(3)]
    bulk_enable_portal(Actor.staff(admin.id), [customer.id, *(c.id for c in others)])

    for each in Contact.select().where(Contact.customer.in_([c.id for c in others])):
        message = OutboxMessage.get_by_id(each.invitation_message_id)
        assert message.recipient == each.email and message.kind == "invitation"
    again = Contact.get_by_id(contact.id)
    assert OutboxMessage.get_by_id(again.invitation_message_id).kind == "reinvitation"


def test_fix_email_and_reinvite_only_after_an_undelivered_invitation(admin, make_customer):
    from core.errors import InvalidStateError
    from core.models import OutboxMessage
    from core.services.customers import fix_email_and_reinvite

    customer = make_customer(allow_portal_access=True)
    contact = Contact.get(Contact.customer == customer)
    with pytest.raises(InvalidStateError):  # still queued: nothing to fix yet
        fix_email_and_reinvite(Actor.staff(admin.id), contact.id, "new@right.example")

    OutboxMessage.update(status="failed", last_error="550").execute()
    fixed = fix_email_and_reinvite(Actor.staff(admin.id), contact.id, "NEW@right.example")

    assert fixed.email == "new@right.example" and fixed.portal_state == "invited"
    assert OutboxMessage.get_by_id(fixed.invitation_message_id).recipient == "new@right.example"
    old_tokens = AccessToken.select().where(AccessToken.contact == contact.id,
                                            AccessToken.revoked_at.is_null(False))
    assert old_tokens.count() == 1

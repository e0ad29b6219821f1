"""Staff accounts, console sign-in and sessions."""

import datetime

import pytest
from playhouse.test_utils import count_queries

from core import throttle
from core.audit import Actor
from core.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)
from core.models import StaffSession, StaffUser, utcnow
from core.queries.staff import get_staff_for_session, list_staff
from core.services.organizations import create_organization
from core.services.staff import (
    authenticate_staff,
    create_staff,
    end_staff_session,
    reset_staff_password,
    set_staff_active,
    start_staff_session,
)
from tests.conftest import PASSWORD
from tests.core.helpers import actions, unchanged


def test_a_staff_member_signs_in_with_email_and_password(admin):
    signed_in = authenticate_staff(" ADMIN@acme.example ", PASSWORD, ip="192.0.2.1")
    assert signed_in.id == admin.id and signed_in.last_login_at is not None
    assert actions()[-1] == "staff_login"


@pytest.mark.parametrize("email, password", [("admin@acme.example", "wrong"),
                                             ("nobody@acme.example", PASSWORD)])
def test_a_wrong_staff_sign_in_gives_one_message(admin, email, password):
    with pytest.raises(AuthenticationError, match="email or password is not correct"):
        authenticate_staff(email, password)
    assert actions()[-1] == "staff_login_failed"


def test_staff_sign_in_is_throttled_per_address_not_per_account(admin):
    for _ in range(throttle.PAIR_FREE):
        with pytest.raises(AuthenticationError):
            authenticate_staff(admin.email, "guess", ip="203.0.113.1")
    with pytest.raises(RateLimitedError):
        authenticate_staff(admin.email, PASSWORD, ip="203.0.113.1")
    assert actions()[-1] == "staff_login_throttled"
    assert authenticate_staff(admin.email, PASSWORD, ip="192.0.2.1").id == admin.id


def test_a_session_resolves_to_its_staff_member_until_it_ends(admin):
    token = start_staff_session(admin.id)
    assert get_staff_for_session(token).id == admin.id
    assert StaffSession.get().token_hash != token  # only the hash is stored

    end_staff_session(token)

    assert get_staff_for_session(token) is None
    assert actions()[-1] == "staff_logout"
    end_staff_session(token)  # ending twice is harmless
    assert get_staff_for_session("") is None and get_staff_for_session("forged") is None


def test_an_expired_session_is_out(admin):
    token = start_staff_session(admin.id)
    StaffSession.update(expires_at=utcnow() - datetime.timedelta(seconds=1)).execute()
    assert get_staff_for_session(token) is None


def test_a_deactivated_staff_member_is_signed_out_and_cannot_sign_in(admin, staff_member):
    token = start_staff_session(staff_member.id)
    set_staff_active(Actor.staff(admin.id), staff_member.id, False)

    assert get_staff_for_session(token) is None
    with pytest.raises(AuthenticationError):
        authenticate_staff(staff_member.email, PASSWORD)
    assert actions()[-2:] == ["staff_deactivated", "staff_login_failed"]

    set_staff_active(Actor.staff(admin.id), staff_member.id, True)
    assert authenticate_staff(staff_member.email, PASSWORD).id == staff_member.id
    assert get_staff_for_session(token) is None  # old sessions stay ended


def test_only_an_admin_deactivates_staff_and_never_themself(admin, staff_member):
    with unchanged():
        with pytest.raises(PermissionDeniedError):
            set_staff_active(Actor.staff(staff_member.id), admin.id, False)
        with pytest.raises(ValidationError, match="your own account"):
            set_staff_active(Actor.staff(admin.id), admin.id, False)
        with pytest.raises(NotFoundError):
            set_staff_active(Actor.staff(admin.id), 10**7, False)


def test_an_admin_of_another_organization_cannot_touch_our_staff(staff_member):
    other = create_organization("Other Org")
    outsider = create_staff(Actor.system(other.id), "boss@other.example", "Boss", PASSWORD,
                            role="admin")
    with unchanged(), pytest.raises(NotFoundError):
        set_staff_active(Actor.staff(outsider.id), staff_member.id, False)


def test_a_password_reset_ends_sessions(admin, staff_member):
    token = start_staff_session(staff_member.id)
    reset_staff_password(Actor.staff(admin.id), staff_member.id, "another long password")
    assert get_staff_for_session(token) is None
    assert authenticate_staff(staff_member.email, "another long password")
    reset_staff_password(Actor.staff(staff_member.id), staff_member.id, "my own new password")
    with unchanged():
        with pytest.raises(PermissionDeniedError):
            reset_staff_password(Actor.staff(staff_member.id), admin.id, "taking over the admin")
        with pytest.raises(ValidationError):
            reset_staff_password(Actor.staff(admin.id), staff_member.id, "short")


@pytest.mark.parametrize("email, name, password, role, field", [
    ("not-an-email", "N", PASSWORD, "staff", "email"),
    ("n@acme.example", "", PASSWORD, "staff", "name"),
    ("n@acme.example", "N", "short", "staff", "password"),
    ("n@acme.example", "N", PASSWORD, "owner", "role"),
    ("ADMIN@acme.example", "N", PASSWORD, "staff", "email"),
])
def test_bad_staff_accounts_are_refused(admin, org, email, name, password, role, field):
    with unchanged(), pytest.raises(ValidationError) as caught:
        create_staff(Actor.system(org.id), email, name, password, role=role)
    assert caught.value.field == field


def test_staff_are_listed_by_name(admin, staff_member, org):
    assert [s.name for s in list_staff(org.id)] == ["Alex Admin", "Sam Staff"]
    assert StaffUser.get_by_id(admin.id).role == "admin"


def test_an_admin_of_another_organization_cannot_reset_our_passwords(staff_member):
    other = create_organization("Other Org")
    outsider = create_staff(Actor.system(other.id), "boss@other.example", "Boss", PASSWORD,
                            role="admin")
    with unchanged(), pytest.raises(NotFoundError):
        reset_staff_password(Actor.staff(outsider.id), staff_member.id, "taken over by them")


def test_a_contact_with_a_staff_members_id_cannot_reset_that_password(staff_member):
    with unchanged(), pytest.raises(PermissionDeniedError):
        reset_staff_password(Actor.contact(staff_member.id), staff_member.id, "not yours to set")


def test_a_used_session_is_marked_seen_at_most_once_a_minute(admin):
    from core.services.staff import resume_staff_session

    token = start_staff_session(admin.id)
    long_ago = utcnow() - datetime.timedelta(minutes=20)
    StaffSession.update(last_seen_at=long_ago).execute()

    assert resume_staff_session(token).id == admin.id
    seen = StaffSession.get().last_seen_at
    assert seen > long_ago
    with count_queries() as counted:
        assert resume_staff_session(token).id == admin.id
    assert counted.count == 1  # read only: seen a moment ago
    assert StaffSession.get().last_seen_at == seen


def test_an_idle_session_is_out(admin):
    token = start_staff_session(admin.id)
    StaffSession.update(last_seen_at=utcnow() - datetime.timedelta(minutes=31)).execute()
    assert get_staff_for_session(token) is None

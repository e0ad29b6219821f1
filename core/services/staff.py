"""Staff accounts, sign-in and console sessions."""

import datetime

from core import throttle, validation
from core.audit import Actor, record
from core.config import load_settings
from core.db import transaction
from core.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)
from core.guards import acting_staff, require_admin
from core.i18n import N_
from core.models import StaffSession, StaffUser, utcnow
from core.queries.staff import get_live_staff_session
from core.security import (
    check_password_strength,
    hash_password,
    hash_token,
    new_session_token,
    verify_password,
)

# A session's last-seen time is written at most this often: a click is not a write.
TOUCH_EVERY = datetime.timedelta(minutes=1)


def create_staff(actor: Actor, email: str, name: str, password: str, *,
                 role: str = "staff") -> StaffUser:
    """Add a staff member (role admin or staff) to the actor's organization; admins only."""
    email = validation.email(email)
    name = validation.text(name, "name", max_length=200, required=True)
    check_password_strength(password)
    if role not in {"admin", "staff"}:
        raise ValidationError(N_("Choose a role."), field="role")
    with transaction():
        organization_id = require_admin(actor)
        if StaffUser.select().where(StaffUser.email == email).exists():
            raise ValidationError(N_("A staff member with this email already exists."),
                                  field="email")
        staff = StaffUser.create(organization=organization_id, email=email, name=name,
                                 password_hash=hash_password(password), role=role)
        record(organization_id, actor, "staff_created", staff, email=email,
               role=role)
    return staff


def _require_admin(actor: Actor) -> StaffUser:
    admin = acting_staff(actor)
    if admin.role != "admin":
        raise PermissionDeniedError()
    return admin


def set_staff_active(actor: Actor, staff_id: int, active: bool) -> StaffUser:
    """Deactivate (signing out at once) or reactivate a staff member; admins only."""
    admin = _require_admin(actor)
    with transaction():
        staff = StaffUser.get_or_none(StaffUser.id == staff_id,
                                      StaffUser.organization == admin.organization_id)
        if staff is None:
            raise NotFoundError()
        if staff.id == admin.id and not active:
            raise ValidationError(N_("You cannot deactivate your own account."))
        staff.is_active = active
        staff.session_version += 1
        staff.save()
        _end_sessions(staff.id)
        record(staff.organization_id, actor, "staff_activated" if active else "staff_deactivated",
               staff)
    return staff


def reset_staff_password(actor: Actor, staff_id: int, new_password: str) -> None:
    """Set a staff member's password (an admin, or the member themself); ends their sessions."""
    themself = actor.type == "staff" and actor.id == staff_id
    admin = None if themself else _require_admin(actor)
    check_password_strength(new_password)
    with transaction():
        staff = StaffUser.get_or_none(StaffUser.id == staff_id)
        # An admin only manages their own organization's staff.
        if staff is None or (admin and staff.organization_id != admin.organization_id):
            raise NotFoundError()
        staff.password_hash = hash_password(new_password)
        staff.session_version += 1
        staff.save()
        _end_sessions(staff.id)
        record(staff.organization_id, actor, "staff_password_reset", staff)


def authenticate_staff(email: str, password: str, ip: str = "") -> StaffUser:
    """Check a staff sign-in, throttled by `throttle.PasswordAttempts` (nobody else can lock
    you out); success and failure are audited with the address."""
    email = (email or "").strip().lower()
    attempts = throttle.PasswordAttempts(f"staff:{email}", ip)
    throttled = None
    with transaction():
        staff = StaffUser.get_or_none(StaffUser.email == email)
        try:
            attempts.count_try()
        except RateLimitedError as error:
            # Raised after the block: raising inside it would roll the audit event back.
            throttled = error
            record(staff.organization_id if staff else None, Actor.anonymous(ip),
                   "staff_login_throttled", email=email)
    if throttled:
        raise throttled
    ok = verify_password(staff.password_hash if staff else None, password)
    if not ok or not staff.is_active:
        with transaction():
            record(staff.organization_id if staff else None, Actor.anonymous(ip),
                   "staff_login_failed", email=email)
        raise AuthenticationError()
    with transaction():
        attempts.succeeded()
        staff.last_login_at = utcnow()
        staff.save()
        record(staff.organization_id, Actor.staff(staff.id, ip, staff.organization_id),
               "staff_login", staff)
    return staff


def start_staff_session(staff_id: int) -> str:
    """Open a console session; returns the raw session id (only its hash is stored).

    It lasts CONSOLE_SESSION_MAX_HOURS at most, and ends sooner after
    CONSOLE_SESSION_IDLE_MINUTES without a run of the console (`resume_staff_session`).
    """
    token = new_session_token()
    now = utcnow()
    hours = load_settings().console_session_max_hours
    with transaction():
        staff = StaffUser.get_by_id(staff_id)
        StaffSession.create(organization=staff.organization_id, staff=staff,
                            token_hash=hash_token(token), created_at=now, last_seen_at=now,
                            expires_at=now + datetime.timedelta(hours=hours))
    return token


def resume_staff_session(token: str) -> StaffUser | None:
    """The staff member of a live console session, marking it used; None when there is none
    (ended, idle too long, past its lifetime, or the staff member deactivated)."""
    session = get_live_staff_session(token)
    if session is None:
        return None
    now = utcnow()
    if session.last_seen_at < now - TOUCH_EVERY:  # at most one write a minute, not a click
        (StaffSession.update(last_seen_at=now)
         .where(StaffSession.id == session.id, StaffSession.ended_at.is_null())
         .execute())
    return session.staff


def end_staff_session(token: str) -> None:
    """Sign a console session out."""
    with transaction():
        session = StaffSession.get_or_none(StaffSession.token_hash == hash_token(token))
        if session and session.ended_at is None:
            session.ended_at = utcnow()
            session.save()
            record(session.organization_id, Actor.staff(session.staff_id), "staff_logout")


def _end_sessions(staff_id: int) -> None:
    (StaffSession.update(ended_at=utcnow())
     .where(StaffSession.staff == staff_id, StaffSession.ended_at.is_null())
     .execute())

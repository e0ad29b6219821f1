"""The checks every staff-side service starts with: who acts, for which organization, on what.

A staff-side service takes an `Actor` first. Its organization is the one the actor names, and
for a staff member the database has the last word: an unknown or deactivated member, or one
claiming another organization than their own, may do nothing; a record of another
organization answers NotFoundError, the same as a record that does not exist.
"""

from core.audit import Actor
from core.errors import NotFoundError, PermissionDeniedError
from core.models import StaffUser

# Who may act on staff-side services at all: contacts and anonymous visitors may not.
STAFF_SIDE_ACTORS = frozenset({"staff", "api_key", "system"})


def acting_staff(actor: Actor) -> StaffUser:
    """The active staff member the actor is, in the organization it names."""
    staff = (StaffUser.get_or_none(StaffUser.id == actor.id, StaffUser.is_active)
             if actor.type == "staff" else None)
    if staff is None or actor.organization_id not in (None, staff.organization_id):
        raise PermissionDeniedError()
    return staff


def acting_organization(actor: Actor) -> int:
    """The id of the organization a staff-side actor acts for (PermissionDeniedError if none)."""
    if actor.type == "staff":
        return acting_staff(actor).organization_id
    if actor.type not in STAFF_SIDE_ACTORS or actor.organization_id is None:
        raise PermissionDeniedError()
    return actor.organization_id


def require_admin(actor: Actor) -> int:
    """The organization of an active admin (or of the system itself); PermissionDeniedError else."""
    if actor.type == "system" and actor.organization_id is not None:
        return actor.organization_id
    if actor.type != "staff":
        raise PermissionDeniedError()
    staff = acting_staff(actor)
    if staff.role != "admin":
        raise PermissionDeniedError()
    return staff.organization_id


def same_organization(actor: Actor, record) -> bool:
    """True when the record belongs to the organization the actor acts for."""
    return record.organization_id == acting_organization(actor)


def load_for_staff(actor: Actor, model, record_id):
    """The model's record of the actor's organization, or NotFoundError (missing or not ours)."""
    organization_id = acting_organization(actor)
    found = model.get_or_none(model.id == record_id, model.organization == organization_id)
    if found is None:
        raise NotFoundError()
    return found

"""Audit events: who did what, when, from where."""

import json
from dataclasses import dataclass

from core.models import AuditEvent, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member, an API key, a contact, the system, or an anonymous visitor;
    for which organization, and from where."""

    type: str
    id: int | None = None
    ip: str = ""
    organization_id: int | None = None

    @classmethod
    def staff(cls, staff_id: int, ip: str = "", organization_id: int | None = None) -> "Actor":
        """A staff member."""
        return cls("staff", staff_id, ip, organization_id)

    @classmethod
    def api_key(cls, key_id: int, organization_id: int, ip: str = "") -> "Actor":
        """The business's own system, calling the integration API with one of its keys."""
        return cls("api_key", key_id, ip, organization_id)

    @classmethod
    def system(cls, organization_id: int | None = None) -> "Actor":
        """Doorstep itself (the demo, the command line, bootstrapping), for one organization."""
        return cls("system", None, "", organization_id)

    @classmethod
    def contact(cls, contact_id: int, ip: str = "") -> "Actor":
        """A contact person signed in to the portal."""
        return cls("contact", contact_id, ip)

    @classmethod
    def anonymous(cls, ip: str = "") -> "Actor":
        """A visitor who is not signed in."""
        return cls("anonymous", None, ip)



def event_row(organization_id, actor: Actor, action: str, target=None, customer_id=None,
              **details) -> dict:
    """The fields of one audit event (what `record` writes)."""
    return dict(
        organization=organization_id,
        actor_type=actor.type,
        actor_id=actor.id,
        action=action,
        # Column width 16: "portalpreferences" would overflow it on PostgreSQL.
        target_type=type(target).__name__.lower()[:16] if target is not None else "",
        target_id=getattr(target, "id", None),
        customer=customer_id,
        details=json.dumps(details, default=str, sort_keys=True),
        ip=actor.ip[:64],
    )


def record(organization_id, actor: Actor, action: str, target=None, customer_id=None,
           **details) -> AuditEvent:
    """Write one audit event (inside the caller's transaction)."""
    return AuditEvent.create(**event_row(organization_id, actor, action, target, customer_id,
                                         **details))


def record_many(rows: list[dict]) -> None:
    """Write many audit events built with `event_row` in one statement (bulk actions)."""
    if rows:
        created_at = utcnow()
        AuditEvent.insert_many([{"created_at": created_at, **row} for row in rows]).execute()

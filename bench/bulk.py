"""Bulk "Enable portal" for up to 10,000 customers, timed through the service.

The call runs inside an outer transaction that is rolled back at the end, so the benchmark
database stays as generated; inside it the service does all its work (invitations, tokens,
outbox rows, audit events) exactly as in the console, chunk by chunk.
"""

import time

from bench.database import BENCH_SLUG
from core import db
from core.audit import Actor
from core.models import AccessToken, Customer, Organization, OutboxMessage, StaffUser
from core.services.access import bulk_enable_portal


def measure_bulk(limit: int = 10_000) -> dict:
    """Invite the primary contacts of the first `limit` customers; time it, then roll back."""
    with db.connection():
        org = Organization.get(Organization.slug == BENCH_SLUG)
        admin = StaffUser.get(StaffUser.organization == org.id, StaffUser.role == "admin")
        ids = [row[0] for row in Customer.select(Customer.id)
               .where(Customer.organization == org.id).order_by(Customer.id).limit(limit)
               .tuples()]
        with db.database.atomic() as outer:
            outbox_before = OutboxMessage.select().count()
            tokens_before = AccessToken.select().count()
            started = time.perf_counter()
            results = bulk_enable_portal(Actor.staff(admin.id, organization_id=org.id), ids)
            seconds = time.perf_counter() - started
            outbox_rows = OutboxMessage.select().count() - outbox_before
            token_rows = AccessToken.select().count() - tokens_before
            outer.rollback()
    # A re-invitation (an invited contact's new link) sends an email too.
    reinvited = sum(r.outcome == "reinvited" for r in results)
    invited = sum(r.outcome == "invited" for r in results) + reinvited
    return {"customers": len(ids), "seconds": round(seconds, 2), "invited": invited,
            "reinvited": reinvited, "skipped": len(results) - invited,
            "outbox_rows": outbox_rows,
            "token_rows": token_rows,
            "customers_per_second": round(len(ids) / seconds) if seconds else None}

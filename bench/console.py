"""The staff console's core queries, timed in-process: p50 of N runs each."""

from decimal import Decimal

from bench.database import BENCH_SLUG
from bench.timing import time_call
from core import db
from core.models import Organization
from core.queries.staff import (
    CustomerFilters,
    home_figures,
    list_customer_ids,
    list_customers,
    list_documents,
)

CUSTOMER_FILTERS = [
    ("no filter", CustomerFilters()),
    ("status: not invited", CustomerFilters(portal_status="not_invited")),
    ("status: invited", CustomerFilters(portal_status="invited")),
    ("status: active", CustomerFilters(portal_status="active")),
    ("status: disabled", CustomerFilters(portal_status="disabled")),
    ("language: de", CustomerFilters(language="de")),
    ("language: org default", CustomerFilters(language="default")),
    ("has email", CustomerFilters(has_email=True)),
    ("no email", CustomerFilters(has_email=False)),
    ("viewed", CustomerFilters(viewed=True)),
    ("not viewed", CustomerFilters(viewed=False)),
    ("with outstanding", CustomerFilters(with_outstanding=True)),
    ("outstanding >= 5,000", CustomerFilters(min_outstanding=Decimal("5000"))),
    ("search 'harbor'", CustomerFilters(search="harbor")),
    ("search 'foster.4'", CustomerFilters(search="foster.4")),
    ("search + status", CustomerFilters(search="market", portal_status="active")),
]


def measure_console(runs: int = 20) -> dict:
    """Time every console query against the bound benchmark database."""
    with db.connection():
        org_id = Organization.get(Organization.slug == BENCH_SLUG).id
        from core.models import Customer

        customers = Customer.select().where(Customer.organization == org_id).count()
        results = {}
        for label, filters in CUSTOMER_FILTERS:
            results[f"customers, {label}"] = time_call(
                lambda filters=filters: list_customers(org_id, filters), runs)
        results["customer ids, not invited (select all)"] = time_call(
            lambda: list_customer_ids(org_id, CustomerFilters(portal_status="not_invited")),
            runs)
        results["invoices, not viewed"] = time_call(
            lambda: list_documents(org_id, "invoice", viewed=False), runs)
        results["invoices, viewed"] = time_call(
            lambda: list_documents(org_id, "invoice", viewed=True), runs)
        results["home figures"] = time_call(lambda: home_figures(org_id), runs)
    return {"customers": customers, "queries": results}

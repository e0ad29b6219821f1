"""The integration API under a sync: 10,000 invoices of 3 lines each through the batch endpoint.

    python -m bench.api_bench [--invoices 10000] [--customers 1000]
    python -m bench --only api               # the same, as a part of the suite

The portal runs under gunicorn as `doorstep run` serves it (two sync workers) on a fresh SQLite
database with one organization and a write key made by `core.services.api_keys`. One client
(http.client, one keep-alive connection) pushes the customers, then the invoices 500 a request
through `POST /api/v1/invoices/batch` and times it; then the same sync again, unchanged, which
must write nothing (audit events, events and the invoices' `updated_at` are compared before and
after). Last, in-process with Flask's test client and `count_queries`, the query count of a page
(`?limit=100`) of each list endpoint at a small and at the full data size: it must not grow.
"""

import argparse
import datetime
import hashlib
import http.client
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_INVOICES = 10_000
DEFAULT_CUSTOMERS = 1_000
BATCH = 500
SMALL = 100  # records of each kind in the small database of the query-count comparison
LIST_KINDS = ("customers", "contacts", "invoices", "shipments")
SECRET_KEY = "api-bench-secret-key-not-for-production"


def _customer(i: int) -> dict:
    return {"external_id": f"C-{i:05d}", "display_name": f"Customer {i:05d}",
            "company_name": f"Customer {i:05d} Ltd", "currency": "EUR",
            "payment_terms_days": 30, "portal_language": "en",
            "billing": {"street": f"{i} Main Street", "city": "Berlin",
                        "postal_code": "10115", "region": "", "country": "Germany"}}


def _invoice(i: int, customers: int) -> dict:
    issued = datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 300)
    return {"external_id": f"INV-{i:06d}", "customer_external_id": f"C-{i % customers:05d}",
            "number": f"INV-{i:06d}", "issue_date": issued.isoformat(),
            "due_date": (issued + datetime.timedelta(days=30)).isoformat(), "status": "sent",
            "tax_rate": "0.19", "notes": "",
            "lines": [{"description": "Consulting", "quantity": "3", "rate": f"{100 + i % 50}.00"},
                      {"description": "Travel", "quantity": "1", "rate": "45.50"},
                      {"description": "Materials", "quantity": "2.5", "rate": "12.25"}]}


class Client:
    """One keep-alive HTTP connection that POSTs JSON with the API key."""

    def __init__(self, port: int, raw_key: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.headers = {"Authorization": f"Bearer {raw_key}",
                        "Content-Type": "application/json", "Connection": "keep-alive"}

    def post(self, path: str, body: dict) -> dict:
        """POST and return the JSON answer; anything but 200 stops the benchmark."""
        self.connection.request("POST", path, body=json.dumps(body), headers=self.headers)
        answer = self.connection.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"POST {path}: {answer.status} {data[:2000]!r}")
        return json.loads(data)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def _sync(client: Client, kind: str, records: list[dict]) -> dict:
    """Push records in batches; seconds, requests, and how many were created or changed."""
    created = changed = requests = 0
    started = time.perf_counter()
    for start in range(0, len(records), BATCH):
        answer = client.post(f"/api/v1/{kind}/batch", {"records": records[start:start + BATCH]})
        requests += 1
        for result in answer["results"]:
            created += bool(result.get("created"))
            changed += bool(result.get("changed"))
    seconds = time.perf_counter() - started
    return {"records": len(records), "seconds": round(seconds, 2), "requests": requests,
            "requests_per_second": round(requests / seconds, 2),
            "records_per_second": round(len(records) / seconds, 1),
            "created": created, "changed": changed}


def _fingerprint() -> dict:
    """What a sync that changes nothing must leave as it was."""
    from peewee import fn

    from core.models import AuditEvent, Customer, Event, Invoice, InvoiceLine

    def digest(query) -> str:
        return hashlib.sha256(repr(list(query.tuples())).encode()).hexdigest()[:16]

    return {"audit_events": AuditEvent.select().count(), "events": Event.select().count(),
            "invoices": Invoice.select().count(), "invoice_lines": InvoiceLine.select().count(),
            "invoices_updated_at": digest(Invoice.select(Invoice.id, Invoice.updated_at)
                                          .order_by(Invoice.id)),
            "customers_updated_at": digest(Customer.select(Customer.id, Customer.updated_at,
                                                           Customer.outstanding)
                                           .order_by(Customer.id)),
            "invoice_line_id_max": InvoiceLine.select(fn.MAX(InvoiceLine.id)).scalar()}


def _setup(url: str) -> tuple:
    """A fresh database with one organization, an admin and a write key: (org, key, raw)."""
    from core import db
    from core.audit import Actor
    from core.services.api_keys import create_api_key
    from core.services.organizations import create_organization
    from core.services.staff import create_staff

    db.bind(url)
    db.migrate()
    with db.connection():
        org = create_organization("API Bench Trading", default_language="en", currency="EUR")
        admin = create_staff(Actor.system(org.id), "admin@apibench.example", "Bench Admin",
                             "correct horse battery staple", role="admin")
        key, raw = create_api_key(Actor.staff(admin.id, organization_id=org.id), "ERP sync",
                                  "write")
    return org, key, raw


def _fill_in_process(org_id: int, key_id: int, customers: int, contacts: int,
                     invoices: int, shipments: int) -> None:
    """Upsert records through core's batch service (no HTTP), for the query-count data."""
    from core import db
    from core.audit import Actor
    from core.services.sync import upsert_batch

    actor = Actor.api_key(key_id, org_id, "127.0.0.1")

    def push(kind, records):
        for start in range(0, len(records), BATCH):
            with db.connection():
                upsert_batch(actor, kind, records[start:start + BATCH])

    push("customers", [_customer(i) for i in range(customers)])
    push("contacts", [{"external_id": f"P-{i:05d}", "customer_external_id": f"C-{i:05d}",
                       "first_name": f"Person {i}", "email": f"person{i}@apibench.example",
                       "is_primary": True} for i in range(contacts)])
    push("invoices", [_typed(_invoice(i, customers)) for i in range(invoices)])
    push("sales_orders", [{"external_id": f"SO-{i:05d}", "customer_external_id": f"C-{i:05d}",
                           "number": f"SO-{i:05d}", "order_date": datetime.date(2026, 3, 1),
                           "status": "confirmed",
                           "lines": [{"description": "Widget", "quantity": "2",
                                      "rate": "10.00"}]} for i in range(shipments)])
    push("shipments", [{"external_id": f"SH-{i:05d}", "sales_order_external_id": f"SO-{i:05d}",
                        "number": f"SH-{i:05d}", "carrier": "DHL",
                        "tracking_number": f"JD{i:08d}",
                        "tracking_events": [{"status": "in_transit",
                                             "occurred_at": datetime.datetime(2026, 3, 2, 9),
                                             "location": "Leipzig"}]}
                       for i in range(shipments)])


def _typed(record: dict) -> dict:
    """An invoice as the API's schema hands it to core (dates as dates)."""
    return {**record, "issue_date": datetime.date.fromisoformat(record["issue_date"]),
            "due_date": datetime.date.fromisoformat(record["due_date"])}


def _list_query_counts(url: str, raw_key: str) -> dict:
    """Queries of one page (limit 100) of each list endpoint, in-process."""
    from playhouse.test_utils import count_queries

    from core import db
    from core.models import Contact, Customer, Invoice, Shipment
    from portal_site import create_app

    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    db.bind(url)
    app = create_app({"TESTING": True, "API_RATE_LIMIT": 1_000_000})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw_key}"}
    models = {"customers": Customer, "contacts": Contact, "invoices": Invoice,
              "shipments": Shipment}
    counts = {}
    for kind in LIST_KINDS:
        client.get(f"/api/v1/{kind}?limit=100", headers=headers)  # warm caches, as in service
        with count_queries() as counter:
            answer = client.get(f"/api/v1/{kind}?limit=100", headers=headers)
        if answer.status_code != 200 or not answer.get_json()["data"]:
            raise RuntimeError(f"GET /api/v1/{kind}: {answer.status_code} {answer.data[:500]!r}")
        with db.connection():
            records = models[kind].select().count()
        counts[kind] = {"records": records, "queries": counter.count}
    return counts


def run(invoices: int = DEFAULT_INVOICES, customers: int = DEFAULT_CUSTOMERS,
        small: int = SMALL, progress=print) -> dict:
    """The `api` part of `python -m bench`: the sync under gunicorn, then query counts."""
    from bench.web import PORTAL_APP, PORTAL_BASE_URL, WORKER_CLASS, WORKERS, start_server
    from core import db

    work_dir = Path(tempfile.mkdtemp(prefix="doorstep-api-bench-"))
    url = f"sqlite:///{work_dir / 'api.db'}"
    org, key, raw = _setup(url)
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET_KEY,
               PORTAL_BASE_URL=PORTAL_BASE_URL, DOORSTEP_INSTANCE=str(work_dir / "instance"),
               API_RATE_LIMIT="1000000")
    progress(f"\n== API sync: {invoices:,} invoices of 3 lines, {customers:,} customers, "
             f"gunicorn {WORKERS} {WORKER_CLASS} workers, SQLite ==")
    server = start_server("api", PORTAL_APP, env, work_dir, "/api/v1/customers")
    try:
        client = Client(server.port, raw)
        try:
            pushed = _sync(client, "customers", [_customer(i) for i in range(customers)])
            progress(f"  customers: {pushed['seconds']} s")
            records = [_invoice(i, customers) for i in range(invoices)]
            first = _sync(client, "invoices", records)
            progress(f"  first sync: {first['seconds']} s, {first['requests_per_second']} req/s,"
                     f" {first['created']:,} created")
            with db.connection():
                before = _fingerprint()
            again = _sync(client, "invoices", records)
            with db.connection():
                after = _fingerprint()
        finally:
            client.close()
    finally:
        server.stop()
    writes = sum(1 for name in before if before[name] != after[name])
    again.update(writes=writes, before=before, after=after)
    progress(f"  same sync again: {again['seconds']} s, {again['requests_per_second']} req/s, "
             f"{again['changed']:,} changed, writes: {writes}")
    if first["created"] != invoices or after["invoices"] != invoices:
        raise RuntimeError(f"expected {invoices} invoices created; {first} {after}")

    # The query counts: the same list pages on a small database and on the synced one.
    extra = min(customers, invoices, max(small, invoices // 10))
    _fill_in_process(org.id, key.id, 0, extra, 0, extra)
    large = _list_query_counts(url, raw)
    small_url = f"sqlite:///{work_dir / 'small.db'}"
    small_org, small_key, small_raw = _setup(small_url)
    _fill_in_process(small_org.id, small_key.id, small, small, small, small)
    small_counts = _list_query_counts(small_url, small_raw)
    queries = {kind: {"small": small_counts[kind], "large": large[kind]} for kind in LIST_KINDS}
    for kind, figure in queries.items():
        progress(f"  GET /api/v1/{kind}?limit=100: {figure['small']['queries']} queries at "
                 f"{figure['small']['records']:,}, {figure['large']['queries']} at "
                 f"{figure['large']['records']:,}")
    shutil.rmtree(work_dir, ignore_errors=True)
    return {"invoices": invoices, "customers": customers, "lines_per_invoice": 3,
            "batch": BATCH, "server": f"gunicorn, {WORKERS} {WORKER_CLASS} workers, SQLite",
            "client": "http.client, one keep-alive connection, sequential",
            "customers_push": pushed, "first_sync": first, "unchanged_sync": again,
            "list_queries": queries}


def main(argv=None) -> int:
    """Run the API benchmark alone."""
    parser = argparse.ArgumentParser(prog="python -m bench.api_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=DEFAULT_INVOICES)
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.invoices, args.customers), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

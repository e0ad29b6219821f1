"""The console's import at size: 10,000 customers with 20,000 contacts from one CSV file.

    python -m bench.import_bench [--customers 10000] [--contacts 2] [--invite]

On a fresh SQLite database (migrated, one organization, one admin), a generated CSV file (one
row per contact, the customer's columns repeated, semicolons and Windows-1252 as European
Excel writes) is read, checked (the preview: the whole import, rolled back) and imported, each
timed; then imported again, which must change nothing. Peak memory is the process's maximum
resident set (resource.getrusage), so it counts Python, SQLite and openpyxl alike; the goal is
at most 30 s for the import and 300 MB at the peak.
"""

import argparse
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 30.0
GOAL_MEGABYTES = 300.0
SECRET_KEY = "import-bench-secret-key-not-for-production"
LANGUAGES = ("en", "de", "fr", "es", "ja", "ar")


def make_csv(customers: int, contacts: int) -> bytes:
    """The file a small business exports from its old tool (semicolons, Windows-1252)."""
    out = io.StringIO()
    out.write("Kundennummer;Name;Firma;Telefon;Sprache;Währung;Straße;Ort;PLZ;Land;"
              "Vorname;Nachname;E-Mail;Hauptkontakt;Portalzugang\n")
    for i in range(customers):
        for j in range(contacts):
            out.write(f"K-{i:06d};Kunde {i:06d};Kunde {i:06d} GmbH;+49 30 {i:07d};"
                      f"{LANGUAGES[i % len(LANGUAGES)]};EUR;Hauptstraße {i % 200};Köln;"
                      f"{50000 + i % 999};Deutschland;Person{j};Müller {i};"
                      f"p{j}.k{i}@kunde.example;{'ja' if j == 0 else 'nein'};"
                      f"{'ja' if j == 0 else 'nein'}\n")
    return out.getvalue().encode("cp1252")


def peak_megabytes() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(customers: int, contacts: int, invite: bool, progress=print) -> dict:
    """Generate, check, import and re-import; return the figures."""
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    from core import db
    from core.audit import Actor
    from core.importing.fields import guess_mapping
    from core.models import AuditEvent, Contact, Customer
    from core.services.imports import run_import
    from core.services.organizations import create_organization
    from core.services.staff import create_staff
    from core.tabular import read_table

    with tempfile.TemporaryDirectory(prefix="doorstep-import-bench-") as tmp:
        db.bind(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.migrate()
        with db.connection():
            org = create_organization("Bench GmbH", default_language="de", currency="EUR")
            admin = create_staff(Actor.system(org.id), "admin@bench.example", "Admin",
                                 "a long bench password", role="admin")
            actor = Actor.staff(admin.id, organization_id=org.id)
            data = make_csv(customers, contacts)
            progress(f"file: {len(data) / 1e6:.1f} MB, {customers * contacts:,} rows")

            started = time.perf_counter()
            table = read_table("kunden.csv", data)
            mapping = guess_mapping("customers", table.header)
            read_seconds = time.perf_counter() - started

            started, cpu = time.perf_counter(), time.process_time()
            preview = run_import(actor, "customers", table, mapping, commit=False,
                                 invite=invite)
            preview_seconds = time.perf_counter() - started
            preview_cpu = time.process_time() - cpu
            assert not preview.errors, preview.errors[:3]
            assert Customer.select().count() == 0
            progress(f"preview: {preview_seconds:.1f} s")

            started, cpu = time.perf_counter(), time.process_time()
            report = run_import(actor, "customers", table, mapping, commit=True, invite=invite)
            import_seconds = time.perf_counter() - started
            import_cpu = time.process_time() - cpu
            assert report.written and not report.errors
            progress(f"import: {import_seconds:.1f} s")
            counts = (Customer.select().count(), Contact.select().count())
            assert counts == (customers, customers * contacts), counts

            events = AuditEvent.select().count()
            started, cpu = time.perf_counter(), time.process_time()
            again = run_import(actor, "customers", table, mapping, commit=True, invite=invite)
            again_seconds = time.perf_counter() - started
            again_cpu = time.process_time() - cpu
            changed = sum(n for (_what, outcome), n in again.counts.items()
                          if outcome != "unchanged")
            assert changed == 0, again.counts
            assert AuditEvent.select().count() == events + 1  # only the import's own event
            progress(f"again, unchanged: {again_seconds:.1f} s")
        db.database.close()
    figures = {
        "customers": customers, "contacts": customers * contacts, "invite": invite,
        "read_seconds": round(read_seconds, 2), "preview_seconds": round(preview_seconds, 1),
        "import_seconds": round(import_seconds, 1),
        "again_unchanged_seconds": round(again_seconds, 1),
        # CPU seconds of this process: on a shared machine wall time includes waiting for a core.
        "preview_cpu_seconds": round(preview_cpu, 1), "import_cpu_seconds": round(import_cpu, 1),
        "again_cpu_seconds": round(again_cpu, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "peak_megabytes": round(peak_megabytes(), 1),
    }
    figures["within_goals"] = (import_seconds <= GOAL_SECONDS
                               and figures["peak_megabytes"] <= GOAL_MEGABYTES)
    return figures


def main(argv=None) -> int:
    """Run the benchmark and print its figures as JSON; exit 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=2, help="contacts per customer")
    parser.add_argument("--invite", action="store_true",
                        help="also invite each customer's first contact")
    args = parser.parse_args(argv)
    figures = run(args.customers, args.contacts, args.invite,
                  progress=lambda text: print(text, file=sys.stderr))
    print(json.dumps(figures, indent=2))
    return 0 if figures["within_goals"] else 1


if __name__ == "__main__":
    sys.exit(main())

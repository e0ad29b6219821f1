"""Items, documents, shipments and payments through the API; batches; pages; query counts."""

import pytest
from playhouse.test_utils import count_queries

from core.models import AuditEvent, Customer, Invoice, Payment
from tests.portal_site.api.conftest import CONTACT, CUSTOMER, INVOICE


def _customer(api):
    assert api.put("/api/v1/customers/C-1", json=CUSTOMER).status_code == 201


def test_an_item_is_created_updated_and_left_alone_when_unchanged(api):
    item = {"sku": "WF-10", "name": "Water filter", "rate": "25.50", "stock_on_hand": 12}
    assert api.put("/api/v1/items/I-1", json=item).status_code == 201
    audits = AuditEvent.select().count()
    assert api.put("/api/v1/items/I-1", json=item).status_code == 200
    assert AuditEvent.select().count() == audits
    changed = api.put("/api/v1/items/I-1", json={**item, "rate": "26.00"})
    assert changed.get_json()["rate"] == "26.00"


def test_an_invoice_with_lines_and_tax_shows_its_totals_and_owes_them(api):
    _customer(api)
    response = api.put("/api/v1/invoices/INV-1", json=INVOICE)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["subtotal"], body["tax_total"], body["total"]) == ("86.50", "17.30", "103.80")
    assert body["balance"] == "103.80" and body["due_date"] == "2026-12-01"
    assert [line["amount"] for line in body["lines"]] == ["76.50", "10.00"]
    assert str(Customer.get().outstanding) == "103.80"
    audits = AuditEvent.select().count()
    assert api.put("/api/v1/invoices/INV-1", json=INVOICE).status_code == 200
    assert AuditEvent.select().count() == audits


def test_changing_an_invoices_lines_moves_what_is_owed(api):
    _customer(api)
    api.put("/api/v1/invoices/INV-1", json=INVOICE)
    lines = [{"description": "Water filters", "quantity": "1", "rate": "25.50"}]
    response = api.put("/api/v1/invoices/INV-1", json={**INVOICE, "lines": lines})
    assert response.get_json()["total"] == "30.60"
    assert str(Customer.get().outstanding) == "30.60"


def test_a_draft_is_sent_then_voided(api):
    _customer(api)
    draft = api.put("/api/v1/invoices/INV-1", json={**INVOICE, "status": "draft"}).get_json()
    assert draft["status"] == "draft" and draft["balance"] == "0.00"
    sent = api.put("/api/v1/invoices/INV-1", json=INVOICE).get_json()
    assert sent["status"] == "sent" and sent["balance"] == "103.80"
    void = api.put("/api/v1/invoices/INV-1", json={**INVOICE, "status": "void"}).get_json()
    assert void["status"] == "void" and str(Customer.get().outstanding) == "0.00"
    back = api.put("/api/v1/invoices/INV-1", json={**INVOICE, "status": "draft"})
    assert back.status_code == 409


def test_a_payment_received_elsewhere_marks_the_invoice_paid_once(api):
    _customer(api)
    api.put("/api/v1/invoices/INV-1", json=INVOICE)
    payment = {"invoice_external_id": "INV-1", "amount": "103.80", "method": "bank_transfer",
               "reference": "BACS 991", "paid_at": "2026-11-20T10:00:00Z"}
    response = api.put("/api/v1/payments/PAY-1", json=payment)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["amount"] == "103.80"
    assert api.get("/api/v1/invoices/INV-1").get_json()["status"] == "paid"
    assert api.put("/api/v1/payments/PAY-1", json=payment).status_code == 200
    assert Payment.select().count() == 1
    too_much = api.put("/api/v1/payments/PAY-2", json=payment)
    assert too_much.status_code == 422 and too_much.get_json()["errors"][0]["field"] == "amount"


def test_quotes_and_sales_orders_with_a_shipment_and_its_tracking(api):
    _customer(api)
    line = [{"description": "Water filters", "quantity": "4", "rate": "25.00"}]
    quote = {"customer_external_id": "C-1", "number": "Q-1", "issue_date": "2026-11-01",
             "expiry_date": "2026-12-01", "lines": line}
    assert api.put("/api/v1/quotes/Q-1", json=quote).status_code == 201
    order = {"customer_external_id": "C-1", "number": "SO-1", "order_date": "2026-11-02",
             "lines": line}
    assert api.put("/api/v1/sales_orders/SO-1", json=order).status_code == 201
    shipment = {"sales_order_external_id": "SO-1", "number": "SH-1", "carrier": "DHL",
                "tracking_number": "JD1", "lines": [{"line": 0, "quantity": "4"}],
                "tracking_events": [{"status": "shipped", "occurred_at": "2026-11-03T08:00:00Z",
                                     "location": "Leeds hub"}]}
    created = api.put("/api/v1/shipments/SH-1", json=shipment)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "shipped" and body["lines"][0]["quantity"] == "4"
    assert api.get("/api/v1/sales_orders/SO-1").get_json()["fulfilment"] == "shipped"
    audits = AuditEvent.select().count()
    assert api.put("/api/v1/shipments/SH-1", json=shipment).status_code == 200
    assert AuditEvent.select().count() == audits
    delivered = {**shipment, "tracking_events": shipment["tracking_events"] + [
        {"status": "delivered", "occurred_at": "2026-11-04T15:00:00+01:00"}]}
    body = api.put("/api/v1/shipments/SH-1", json=delivered).get_json()
    assert body["status"] == "delivered" and body["delivered_at"].startswith("2026-11-04T14:00")


def test_a_batch_is_all_or_nothing_with_an_error_per_record(api):
    records = [{**CUSTOMER, "external_id": f"C-{n}"} for n in range(1, 4)]
    records[1] = {**records[1], "display_name": ""}
    records[2] = {**records[2], "portal_language": "xx"}
    response = api.post("/api/v1/customers/batch", json={"records": records})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert sorted((e["index"], e["field"]) for e in errors) == [
        (1, "display_name"), (2, "portal_language")]
    assert Customer.select().count() == 0


def test_a_batch_refused_by_core_rules_writes_nothing(api):
    _customer(api)
    contacts = [{**CONTACT, "external_id": "P-1"},
                {**CONTACT, "external_id": "P-2", "is_primary": False}]  # same email
    response = api.post("/api/v1/contacts/batch", json={"records": contacts})
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.get_json()["errors"]] == [(1, "email")]
    assert api.get("/api/v1/contacts").get_json()["data"] == []


def test_a_batch_upserts_and_an_idempotency_key_replays_it(api):
    records = [{**CUSTOMER, "external_id": f"C-{n}"} for n in range(1, 4)]
    headers = {"Idempotency-Key": "sync-2026-12-02"}
    first = api.post("/api/v1/customers/batch", json={"records": records}, headers=headers)
    assert first.status_code == 200
    assert [r["created"] for r in first.get_json()["results"]] == [True] * 3
    audits = AuditEvent.select().count()
    replay = api.post("/api/v1/customers/batch", json={"records": records}, headers=headers)
    assert replay.get_json() == first.get_json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert AuditEvent.select().count() == audits
    other = api.post("/api/v1/customers/batch", json={"records": records[:1]}, headers=headers)
    assert other.status_code == 422
    again = api.post("/api/v1/customers/batch", json={"records": records})
    assert [r["changed"] for r in again.get_json()["results"]] == [False] * 3


def test_the_stored_answer_and_the_batch_commit_together(write_key, monkeypatch):
    """A failure while keeping the answer undoes the batch, so a retry finds neither."""
    from peewee import DatabaseError

    from core.audit import Actor
    from core.models import ApiIdempotencyRecord, Customer
    from core.services import api_keys, sync

    key, _raw = write_key
    actor = Actor.api_key(key.id, key.organization_id)

    def produce():
        sync.upsert_batch(actor, "customers", [{**CUSTOMER, "external_id": "C-9"}])
        return 200, "{}"

    def broken_create(**fields):
        raise DatabaseError("disk I/O error")

    with monkeypatch.context() as patch:
        patch.setattr(ApiIdempotencyRecord, "create", broken_create)
        with pytest.raises(DatabaseError):
            api_keys.answer_once(key.id, "retry-me", "digest", produce)
    assert Customer.select().count() == 0 and ApiIdempotencyRecord.select().count() == 0

    assert api_keys.answer_once(key.id, "retry-me", "digest", produce) == (200, "{}", False)
    assert api_keys.answer_once(key.id, "retry-me", "digest", produce) == (200, "{}", True)
    assert Customer.select().count() == 1


def test_a_batch_over_500_records_is_refused(api):
    records = [{**CUSTOMER, "external_id": f"C-{n}"} for n in range(501)]
    assert api.post("/api/v1/customers/batch", json={"records": records}).status_code == 422


def test_pages_are_stable_while_records_are_added(api):
    records = [{**CUSTOMER, "external_id": f"C-{n:02d}"} for n in range(10)]
    api.post("/api/v1/customers/batch", json={"records": records})
    first = api.get("/api/v1/customers?limit=4").get_json()
    api.put("/api/v1/customers/NEW", json=CUSTOMER)
    seen = [r["external_id"] for r in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(f"/api/v1/customers?limit=4&cursor={cursor}").get_json()
        seen += [r["external_id"] for r in page["data"]]
        cursor = page["next_cursor"]
    assert seen == [f"C-{n:02d}" for n in range(10)] + ["NEW"]


def test_updated_since_lists_only_what_changed(api):
    api.put("/api/v1/customers/C-1", json=CUSTOMER)
    stamp = api.get("/api/v1/customers/C-1").get_json()["updated_at"]
    api.put("/api/v1/customers/C-2", json=CUSTOMER)
    import datetime
    later = (datetime.datetime.fromisoformat(stamp)
             + datetime.timedelta(microseconds=1)).isoformat()
    response = api.get("/api/v1/customers", query_string={"updated_since": later})
    assert [r["external_id"] for r in response.get_json()["data"]] == ["C-2"]


def test_a_bad_cursor_is_a_problem_not_a_crash(api):
    response = api.get("/api/v1/customers?cursor=not-a-cursor")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "cursor"


def test_list_query_counts_do_not_grow_with_the_data(api, database):
    def invoices(n):
        records = [{**INVOICE, "external_id": f"INV-{n}-{i}", "number": f"N-{n}-{i}"}
                   for i in range(n)]
        assert api.post("/api/v1/invoices/batch", json={"records": records}).status_code == 200

    _customer(api)
    invoices(2)
    with count_queries() as small:
        api.get("/api/v1/invoices?limit=100")
    invoices(30)
    with count_queries() as large:
        page = api.get("/api/v1/invoices?limit=100")
    assert len(page.get_json()["data"]) == 32
    assert large.count == small.count
    assert Invoice.select().count() == 32


def test_a_full_batch_of_500_is_accepted_though_larger_than_any_form(api):
    records = [{**CUSTOMER, "external_id": f"C-{n:03d}",
                "display_name": f"Customer {n} " + "x" * 180}
               for n in range(500)]
    response = api.post("/api/v1/customers/batch", json={"records": records})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert Customer.select().count() == 500


def test_amounts_too_large_for_the_books_are_refused_not_crashed(api):
    _customer(api)
    huge = {**INVOICE, "lines": [{"description": "A lot", "quantity": "999999999999",
                                  "rate": "999999999999"}]}
    response = api.put("/api/v1/invoices/INV-1", json=huge)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "lines"
    taxed = api.put("/api/v1/invoices/INV-1", json={**INVOICE, "tax_rate": "999999999999"})
    assert taxed.status_code == 422
    assert taxed.get_json()["errors"][0]["field"] == "tax_rate"
    assert Invoice.select().count() == 0


def test_a_cursor_naming_an_impossible_id_is_refused(api):
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", 2**40]).encode())
    response = api.get("/api/v1/customers", query_string={"cursor": cursor.decode()})
    assert response.status_code == 422


def test_a_nul_character_in_an_id_is_refused_not_crashed(api):
    assert api.get("/api/v1/customers/a%00b").status_code in {400, 404}
    response = api.put("/api/v1/contacts/P-1", json={**CONTACT, "customer_external_id": "a\x00"})
    assert response.status_code == 422

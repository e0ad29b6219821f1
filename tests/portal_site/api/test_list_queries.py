"""Every list endpoint costs the same queries for a page of 3 records as for a page of 30, and a
batch of documents reads what it refers to once, not once a record."""

import pytest
from playhouse.test_utils import count_queries

from core.models import AuditEvent, Invoice
from tests.portal_site.api.conftest import CUSTOMER, INVOICE

LINE = [{"description": "Water filters", "quantity": "2", "rate": "25.00"}]


def _push(api, kind, records):
    answer = api.post(f"/api/v1/{kind}/batch", json={"records": records})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["results"]


def _records(api, start, stop):
    """Customers, each with a contact, an invoice, and a sales order with one shipment."""
    numbers = range(start, stop)
    _push(api, "customers", [{**CUSTOMER, "external_id": f"C-{n}",
                              "display_name": f"Customer {n}"} for n in numbers])
    _push(api, "contacts", [{"external_id": f"P-{n}", "customer_external_id": f"C-{n}",
                             "first_name": f"Person {n}", "email": f"p{n}@example.com"}
                            for n in numbers])
    _push(api, "invoices", [{**INVOICE, "external_id": f"I-{n}", "number": f"INV-{n}",
                             "customer_external_id": f"C-{n}"} for n in numbers])
    _push(api, "sales_orders", [{"external_id": f"SO-{n}", "customer_external_id": f"C-{n}",
                                 "number": f"SO-{n}", "order_date": "2026-11-02",
                                 "lines": LINE} for n in numbers])
    _push(api, "shipments", [{"external_id": f"SH-{n}", "sales_order_external_id": f"SO-{n}",
                              "number": f"SH-{n}", "carrier": "DHL",
                              "tracking_events": [{"status": "shipped",
                                                   "occurred_at": "2026-11-03T08:00:00Z"}]}
                             for n in numbers])


def _page_queries(api, kind, expected):
    api.get(f"/api/v1/{kind}?limit=100")  # the key's first use, as on any later request
    with count_queries() as counter:
        page = api.get(f"/api/v1/{kind}?limit=100")
    assert page.status_code == 200
    assert len(page.get_json()["data"]) == expected, kind
    return counter.count


@pytest.mark.parametrize("kind", ["customers", "contacts", "invoices", "shipments"])
def test_a_list_page_costs_the_same_queries_for_3_and_30_records(api, kind):
    _records(api, 0, 3)
    small = _page_queries(api, kind, 3)
    _records(api, 3, 30)
    large = _page_queries(api, kind, 30)
    assert small == large, f"{kind}: {small} queries for 3 records, {large} for 30"


def test_a_batch_of_invoices_costs_the_same_queries_for_3_and_30_unchanged(api):
    _push(api, "customers", [{**CUSTOMER, "external_id": f"C-{n}",
                              "display_name": f"Customer {n}"} for n in range(30)])

    def invoices(n):
        return [{**INVOICE, "external_id": f"I-{i}", "number": f"INV-{i}",
                 "customer_external_id": f"C-{i}"} for i in range(n)]

    _push(api, "invoices", invoices(30))
    audits = AuditEvent.select().count()
    with count_queries() as small:
        assert not any(r["changed"] for r in _push(api, "invoices", invoices(3)))
    with count_queries() as large:
        assert not any(r["changed"] for r in _push(api, "invoices", invoices(30)))
    def statements(counter):  # the savepoints that keep one bad record apart aside
        return [q.msg[0] for q in counter.get_queries() if "SAVEPOINT" not in q.msg[0]]

    assert len(statements(large)) == len(statements(small))
    assert AuditEvent.select().count() == audits


def test_the_same_invoice_twice_in_one_batch_ends_as_the_second_says(api):
    _push(api, "customers", [{**CUSTOMER, "external_id": "C-1"}])
    first = {**INVOICE, "external_id": "I-1", "number": "INV-1"}
    second = {**first, "lines": [{"description": "Pumps", "quantity": "1", "rate": "99.00"}]}
    results = _push(api, "invoices", [first, second, second])
    assert [(r["created"], r["changed"]) for r in results] == [
        (True, True), (False, True), (False, False)]
    assert results[2]["record"]["lines"][0]["description"] == "Pumps"
    stored = api.get("/api/v1/invoices/I-1").get_json()
    assert [line["description"] for line in stored["lines"]] == ["Pumps"]
    assert stored["total"] == "118.80"  # 99.00 and 20 % tax
    assert Invoice.select().count() == 1

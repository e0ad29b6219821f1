"""Shipments with packages through the API, and payments received elsewhere corrected or
voided afterwards: idempotent, audited, announced, with problem+json naming the field."""

from decimal import Decimal

from playhouse.test_utils import count_queries

from core.audit import Actor
from core.models import (
    AuditEvent,
    Customer,
    Event,
    Invoice,
    PackageLine,
    Payment,
    Shipment,
    ShipmentPackage,
)
from tests.portal_site.api.conftest import CUSTOMER, INVOICE

LINES = [{"description": "Water filters", "quantity": "4", "rate": "25.00"},
         {"description": "Filter housings", "quantity": "2", "rate": "40.00"}]
PACKAGES = [
    {"carrier": "UPS", "tracking_number": "1Z999AA10123456784", "weight": "4.250",
     "weight_unit": "kg", "lines": [{"item_external_id": "I-1", "quantity": "4"}]},
    {"carrier": "Springfield Couriers", "tracking_number": "SC 77/1",
     "lines": [{"description": "Filter housings", "quantity": "2"}]},
]


def _order(api):
    assert api.put("/api/v1/customers/C-1", json=CUSTOMER).status_code == 201
    assert api.put("/api/v1/items/I-1", json={"sku": "WF-10", "name": "Water filter",
                                              "rate": "25.00"}).status_code == 201
    order = {"customer_external_id": "C-1", "number": "SO-1", "order_date": "2026-11-02",
             "lines": LINES}
    assert api.put("/api/v1/sales_orders/SO-1", json=order).status_code == 201


def _shipment(**extra):
    return {"sales_order_external_id": "SO-1", "number": "SH-1", "carrier": "UPS",
            "tracking_number": "1Z999AA10123456784", "packages": PACKAGES,
            "tracking_events": [{"status": "shipped", "occurred_at": "2026-11-23T08:00:00Z"}],
            **extra}


def test_a_shipment_carries_its_packages_with_their_lines_and_tracking_links(api):
    _order(api)
    created = api.put("/api/v1/shipments/SH-1", json=_shipment())
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["tracking_url"] == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    first, second = body["packages"]
    assert (first["weight"], first["weight_unit"]) == ("4.25", "kg")
    assert first["lines"] == [{"item_external_id": "I-1", "description": "Water filter",
                               "quantity": "4"}]
    assert first["tracking_url"].startswith("https://www.ups.com/")
    # A carrier not in the table: no link rather than a broken one.
    assert second["tracking_url"] is None and second["weight"] is None
    assert api.get("/api/v1/shipments/SH-1").get_json()["packages"] == body["packages"]


def test_the_same_packages_again_write_nothing_and_a_change_replaces_them(api):
    _order(api)
    api.put("/api/v1/shipments/SH-1", json=_shipment())
    stamp = Shipment.get().updated_at
    audits, events = AuditEvent.select().count(), Event.select().count()
    again = api.put("/api/v1/shipments/SH-1", json=_shipment())
    assert again.status_code == 200
    assert (AuditEvent.select().count(), Event.select().count()) == (audits, events)
    assert Shipment.get().updated_at == stamp
    # Absent packages stay as they are.
    without = {k: v for k, v in _shipment().items() if k != "packages"}
    assert len(api.put("/api/v1/shipments/SH-1", json=without).get_json()["packages"]) == 2
    assert AuditEvent.select().count() == audits

    one = [{**PACKAGES[0], "lines": [{"item_external_id": "I-1", "quantity": "4"},
                                     {"description": "Filter housings", "quantity": "2"}]}]
    body = api.put("/api/v1/shipments/SH-1", json=_shipment(packages=one)).get_json()
    assert [len(p["lines"]) for p in body["packages"]] == [2]
    assert (ShipmentPackage.select().count(), PackageLine.select().count()) == (1, 2)
    assert AuditEvent.select().count() == audits + 1
    assert Shipment.get().updated_at > stamp


def test_bad_packages_name_the_field_and_write_nothing(api):
    _order(api)
    unknown_item = [{**PACKAGES[0], "lines": [{"item_external_id": "NOPE", "quantity": "1"}]}]
    response = api.put("/api/v1/shipments/SH-1", json=_shipment(packages=unknown_item))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "packages.0.lines.0.item_external_id"
    no_description = [{"lines": [{"quantity": "1"}]}]
    response = api.put("/api/v1/shipments/SH-1", json=_shipment(packages=no_description))
    assert response.get_json()["errors"][0]["field"] == "packages.0.lines.0.description"
    bad_unit = [{**PACKAGES[1], "weight_unit": "stone"}]
    assert api.put("/api/v1/shipments/SH-1",
                   json=_shipment(packages=bad_unit)).status_code == 422
    assert (Shipment.select().count(), ShipmentPackage.select().count()) == (0, 0)


def test_a_batch_of_shipments_with_packages_lists_at_a_flat_query_count(api):
    _order(api)
    order = {"customer_external_id": "C-1", "number": "SO-2", "order_date": "2026-11-02",
             "lines": LINES}
    api.put("/api/v1/sales_orders/SO-2", json=order)
    batch = [{**_shipment(), "external_id": "SH-1"},
             {**_shipment(number="SH-2", sales_order_external_id="SO-2"), "external_id": "SH-2"}]
    response = api.post("/api/v1/shipments/batch", json={"records": batch[:1]})
    assert response.status_code == 200, response.get_json()
    with count_queries() as small:
        api.get("/api/v1/shipments")
    assert api.post("/api/v1/shipments/batch", json={"records": batch}).status_code == 200
    with count_queries() as large:
        page = api.get("/api/v1/shipments").get_json()
    assert [len(s["packages"]) for s in page["data"]] == [2, 2]
    assert large.count == small.count


def test_events_recorded_out_of_order_give_the_status_of_the_latest_in_time(api):
    _order(api)
    events = [{"status": "delivered", "occurred_at": "2026-11-25T10:00:00Z"},
              {"status": "shipped", "occurred_at": "2026-11-23T08:00:00Z"}]
    body = api.put("/api/v1/shipments/SH-1", json=_shipment(tracking_events=events)).get_json()
    assert body["status"] == "delivered"
    assert [e["status"] for e in body["tracking_events"]] == ["packed", "shipped", "delivered"]
    late = events + [{"status": "in_transit", "occurred_at": "2026-11-24T08:00:00Z"}]
    body = api.put("/api/v1/shipments/SH-1", json=_shipment(tracking_events=late)).get_json()
    assert body["status"] == "delivered"


# -- payments received elsewhere: corrected, moved, voided ---------------------------------------

PAYMENT = {"invoice_external_id": "INV-1", "amount": "50.00", "method": "bank_transfer",
           "reference": "BACS 991", "paid_at": "2026-11-20T10:00:00Z"}


def _invoices(api):
    assert api.put("/api/v1/customers/C-1", json=CUSTOMER).status_code == 201
    assert api.put("/api/v1/invoices/INV-1", json=INVOICE).status_code == 201
    assert api.put("/api/v1/invoices/INV-2", json={**INVOICE, "number": "N-2"}).status_code == 201
    assert api.put("/api/v1/payments/PAY-1", json=PAYMENT).status_code == 201


def _balance(external_id):
    return str(Invoice.get(Invoice.external_id == external_id).balance)


def test_the_recorded_event_names_the_payment_by_its_external_id(api):
    import json

    _invoices(api)
    event = Event.get(Event.type == "payment.recorded")
    assert json.loads(event.payload)["payment"]["external_id"] == "PAY-1"


def test_a_payment_is_corrected_and_the_invoice_owes_the_difference(api):
    _invoices(api)
    assert _balance("INV-1") == "53.80"
    changed = api.put("/api/v1/payments/PAY-1", json={**PAYMENT, "amount": "60.00",
                                                        "reference": "BACS 992",
                                                        "paid_at": "2026-11-21T09:00:00Z"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["amount"], body["reference"]) == ("60.00", "BACS 992")
    assert body["paid_at"].startswith("2026-11-21T09:00")
    assert _balance("INV-1") == "43.80"
    assert str(Customer.get().outstanding) == str(Decimal("43.80") + Decimal("103.80"))
    assert AuditEvent.select().where(AuditEvent.action == "payment_updated").count() == 1
    assert Event.select().where(Event.type == "payment.updated").count() == 1
    # The same body again: nothing.
    audits = AuditEvent.select().count()
    again = api.put("/api/v1/payments/PAY-1", json={**PAYMENT, "amount": "60.00",
                                                      "reference": "BACS 992",
                                                      "paid_at": "2026-11-21T09:00:00Z"})
    assert again.status_code == 200 and AuditEvent.select().count() == audits


def test_a_payment_moves_to_another_invoice_of_the_customer(api):
    _invoices(api)
    moved = api.put("/api/v1/payments/PAY-1", json={**PAYMENT, "invoice_external_id": "INV-2"})
    assert moved.get_json()["invoice_external_id"] == "INV-2"
    assert (_balance("INV-1"), _balance("INV-2")) == ("103.80", "53.80")
    statuses = {i.external_id: i.status for i in Invoice.select()}
    assert statuses == {"INV-1": "sent", "INV-2": "partially_paid"}


def test_an_amount_above_the_balance_is_refused_and_changes_nothing(api):
    _invoices(api)
    response = api.put("/api/v1/payments/PAY-1", json={**PAYMENT, "amount": "104.00"})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "amount"
    assert str(Payment.get().amount) == "50.00" and _balance("INV-1") == "53.80"
    # Up to the whole total is fine: the payment's own 50.00 counts as available.
    assert api.put("/api/v1/payments/PAY-1",
                   json={**PAYMENT, "amount": "103.80"}).status_code == 200
    assert Invoice.get(Invoice.external_id == "INV-1").status == "paid"


def test_voiding_restores_the_balance_exactly_once(api):
    _invoices(api)
    voided = api.put("/api/v1/payments/PAY-1", json={**PAYMENT, "status": "void"})
    assert voided.status_code == 200 and voided.get_json()["status"] == "void"
    assert _balance("INV-1") == "103.80"
    assert Invoice.get(Invoice.external_id == "INV-1").status == "sent"
    audits, events = AuditEvent.select().count(), Event.select().count()
    again = api.put("/api/v1/payments/PAY-1", json={**PAYMENT, "status": "void"})
    assert again.status_code == 200 and _balance("INV-1") == "103.80"
    assert (AuditEvent.select().count(), Event.select().count()) == (audits, events)
    assert Event.select().where(Event.type == "payment.voided").count() == 1
    revived = api.put("/api/v1/payments/PAY-1", json=PAYMENT)
    assert revived.status_code == 409
    assert revived.get_json()["errors"][0]["field"] == "status"
    assert _balance("INV-1") == "103.80"


def test_a_payment_made_in_the_portal_cannot_be_changed_or_voided_here(api, write_key):
    import pytest

    from core.errors import InvalidStateError
    from core.services import payments

    _invoices(api)
    Payment.update(via_portal=True, method="card").execute()  # as if paid by card in the portal
    key = write_key[0]
    actor = Actor.api_key(key.id, key.organization_id)
    with pytest.raises(InvalidStateError, match="made in the portal"):
        payments.void_offline_payment(actor, Payment.get().id)
    response = api.put("/api/v1/payments/PAY-1", json={**PAYMENT, "status": "void"})
    assert response.status_code == 409
    assert "portal" in response.get_json()["detail"]
    assert _balance("INV-1") == "53.80" and Payment.get().status == "succeeded"

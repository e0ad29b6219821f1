"""Creating what customers see: items, quotes, sales orders, invoices, shipments, tracking."""

import datetime
from decimal import Decimal

import pytest

from core.errors import NotFoundError, ValidationError
from core.models import (
    Customer,
    InvoiceLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    TrackingEvent,
)
from core.queries.portal import get_lines
from core.services.sales import (
    add_tracking_event,
    create_invoice,
    create_item,
    create_quote,
    create_sales_order,
    create_shipment,
)
from tests.core.helpers import actions, unchanged

TODAY = datetime.date.today()


@pytest.fixture
def customer(make_customer):
    return make_customer(payment_terms_days=14)


def test_an_item_is_added_once_per_sku(org, system):
    item = create_item(system, "WID-1", "Widget", "12.50", stock_on_hand=3)
    assert (item.rate, item.stock_on_hand) == (Decimal("12.50"), 3)
    with unchanged(), pytest.raises(ValidationError, match="SKU already exists"):
        create_item(system, "WID-1", "Other", "1.00")
    with unchanged(), pytest.raises(ValidationError):
        create_item(system, "", "Nameless sku", "1.00")
    assert actions() == ["organization_created", "item_created"]


def test_a_document_number_is_used_once_per_organization(customer, system):
    line = [{"description": "x", "rate": "5"}]
    create_invoice(system, customer.id, "INV-1", line, issue_date=TODAY)
    create_quote(system, customer.id, "INV-1", line, issue_date=TODAY)  # numbering is per kind
    for number, message in (("INV-1", "already used"), ("", "required"), ("x" * 41, "at most")):
        with unchanged(), pytest.raises(ValidationError, match=message) as caught:
            create_invoice(system, customer.id, number, line, issue_date=TODAY)
        assert caught.value.field == "number"


def test_an_invoice_totals_its_lines_with_tax_and_adds_to_the_outstanding(customer, system):
    invoice = create_invoice(system, customer.id, "INV-1", [
        {"description": "Widgets", "quantity": 3, "rate": "12.50"},
        {"description": "Gears", "quantity": "1.5", "rate": "10"},
    ], issue_date=TODAY, tax_rate="0.10")

    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("52.50"), Decimal("5.25"), Decimal("57.75"))
    assert invoice.balance == invoice.total and invoice.status == "sent"
    assert invoice.due_date == TODAY + datetime.timedelta(days=14)  # the customer's terms
    assert [line.amount for line in get_lines(invoice)] == [Decimal("37.50"), Decimal("15.00")]
    assert Customer.get_by_id(customer.id).outstanding == Decimal("57.75")
    assert "invoice_created" in actions()


def test_half_cents_round_up_as_on_a_till(customer, system):
    invoice = create_invoice(system, customer.id, "INV-1", [
        {"description": "Screws", "quantity": "0.5", "rate": "0.05"}],
        issue_date=TODAY, tax_rate="0.5")
    assert InvoiceLine.get(InvoiceLine.invoice == invoice).amount == Decimal("0.03")
    assert invoice.tax_total == Decimal("0.02")  # 0.03 x 0.5 = 0.015


def test_a_draft_invoice_owes_nothing_yet(customer, system):
    invoice = create_invoice(system, customer.id, "INV-D", [{"description": "x", "rate": "5"}],
                             issue_date=TODAY, status="draft")
    assert invoice.balance == Decimal("0.00")
    assert Customer.get_by_id(customer.id).outstanding == Decimal("0.00")


@pytest.mark.parametrize("lines, status", [
    ([], "sent"),
    ([{"description": "x", "quantity": 0, "rate": "5"}], "sent"),
    ([{"description": "x", "quantity": -1, "rate": "5"}], "sent"),
    ([{"description": "", "rate": "5"}], "sent"),
    ([{"description": "x", "quantity": "many", "rate": "5"}], "sent"),
    ([{"description": "x", "rate": "five"}], "sent"),
    ([{"description": "x", "rate": "-5"}], "sent"),
    ([{"description": "x"}], "sent"),
    ([{"description": "x", "rate": "5"}], "paid"),
])
def test_bad_invoices_are_refused(customer, lines, status, system):
    with unchanged(), pytest.raises(ValidationError):
        create_invoice(system, customer.id, "INV-X", lines, issue_date=TODAY, status=status)


def test_documents_for_a_missing_customer_are_refused(system):
    line = [{"description": "x", "rate": "5"}]
    with unchanged():
        with pytest.raises(NotFoundError):
            create_invoice(system, 10**7, "INV-X", line, issue_date=TODAY)
        with pytest.raises(NotFoundError):
            create_quote(system, 10**7, "Q-X", line, issue_date=TODAY)
        with pytest.raises(NotFoundError):
            create_sales_order(system, 10**7, "SO-X", line, order_date=TODAY)
        with pytest.raises(NotFoundError):
            create_shipment(system, 10**7, "SH-X")


def test_a_quote_and_an_order_keep_their_lines_in_order(customer, system):
    lines = [{"description": f"Line {n}", "rate": "1"} for n in range(3)]
    quote = create_quote(system, customer.id, "Q-1", lines, issue_date=TODAY)
    order = create_sales_order(system, customer.id, "SO-1", lines, order_date=TODAY,
                               quote_id=quote.id)
    assert [line.description for line in get_lines(quote)] == ["Line 0", "Line 1", "Line 2"]
    assert [line.description for line in get_lines(order)] == ["Line 0", "Line 1", "Line 2"]
    assert SalesOrder.get_by_id(order.id).quote_id == quote.id


def test_shipping_part_of_an_order_then_the_rest(customer, system):
    order = create_sales_order(system, customer.id, "SO-1", [
        {"description": "Widgets", "quantity": 10, "rate": "1"},
        {"description": "Gears", "quantity": 2, "rate": "1"}], order_date=TODAY)
    widgets, gears = SalesOrderLine.select().order_by(SalesOrderLine.position)

    create_shipment(system, order.id, "SH-1", {widgets.id: 4, gears.id: 0})
    assert SalesOrder.get_by_id(order.id).fulfilment == "partially_shipped"
    with unchanged(), pytest.raises(ValidationError, match="more than was ordered"):
        create_shipment(system, order.id, "SH-2", {widgets.id: 7})

    create_shipment(system, order.id, "SH-2")
    assert SalesOrder.get_by_id(order.id).fulfilment == "shipped"
    assert [line.quantity_shipped for line in SalesOrderLine.select()
            .order_by(SalesOrderLine.position)] == [Decimal("10"), Decimal("2")]


def test_tracking_events_move_the_shipment_along(customer, system):
    order = create_sales_order(system, customer.id, "SO-1", [{"description": "x", "rate": "1"}],
                               order_date=TODAY)
    when = datetime.datetime(2025, 3, 1, 9, 30)
    shipment = create_shipment(system, order.id, "SH-1", carrier="DHL", tracking_number="JD1",
                               packed_at=when - datetime.timedelta(hours=3))

    add_tracking_event(system, shipment.id, "shipped", occurred_at=when, location="Hub")
    add_tracking_event(system, shipment.id, "delivered",
                       occurred_at=when + datetime.timedelta(days=1))

    shipment = Shipment.get_by_id(shipment.id)
    assert (shipment.status, shipment.shipped_at) == ("delivered", when)
    assert shipment.delivered_at == when + datetime.timedelta(days=1)
    with unchanged(), pytest.raises(ValidationError, match="Unknown shipment status"):
        add_tracking_event(system, shipment.id, "lost_at_sea")
    with unchanged(), pytest.raises(NotFoundError):
        add_tracking_event(system, 10**7, "shipped")
    with unchanged(), pytest.raises(ValidationError) as caught:
        add_tracking_event(system, shipment.id, "shipped", location="x" * 121)
    assert caught.value.field == "location"
    assert actions().count("tracking_event_added") == 2


def test_the_status_is_that_of_the_event_that_happened_last_not_the_one_added_last(
        customer, system):
    order = create_sales_order(system, customer.id, "SO-1", [{"description": "x", "rate": "1"}],
                               order_date=TODAY)
    packed = datetime.datetime(2025, 11, 20, 8, 0)
    shipment = create_shipment(system, order.id, "SH-1", packed_at=packed)
    # The carrier's feed arrives out of order: "delivered" first, then the earlier steps.
    add_tracking_event(system, shipment.id, "delivered", occurred_at=packed.replace(day=25))
    add_tracking_event(system, shipment.id, "shipped", occurred_at=packed.replace(day=23))
    add_tracking_event(system, shipment.id, "in_transit", occurred_at=packed.replace(day=24))

    shipment = Shipment.get_by_id(shipment.id)
    assert shipment.status == "delivered"
    assert shipment.shipped_at == packed.replace(day=23)
    assert shipment.delivered_at == packed.replace(day=25)


def test_a_journey_recorded_after_the_shipment_was_entered_is_not_behind_packed(
        customer, system):
    """Entered on 2 Dec (packed "now"), its journey from 23 Nov is recorded afterwards: the
    shipment is not "packed" on 2 Dec, after it shipped."""
    order = create_sales_order(system, customer.id, "SO-1", [{"description": "x", "rate": "1"}],
                               order_date=TODAY)
    shipment = create_shipment(system, order.id, "SH-1")
    shipped = datetime.datetime(2025, 11, 23, 8, 0)
    add_tracking_event(system, shipment.id, "shipped", occurred_at=shipped)

    timeline = list(TrackingEvent.select().order_by(TrackingEvent.occurred_at.desc(),
                                                    TrackingEvent.id.desc()))
    assert [(e.status, e.occurred_at) for e in timeline] == [("shipped", shipped),
                                                             ("packed", shipped)]
    assert Shipment.get_by_id(shipment.id).status == "shipped"


def test_bad_shipment_input_is_refused(customer, system):
    order = create_sales_order(system, customer.id, "SO-1", [{"description": "x", "rate": "1"}],
                               order_date=TODAY)
    line = SalesOrderLine.get()
    create_shipment(system, order.id, "SH-1", {line.id: 0})
    for kwargs in ({"number": "SH-1"}, {"number": "SH-2", "carrier": "x" * 61},
                   {"number": "SH-2", "quantities": {line.id: "lots"}}):
        with unchanged(), pytest.raises(ValidationError):
            create_shipment(system, order.id, **kwargs)

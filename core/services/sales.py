"""Creating the documents customers see: quotes, sales orders, invoices, shipments.

The business's back office (or the demo and the tests) creates them; the portal only reads
and responds to them.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core import outbox, shipping, validation
from core.audit import Actor, record
from core.db import locked, transaction
from core.errors import InvalidStateError, NotFoundError, ValidationError
from core.guards import acting_organization, load_for_staff
from core.i18n import N_, contact_language
from core.models import (
    Customer,
    Invoice,
    InvoiceLine,
    Item,
    PackageLine,
    PortalPreferences,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
    ShipmentPackage,
    TrackingEvent,
    utcnow,
)
from core.queries.scoping import contacts_who_see

CENT = Decimal("0.01")
QUANTITY_LIMIT = Decimal("1e9")
MONEY_LIMIT = Decimal("1e12")
SHIPMENT_STATUSES = ("packed", "shipped", "in_transit", "out_for_delivery", "delivered")


def email_who_see(organization_id: int, customer_id: int, kind: str, email_kind: str,
                  **payload) -> int:
    """Queue an email about a record to each of the customer's contacts whose role sees that
    kind (a Billing contact gets invoices, an Orders contact shipments); returns how many."""
    preferences = PortalPreferences.get(PortalPreferences.organization == organization_id)
    audience = contacts_who_see(customer_id, preferences, kind)
    for contact in audience:
        outbox.enqueue(organization_id, email_kind, contact.email, contact_language(contact),
                       contact_id=contact.id, **payload)
    return len(audience)


def create_item(actor: Actor, sku: str, name: str, rate, *, unit: str = "pcs",
                stock_on_hand: int = 0) -> Item:
    """Add an item to the catalogue."""
    sku = validation.text(sku, "sku", max_length=64, required=True)
    name = validation.text(name, "name", max_length=200, required=True)
    rate = validation.amount(rate, "rate")
    unit = validation.text(unit, "unit", max_length=20, required=True)
    stock_on_hand = validation.integer(stock_on_hand, "stock_on_hand", minimum=-10**9,
                                       maximum=10**9)
    with transaction():
        organization_id = acting_organization(actor)
        if Item.select().where(Item.organization == organization_id, Item.sku == sku).exists():
            raise ValidationError(N_("An item with this SKU already exists."), field="sku")
        item = Item.create(organization=organization_id, sku=sku, name=name, rate=rate,
                           unit=unit, stock_on_hand=stock_on_hand)
        record(organization_id, actor, "item_created", item, sku=sku)
    return item


def _free_number(model, organization_id: int, number) -> str:
    """A valid document number not used yet by the organization (inside a transaction)."""
    number = validation.text(number, "number", max_length=40, required=True)
    if model.select().where(model.organization == organization_id,
                            model.number == number).exists():
        raise ValidationError(N_("This number is already used."), field="number")
    return number


def _number(value, field: str) -> Decimal:
    """A finite, non-negative decimal from untrusted input."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        number = None
    if number is None or not number.is_finite() or number < 0:
        raise ValidationError(N_("Enter a number of zero or more."), field=field)
    return number


def _clean_lines(lines: list[dict]) -> list[dict]:
    if not lines:
        raise ValidationError(N_("Add at least one line."), field="lines")
    clean = []
    for position, line in enumerate(lines):
        quantity = _number(line.get("quantity", 1), "lines")
        if quantity <= 0:
            raise ValidationError(N_("Quantities must be greater than zero."), field="lines")
        rate = _number(line.get("rate"), "lines").quantize(CENT, ROUND_HALF_UP)
        # The columns hold 9 digits of quantity and 12 of money: refuse more, don't overflow.
        if quantity >= QUANTITY_LIMIT or quantity * rate >= MONEY_LIMIT:
            raise ValidationError(N_("Enter a smaller amount."), field="lines")
        clean.append({
            "item": line.get("item_id"),
            "description": validation.text(line.get("description"), "description",
                                           max_length=300, required=True),
            "quantity": quantity, "rate": rate,
            "amount": (quantity * rate).quantize(CENT, ROUND_HALF_UP), "position": position,
        })
    return clean


def _totals(lines: list[dict], tax_rate) -> dict:
    tax_rate = _number(tax_rate, "tax_rate")
    subtotal = sum((line["amount"] for line in lines), Decimal("0.00"))
    tax = (subtotal * tax_rate).quantize(CENT, ROUND_HALF_UP)
    if subtotal + tax >= MONEY_LIMIT:
        raise ValidationError(N_("Enter a smaller amount."), field="tax_rate")
    return {"subtotal": subtotal, "tax_total": tax, "total": subtotal + tax}


def _check_linked(model, record_id: int | None, customer: Customer) -> None:
    """A document a new one points to (its quote, its sales order) is the same customer's."""
    if record_id is not None and not model.select().where(
            model.id == record_id, model.customer == customer.id).exists():
        raise NotFoundError()


def create_quote(actor: Actor, customer_id: int, number: str, lines: list[dict], *,
                 issue_date: datetime.date, expiry_date: datetime.date | None = None,
                 status: str = "sent", tax_rate=Decimal("0"), notes: str = "") -> Quote:
    """Create a quote with its lines."""
    clean = _clean_lines(lines)
    with transaction():
        customer = load_for_staff(actor, Customer, customer_id)
        number = _free_number(Quote, customer.organization_id, number)
        quote = Quote.create(organization=customer.organization_id, customer=customer,
                             number=number, currency=customer.currency, issue_date=issue_date,
                             expiry_date=expiry_date, status=status, notes=notes,
                             **_totals(clean, tax_rate))
        QuoteLine.insert_many([{**line, "quote": quote.id} for line in clean]).execute()
        record(customer.organization_id, actor, "quote_created", quote,
               customer_id=customer.id, number=number)
    return quote


def create_sales_order(actor: Actor, customer_id: int, number: str, lines: list[dict], *,
                       order_date: datetime.date,
                       expected_shipment_date: datetime.date | None = None,
                       status: str = "confirmed", tax_rate=Decimal("0"),
                       quote_id: int | None = None) -> SalesOrder:
    """Create a sales order with its lines."""
    clean = _clean_lines(lines)
    with transaction():
        customer = load_for_staff(actor, Customer, customer_id)
        _check_linked(Quote, quote_id, customer)
        number = _free_number(SalesOrder, customer.organization_id, number)
        order = SalesOrder.create(organization=customer.organization_id, customer=customer,
                                  number=number, currency=customer.currency,
                                  order_date=order_date, quote=quote_id,
                                  expected_shipment_date=expected_shipment_date, status=status,
                                  **_totals(clean, tax_rate))
        SalesOrderLine.insert_many([{**line, "sales_order": order.id}
                                    for line in clean]).execute()
        record(customer.organization_id, actor, "sales_order_created", order,
               customer_id=customer.id, number=number)
    return order


def create_invoice(actor: Actor, customer_id: int, number: str, lines: list[dict], *,
                   issue_date: datetime.date, due_date: datetime.date | None = None,
                   status: str = "sent", tax_rate=Decimal("0"), sales_order_id: int | None = None,
                   notes: str = "") -> Invoice:
    """Create an invoice; a sent one adds its total to the customer's outstanding balance."""
    if status not in {"draft", "sent", "void"}:
        raise ValidationError(N_("A new invoice is a draft, sent or void."), field="status")
    clean = _clean_lines(lines)
    with transaction():
        customer = load_for_staff(actor, Customer, customer_id)
        _check_linked(SalesOrder, sales_order_id, customer)
        number = _free_number(Invoice, customer.organization_id, number)
        totals = _totals(clean, tax_rate)
        due_date = due_date or issue_date + datetime.timedelta(days=customer.payment_terms_days)
        invoice = Invoice.create(organization=customer.organization_id, customer=customer,
                                 number=number, currency=customer.currency,
                                 issue_date=issue_date, due_date=due_date, status=status,
                                 sales_order=sales_order_id, notes=notes,
                                 balance=totals["total"] if status == "sent" else 0, **totals)
        InvoiceLine.insert_many([{**line, "invoice": invoice.id} for line in clean]).execute()
        if status == "sent":
            Customer.add_to_outstanding(customer.id, totals["total"])
        record(customer.organization_id, actor, "invoice_created", invoice,
               customer_id=customer.id, number=number, total=str(totals["total"]))
    return invoice


def create_shipment(actor: Actor, sales_order_id: int, number: str,
                    quantities: dict[int, Decimal] | None = None, *, carrier: str = "",
                    tracking_number: str = "",
                    packed_at: datetime.datetime | None = None) -> Shipment:
    """Pack a shipment from a sales order (all unshipped quantities unless given per line);
    its first tracking event, "packed", happened at `packed_at` (default: now)."""
    carrier = validation.text(carrier, "carrier", max_length=60)
    tracking_number = validation.text(tracking_number, "tracking_number", max_length=80)
    with transaction():
        order = load_for_staff(actor, SalesOrder, sales_order_id)
        number = _free_number(Shipment, order.organization_id, number)
        shipment = Shipment.create(organization=order.organization_id,
                                   customer=order.customer_id, sales_order=order, number=number,
                                   carrier=carrier, tracking_number=tracking_number)
        for line in SalesOrderLine.select().where(SalesOrderLine.sales_order == order):
            remaining = line.quantity - line.quantity_shipped
            quantity = _number((quantities or {}).get(line.id, remaining), "quantities")
            if quantity <= 0:
                continue
            if quantity > remaining:
                raise ValidationError(N_("You cannot ship more than was ordered."),
                                      field="quantities")
            ShipmentLine.create(shipment=shipment, sales_order_line=line,
                                description=line.description, quantity=quantity)
            line.quantity_shipped += quantity
            line.save()
        lines = list(SalesOrderLine.select().where(SalesOrderLine.sales_order == order))
        shipped_all = all(line.quantity_shipped >= line.quantity for line in lines)
        order.fulfilment = "shipped" if shipped_all else "partially_shipped"
        order.save()
        add_tracking_event_locked(shipment, "packed", packed_at or utcnow(), "", "")
        record(order.organization_id, actor, "shipment_created", shipment,
               customer_id=order.customer_id, number=number)
    return shipment


def add_tracking_event_locked(shipment: Shipment, status: str, occurred_at: datetime.datetime,
                              location: str, description: str) -> TrackingEvent:
    """Add a tracking event and bring the shipment's status up to date (in a transaction)."""
    if status not in SHIPMENT_STATUSES:
        raise ValidationError(N_("Unknown shipment status."), field="status")
    event = TrackingEvent.create(shipment=shipment, status=status, occurred_at=occurred_at,
                                 location=location, description=description)
    if status in shipping.UNDER_WAY:
        # A parcel is packed before it leaves: a "packed" stamped later (the moment the
        # shipment was entered, when its journey is recorded afterwards) moves back to then.
        (TrackingEvent.update(occurred_at=occurred_at)
         .where(TrackingEvent.shipment == shipment.id, TrackingEvent.status == "packed",
                TrackingEvent.occurred_at > occurred_at).execute())
    refresh_shipment_status_locked(shipment)
    return event


def refresh_shipment_status_locked(shipment: Shipment) -> None:
    """The shipment's status, shipped and delivered times from its tracking events: the
    status of the event that happened last (core.shipping.current_event), whatever the
    order the events were recorded in."""
    events = list(TrackingEvent.select().where(TrackingEvent.shipment == shipment.id))
    current = shipping.current_event(events)
    if current is None:
        return
    was_shipped = shipment.shipped_at is not None
    shipment.status = current.status
    under_way = [e.occurred_at for e in events if e.status in shipping.UNDER_WAY]
    shipment.shipped_at = min(under_way) if under_way else None
    shipment.delivered_at = current.occurred_at if current.status == "delivered" else None
    shipment.save()
    if shipment.shipped_at is not None and not was_shipped:  # the first time it is under way
        email_who_see(shipment.organization_id, shipment.customer_id, "shipment",
                      "shipment_shipped", shipment_id=shipment.id)


WEIGHT_UNITS = ("kg", "lb")
PACKAGE_LIMIT = 100


def clean_packages(packages: list[dict]) -> list[dict]:
    """A shipment's packages checked: carrier, tracking number, optional weight and unit, and
    lines of (item_id, description, quantity); errors name the field (packages.0.lines.1...)."""
    if not isinstance(packages, list) or len(packages) > PACKAGE_LIMIT:
        raise ValidationError(N_("Send at most %(count)d records at a time."), field="packages",
                              count=PACKAGE_LIMIT)
    clean = []
    for i, package in enumerate(packages):
        where = f"packages.{i}"
        weight = package.get("weight")
        if weight is not None:
            weight = _number(weight, f"{where}.weight")
            if weight >= Decimal("1e7"):
                raise ValidationError(N_("Enter a number of zero or more."),
                                      field=f"{where}.weight")
            weight = weight.quantize(Decimal("0.001"), ROUND_HALF_UP)
        unit = package.get("weight_unit") or "kg"
        if unit not in WEIGHT_UNITS:
            raise ValidationError(N_("The input is not valid."), field=f"{where}.weight_unit")
        lines = []
        for j, line in enumerate(package.get("lines") or []):
            quantity = _number(line.get("quantity"), f"{where}.lines.{j}.quantity")
            if quantity >= QUANTITY_LIMIT:
                raise ValidationError(N_("Enter a number of zero or more."),
                                      field=f"{where}.lines.{j}.quantity")
            lines.append({
                "item": line.get("item_id"),
                "description": validation.text(line.get("description"),
                                               f"{where}.lines.{j}.description",
                                               max_length=300, required=True),
                "quantity": quantity.quantize(Decimal("0.001"), ROUND_HALF_UP)})
        clean.append({
            "carrier": validation.text(package.get("carrier"), f"{where}.carrier",
                                       max_length=60),
            "tracking_number": validation.text(package.get("tracking_number"),
                                               f"{where}.tracking_number", max_length=80),
            "weight": weight, "weight_unit": unit, "lines": lines})
    return clean


def _package_signature(packages: list[dict]) -> list[tuple]:
    return [(p["carrier"], p["tracking_number"],
             None if p["weight"] is None else Decimal(p["weight"]).normalize(), p["weight_unit"],
             [(line["item"], line["description"], Decimal(line["quantity"]).normalize())
              for line in p["lines"]]) for p in packages]


def stored_packages(shipment_id: int) -> list[dict]:
    """A shipment's packages with their lines, in the clean_packages form (two queries)."""
    packages = list(ShipmentPackage.select().where(ShipmentPackage.shipment == shipment_id)
                    .order_by(ShipmentPackage.position, ShipmentPackage.id))
    lines: dict[int, list[dict]] = {package.id: [] for package in packages}
    if packages:
        for line in (PackageLine.select().where(PackageLine.package.in_(list(lines)))
                     .order_by(PackageLine.package, PackageLine.position, PackageLine.id)):
            lines[line.package_id].append({"item": line.item_id,
                                           "description": line.description,
                                           "quantity": line.quantity})
    return [{"carrier": p.carrier, "tracking_number": p.tracking_number, "weight": p.weight,
             "weight_unit": p.weight_unit, "lines": lines[p.id]} for p in packages]


def replace_packages_locked(shipment: Shipment, packages: list[dict]) -> bool:
    """Make the shipment's packages these (clean_packages form), inside a transaction;
    returns False, writing nothing, when they are already the same."""
    if _package_signature(stored_packages(shipment.id)) == _package_signature(packages):
        return False
    old = ShipmentPackage.select(ShipmentPackage.id).where(ShipmentPackage.shipment == shipment.id)
    PackageLine.delete().where(PackageLine.package.in_(old)).execute()
    ShipmentPackage.delete().where(ShipmentPackage.shipment == shipment.id).execute()
    for position, package in enumerate(packages):
        row = ShipmentPackage.create(shipment=shipment.id, position=position,
                                     carrier=package["carrier"],
                                     tracking_number=package["tracking_number"],
                                     weight=package["weight"],
                                     weight_unit=package["weight_unit"])
        if package["lines"]:
            PackageLine.insert_many([{**line, "package": row.id, "position": index}
                                     for index, line in enumerate(package["lines"])]).execute()
    return True


def set_shipment_packages(actor: Actor, shipment_id: int, packages: list[dict]) -> bool:
    """Split a shipment into packages (clean_packages form, lines naming item_id); returns
    False when they were already so."""
    clean = clean_packages(packages)
    with transaction():
        shipment = load_for_staff(actor, Shipment, shipment_id)
        for package in clean:
            for line in package["lines"]:
                if line["item"] is not None:
                    load_for_staff(actor, Item, line["item"])  # the organization's own items
        if not replace_packages_locked(shipment, clean):
            return False
        record(shipment.organization_id, actor, "shipment_packages_set", shipment,
               customer_id=shipment.customer_id, packages=len(clean))
    return True


def add_tracking_event(actor: Actor, shipment_id: int, status: str, *,
                       occurred_at: datetime.datetime | None = None, location: str = "",
                       description: str = "") -> TrackingEvent:
    """Record a carrier's tracking event on a shipment."""
    location = validation.text(location, "location", max_length=120)
    description = validation.text(description, "description", max_length=300)
    with transaction():
        shipment = load_for_staff(actor, Shipment, shipment_id)
        event = add_tracking_event_locked(shipment, status, occurred_at or utcnow(),
                                          location, description)
        record(shipment.organization_id, actor, "tracking_event_added", shipment,
               customer_id=shipment.customer_id, status=status)
    return event


def update_item(actor: Actor, item_id: int, **changes) -> Item:
    """Change an item's SKU, name, unit, rate or stock on hand."""
    allowed = {"sku", "name", "unit", "rate", "stock_on_hand"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(N_("Unknown field: %(name)s."), name=sorted(unknown)[0])
    clean: dict[str, object] = {}
    for name in ("sku", "name", "unit"):
        if name in changes:
            clean[name] = validation.text(changes[name], name,
                                          max_length={"sku": 64, "name": 200, "unit": 20}[name],
                                          required=True)
    if "rate" in changes:
        clean["rate"] = validation.amount(changes["rate"], "rate")
    if "stock_on_hand" in changes:
        clean["stock_on_hand"] = validation.integer(changes["stock_on_hand"], "stock_on_hand",
                                                    minimum=-10**9, maximum=10**9)
    with transaction():
        item = load_for_staff(actor, Item, item_id)
        if "sku" in clean and clean["sku"] != item.sku and Item.select().where(
                Item.organization == item.organization_id, Item.sku == clean["sku"]).exists():
            raise ValidationError(N_("An item with this SKU already exists."), field="sku")
        for name, value in clean.items():
            setattr(item, name, value)
        item.updated_at = utcnow()
        item.save()
        record(item.organization_id, actor, "item_updated", item, fields=sorted(clean))
    return item


def _own_invoice(actor: Actor, invoice_id: int) -> Invoice:
    return locked(Invoice, load_for_staff(actor, Invoice, invoice_id).id)


def send_invoice(actor: Actor, invoice_id: int) -> Invoice:
    """Issue a draft invoice: its total becomes owed and shows in the portal as sent."""
    with transaction():
        invoice = _own_invoice(actor, invoice_id)
        if invoice.status != "draft":
            raise InvalidStateError()
        invoice.status, invoice.balance, invoice.updated_at = "sent", invoice.total, utcnow()
        invoice.save()
        Customer.add_to_outstanding(invoice.customer_id, invoice.total)
        emailed = email_who_see(invoice.organization_id, invoice.customer_id, "invoice",
                                "invoice_sent", invoice_id=invoice.id)
        record(invoice.organization_id, actor, "invoice_sent", invoice,
               customer_id=invoice.customer_id, number=invoice.number, emailed=emailed)
    return invoice


def void_invoice(actor: Actor, invoice_id: int) -> Invoice:
    """Void a draft or unpaid invoice: nothing is owed on it any more."""
    with transaction():
        invoice = _own_invoice(actor, invoice_id)
        if invoice.status not in {"draft", "sent"} or invoice.balance != (
                invoice.total if invoice.status == "sent" else 0):
            raise InvalidStateError()
        Customer.add_to_outstanding(invoice.customer_id, -invoice.balance)
        invoice.status, invoice.balance, invoice.updated_at = "void", Decimal("0.00"), utcnow()
        invoice.save()
        record(invoice.organization_id, actor, "invoice_voided", invoice,
               customer_id=invoice.customer_id, number=invoice.number)
    return invoice

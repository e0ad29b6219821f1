"""marshmallow schemas of the integration API: they validate requests and, through apispec,
are the OpenAPI document's schemas (one definition for both)."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

from core.i18n import SUPPORTED_LANGUAGES
from core.queries.scoping import ROLES
from core.services.sales import PACKAGE_LIMIT, SHIPMENT_STATUSES, WEIGHT_UNITS
from core.services.sync import (
    BATCH_LIMIT,
    INVOICE_STATUSES,
    PAYMENT_STATUSES,
    QUOTE_STATUSES,
    SALES_ORDER_STATUSES,
)
from core.validation import CURRENCIES

DECIMAL_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,3})?$"
_DECIMAL = re.compile(DECIMAL_PATTERN)
EXTERNAL_ID = {"validate": validate.Length(min=1, max=100),
               "metadata": {"description": "The business's own id of the record."}}


class DecimalString(fields.String):
    """A decimal number as a string ("125.50"): money never goes through a float."""

    def __init__(self, **kwargs):
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("example", "125.50")
        metadata.setdefault("pattern", DECIMAL_PATTERN)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _DECIMAL.match(text):
            raise ValidationError("Write a decimal number as a string, for example \"125.50\".")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValidationError("Not a decimal number.") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class QuantityString(DecimalString):
    """A quantity as a string without trailing zeros ("4", "2.5"), the same on every engine."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format(Decimal(value).normalize(), "f")


class UtcDateTime(fields.DateTime):
    """An ISO 8601 date-time; stored as UTC, sent back with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
        return parsed


def _text(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Dict(), metadata={
        "description": "One entry per invalid field: field, message, and index in a batch."})


# -- customers ---------------------------------------------------------------------------------

class AddressSchema(Schema):
    street = _text(200)
    city = _text(100)
    postal_code = _text(20)
    region = _text(100)
    country = _text(100)


class CustomerIn(Schema):
    external_id = fields.String(**EXTERNAL_ID)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    company_name = _text(200)
    phone = _text(50)
    currency = fields.String(validate=validate.OneOf(sorted(CURRENCIES)))
    payment_terms_days = fields.Integer(validate=validate.Range(0, 365))
    portal_language = fields.String(allow_none=True,
                                    validate=validate.OneOf(sorted(SUPPORTED_LANGUAGES)))
    billing = fields.Nested(AddressSchema)
    shipping = fields.Nested(AddressSchema)


class CustomerOut(Schema):
    external_id = fields.String(allow_none=True)
    display_name = fields.String()
    company_name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String()
    currency = fields.String()
    payment_terms_days = fields.Integer()
    portal_language = fields.String(allow_none=True)
    billing = fields.Nested(AddressSchema)
    shipping = fields.Nested(AddressSchema)
    portal_status = fields.String()
    outstanding = DecimalString()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


# -- contacts ----------------------------------------------------------------------------------

class ContactIn(Schema):
    external_id = fields.String(**EXTERNAL_ID)
    customer_external_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    last_name = _text(100)
    email = fields.String(allow_none=True, validate=validate.Length(max=254))
    phone = _text(50)
    is_primary = fields.Boolean()
    language = fields.String(allow_none=True, validate=validate.OneOf(sorted(SUPPORTED_LANGUAGES)))
    role = fields.String(validate=validate.OneOf(ROLES), metadata={
        "description": "What the contact sees in the portal: billing (invoices, payments, "
                       "statement), orders (quotes, sales orders, shipments), full (everything, "
                       "the default) or admin (full, and manages the customer's contacts); "
                       "absent leaves the role as it is."})
    portal_access = fields.Boolean(metadata={
        "description": "true invites the contact to the portal (or re-invites a disabled one); "
                       "false disables its access at once; absent leaves access as it is."})


class ContactOut(Schema):
    external_id = fields.String(allow_none=True)
    customer_external_id = fields.String(allow_none=True)
    first_name = fields.String()
    last_name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String()
    is_primary = fields.Boolean()
    language = fields.String(allow_none=True)
    role = fields.String()
    portal_access = fields.Boolean()
    portal_state = fields.String()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


# -- items ---------------------------------------------------------------------------------------

class ItemIn(Schema):
    external_id = fields.String(**EXTERNAL_ID)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit = fields.String(validate=validate.Length(min=1, max=20))
    rate = DecimalString(required=True)
    stock_on_hand = fields.Integer(validate=validate.Range(-10**9, 10**9))


class ItemOut(Schema):
    external_id = fields.String(allow_none=True)
    sku = fields.String()
    name = fields.String()
    unit = fields.String()
    rate = DecimalString()
    stock_on_hand = fields.Integer()
    updated_at = UtcDateTime()


# -- documents -----------------------------------------------------------------------------------

class LineIn(Schema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=300))
    quantity = DecimalString(required=True)
    rate = DecimalString(required=True)
    item_external_id = fields.String(allow_none=True, validate=validate.Length(max=100))


class LineOut(Schema):
    description = fields.String()
    quantity = QuantityString()
    rate = DecimalString()
    amount = DecimalString()
    item_external_id = fields.String(allow_none=True)


class _DocumentIn(Schema):
    external_id = fields.String(**EXTERNAL_ID)
    customer_external_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    number = fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": "The document's number in your system."})
    lines = fields.List(fields.Nested(LineIn), required=True,
                        validate=validate.Length(min=1, max=500))
    tax_rate = DecimalString(metadata={"description": "Tax on the subtotal: 0.20 is 20 %.",
                                       "example": "0.20"})
    notes = _text(5000)


class QuoteIn(_DocumentIn):
    issue_date = fields.Date(required=True)
    expiry_date = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(QUOTE_STATUSES))


class SalesOrderIn(_DocumentIn):
    order_date = fields.Date(required=True)
    expected_shipment_date = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(SALES_ORDER_STATUSES))


class InvoiceIn(_DocumentIn):
    issue_date = fields.Date(required=True)
    due_date = fields.Date(allow_none=True, metadata={
        "description": "Absent: the issue date plus the customer's payment terms."})
    status = fields.String(validate=validate.OneOf(INVOICE_STATUSES), metadata={
        "description": "draft, sent (issue it) or void; payments make it partially_paid or "
                       "paid."})


class _DocumentOut(Schema):
    external_id = fields.String(allow_none=True)
    customer_external_id = fields.String(allow_none=True)
    number = fields.String()
    currency = fields.String()
    status = fields.String()
    notes = fields.String()
    lines = fields.List(fields.Nested(LineOut))
    subtotal = DecimalString()
    tax_total = DecimalString()
    total = DecimalString()
    first_viewed_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class QuoteOut(_DocumentOut):
    issue_date = fields.Date()
    expiry_date = fields.Date(allow_none=True)
    decline_reason = fields.String(allow_none=True)


class SalesOrderOut(_DocumentOut):
    order_date = fields.Date()
    expected_shipment_date = fields.Date(allow_none=True)
    fulfilment = fields.String()


class InvoiceOut(_DocumentOut):
    issue_date = fields.Date()
    due_date = fields.Date()
    balance = DecimalString()


# -- shipments -----------------------------------------------------------------------------------

class ShipmentLineIn(Schema):
    line = fields.Integer(required=True, validate=validate.Range(0, 10000), metadata={
        "description": "Which line of the sales order (0 is the first)."})
    quantity = DecimalString(required=True)


class TrackingEventIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(SHIPMENT_STATUSES))
    occurred_at = UtcDateTime(required=True)
    location = _text(120)
    description = _text(300)


class PackageLineIn(Schema):
    item_external_id = fields.String(allow_none=True, validate=validate.Length(max=100))
    description = fields.String(validate=validate.Length(min=1, max=300), metadata={
        "description": "Absent: the item's name (then item_external_id is required)."})
    quantity = DecimalString(required=True)


class PackageIn(Schema):
    carrier = _text(60, metadata={"description": "e.g. UPS, FedEx, DHL, USPS, DPD, GLS, Royal "
                                                 "Mail, PostNL, La Poste, Yamato, Japan Post: "
                                                 "the portal links to its tracking page."})
    tracking_number = _text(80)
    weight = DecimalString(allow_none=True)
    weight_unit = fields.String(validate=validate.OneOf(WEIGHT_UNITS))
    lines = fields.List(fields.Nested(PackageLineIn), validate=validate.Length(max=500))


class ShipmentIn(Schema):
    external_id = fields.String(**EXTERNAL_ID)
    sales_order_external_id = fields.String(required=True,
                                            validate=validate.Length(min=1, max=100))
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    carrier = _text(60)
    tracking_number = _text(80)
    lines = fields.List(fields.Nested(ShipmentLineIn), validate=validate.Length(max=500),
                        metadata={"description": "Absent: everything not shipped yet."})
    tracking_events = fields.List(fields.Nested(TrackingEventIn),
                                  validate=validate.Length(max=500))
    packages = fields.List(fields.Nested(PackageIn), validate=validate.Length(max=PACKAGE_LIMIT),
                           metadata={"description": "The parcels, each with its own carrier, "
                                     "tracking number and lines; they replace the stored "
                                     "ones. Absent: the stored packages stay."})


class ShipmentLineOut(Schema):
    description = fields.String()
    quantity = QuantityString()


class TrackingEventOut(Schema):
    status = fields.String()
    occurred_at = UtcDateTime()
    location = fields.String()
    description = fields.String()


class PackageLineOut(Schema):
    item_external_id = fields.String(allow_none=True)
    description = fields.String()
    quantity = QuantityString()


class PackageOut(Schema):
    carrier = fields.String()
    tracking_number = fields.String()
    tracking_url = fields.String(allow_none=True, metadata={
        "description": "The carrier's tracking page; null for a carrier not known."})
    weight = QuantityString(allow_none=True)
    weight_unit = fields.String()
    lines = fields.List(fields.Nested(PackageLineOut))


class ShipmentOut(Schema):
    external_id = fields.String(allow_none=True)
    customer_external_id = fields.String(allow_none=True)
    sales_order_external_id = fields.String(allow_none=True)
    number = fields.String()
    carrier = fields.String()
    tracking_number = fields.String()
    tracking_url = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "The status of the tracking event that "
                                     "happened last."})
    shipped_at = UtcDateTime(allow_none=True)
    delivered_at = UtcDateTime(allow_none=True)
    lines = fields.List(fields.Nested(ShipmentLineOut))
    tracking_events = fields.List(fields.Nested(TrackingEventOut))
    packages = fields.List(fields.Nested(PackageOut))
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


# -- payments ------------------------------------------------------------------------------------

class PaymentIn(Schema):
    external_id = fields.String(**EXTERNAL_ID)
    invoice_external_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    amount = DecimalString(required=True)
    method = fields.String(validate=validate.OneOf(["bank_transfer", "cash", "cheque", "card"]))
    reference = _text(100)
    paid_at = UtcDateTime(allow_none=True)
    status = fields.String(validate=validate.OneOf(PAYMENT_STATUSES), metadata={
        "description": "succeeded (the default) or void: voiding gives the amount back to the "
                       "invoice's balance, once; a voided payment cannot change again. A "
                       "payment made in the portal cannot be changed or voided here."})


class PaymentOut(Schema):
    external_id = fields.String(allow_none=True)
    invoice_external_id = fields.String(allow_none=True)
    customer_external_id = fields.String(allow_none=True)
    number = fields.String()
    amount = DecimalString()
    currency = fields.String()
    method = fields.String()
    reference = fields.String()
    status = fields.String()
    via_portal = fields.Boolean()
    paid_at = UtcDateTime()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


# -- lists and batches ---------------------------------------------------------------------------

class ListQuery(Schema):
    cursor = fields.String(validate=validate.Length(max=200),
                           metadata={"description": "next_cursor of the previous page."})
    updated_since = UtcDateTime(metadata={"description": "Only records changed at or after."})
    limit = fields.Integer(validate=validate.Range(1, 500), load_default=100)


KINDS = {
    "customers": (CustomerIn, CustomerOut, "Customer"),
    "contacts": (ContactIn, ContactOut, "Contact"),
    "items": (ItemIn, ItemOut, "Item"),
    "quotes": (QuoteIn, QuoteOut, "Quote"),
    "sales_orders": (SalesOrderIn, SalesOrderOut, "SalesOrder"),
    "invoices": (InvoiceIn, InvoiceOut, "Invoice"),
    "shipments": (ShipmentIn, ShipmentOut, "Shipment"),
    "payments": (PaymentIn, PaymentOut, "Payment"),
}


class EventsQuery(Schema):
    after = fields.String(validate=validate.Length(max=200),
                          metadata={"description": "`cursor` of the previous page (omit to "
                                    "start from the oldest event)."})
    types = fields.String(validate=validate.Length(max=500),
                          metadata={"description": "Only these event types, comma-separated "
                                    "(e.g. `payment.made,quote.accepted`)."})
    limit = fields.Integer(validate=validate.Range(1, 500), load_default=100)


class EventOut(Schema):
    id = fields.String(metadata={"description": "Stable: a webhook of the same event "
                                 "carries the same id."})
    object = fields.String()
    type = fields.String()
    created_at = fields.String(metadata={"format": "date-time"})  # event_json wrote it
    data = fields.Dict()


class EventPage(Schema):
    data = fields.List(fields.Nested(EventOut))
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Pass as `after` for the next page; null on the last page."})
    cursor = fields.String(allow_none=True, metadata={
        "description": "Where to poll from later: after the last event of this page."})


def page_schema(kind: str) -> type[Schema]:
    """{data: [...], next_cursor} for a kind."""
    out = KINDS[kind][1]
    return Schema.from_dict({
        "data": fields.List(fields.Nested(out)),
        "next_cursor": fields.String(allow_none=True),
    }, name=f"{KINDS[kind][2]}Page")


def batch_schema(kind: str) -> type[Schema]:
    """{records: [...]} for a kind: up to BATCH_LIMIT records, each with its external_id."""
    record = KINDS[kind][0]

    class BatchRecord(record):
        external_id = fields.String(required=True, validate=validate.Length(min=1, max=100))

    BatchRecord.__name__ = f"{KINDS[kind][2]}BatchRecord"
    return Schema.from_dict({
        "records": fields.List(fields.Nested(BatchRecord), required=True,
                               validate=validate.Length(min=1, max=BATCH_LIMIT)),
    }, name=f"{KINDS[kind][2]}Batch")


def batch_result_schema(kind: str) -> type[Schema]:
    """What a batch wrote: each record, and whether it was created or changed."""
    item = Schema.from_dict({
        "index": fields.Integer(), "created": fields.Boolean(), "changed": fields.Boolean(),
        "record": fields.Nested(KINDS[kind][1]),
    }, name=f"{KINDS[kind][2]}BatchItem")
    return Schema.from_dict({"results": fields.List(fields.Nested(item))},
                            name=f"{KINDS[kind][2]}BatchResult")


__all__ = ["KINDS", "ListQuery", "EventsQuery", "EventPage", "ProblemSchema", "page_schema",
           "batch_schema",
           "batch_result_schema"]

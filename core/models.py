"""Peewee models for every record in SPEC §3; every row belongs to an organization."""

import datetime
import json
from decimal import ROUND_HALF_UP, Decimal

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    fn,
)

from core.db import database


def utcnow() -> datetime.datetime:
    """Naive UTC now: every timestamp in the database is UTC."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class MoneyField(DecimalField):
    """A DECIMAL column that always reads back with its two decimals.

    SQLite keeps DECIMAL as a number without scale (100.00 reads back as 100); reading it
    quantized makes both engines return Decimal("100.00").
    """

    def python_value(self, value):
        value = super().python_value(value)
        return value if value is None else value.quantize(self._exp, rounding=self.rounding)


def Money(**kwargs):  # noqa: N802 - reads as a field type
    """A money column: 14 digits, 2 decimals, rounded half up on the way in and out."""
    kwargs.setdefault("default", Decimal("0.00"))
    return MoneyField(max_digits=14, decimal_places=2, auto_round=True,
                      rounding=ROUND_HALF_UP, **kwargs)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Organization(BaseModel):
    id = AutoField()
    name = CharField(max_length=200)
    slug = CharField(max_length=80, unique=True)
    default_language = CharField(max_length=10, default="en")
    timezone = CharField(max_length=64, default="UTC")
    currency = CharField(max_length=3, default="USD")
    accent_color = CharField(max_length=7, default="#1f6feb")
    email = CharField(max_length=254, default="")
    address = TextField(default="")
    created_at = DateTimeField(default=utcnow)


class PortalPreferences(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, unique=True, on_delete="CASCADE")
    allow_signup = BooleanField(default=False)
    allow_address_edit = BooleanField(default=True)
    show_quotes = BooleanField(default=True)
    show_sales_orders = BooleanField(default=True)
    show_invoices = BooleanField(default=True)
    show_payments = BooleanField(default=True)
    show_shipments = BooleanField(default=True)
    show_statement = BooleanField(default=True)
    # The texts in the organization's default language (the fallback), and per other portal
    # language as a JSON object {language: text} (see core.portal_texts).
    banner_text = TextField(default="")
    bank_transfer_instructions = TextField(default="")
    banner_texts = TextField(default="{}")
    bank_transfer_texts = TextField(default="{}")
    email_on_invoice_viewed = BooleanField(default=False)
    email_on_payment = BooleanField(default=True)
    email_on_comment = BooleanField(default=True)
    email_on_signup = BooleanField(default=True)
    email_on_invitation_accepted = BooleanField(default=False)
    # A Company admin's invitation of a colleague waits for staff (core.services.colleagues).
    colleague_invites_need_approval = BooleanField(default=True)
    updated_at = DateTimeField(default=utcnow)


class SlugHistory(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    slug = CharField(max_length=80, unique=True)
    replaced_at = DateTimeField(default=utcnow)


class StaffUser(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=200)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=10, default="staff")  # admin | staff
    is_active = BooleanField(default=True)
    session_version = IntegerField(default=1)
    last_login_at = DateTimeField(null=True)
    # JSON {notification kind: true/false}: this member's own choice of staff emails; a kind
    # not in it follows the organization's preference.
    email_choices = TextField(default="{}")
    created_at = DateTimeField(default=utcnow)

    def own_email_choices(self) -> dict[str, bool]:
        """`email_choices` decoded ({} when unset or unreadable)."""
        try:
            choices = json.loads(self.email_choices or "{}")
        except ValueError:
            return {}
        return {k: bool(v) for k, v in choices.items()} if isinstance(choices, dict) else {}


class StaffSession(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    staff = ForeignKeyField(StaffUser, on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    ended_at = DateTimeField(null=True)
    # The last run of the console under this session: it ends after the idle time.
    last_seen_at = DateTimeField(default=utcnow)


class Customer(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    display_name = CharField(max_length=200)
    company_name = CharField(max_length=200, default="")
    # The primary contact's email, kept in step by the contact services.
    email = CharField(max_length=254, default="")
    phone = CharField(max_length=50, default="")
    currency = CharField(max_length=3, default="USD")
    payment_terms_days = IntegerField(default=30)
    billing_street = CharField(max_length=200, default="")
    billing_city = CharField(max_length=100, default="")
    billing_postal_code = CharField(max_length=20, default="")
    billing_region = CharField(max_length=100, default="")
    billing_country = CharField(max_length=100, default="")
    shipping_street = CharField(max_length=200, default="")
    shipping_city = CharField(max_length=100, default="")
    shipping_postal_code = CharField(max_length=20, default="")
    shipping_region = CharField(max_length=100, default="")
    shipping_country = CharField(max_length=100, default="")
    portal_language = CharField(max_length=10, null=True)
    # Denormalised for the console's filters over 100,000 customers; kept by core services.
    portal_status = CharField(max_length=12, default="not_invited")
    outstanding = Money()
    unused_credits = Money()
    last_viewed_at = DateTimeField(null=True)
    search_text = CharField(max_length=700, default="")
    # The business's own id for the record (integration API); unique per organization.
    external_id = CharField(max_length=100, null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("organization", "external_id"), True),
            # The API's lists page by (updated_at, id).
            (("organization", "updated_at", "id"), False),
            (("organization", "display_name"), False),
            (("organization", "portal_status", "display_name"), False),
            (("organization", "portal_language", "display_name"), False),
            (("organization", "outstanding"), False),
            (("organization", "last_viewed_at"), False),
            # Counts "has email" / "no email" from the index alone.
            (("organization", "email"), False),
        )

    @classmethod
    def add_to_outstanding(cls, customer_id: int, amount) -> None:
        """Move the customer's outstanding balance by `amount` (negative: it goes down)."""
        # ROUND: SQLite does this arithmetic in floating point, which would leave 1e-17 dust.
        (cls.update(outstanding=fn.ROUND(cls.outstanding + amount, 2))
         .where(cls.id == customer_id).execute())


class Contact(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="contacts", on_delete="CASCADE")
    first_name = CharField(max_length=100)
    last_name = CharField(max_length=100, default="")
    email = CharField(max_length=254, null=True)  # the portal username; NULL when unknown
    phone = CharField(max_length=50, default="")
    is_primary = BooleanField(default=False)
    portal_state = CharField(max_length=12, default="not_invited")
    state_changed_at = DateTimeField(default=utcnow)
    password_hash = CharField(max_length=255, null=True)
    language = CharField(max_length=10, null=True)
    # What the contact sees of its customer (core.queries.scoping.ROLES): billing | orders |
    # full | admin (full, and manages the customer's own contacts).
    role = CharField(max_length=8, default="full")
    # The Company admin who asked for this contact's access, while staff have not approved it.
    requested_by = ForeignKeyField("self", null=True, on_delete="SET NULL",
                                   backref="requested_colleagues")
    session_version = IntegerField(default=1)
    last_login_at = DateTimeField(null=True)
    external_id = CharField(max_length=100, null=True)
    # The outbox message of the latest invitation email: what staff see of its delivery.
    invitation_message_id = IntegerField(null=True, index=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("organization", "external_id"), True),
            (("organization", "updated_at", "id"), False),
            # One person (an email) may be a contact of several customers of an organization
            # (one sign-in, core.services.access); once per customer.
            (("customer", "email"), True),
            (("organization", "email"), False),
            (("customer", "is_primary"), False),
            # The console home's counts by portal state and of stale invitations.
            (("organization", "portal_state", "state_changed_at"), False),
        )

    @property
    def full_name(self) -> str:
        """First and last name joined."""
        return f"{self.first_name} {self.last_name}".strip()


class AccessToken(BaseModel):
    """An invitation, password reset or sign-up verification; the raw token is never stored."""

    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    contact = ForeignKeyField(Contact, backref="tokens", on_delete="CASCADE")
    purpose = CharField(max_length=12)  # invitation | reset | signup
    email = CharField(max_length=254)
    nonce = CharField(max_length=64)
    token_hash = CharField(max_length=64, unique=True)
    language = CharField(max_length=10, default="en")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    sent_at = DateTimeField(null=True)
    used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("contact", "purpose"), False),)


class Item(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    sku = CharField(max_length=64)
    name = CharField(max_length=200)
    unit = CharField(max_length=20, default="pcs")
    rate = Money()
    stock_on_hand = IntegerField(default=0)
    external_id = CharField(max_length=100, null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("organization", "sku"), True),
            (("organization", "external_id"), True),
            (("organization", "updated_at", "id"), False),
        )


class _Document(BaseModel):
    """Fields every customer document shares."""

    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    customer = ForeignKeyField(Customer, on_delete="CASCADE")
    number = CharField(max_length=40)
    currency = CharField(max_length=3, default="USD")
    subtotal = Money()
    tax_total = Money()
    total = Money()
    notes = TextField(default="")
    first_viewed_at = DateTimeField(null=True)
    first_viewed_by = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    external_id = CharField(max_length=100, null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class Quote(_Document):
    issue_date = DateField()
    expiry_date = DateField(null=True)
    # draft | sent | accepted | declined | expired | invoiced
    status = CharField(max_length=12, default="sent")
    decline_reason = TextField(default="")
    responded_at = DateTimeField(null=True)
    responded_by = ForeignKeyField(Contact, null=True, on_delete="SET NULL",
                                   backref="responded_quotes")
    # Accepting is signed by typing a name; the time is responded_at.
    signature_name = CharField(max_length=200, default="")
    signature_ip = CharField(max_length=64, default="")

    class Meta:
        indexes = (
            (("customer", "issue_date"), False),
            (("organization", "number"), True),
            (("organization", "external_id"), True),
            (("organization", "updated_at", "id"), False),
            (("organization", "first_viewed_at"), False),
            (("organization", "created_at"), False),  # the console's list, newest first
        )


class QuoteLine(BaseModel):
    id = AutoField()
    quote = ForeignKeyField(Quote, backref="lines", on_delete="CASCADE")
    item = ForeignKeyField(Item, null=True, on_delete="SET NULL")
    description = CharField(max_length=300)
    quantity = DecimalField(max_digits=12, decimal_places=3, auto_round=True)
    rate = Money()
    amount = Money()
    position = IntegerField(default=0)


class SalesOrder(_Document):
    order_date = DateField()
    expected_shipment_date = DateField(null=True)
    status = CharField(max_length=12, default="confirmed")  # draft | confirmed | closed | void
    # not_shipped | partially_shipped | shipped
    fulfilment = CharField(max_length=20, default="not_shipped")
    quote = ForeignKeyField(Quote, null=True, on_delete="SET NULL")

    class Meta:
        indexes = (
            (("customer", "order_date"), False),
            (("organization", "number"), True),
            (("organization", "external_id"), True),
            (("organization", "updated_at", "id"), False),
            (("organization", "first_viewed_at"), False),
            (("organization", "created_at"), False),  # the console's list, newest first
        )


class SalesOrderLine(BaseModel):
    id = AutoField()
    sales_order = ForeignKeyField(SalesOrder, backref="lines", on_delete="CASCADE")
    item = ForeignKeyField(Item, null=True, on_delete="SET NULL")
    description = CharField(max_length=300)
    quantity = DecimalField(max_digits=12, decimal_places=3, auto_round=True)
    quantity_shipped = DecimalField(max_digits=12, decimal_places=3, auto_round=True,
                                    default=Decimal("0"))
    rate = Money()
    amount = Money()
    position = IntegerField(default=0)


class Invoice(_Document):
    sales_order = ForeignKeyField(SalesOrder, null=True, on_delete="SET NULL")
    issue_date = DateField()
    due_date = DateField()
    # draft | sent | partially_paid | paid | void  (overdue is derived from due_date)
    status = CharField(max_length=16, default="sent")
    balance = Money()

    class Meta:
        indexes = (
            # The statement's reads come from this index alone (migration 0016).
            (("customer", "issue_date", "status", "total", "number"), False),
            (("customer", "status", "due_date"), False),
            (("organization", "number"), True),
            (("organization", "external_id"), True),
            (("organization", "updated_at", "id"), False),
            (("organization", "first_viewed_at"), False),
            (("organization", "issue_date"), False),
            (("organization", "created_at"), False),  # the console's list, newest first
            # Drafts (and viewed drafts) counted from the index for the console home.
            (("organization", "status", "first_viewed_at"), False),
        )


class InvoiceLine(BaseModel):
    id = AutoField()
    invoice = ForeignKeyField(Invoice, backref="lines", on_delete="CASCADE")
    item = ForeignKeyField(Item, null=True, on_delete="SET NULL")
    description = CharField(max_length=300)
    quantity = DecimalField(max_digits=12, decimal_places=3, auto_round=True)
    rate = Money()
    amount = Money()
    position = IntegerField(default=0)


class Payment(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    customer = ForeignKeyField(Customer, on_delete="CASCADE")
    invoice = ForeignKeyField(Invoice, null=True, backref="payments", on_delete="SET NULL")
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    number = CharField(max_length=40)
    amount = Money()
    currency = CharField(max_length=3, default="USD")
    method = CharField(max_length=20)  # card | bank_transfer | cash | cheque
    reference = CharField(max_length=100, default="")
    idempotency_key = CharField(max_length=100, null=True)
    status = CharField(max_length=12, default="succeeded")
    # succeeded | pending | processing | failed | refunded | withdrawn | expired | void
    via_portal = BooleanField(default=False)
    gateway = CharField(max_length=20, default="")
    card_last4 = CharField(max_length=4, default="")
    paid_at = DateTimeField(default=utcnow)
    external_id = CharField(max_length=100, null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # A hosted checkout (Stripe): the session the contact pays on, its page, and until when an
    # unpaid session holds back the amount (status "processing"); see core.services.payments.
    checkout_session_id = CharField(max_length=255, null=True)
    checkout_url = TextField(default="")
    hold_until = DateTimeField(null=True)
    refunded_amount = Money()

    class Meta:
        indexes = (
            (("organization", "external_id"), True),
            (("organization", "updated_at", "id"), False),
            (("organization", "idempotency_key"), True),
            # The statement's reads come from this index alone (migration 0016).
            (("customer", "paid_at", "status", "amount", "refunded_amount", "number"), False),
            (("organization", "via_portal", "paid_at"), False),
            (("organization", "checkout_session_id"), True),
            (("organization", "gateway", "reference"), False),
            (("organization", "status", "created_at"), False),  # notices waiting for staff
        )


class PaymentAllocation(BaseModel):
    """The share of one payment that went to one invoice, when a payment covers several."""

    id = AutoField()
    payment = ForeignKeyField(Payment, backref="allocations", on_delete="CASCADE")
    invoice = ForeignKeyField(Invoice, backref="allocations", on_delete="CASCADE")
    amount = Money()
    refunded_amount = Money()

    class Meta:
        indexes = (
            (("payment", "invoice"), True),
            (("invoice",), False),
        )


class StripeAccount(BaseModel):
    """An organization's Stripe keys; the two secrets sealed (core.secret_box), never shown."""

    id = AutoField()
    organization = ForeignKeyField(Organization, unique=True, on_delete="CASCADE")
    publishable_key = CharField(max_length=255)
    secret_key_sealed = TextField()
    webhook_secret_sealed = TextField()
    secret_key_hint = CharField(max_length=40, default="")
    webhook_secret_hint = CharField(max_length=40, default="")
    live_mode = BooleanField(default=False)
    # The webhook's address names this random id, not the slug (slugs change; Stripe does not
    # follow redirects) and not the organization's id (nothing to enumerate).
    webhook_id = CharField(max_length=40, unique=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class StripeEvent(BaseModel):
    """A Stripe webhook event seen once: its id is unique per organization."""

    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    event_id = CharField(max_length=255)
    type = CharField(max_length=80)
    payment = ForeignKeyField(Payment, null=True, on_delete="SET NULL")
    outcome = CharField(max_length=20)
    received_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "event_id"), True),)


class Shipment(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    customer = ForeignKeyField(Customer, on_delete="CASCADE")
    sales_order = ForeignKeyField(SalesOrder, null=True, backref="shipments",
                                  on_delete="SET NULL")
    number = CharField(max_length=40)
    carrier = CharField(max_length=60, default="")
    tracking_number = CharField(max_length=80, default="")
    status = CharField(max_length=16, default="packed")  # packed | shipped | in_transit | delivered
    shipped_at = DateTimeField(null=True)
    delivered_at = DateTimeField(null=True)
    external_id = CharField(max_length=100, null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("customer", "created_at"), False),
            (("organization", "external_id"), True),
            (("organization", "updated_at", "id"), False),
            (("organization", "number"), True),
        )


class ShipmentLine(BaseModel):
    id = AutoField()
    shipment = ForeignKeyField(Shipment, backref="lines", on_delete="CASCADE")
    sales_order_line = ForeignKeyField(SalesOrderLine, null=True, on_delete="SET NULL")
    description = CharField(max_length=300)
    quantity = DecimalField(max_digits=12, decimal_places=3, auto_round=True)


class TrackingEvent(BaseModel):
    id = AutoField()
    shipment = ForeignKeyField(Shipment, backref="events", on_delete="CASCADE")
    occurred_at = DateTimeField()
    status = CharField(max_length=16)
    location = CharField(max_length=120, default="")
    description = CharField(max_length=300, default="")

    class Meta:
        indexes = ((("shipment", "occurred_at"), False),)


class ShipmentPackage(BaseModel):
    """One parcel of a shipment, with its own carrier, tracking number and contents."""

    id = AutoField()
    shipment = ForeignKeyField(Shipment, backref="packages", on_delete="CASCADE")
    position = IntegerField(default=0)
    carrier = CharField(max_length=60, default="")
    tracking_number = CharField(max_length=80, default="")
    weight = DecimalField(max_digits=10, decimal_places=3, auto_round=True, null=True)
    weight_unit = CharField(max_length=2, default="kg")  # kg | lb

    class Meta:
        indexes = ((("shipment", "position"), False),)


class PackageLine(BaseModel):
    """What one package holds: an item (or a description) and a quantity."""

    id = AutoField()
    package = ForeignKeyField(ShipmentPackage, backref="lines", on_delete="CASCADE")
    item = ForeignKeyField(Item, null=True, on_delete="SET NULL")
    description = CharField(max_length=300)
    quantity = DecimalField(max_digits=12, decimal_places=3, auto_round=True)
    position = IntegerField(default=0)

    class Meta:
        indexes = ((("package", "position"), False),)


class Comment(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    customer = ForeignKeyField(Customer, on_delete="CASCADE")
    document_type = CharField(max_length=12)  # quote | sales_order | invoice | shipment
    document_id = IntegerField()
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    staff = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")
    body = TextField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("document_type", "document_id", "created_at"), False),)


class Notification(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    staff = ForeignKeyField(StaffUser, backref="notifications", on_delete="CASCADE")
    # invoice_viewed | payment | comment | invitation_accepted | signup | quote_accepted | ...
    kind = CharField(max_length=24)
    message = CharField(max_length=400)
    record_type = CharField(max_length=16, default="")
    record_id = IntegerField(null=True)
    customer = ForeignKeyField(Customer, null=True, on_delete="CASCADE")
    is_read = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("staff", "is_read", "created_at"), False),)


class OutboxMessage(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    kind = CharField(max_length=32)
    recipient = CharField(max_length=254)
    language = CharField(max_length=10, default="en")
    payload = TextField(default="{}")  # JSON: ids and values the template needs, never a token
    status = CharField(max_length=10, default="queued")  # queued|sending|sent|failed|cancelled
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    last_error = TextField(default="")
    message_id = CharField(max_length=200, unique=True)
    claimed_by = CharField(max_length=100, default="")
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("status", "next_attempt_at"), False),
            (("organization", "created_at"), False),
        )


class AuditEvent(BaseModel):
    id = AutoField()
    organization = ForeignKeyField(Organization, null=True, on_delete="CASCADE")
    actor_type = CharField(max_length=10)  # staff | api_key | contact | system | anonymous
    actor_id = IntegerField(null=True)
    action = CharField(max_length=48)
    target_type = CharField(max_length=16, default="")
    target_id = IntegerField(null=True)
    customer = ForeignKeyField(Customer, null=True, on_delete="SET NULL")
    details = TextField(default="{}")
    ip = CharField(max_length=64, default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("organization", "created_at"), False),
            (("customer", "created_at"), False),
        )


class Event(BaseModel):
    """Something that happened in the portal, written in the transaction that made it happen.

    The event feed reads these in id order; each active webhook endpoint that listens to the
    type gets a WebhookDelivery written in the same transaction (the outbox pattern).
    """

    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    public_id = CharField(max_length=40, unique=True)  # evt_...: the same on every delivery
    type = CharField(max_length=40)
    payload = TextField(default="{}")  # JSON: the records named by id (and external id)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("organization", "id"), False),  # the feed's keyset pages
            (("organization", "type", "id"), False),  # the feed filtered by type
            (("created_at",), False),  # the worker's pruning after the retention period
        )


class WebhookEndpoint(BaseModel):
    """A URL of the business's own system that receives events, signed with its secret."""

    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    url = CharField(max_length=2000)
    description = CharField(max_length=200, default="")
    event_types = TextField(default="*")  # comma-separated event types, or * for every type
    # The secret is never stored: it is derived from this nonce under SECRET_KEY when the
    # worker signs (core.webhooks.endpoint_secret), like link tokens; rotating changes it.
    secret_nonce = CharField(max_length=64)
    secret_hint = CharField(max_length=16, default="")  # its first characters, to tell apart
    is_active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "is_active"), False),)


class WebhookDelivery(BaseModel):
    """One event on its way to one endpoint, with the outcome of the last attempt."""

    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    event = ForeignKeyField(Event, backref="deliveries", on_delete="CASCADE")
    endpoint = ForeignKeyField(WebhookEndpoint, backref="deliveries", on_delete="CASCADE")
    # pending | sending | delivered | failed | cancelled
    status = CharField(max_length=10, default="pending")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    last_response_code = IntegerField(null=True)
    last_error = TextField(default="")
    claimed_by = CharField(max_length=100, default="")
    claimed_at = DateTimeField(null=True)
    last_attempt_at = DateTimeField(null=True)
    delivered_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("status", "next_attempt_at"), False),  # the worker's claim
            (("endpoint", "id"), False),  # the console's recent deliveries of an endpoint
            (("organization", "id"), False),  # the console's recent deliveries
        )


class RateEvent(BaseModel):
    """One counted attempt (sign-in, reset, sign-up...) for throttling across processes."""

    id = AutoField()
    key = CharField(max_length=300)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("key", "created_at"), False),)


class RateCounter(BaseModel):
    """Requests counted under a key in its current fixed window, updated in place.

    The API's per-key limit: one UPDATE a request instead of a COUNT and an INSERT of a
    RateEvent row (core.throttle.hit_counter).
    """

    id = AutoField()
    key = CharField(max_length=300, unique=True)
    window_start = IntegerField()  # unix seconds at which the current window began
    count = IntegerField(default=0)


class ApiKey(BaseModel):
    """A key the business's own system calls the integration API with; only its hash is kept."""

    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    name = CharField(max_length=100)
    scope = CharField(max_length=5, default="read")  # read | write
    prefix = CharField(max_length=16)  # shown to tell keys apart: "dsk_AbCd1234"
    key_hash = CharField(max_length=64, unique=True)
    created_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("organization", "created_at"), False),)


class ApiIdempotencyRecord(BaseModel):
    """The response the API gave to a POST with an Idempotency-Key, replayed on a retry."""

    id = AutoField()
    api_key = ForeignKeyField(ApiKey, on_delete="CASCADE")
    key = CharField(max_length=100)
    request_hash = CharField(max_length=64)
    status_code = IntegerField()
    body = TextField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("api_key", "key"), True),)


class ImportMapping(BaseModel):
    """The columns an organization's last import of one kind mapped to Doorstep's fields,
    offered again for its next file."""

    id = AutoField()
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    kind = CharField(max_length=16)  # customers | items | invoices | payments
    columns = TextField(default="{}")  # JSON: field name -> the file's column header
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "kind"), True),)


ALL_MODELS = [
    Organization, PortalPreferences, SlugHistory, StaffUser, StaffSession, Customer, Contact,
    AccessToken, Item, Quote, QuoteLine, SalesOrder, SalesOrderLine, Invoice, InvoiceLine,
    Payment, Shipment, ShipmentLine, TrackingEvent, ShipmentPackage, PackageLine, Comment,
    Notification, OutboxMessage, AuditEvent, RateEvent, RateCounter, Event, WebhookEndpoint,
    WebhookDelivery, ApiKey, ApiIdempotencyRecord, ImportMapping,
    PaymentAllocation, StripeAccount, StripeEvent,
]

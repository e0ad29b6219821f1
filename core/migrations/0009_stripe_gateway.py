"""stripe_gateway: an organization's Stripe keys, the webhook events seen, hosted-checkout
columns on payments, and payments covering several invoices (their allocations).

Timestamp defaults (utcnow) are applied by the application models on insert.
"""
from peewee import *
import decimal


def _money():
    return DecimalField(max_digits=14, decimal_places=2, default=decimal.Decimal('0.00'))


def up(migrator, db):
    class Organization(Model):
        class Meta:
            database = db
            table_name = 'organization'

    class Invoice(Model):
        class Meta:
            database = db
            table_name = 'invoice'

    class Payment(Model):
        class Meta:
            database = db
            table_name = 'payment'

    migrator.migrate(migrator.add_column('payment', 'checkout_session_id', CharField(null=True, max_length=255)))
    migrator.migrate(migrator.add_column('payment', 'checkout_url', TextField(default='')))
    migrator.migrate(migrator.add_column('payment', 'hold_until', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('payment', 'refunded_amount', _money()))
    migrator.migrate(migrator.add_index('payment', ('organization_id', 'checkout_session_id'), unique=True))
    migrator.migrate(migrator.add_index('payment', ('organization_id', 'gateway', 'reference')))

    class PaymentAllocation(Model):
        payment = ForeignKeyField(Payment, on_delete='CASCADE')
        invoice = ForeignKeyField(Invoice, on_delete='CASCADE')
        amount = _money()
        refunded_amount = _money()
        class Meta:
            database = db
            table_name = 'payment_allocation'
            indexes = ((('payment', 'invoice'), True), (('invoice',), False))

    class StripeAccount(Model):
        organization = ForeignKeyField(Organization, unique=True, on_delete='CASCADE')
        publishable_key = CharField(max_length=255)
        secret_key_sealed = TextField()
        webhook_secret_sealed = TextField()
        secret_key_hint = CharField(max_length=40, default='')
        webhook_secret_hint = CharField(max_length=40, default='')
        live_mode = BooleanField(default=False)
        webhook_id = CharField(max_length=40, unique=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'stripe_account'

    class StripeEvent(Model):
        organization = ForeignKeyField(Organization, on_delete='CASCADE')
        event_id = CharField(max_length=255)
        type = CharField(max_length=80)
        payment = ForeignKeyField(Payment, null=True, on_delete='SET NULL')
        outcome = CharField(max_length=20)
        received_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'stripe_event'
            indexes = ((('organization', 'event_id'), True),)
    db.create_tables([PaymentAllocation, StripeAccount, StripeEvent])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('stripe_event'))
    migrator.migrate(migrator.drop_table('stripe_account'))
    migrator.migrate(migrator.drop_table('payment_allocation'))
    migrator.migrate(migrator.drop_index('payment', 'payment_organization_id_gateway_reference'))
    migrator.migrate(migrator.drop_index('payment', 'payment_organization_id_checkout_session_id'))
    migrator.migrate(migrator.drop_column('payment', 'refunded_amount'))
    migrator.migrate(migrator.drop_column('payment', 'hold_until'))
    migrator.migrate(migrator.drop_column('payment', 'checkout_url'))
    migrator.migrate(migrator.drop_column('payment', 'checkout_session_id'))

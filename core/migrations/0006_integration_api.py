"""integration_api: API keys, idempotency records, and external_id + updated_at on every
record the integration API syncs (unique per organization; lists page by updated_at, id).

Generated from a schema diff on 2026-12-02 09:34, then edited: existing rows get
updated_at = now.
"""
from peewee import *
from core.models import utcnow


def up(migrator, db):
    class Contact(Model):
        class Meta:
            database = db
            table_name = 'contact'

    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class Organization(Model):
        class Meta:
            database = db
            table_name = 'organization'

    class StaffUser(Model):
        class Meta:
            database = db
            table_name = 'staff_user'

    class ApiKey(Model):
        organization = ForeignKeyField(Organization, on_delete='CASCADE')
        name = CharField(max_length=100)
        scope = CharField(max_length=5, default='read')
        prefix = CharField(max_length=16)
        key_hash = CharField(unique=True, max_length=64)
        created_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        created_at = DateTimeField(default=utcnow)
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'api_key'
            indexes = ((('organization', 'created_at'), False),)
    db.create_tables([ApiKey])

    class ApiIdempotencyRecord(Model):
        api_key = ForeignKeyField(ApiKey, on_delete='CASCADE')
        key = CharField(max_length=100)
        request_hash = CharField(max_length=64)
        status_code = IntegerField()
        body = TextField()
        created_at = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'api_idempotency_record'
            indexes = ((('api_key', 'key'), True),)
    db.create_tables([ApiIdempotencyRecord])

    migrator.migrate(migrator.add_column('customer', 'external_id', CharField(null=True, max_length=100)))
    migrator.migrate(migrator.add_column('contact', 'external_id', CharField(null=True, max_length=100)))
    migrator.migrate(migrator.add_column('contact', 'updated_at', DateTimeField(default=utcnow)))
    migrator.migrate(migrator.add_column('quote', 'external_id', CharField(null=True, max_length=100)))
    migrator.migrate(migrator.add_column('quote', 'updated_at', DateTimeField(default=utcnow)))
    migrator.migrate(migrator.add_column('sales_order', 'external_id', CharField(null=True, max_length=100)))
    migrator.migrate(migrator.add_column('sales_order', 'updated_at', DateTimeField(default=utcnow)))
    migrator.migrate(migrator.add_column('invoice', 'external_id', CharField(null=True, max_length=100)))
    migrator.migrate(migrator.add_column('invoice', 'updated_at', DateTimeField(default=utcnow)))
    migrator.migrate(migrator.add_column('item', 'external_id', CharField(null=True, max_length=100)))
    migrator.migrate(migrator.add_column('item', 'updated_at', DateTimeField(default=utcnow)))
    migrator.migrate(migrator.add_column('payment', 'external_id', CharField(null=True, max_length=100)))
    migrator.migrate(migrator.add_column('payment', 'updated_at', DateTimeField(default=utcnow)))
    migrator.migrate(migrator.add_column('shipment', 'external_id', CharField(null=True, max_length=100)))
    migrator.migrate(migrator.add_column('shipment', 'updated_at', DateTimeField(default=utcnow)))
    migrator.migrate(migrator.add_index('customer', ('organization_id', 'external_id'), unique=True))
    migrator.migrate(migrator.add_index('customer', ('organization_id', 'updated_at', 'id')))
    migrator.migrate(migrator.add_index('contact', ('organization_id', 'external_id'), unique=True))
    migrator.migrate(migrator.add_index('contact', ('organization_id', 'updated_at', 'id')))
    migrator.migrate(migrator.add_index('quote', ('organization_id', 'external_id'), unique=True))
    migrator.migrate(migrator.add_index('quote', ('organization_id', 'updated_at', 'id')))
    migrator.migrate(migrator.add_index('sales_order', ('organization_id', 'external_id'), unique=True))
    migrator.migrate(migrator.add_index('sales_order', ('organization_id', 'updated_at', 'id')))
    migrator.migrate(migrator.add_index('invoice', ('organization_id', 'external_id'), unique=True))
    migrator.migrate(migrator.add_index('invoice', ('organization_id', 'updated_at', 'id')))
    migrator.migrate(migrator.add_index('item', ('organization_id', 'external_id'), unique=True))
    migrator.migrate(migrator.add_index('item', ('organization_id', 'updated_at', 'id')))
    migrator.migrate(migrator.add_index('payment', ('organization_id', 'external_id'), unique=True))
    migrator.migrate(migrator.add_index('payment', ('organization_id', 'updated_at', 'id')))
    migrator.migrate(migrator.add_index('shipment', ('organization_id', 'external_id'), unique=True))
    migrator.migrate(migrator.add_index('shipment', ('organization_id', 'updated_at', 'id')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('shipment', 'shipment_organization_id_updated_at_id'))
    migrator.migrate(migrator.drop_index('shipment', 'shipment_organization_id_external_id'))
    migrator.migrate(migrator.drop_index('payment', 'payment_organization_id_updated_at_id'))
    migrator.migrate(migrator.drop_index('payment', 'payment_organization_id_external_id'))
    migrator.migrate(migrator.drop_index('item', 'item_organization_id_updated_at_id'))
    migrator.migrate(migrator.drop_index('item', 'item_organization_id_external_id'))
    migrator.migrate(migrator.drop_index('invoice', 'invoice_organization_id_updated_at_id'))
    migrator.migrate(migrator.drop_index('invoice', 'invoice_organization_id_external_id'))
    migrator.migrate(migrator.drop_index('sales_order', 'sales_order_organization_id_updated_at_id'))
    migrator.migrate(migrator.drop_index('sales_order', 'sales_order_organization_id_external_id'))
    migrator.migrate(migrator.drop_index('quote', 'quote_organization_id_updated_at_id'))
    migrator.migrate(migrator.drop_index('quote', 'quote_organization_id_external_id'))
    migrator.migrate(migrator.drop_index('contact', 'contact_organization_id_updated_at_id'))
    migrator.migrate(migrator.drop_index('contact', 'contact_organization_id_external_id'))
    migrator.migrate(migrator.drop_index('customer', 'customer_organization_id_updated_at_id'))
    migrator.migrate(migrator.drop_index('customer', 'customer_organization_id_external_id'))
    migrator.migrate(migrator.drop_column('shipment', 'updated_at'))
    migrator.migrate(migrator.drop_column('shipment', 'external_id'))
    migrator.migrate(migrator.drop_column('payment', 'updated_at'))
    migrator.migrate(migrator.drop_column('payment', 'external_id'))
    migrator.migrate(migrator.drop_column('item', 'updated_at'))
    migrator.migrate(migrator.drop_column('item', 'external_id'))
    migrator.migrate(migrator.drop_column('invoice', 'updated_at'))
    migrator.migrate(migrator.drop_column('invoice', 'external_id'))
    migrator.migrate(migrator.drop_column('sales_order', 'updated_at'))
    migrator.migrate(migrator.drop_column('sales_order', 'external_id'))
    migrator.migrate(migrator.drop_column('quote', 'updated_at'))
    migrator.migrate(migrator.drop_column('quote', 'external_id'))
    migrator.migrate(migrator.drop_column('contact', 'updated_at'))
    migrator.migrate(migrator.drop_column('contact', 'external_id'))
    migrator.migrate(migrator.drop_column('customer', 'external_id'))
    migrator.migrate(migrator.drop_table('api_idempotency_record'))
    migrator.migrate(migrator.drop_table('api_key'))

# Generated from a schema diff on 2026-11-25 11:10.
from peewee import *

def up(migrator, db):
    migrator.migrate(migrator.add_index('customer', ('organization_id', 'email')))
    migrator.migrate(migrator.add_index('contact', ('organization_id', 'portal_state', 'state_changed_at')))
    migrator.migrate(migrator.add_index('quote', ('organization_id', 'created_at')))
    migrator.migrate(migrator.add_index('sales_order', ('organization_id', 'created_at')))
    migrator.migrate(migrator.add_index('invoice', ('organization_id', 'created_at')))
    migrator.migrate(migrator.add_index('invoice', ('organization_id', 'status', 'first_viewed_at')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('invoice', 'invoice_organization_id_status_first_viewed_at'))
    migrator.migrate(migrator.drop_index('invoice', 'invoice_organization_id_created_at'))
    migrator.migrate(migrator.drop_index('sales_order', 'sales_order_organization_id_created_at'))
    migrator.migrate(migrator.drop_index('quote', 'quote_organization_id_created_at'))
    migrator.migrate(migrator.drop_index('contact', 'contact_organization_id_portal_state_state_changed_at'))
    migrator.migrate(migrator.drop_index('customer', 'customer_organization_id_email'))

"""packages_rate_counters_event_pruning: a shipment's packages with their lines, the API's
per-key rate counters (updated in place), and an index the worker prunes old events by.

Generated from a schema diff of core.models.
"""
from peewee import *

def up(migrator, db):
    class Item(Model):
        class Meta:
            database = db
            table_name = 'item'

    class Shipment(Model):
        class Meta:
            database = db
            table_name = 'shipment'

    class ShipmentPackage(Model):
        shipment = ForeignKeyField(Shipment, on_delete='CASCADE')
        position = IntegerField(default=0)
        carrier = CharField(max_length=60, default='')
        tracking_number = CharField(max_length=80, default='')
        weight = DecimalField(max_digits=10, decimal_places=3, auto_round=True, null=True)
        weight_unit = CharField(max_length=2, default='kg')
        class Meta:
            database = db
            table_name = 'shipment_package'
            indexes = ((('shipment', 'position'), False),)
    db.create_tables([ShipmentPackage])

    class PackageLine(Model):
        package = ForeignKeyField(ShipmentPackage, on_delete='CASCADE')
        item = ForeignKeyField(Item, null=True, on_delete='SET NULL')
        description = CharField(max_length=300)
        quantity = DecimalField(max_digits=12, decimal_places=3, auto_round=True)
        position = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'package_line'
            indexes = ((('package', 'position'), False),)
    db.create_tables([PackageLine])

    class RateCounter(Model):
        key = CharField(max_length=300, unique=True)
        window_start = IntegerField()
        count = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'rate_counter'
    db.create_tables([RateCounter])

    migrator.migrate(migrator.add_index('event', ('created_at',)))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('event', 'event_created_at'))
    migrator.migrate(migrator.drop_table('rate_counter'))
    migrator.migrate(migrator.drop_table('package_line'))
    migrator.migrate(migrator.drop_table('shipment_package'))

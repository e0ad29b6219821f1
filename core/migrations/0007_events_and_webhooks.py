"""events_and_webhooks: the event feed (the outbox of what happened in the portal) and webhooks.

Generated from a schema diff of core.models; timestamp defaults (utcnow) are applied by the
application models on insert.
"""
from peewee import *

def up(migrator, db):
    class Organization(Model):
        class Meta:
            database = db
            table_name = 'organization'

    class Event(Model):
        organization = ForeignKeyField(Organization, on_delete='CASCADE')
        public_id = CharField(unique=True, max_length=40)
        type = CharField(max_length=40)
        payload = TextField(default='{}')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'event'
            indexes = ((('organization', 'id'), False), (('organization', 'type', 'id'), False))
    db.create_tables([Event])

    class WebhookEndpoint(Model):
        organization = ForeignKeyField(Organization, on_delete='CASCADE')
        url = CharField(max_length=2000)
        description = CharField(max_length=200, default='')
        event_types = TextField(default='*')
        secret_nonce = CharField(max_length=64)
        secret_hint = CharField(max_length=16, default='')
        is_active = BooleanField(default=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'webhook_endpoint'
            indexes = ((('organization', 'is_active'), False),)
    db.create_tables([WebhookEndpoint])

    class WebhookDelivery(Model):
        organization = ForeignKeyField(Organization, on_delete='CASCADE')
        event = ForeignKeyField(Event, on_delete='CASCADE')
        endpoint = ForeignKeyField(WebhookEndpoint, on_delete='CASCADE')
        status = CharField(max_length=10, default='pending')
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        last_response_code = IntegerField(null=True)
        last_error = TextField(default='')
        claimed_by = CharField(max_length=100, default='')
        claimed_at = DateTimeField(null=True)
        last_attempt_at = DateTimeField(null=True)
        delivered_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'webhook_delivery'
            indexes = ((('status', 'next_attempt_at'), False), (('endpoint', 'id'), False), (('organization', 'id'), False))
    db.create_tables([WebhookDelivery])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('webhook_delivery'))
    migrator.migrate(migrator.drop_table('webhook_endpoint'))
    migrator.migrate(migrator.drop_table('event'))

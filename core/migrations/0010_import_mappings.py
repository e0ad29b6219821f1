"""import_mappings: the column mapping each organization's last import of a kind used, offered
again for its next file.

Generated from a schema diff of core.models; timestamp defaults (utcnow) are applied by the
application models on insert.
"""
from peewee import *

def up(migrator, db):
    class Organization(Model):
        class Meta:
            database = db
            table_name = 'organization'

    class ImportMapping(Model):
        organization = ForeignKeyField(Organization, on_delete='CASCADE')
        kind = CharField(max_length=16)
        columns = TextField(default='{}')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'import_mapping'
            indexes = ((('organization', 'kind'), True),)
    db.create_tables([ImportMapping])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('import_mapping'))

"""quote_signature: the typed-name signature a contact gives when accepting a quote (the name
typed, from which address); the time is the quote's responded_at."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('quote', 'signature_name', CharField(default='', max_length=200)))
    migrator.migrate(migrator.add_column('quote', 'signature_ip', CharField(default='', max_length=64)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('quote', 'signature_ip'))
    migrator.migrate(migrator.drop_column('quote', 'signature_name'))

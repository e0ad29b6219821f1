"""portal_texts_per_language: the banner and the bank-transfer instructions in each portal
language, as JSON objects {language: text} next to the default-language texts (the existing
columns, which stay the fallback).
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('portal_preferences', 'banner_texts', TextField(default='{}')))
    migrator.migrate(migrator.add_column('portal_preferences', 'bank_transfer_texts', TextField(default='{}')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('portal_preferences', 'bank_transfer_texts'))
    migrator.migrate(migrator.drop_column('portal_preferences', 'banner_texts'))

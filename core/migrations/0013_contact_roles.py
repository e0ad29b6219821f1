"""contact_roles: a role per contact, a Company admin's pending colleague requests, and one
email in several customers of an organization (unique per customer instead of per organization).

Generated from a schema diff of core.models, then edited: the unique (organization, email)
index becomes a plain one next to a unique (customer, email) one.
"""
from peewee import *


def up(migrator, db):
    class Contact(Model):
        class Meta:
            database = db
            table_name = 'contact'

    migrator.migrate(
        migrator.add_column('contact', 'role', CharField(max_length=8, default='full')),
        migrator.add_column('contact', 'requested_by_id',
                            ForeignKeyField(Contact, field=Contact.id, null=True,
                                            on_delete='SET NULL')),
        migrator.add_column('portal_preferences', 'colleague_invites_need_approval',
                            BooleanField(default=True)),
        migrator.drop_index('contact', 'contact_organization_id_email'),
        migrator.add_index('contact', ('customer_id', 'email'), unique=True),
        migrator.add_index('contact', ('organization_id', 'email')),
    )


def down(migrator, db):
    # Refused (by the unique index) while one email is a contact of several customers.
    migrator.migrate(
        migrator.drop_index('contact', 'contact_organization_id_email'),
        migrator.drop_index('contact', 'contact_customer_id_email'),
        migrator.add_index('contact', ('organization_id', 'email'), unique=True),
        migrator.drop_column('portal_preferences', 'colleague_invites_need_approval'),
        migrator.drop_column('contact', 'requested_by_id'),
        migrator.drop_column('contact', 'role'),
    )

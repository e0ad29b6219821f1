"""The schema comes from migrations and matches the models exactly."""

from playhouse.schema_diff import diff_models

from core import db
from core.models import ALL_MODELS


def test_the_migrated_schema_matches_the_models():
    """A model change without its migration fails here."""
    difference = diff_models(db.database.obj, ALL_MODELS)
    assert not difference, f"models and migrations differ:\n{difference}"


def test_every_migration_is_applied_and_running_them_again_does_nothing():
    assert db.pending_migrations() == []
    assert db.migrate() == []


def test_the_check_notices_a_field_without_a_migration():
    from peewee import CharField

    from core.models import Customer

    class CustomerWithNewField(Customer):
        nickname = CharField(default="")

        class Meta:
            table_name = "customer"

    difference = diff_models(db.database.obj, [CustomerWithNewField])
    assert "add column customer.nickname" in str(difference)

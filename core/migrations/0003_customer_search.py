"""customer_search: a trigram index over Customer.search_text for the console's text search.

`search_text LIKE '%term%'` reads every customer (hundreds of milliseconds at 100,000); a
trigram index answers it from the index. The index lives in its own table, `customer_search`
(customer id, search text), kept in step with `customer` by triggers: on SQLite an FTS5 table
with the trigram tokenizer, on PostgreSQL a table with a pg_trgm GIN index. It is not a model,
so schema diffs of the models never see it.
"""
from peewee import *

SQLITE = [
    "CREATE VIRTUAL TABLE customer_search USING fts5("
    "search_text, customer_id UNINDEXED, tokenize = 'trigram')",
    "INSERT INTO customer_search (rowid, search_text, customer_id) "
    "SELECT id, search_text, id FROM customer",
    "CREATE TRIGGER customer_search_insert AFTER INSERT ON customer BEGIN "
    "INSERT INTO customer_search (rowid, search_text, customer_id) "
    "VALUES (new.id, new.search_text, new.id); END",
    "CREATE TRIGGER customer_search_update AFTER UPDATE OF search_text ON customer BEGIN "
    "UPDATE customer_search SET search_text = new.search_text WHERE rowid = new.id; END",
    "CREATE TRIGGER customer_search_delete AFTER DELETE ON customer BEGIN "
    "DELETE FROM customer_search WHERE rowid = old.id; END",
]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE customer_search ("
    "customer_id integer PRIMARY KEY REFERENCES customer (id) ON DELETE CASCADE, "
    "search_text text NOT NULL)",
    "INSERT INTO customer_search (customer_id, search_text) SELECT id, search_text FROM customer",
    "CREATE INDEX customer_search_trgm ON customer_search USING gin (search_text gin_trgm_ops)",
    "CREATE FUNCTION customer_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO customer_search (customer_id, search_text) VALUES (NEW.id, NEW.search_text) "
    "ON CONFLICT (customer_id) DO UPDATE SET search_text = EXCLUDED.search_text; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER customer_search_sync AFTER INSERT OR UPDATE OF search_text ON customer "
    "FOR EACH ROW EXECUTE FUNCTION customer_search_sync()",
]


def up(migrator, db):
    for statement in POSTGRES if isinstance(db, PostgresqlDatabase) else SQLITE:
        db.execute_sql(statement)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TABLE customer_search")
        db.execute_sql("DROP FUNCTION customer_search_sync() CASCADE")
    else:
        for name in ("insert", "update", "delete"):
            db.execute_sql(f"DROP TRIGGER customer_search_{name}")
        db.execute_sql("DROP TABLE customer_search")

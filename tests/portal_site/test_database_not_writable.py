"""A database that can be read but takes no writes (a read-only SQLite file, a PostgreSQL
standby after a failover, a full disk): pages keep working, a submission answers a translated
503 page with the way back, never a 500, and nothing is half written."""

import subprocess
from pathlib import Path

import pytest

from core import db
from core.models import Comment, Contact
from tests.portal_site.conftest import text_of


@pytest.fixture
def read_only(database, database_url):
    """Make the test database take no writes: `chattr +i` on the SQLite file (honoured even by
    root) and a fresh connection, or read-only transactions on PostgreSQL (as on a standby);
    undone afterwards."""
    name = database.database

    def make_read_only():
        if db.is_postgres():
            database.execute_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            made.append(name)
            database.close()
            database.connect()
            return
        path = Path(database.database)
        result = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"chattr +i does not work here: {result.stderr.strip()}")
        made.append(path)
        database.close()
        database.connect()

    made: list = []
    yield make_read_only
    for thing in made:
        if db.is_postgres():
            if database.is_closed():
                database.connect()
            database.execute_sql("SET SESSION default_transaction_read_only = off")
            database.execute_sql(f'ALTER DATABASE "{thing}" RESET default_transaction_read_only')
        else:
            subprocess.run(["chattr", "-i", str(thing)], check=True)
    if not database.is_closed():
        database.close()
    database.connect()


def test_a_read_only_database_gives_a_translated_503_with_the_way_back(
        signed_in, contact, org, papers_of, read_only):
    papers = papers_of(contact.customer)
    Contact.update(language="de").where(Contact.id == contact.id).execute()
    read_only()

    home = signed_in.get(f"/{org.slug}/invoices")
    assert home.status_code == 200  # reading still works

    posted = signed_in.post(f"/{org.slug}/quotes/{papers.quote.id}/comments",
                            data={"body": "Geht das schneller?"})

    assert posted.status_code == 503
    assert posted.headers["Retry-After"] == "120"
    page = text_of(posted)
    # The page speaks the contact's language.
    assert "Derzeit nicht verfügbar" in page
    assert "Das Portal kann Änderungen gerade nicht speichern" in page
    assert "Traceback" not in page and "readonly" not in page
    assert f'href="/{org.slug}/"' in page  # the way back to the portal's home page
    assert Comment.select().count() == 0


def test_a_full_sqlite_database_gives_the_503_page_too(signed_in, contact, org, papers_of,
                                                        database):
    if db.is_postgres():
        pytest.skip("a full disk can only be imitated on SQLite (max_page_count)")
    papers = papers_of(contact.customer)
    database.execute_sql("VACUUM")  # no free pages left over from earlier tests' rows
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages}")
    try:
        posted = signed_in.post(f"/{org.slug}/quotes/{papers.quote.id}/comments",
                                data={"body": "x" * 4000})
    finally:
        database.execute_sql("PRAGMA max_page_count = 1073741823")
    assert posted.status_code == 503
    assert "save changes right now, so nothing was changed" in text_of(posted)
    assert Comment.select().count() == 0

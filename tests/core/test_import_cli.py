"""`doorstep import` as an operator runs it: the same report, all or nothing, exit 1 on errors."""

from core.models import Contact, Customer, Item, OutboxMessage
from tests.core.test_cli import doorstep

CUSTOMERS = ("Customer ID;Name;First name;Email;Portal access\n"
             "C-1;Alpha Foods;Anna;anna@alpha.example;ja\n"
             "C-2;Beta Tools;Ben;ben@beta.example;nein\n")


def test_import_customers_dry_run_then_for_real_then_again(org, database_url, tmp_path):
    file = tmp_path / "customers.csv"
    file.write_bytes(CUSTOMERS.encode("cp1252"))
    args = ("import", "customers", str(file), "--org", org.slug)

    dry = doorstep(*args, "--dry-run", "--invite", url=database_url, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "customers: 2 created" in dry.stdout and "invitations: 1 invited" in dry.stdout
    assert "Dry run: nothing was written." in dry.stdout
    assert Customer.select().count() == 0

    real = doorstep(*args, "--invite", url=database_url, cwd=tmp_path)
    assert real.returncode == 0, real.stderr
    assert Customer.select().count() == 2
    assert Contact.get(Contact.email == "anna@alpha.example").portal_state == "invited"
    assert [m.recipient for m in OutboxMessage.select()] == ["anna@alpha.example"]

    again = doorstep(*args, "--invite", url=database_url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "customers: 2 unchanged" in again.stdout
    assert OutboxMessage.select().count() == 1


def test_an_error_row_is_told_in_one_line_and_nothing_is_written(org, database_url, tmp_path):
    file = tmp_path / "items.csv"
    file.write_text("SKU,Name,Price\nW-1,Widget,12.50\nW-2,Gadget,twelve\n", encoding="utf-8")
    result = doorstep("import", "items", str(file), "--org", org.slug, url=database_url,
                      cwd=tmp_path)
    assert result.returncode == 1
    assert "row 3 error: Price: Enter the amount as digits, for example 1,234.56." in result.stderr
    assert "nothing was imported" in result.stdout
    assert Item.select().count() == 0


def test_a_missing_column_and_a_bad_mapping_are_one_line_errors(org, database_url, tmp_path):
    file = tmp_path / "items.csv"
    file.write_text("Code,Name\nW-1,Widget\n", encoding="utf-8")
    missing = doorstep("import", "items", str(file), "--org", org.slug, url=database_url,
                       cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: The file needs a column for Rate."

    unknown = doorstep("import", "items", str(file), "--org", org.slug, "--map", "price=Code",
                       url=database_url, cwd=tmp_path)
    assert unknown.returncode == 2 and unknown.stderr.startswith("Error: ")
    assert "'price' is not a field of items" in unknown.stderr

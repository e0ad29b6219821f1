"""The Import page (admins): upload, mapping, a preview that writes nothing, then the import;
and the export buttons of the lists and the audit trail."""


from core.models import Contact, Customer, ImportMapping, OutboxMessage
from staff_dashboard import keys
from tests.staff_dashboard.conftest import open_console, texts

PAGE = "app_pages/imports.py"
CUSTOMERS = ("Customer ID;Name;First name;Email;Portal access\n"
             "C-1;Alpha Foods;Anna;anna@alpha.example;yes\n"
             "C-2;Beta Tools;Ben;ben@beta.example;no\n").encode("cp1252")


def upload(app, data: bytes, name: str = "customers.csv"):
    app.file_uploader(key="imports_file_customers").set_value((name, data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_check_then_import_with_invitations(admin):
    app = upload(open_console(admin, page=PAGE), CUSTOMERS)
    assert "2 rows, 5 columns." in texts(app.caption)
    digest = next(s.key for s in app.selectbox if s.key.startswith(
        "imports_map_customers_display_name_"))
    assert app.selectbox(key=digest).value == "Name"  # guessed from the header

    app.checkbox(key=keys.IMPORT_INVITE).check().run()
    app.button(key="imports_check").click().run()
    assert not app.exception
    assert Customer.select().count() == 0  # a preview writes nothing
    assert texts(app.markdown)[1:] == ["- customers: 2 created", "- contacts: 2 created",
                                       "- invitations: 1 invited"]
    rows = app.dataframe[0].value
    assert list(rows["Outcome"]) == ["🆕 created", "🆕 created"]

    runs = app.session_state[keys.SCRIPT_RUNS]
    app.button(key="imports_run").click().run()
    assert not app.exception
    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1  # imported and shown in one run
    assert "**Imported**" in texts(app.markdown)
    assert Customer.select().count() == 2
    assert Contact.get(Contact.email == "anna@alpha.example").portal_state == "invited"
    assert [m.recipient for m in OutboxMessage.select()] == ["anna@alpha.example"]
    assert any(text.startswith("Import done: customers: 2 created") for text in
               texts(app.toast))
    assert ImportMapping.select().count() == 1


def test_a_file_with_errors_shows_them_and_offers_only_the_error_file(admin, make_customer):
    taken = make_customer("Taken", email="anna@alpha.example")
    Customer.update(external_id="X-9").where(Customer.id == taken.id).execute()
    bad = CUSTOMERS + "C-3;Gamma;Gus;gus@gamma.example;maybe\n".encode("cp1252")
    app = upload(open_console(admin, page=PAGE), bad)
    app.button(key="imports_check").click().run()

    rows = app.dataframe[0].value
    problems = dict(zip(rows["Row"], rows["Why"], strict=True))
    # Anna's email belongs to another customer of Doorstep, with its own external_id.
    assert problems[2] == "This record already has another external_id in Doorstep: X-9."
    assert problems[4] == "Enter yes or no."
    assert [e for e in texts(app.error) if "row(s) have errors" in e]
    assert app.get("download_button")  # the error file
    assert not [b for b in app.button if b.key == "imports_run"]
    assert Customer.select().count() == 1


def test_a_file_that_is_not_a_spreadsheet_is_a_clear_error(admin):
    app = upload(open_console(admin, page=PAGE), b"PK\x03\x04garbage", name="x.xlsx")
    assert texts(app.error) == ["The file is not a readable XLSX file."]


def test_staff_who_are_not_admins_cannot_open_it(staff_member):
    for page in (PAGE, "app_pages/audit_trail.py"):
        app = open_console(staff_member)
        # Not in the sidebar; opened by its address, it says why and shows nothing of its own.
        app.switch_page(page).run()
        assert [e.value for e in app.error] == ["Only an administrator can open this page."]
        assert not app.get("file_uploader") and not app.get("download_button")


def test_lists_and_audit_trail_offer_csv_and_xlsx_exports(admin, make_customer):
    make_customer("Listed")
    customers = open_console(admin, page="app_pages/customers.py")
    labels = [b.proto.label for b in customers.get("download_button")]
    assert labels == ["Export CSV", "Export XLSX"]
    invoices = open_console(admin, page="app_pages/invoices.py")
    assert [b.proto.label for b in invoices.get("download_button")] == [
        "Export CSV", "Export XLSX"]
    audit = open_console(admin, page="app_pages/audit_trail.py")
    assert not audit.exception
    assert "customer_created" in list(audit.dataframe[0].value["Action"])

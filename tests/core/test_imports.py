"""The import: real files in, records written through the sync upserts, all or nothing."""

import datetime
import io
from decimal import Decimal

import pytest

from core.audit import Actor
from core.errors import PermissionDeniedError, ValidationError
from core.importing.fields import guess_mapping
from core.models import (
    AuditEvent,
    Contact,
    Customer,
    ImportMapping,
    Invoice,
    InvoiceLine,
    Item,
    OutboxMessage,
    Payment,
)
from core.queries.imports import get_remembered_mapping
from core.services.imports import error_file, run_import
from core.tabular import read_table

CUSTOMERS_CSV = (
    "Customer ID,Customer Name,Company,First Name,Last Name,Email,Language,Currency,"
    "Portal access,Primary\n"
    "C-1,Alpha Foods,Alpha GmbH,Anna,Alpha,anna@alpha.example,de,EUR,yes,yes\n"
    "C-1,Alpha Foods,Alpha GmbH,Bert,Alpha,bert@alpha.example,,EUR,no,no\n"
    "C-2,Beta Tools,,Cem,Beta,cem@beta.example,French,,yes,\n"
    "C-3,Gamma Goods,,,,,,,,\n"
)


def actor_of(staff):
    return Actor.staff(staff.id, organization_id=staff.organization_id)


def do_import(staff, kind, content, *, name="file.csv", commit=True, invite=False,
              mapping=None, progress=None):
    data = content.encode("utf-8") if isinstance(content, str) else content
    table = read_table(name, data)
    mapping = mapping or guess_mapping(kind, table.header)
    return table, run_import(actor_of(staff), kind, table, mapping, commit=commit,
                             invite=invite, progress=progress)


def snapshot():
    """Everything an import can write, as comparable values."""
    return (
        sorted((c.display_name, c.company_name, c.currency, c.portal_language, c.external_id,
                str(c.updated_at), c.email) for c in Customer.select()),
        sorted((c.first_name, c.last_name, c.email, c.is_primary, c.portal_state,
                c.external_id, str(c.updated_at)) for c in Contact.select()),
        Item.select().count(), Invoice.select().count(), Payment.select().count(),
        AuditEvent.select().count(), OutboxMessage.select().count(),
    )


def test_customers_with_contacts_are_imported_and_invited(admin):
    table, report = do_import(admin, "customers", CUSTOMERS_CSV, invite=True)

    assert report.errors == []
    assert report.written
    alpha = Customer.get(Customer.external_id == "C-1")
    assert (alpha.display_name, alpha.company_name, alpha.currency, alpha.portal_language) == (
        "Alpha Foods", "Alpha GmbH", "EUR", "de")
    assert alpha.email == "anna@alpha.example"
    contacts = {c.email: c for c in Contact.select()}
    assert set(contacts) == {"anna@alpha.example", "bert@alpha.example", "cem@beta.example"}
    assert contacts["anna@alpha.example"].is_primary
    assert not contacts["bert@alpha.example"].is_primary
    assert Customer.get(Customer.external_id == "C-2").portal_language == "fr"
    # Marked for portal access: invited (an email each); Bert was not marked.
    assert contacts["anna@alpha.example"].portal_state == "invited"
    assert contacts["bert@alpha.example"].portal_state == "not_invited"
    assert sorted(m.recipient for m in OutboxMessage.select()) == [
        "anna@alpha.example", "cem@beta.example"]
    assert report.counts[("customers", "created")] == 3
    assert report.counts[("contacts", "created")] == 3
    assert report.counts[("invitations", "invited")] == 2
    assert [row.outcome for row in report.rows] == ["created"] * 4
    assert AuditEvent.get(AuditEvent.action == "import_completed").actor_id == admin.id


def test_the_same_file_twice_changes_nothing(admin):
    do_import(admin, "customers", CUSTOMERS_CSV, invite=True)
    before = snapshot()

    _table, report = do_import(admin, "customers", CUSTOMERS_CSV, invite=True)

    assert [row.outcome for row in report.rows] == ["unchanged"] * 4
    assert report.counts[("customers", "unchanged")] == 3
    assert report.counts[("invitations", "invited")] == 0
    after = snapshot()
    # Only the second import's own audit event is new.
    assert after[:5] == before[:5] and after[6] == before[6]
    assert after[5] == before[5] + 1


def test_without_external_ids_rows_match_on_email_and_documents_on_number(admin):
    plain = "Name,Email,Phone\nDelta Ltd,dora@delta.example,111\nEpsilon,,222\n"
    do_import(admin, "customers", plain)
    before = snapshot()
    _table, report = do_import(admin, "customers", plain)
    assert {row.outcome for row in report.rows} == {"unchanged"}
    assert snapshot()[:2] == before[:2]

    changed = plain.replace("111", "999")
    _table, report = do_import(admin, "customers", changed)
    assert [row.outcome for row in report.rows] == ["updated", "unchanged"]
    assert Customer.get(Customer.display_name == "Delta Ltd").phone == "999"
    assert Customer.select().count() == 2

    # Later, the same customers arrive with the old tool's ids: they take them, no duplicate.
    with_ids = "Customer ID,Name,Email\nD-1,Delta Ltd,dora@delta.example\n"
    do_import(admin, "customers", with_ids)
    assert Customer.get(Customer.display_name == "Delta Ltd").external_id == "D-1"
    assert Customer.select().count() == 2


def test_columns_the_file_leaves_out_stay_as_they_are(admin):
    do_import(admin, "customers", CUSTOMERS_CSV)
    do_import(admin, "customers", "Customer ID,Name\nC-1,Alpha Foods AG\n")
    alpha = Customer.get(Customer.external_id == "C-1")
    assert (alpha.display_name, alpha.company_name, alpha.portal_language) == (
        "Alpha Foods AG", "Alpha GmbH", "de")


def test_a_preview_writes_nothing_and_shows_what_the_import_will_do(admin):
    before = snapshot()
    _table, report = do_import(admin, "customers", CUSTOMERS_CSV, commit=False, invite=True)
    assert not report.written
    assert report.counts[("customers", "created")] == 3
    assert report.counts[("invitations", "invited")] == 2
    assert snapshot() == before
    assert ImportMapping.select().count() == 0


def test_one_bad_row_keeps_the_whole_file_out_and_every_error_is_told(admin):
    bad = (CUSTOMERS_CSV
           + "C-4,Delta,,Dan,,anna@alpha.example,,,,\n"     # email already in the file
           + "C-5,Eps,,Eve,,eve@eps.example,klingon,,,\n"   # unknown language
           + "C-6,Zeta,,Zoe,,zoe@zeta.example,,XYZ,,\n"     # unknown currency
           + "C-7,Eta,,Eli,,not-an-email,,,,\n")            # invalid email
    before = snapshot()
    table, report = do_import(admin, "customers", bad)

    assert not report.written
    assert snapshot() == before
    errors = {row.line: (row.column, row.message) for row in report.errors}
    assert errors[6] == ("Email", "The email anna@alpha.example is also on row 2 of the file.")
    assert errors[7][0] == "Language"
    assert errors[7][1].startswith("Unknown language klingon: use one of en, de")
    assert errors[8] == ("Currency", "Unknown currency XYZ: use one of AED, AUD, CAD, CHF, "
                                     "EUR, GBP, JPY, MXN, SAR, USD.")
    assert errors[9][1] == "Enter a valid email address."
    # The error file holds exactly the bad rows, as they were, with the reason.
    lines = error_file(table, report).decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",Error")
    assert [line.split(",")[0] for line in lines[1:]] == ["C-4", "C-5", "C-6", "C-7"]
    assert "Unknown currency XYZ" in lines[3]


def test_a_missing_column_is_refused_before_any_row(admin):
    with pytest.raises(ValidationError) as caught:
        do_import(admin, "customers", "Email,Phone\na@b.example,1\n")
    assert str(caught.value) == "The file needs a column for Customer name."
    with pytest.raises(ValidationError) as caught:
        do_import(admin, "invoices", "Number,Date,Total\nINV-1,2026-01-02,10\n")
    assert str(caught.value) == ("The file needs a column for Customer external_id or "
                                 "Customer email.")


def test_an_interrupted_import_writes_nothing(admin):
    before = snapshot()

    written_when_stopped = []

    def stop_once_rows_are_written(done, total):
        written_when_stopped.append(Customer.select().count())
        raise KeyboardInterrupt  # the operator's Ctrl-C, the page closed

    with pytest.raises(KeyboardInterrupt):
        do_import(admin, "customers", CUSTOMERS_CSV, invite=True,
                  progress=stop_once_rows_are_written)
    assert written_when_stopped == [3]  # midway, in the import's transaction
    assert snapshot() == before


def test_only_an_admin_imports(staff_member):
    with pytest.raises(PermissionDeniedError):
        do_import(staff_member, "customers", CUSTOMERS_CSV)
    assert Customer.select().count() == 0


def test_real_encodings_and_separators(admin):
    semicolons = ("Kundennummer;Name;E-Mail;Sprache\n"
                  "K-1;Müller & Söhne;mia@mueller.example;Deutsch\n")
    for data in (semicolons.encode("cp1252"), b"\xef\xbb\xbf" + semicolons.encode("utf-8"),
                 semicolons.encode("utf-16")):
        Customer.delete().execute()
        _table, report = do_import(admin, "customers", data)
        assert report.errors == [], report.errors
        customer = Customer.get()
        assert (customer.external_id, customer.display_name, customer.portal_language) == (
            "K-1", "Müller & Söhne", "de")


def test_xlsx_files_are_read_with_their_types(admin):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["SKU", "Name", "Price", "Stock"])
    sheet.append(["W-1", "Widget", 12.3, 7])
    sheet.append([1001, "Numbered", "15.00", None])
    out = io.BytesIO()
    book.save(out)
    _table, report = do_import(admin, "items", out.getvalue(), name="items.xlsx")
    assert report.errors == []
    widget = Item.get(Item.sku == "W-1")
    assert (widget.name, widget.rate, widget.stock_on_hand) == ("Widget", Decimal("12.30"), 7)
    # A number typed in a text column reads as written; an amount typed as text is parsed.
    numbered = Item.get(Item.sku == "1001")
    assert (numbered.rate, numbered.stock_on_hand) == (Decimal("15.00"), 0)


def test_dates_and_amounts_in_the_organizations_locale(admin, org, make_customer):
    org.default_language = "de"
    org.save()
    make_customer("Kunde", email="kunde@example.de")
    invoices = ("Rechnungsnummer;Kunden-E-Mail;Rechnungsdatum;Fällig;Betrag\n"
                "R-1;kunde@example.de;31.12.2026;2027-01-30;1.234,50\n")
    _table, report = do_import(admin, "invoices", invoices,
                               mapping={"number": "Rechnungsnummer",
                                        "customer_email": "Kunden-E-Mail",
                                        "issue_date": "Rechnungsdatum", "due_date": "Fällig",
                                        "total": "Betrag"})
    assert report.errors == []
    invoice = Invoice.get(Invoice.number == "R-1")
    assert (invoice.issue_date, invoice.due_date, invoice.total, invoice.balance) == (
        datetime.date(2026, 12, 31), datetime.date(2027, 1, 30), Decimal("1234.50"),
        Decimal("1234.50"))

    wrong = invoices.replace("1.234,50", "1,234.50").replace("R-1", "R-2")
    _table, report = do_import(admin, "invoices", wrong,
                               mapping={"number": "Rechnungsnummer",
                                        "customer_email": "Kunden-E-Mail",
                                        "issue_date": "Rechnungsdatum", "total": "Betrag"})
    assert [(row.column, row.message) for row in report.errors] == [
        ("Betrag", "Enter the amount as digits, for example 1.234,56.")]
    bad_date = invoices.replace("31.12.2026", "2026").replace("R-1", "R-3")
    _table, report = do_import(admin, "invoices", bad_date,
                               mapping={"number": "Rechnungsnummer",
                                        "customer_email": "Kunden-E-Mail",
                                        "issue_date": "Rechnungsdatum", "total": "Betrag"})
    assert [(row.column, row.message) for row in report.errors] == [
        ("Rechnungsdatum", "Enter a date as 2026-12-31 or as 31.12.26.")]


def test_invoices_with_lines_and_a_customer_nobody_has(admin, make_customer):
    make_customer("Known", email="known@example.com")
    csv = ("Invoice number,Customer email,Invoice date,Line description,Quantity,Line rate\n"
           "INV-1,known@example.com,2026-03-01,Bolts,10,1.50\n"
           "INV-1,known@example.com,2026-03-01,Nuts,4,0.25\n"
           "INV-2,stranger@example.com,2026-03-02,Bolts,1,1.50\n")
    _table, report = do_import(admin, "invoices", csv)
    assert [(row.line, row.message) for row in report.errors] == [
        (4, "No customer has a contact with this email.")]
    assert Invoice.select().count() == 0

    _table, report = do_import(admin, "invoices", csv.rsplit("INV-2", 1)[0])
    assert report.errors == []
    invoice = Invoice.get(Invoice.number == "INV-1")
    assert invoice.total == Decimal("16.00")
    assert [line.description for line in
            InvoiceLine.select().where(InvoiceLine.invoice == invoice)
            .order_by(InvoiceLine.position)] == ["Bolts", "Nuts"]
    _table, again = do_import(admin, "invoices", csv.rsplit("INV-2", 1)[0])
    assert {row.outcome for row in again.rows} == {"unchanged"}


def test_payments_received_elsewhere_once(admin, make_customer, make_invoice):
    customer = make_customer("Payer")
    invoice = make_invoice(customer, "100.00")
    csv = (f"Invoice number,Amount,Payment date,Method,Reference\n"
           f"{invoice.number},40.00,2026-04-01,Bank transfer,TX-77\n")
    do_import(admin, "payments", csv)
    _table, again = do_import(admin, "payments", csv)
    assert {row.outcome for row in again.rows} == {"unchanged"}
    assert Payment.select().count() == 1
    assert Invoice.get_by_id(invoice.id).balance == Decimal("60.00")

    no_reference = csv.replace("TX-77", "")
    _table, report = do_import(admin, "payments", no_reference)
    assert report.errors[0].message.startswith("Give the payment an external_id or a reference")


def test_the_mapping_is_remembered_for_the_next_file(admin):
    odd = "Ref;Kunde;Mail\nX-1;Omega;o@omega.example\n"
    table = read_table("odd.csv", odd.encode())
    mapping = guess_mapping("customers", table.header)
    assert mapping["display_name"] == "Kunde" and mapping["external_id"] is None
    mapping["external_id"] = "Ref"
    mapping["email"] = "Mail"
    run_import(actor_of(admin), "customers", table, mapping, commit=True)

    remembered = get_remembered_mapping(admin.organization_id, "customers")
    assert guess_mapping("customers", table.header, remembered)["external_id"] == "Ref"
    assert guess_mapping("customers", table.header, remembered)["email"] == "Mail"


def test_another_organizations_records_are_never_matched_nor_changed(admin, make_customer):
    from core.services.organizations import create_organization

    other = create_organization("Rival Ltd", default_language="en", currency="USD")
    theirs = make_customer("Alpha Foods", email="anna@alpha.example", organization=other)
    Customer.update(external_id="C-1").where(Customer.id == theirs.id).execute()
    before = (Customer.get_by_id(theirs.id).updated_at,
              [(c.first_name, c.portal_state) for c in theirs.contacts])

    _table, report = do_import(admin, "customers", CUSTOMERS_CSV, invite=True)

    assert report.errors == [] and report.counts[("customers", "created")] == 3
    assert Customer.get_by_id(theirs.id).updated_at == before[0]
    assert [(c.first_name, c.portal_state) for c in Customer.get_by_id(theirs.id).contacts] \
        == before[1]
    ours = Customer.get(Customer.external_id == "C-1",
                        Customer.organization == admin.organization_id)
    assert ours.id != theirs.id

"""Exports: the lists as filtered, the audit trail of a date range; no cell runs as a formula."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook
from playhouse.test_utils import count_queries

from core.audit import Actor
from core.errors import PermissionDeniedError
from core.importing.fields import guess_mapping
from core.models import AuditEvent, Customer
from core.queries.exports import as_file, export_audit_trail, export_customers, export_invoices
from core.queries.staff import CustomerFilters
from core.services.imports import run_import
from core.tabular import read_table, write_csv

NASTY = ["=HYPERLINK(\"http://evil.example\")", "+1+2", "-3+4", "@SUM(A1)"]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()], sheet


def test_text_starting_with_a_tab_or_cr_is_quoted_too():
    data = write_csv(["a"], [["\tx"], ["\ry"], ["plain"], [-5]])
    assert csv_rows(data)[1:] == [["'\tx"], ["'\ry"], ["plain"], ["-5"]]


def test_customers_export_as_filtered_with_portal_status_and_language(
        org, make_customer, make_active_contact):
    make_customer("Alpha Foods", language="de")
    make_customer("Beta Tools", email=None)
    make_active_contact(name="Gamma Active")

    everything = csv_rows(as_file(export_customers(org.id), "csv"))
    assert [row[1] for row in everything[1:]] == ["Alpha Foods", "Beta Tools", "Gamma Active"]
    header = everything[0]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in everything[1:]}
    assert by_name["Alpha Foods"]["Portal language"] == "de"
    assert by_name["Gamma Active"]["Portal status"] == "active"
    assert by_name["Gamma Active"]["Last activity"] != ""  # the invitation was accepted
    assert by_name["Beta Tools"]["Contact email"] == ""

    active = csv_rows(as_file(export_customers(org.id, CustomerFilters(portal_status="active")),
                              "csv"))
    assert [row[1] for row in active[1:]] == ["Gamma Active"]


def test_no_cell_can_run_as_a_formula(org, make_customer):
    for name in NASTY:
        make_customer(name, email=None)
    rows = csv_rows(as_file(export_customers(org.id), "csv"))
    assert sorted(row[1] for row in rows[1:]) == sorted("'" + name for name in NASTY)

    _cells, sheet = xlsx_rows(as_file(export_customers(org.id), "xlsx"))
    written = list(sheet.iter_rows(min_row=2))
    assert len(written) == len(NASTY)
    for row in written:
        assert row[1].data_type == "s"  # text, never "f" (a formula)
        assert str(row[1].value).startswith("'")


def test_an_export_imports_back_unchanged(org, admin, make_customer):
    make_customer("Alpha Foods", language="de", company_name="Alpha GmbH")
    make_customer("-Dash Co", email=None)
    data = as_file(export_customers(org.id), "xlsx")
    table = read_table("customers.xlsx", data)
    actor = Actor.staff(admin.id, organization_id=org.id)
    report = run_import(actor, "customers", table, guess_mapping("customers", table.header),
                        commit=True)
    assert report.errors == []
    assert {row.outcome for row in report.rows} == {"unchanged"}
    assert Customer.select().count() == 2


def test_invoices_export_with_viewed_status_and_balance(org, make_customer, make_invoice,
                                                        make_active_contact, scope_of):
    from core.services.documents import record_invoice_view

    viewer = make_active_contact(name="Viewer Ltd")
    seen = make_invoice(viewer.customer, "40.00")
    record_invoice_view(scope_of(viewer), seen.id)
    unseen = make_invoice(make_customer("Quiet Ltd"), "15.00")

    rows = csv_rows(as_file(export_invoices(org.id), "csv"))
    header = rows[0]
    by_number = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_number[seen.number]["Viewed"] == "yes"
    assert by_number[seen.number]["Viewed by"] == viewer.full_name
    assert by_number[seen.number]["Balance"] == "40.00"
    assert by_number[unseen.number]["Viewed"] == "no"

    not_viewed = csv_rows(as_file(export_invoices(org.id, viewed=False), "csv"))
    assert [row[1] for row in not_viewed[1:]] == [unseen.number]


def test_audit_trail_of_a_date_range_for_admins_only(org, admin, staff_member, make_customer):
    make_customer("Logged Ltd")
    old = AuditEvent.create(organization=org.id, actor_type="staff", actor_id=admin.id,
                            action="customer_updated", details="{}",
                            created_at=datetime.datetime(2020, 1, 1, 12))
    today = datetime.date.today()
    actor = Actor.staff(admin.id, organization_id=org.id)

    rows = csv_rows(as_file(export_audit_trail(actor, today - datetime.timedelta(days=1),
                                               today + datetime.timedelta(days=1)), "csv"))
    actions = [row[3] for row in rows[1:]]
    assert "customer_created" in actions
    assert "customer_updated" not in actions  # 2020's event is outside the range
    created = next(row for row in rows[1:] if row[3] == "customer_created")
    assert created[2] == "Alex Admin <admin@acme.example>"
    assert created[6] == "Logged Ltd"

    back_then = csv_rows(as_file(export_audit_trail(actor, datetime.date(2020, 1, 1),
                                                    datetime.date(2020, 1, 1)), "csv"))
    assert [row[3] for row in back_then[1:]] == [old.action]

    with pytest.raises(PermissionDeniedError):
        export_audit_trail(Actor.staff(staff_member.id, organization_id=org.id), today, today)


def test_export_query_count_stays_flat(org, make_customer):
    for n in range(3):
        make_customer(f"Small {n}")
    with count_queries() as small:
        as_file(export_customers(org.id), "csv")
    for n in range(40):
        make_customer(f"Large {n}")
    with count_queries() as large:
        as_file(export_customers(org.id), "csv")
    assert large.count == small.count


def test_an_export_holds_only_the_organizations_own_records(org, make_customer, make_invoice):
    from core.services.organizations import create_organization

    other = create_organization("Rival Ltd", default_language="en", currency="USD")
    make_invoice(make_customer("Theirs", organization=other), "10.00")
    make_invoice(make_customer("Ours"), "20.00")
    assert [row[1] for row in csv_rows(as_file(export_customers(org.id), "csv"))[1:]] == ["Ours"]
    assert [row[3] for row in csv_rows(as_file(export_invoices(org.id), "csv"))[1:]] == ["Ours"]

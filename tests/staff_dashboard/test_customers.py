"""The customers page: filters, pages, selection and bulk "Enable portal"."""

from core.models import Contact, Customer, OutboxMessage
from staff_dashboard import keys
from tests.staff_dashboard.conftest import open_console, texts

PAGE = "app_pages/customers.py"


def names_listed(app) -> list[str]:
    return list(app.dataframe[0].value["Name"])


def test_filters_narrow_the_list(admin, make_customer, make_active_contact):
    make_customer("Alpha Foods", language="de")
    make_customer("Beta Tools", email=None)
    make_active_contact(name="Gamma Active")
    app = open_console(admin, page=PAGE)
    assert names_listed(app) == ["Alpha Foods", "Beta Tools", "Gamma Active"]

    app.selectbox(key=keys.CUSTOMERS_STATUS).select("active").run()
    assert names_listed(app) == ["Gamma Active"]

    app.selectbox(key=keys.CUSTOMERS_STATUS).select("").run()
    app.selectbox(key=keys.CUSTOMERS_HAS_EMAIL).select("no").run()
    assert names_listed(app) == ["Beta Tools"]

    app.selectbox(key=keys.CUSTOMERS_HAS_EMAIL).select("any").run()
    app.selectbox(key=keys.CUSTOMERS_LANGUAGE).select("de").run()
    assert names_listed(app) == ["Alpha Foods"]

    app.selectbox(key=keys.CUSTOMERS_LANGUAGE).select("").run()
    app.text_input(key=keys.CUSTOMERS_SEARCH).input("beta").run()
    assert names_listed(app) == ["Beta Tools"]


def test_the_viewed_and_outstanding_filters(admin, make_customer, make_active_contact,
                                            make_invoice, scope_of):
    from core.services.documents import record_invoice_view

    viewer = make_active_contact(name="Viewer Ltd")
    record_invoice_view(scope_of(viewer), make_invoice(viewer.customer, "40.00").id)
    make_customer("Quiet Ltd")
    app = open_console(admin, page=PAGE)

    app.selectbox(key=keys.CUSTOMERS_VIEWED).select("no").run()
    assert names_listed(app) == ["Quiet Ltd"]
    app.selectbox(key=keys.CUSTOMERS_VIEWED).select("yes").run()
    assert names_listed(app) == ["Viewer Ltd"]
    app.selectbox(key=keys.CUSTOMERS_VIEWED).select("any").run()
    app.selectbox(key=keys.CUSTOMERS_OUTSTANDING).select("yes").run()
    assert names_listed(app) == ["Viewer Ltd"]


def test_pages_are_cut_on_the_server(admin, make_customer):
    for n in range(55):
        make_customer(f"Customer {n:02d}")
    app = open_console(admin, page=PAGE)
    assert len(names_listed(app)) == 50
    assert texts(app.caption)[0].startswith("55 customers match · 50 a page")
    assert app.number_input(key=keys.CUSTOMERS_PAGE).label == "Page (of 2)"

    app.number_input(key=keys.CUSTOMERS_PAGE).set_value(2).run()

    assert names_listed(app) == [f"Customer {n}" for n in range(50, 55)]


def test_bulk_enable_invites_the_selected_customers(admin, make_customer):
    first, _, third = make_customer("A one"), make_customer("B two"), make_customer("C three")
    app = open_console(admin, page=PAGE)

    app.session_state[app.dataframe[0].key] = {"selection": {"rows": [0, 2], "columns": []}}
    app.run()
    app.button(key="customers_enable_portal").click().run()
    assert OutboxMessage.select().count() == 0  # a preview first: nothing sent yet
    assert list(app.dataframe[0].value["Will"]) == ["invite", "invite"]
    runs = app.session_state[keys.SCRIPT_RUNS]
    app.button(key="customers_bulk_confirm").click().run()

    assert not app.exception
    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1  # sent and listed in one run
    assert list(app.dataframe[1].value["Portal"]) == ["✉️ Invited", "⚪ Not invited",
                                                      "✉️ Invited"]
    assert texts(app.toast) == ["Portal enabled: 2 invited, 0 re-invited, 0 skipped; the "
                                "emails are queued (see the report)."]
    states = {c.customer.display_name: c.portal_state for c in Contact.select()}
    assert states == {"A one": "invited", "B two": "not_invited", "C three": "invited"}
    assert {m.recipient for m in OutboxMessage.select()} == {
        Contact.get(Contact.customer == first).email, Contact.get(Contact.customer == third).email}


def test_select_all_matching_reports_every_skipped_customer_and_why(admin, make_customer,
                                                                    make_active_contact):
    make_customer("No Mail", email=None)
    make_active_contact(name="Already In")
    make_customer("New One")
    app = open_console(admin, page=PAGE)

    app.checkbox(key=keys.CUSTOMERS_SELECT_ALL).check().run()
    app.button(key="customers_enable_portal").click().run()
    preview = app.dataframe[0].value.set_index("Customer")
    assert preview.loc["No Mail", "Why not"] == "The primary contact has no email address."
    assert preview.loc["New One", "Will"] == "invite"
    app.button(key="customers_bulk_confirm").click().run()

    assert texts(app.toast) == ["Portal enabled: 1 invited, 0 re-invited, 2 skipped; the "
                                "emails are queued (see the report)."]
    report = app.dataframe[0].value.set_index("Customer")
    assert report.loc["New One", "Outcome"] == "invited"
    assert report.loc["No Mail", "Reason"] == "The primary contact has no email address."
    assert report.loc["Already In", "Reason"] == ("The primary contact already has portal "
                                                  "access.")
    assert Customer.get(Customer.display_name == "New One").portal_status == "invited"


def test_the_enable_button_waits_for_a_selection(admin, make_customer):
    make_customer()
    app = open_console(admin, page=PAGE)

    assert app.button(key="customers_enable_portal").disabled


def test_clicking_a_row_opens_the_customer(admin, make_customer):
    make_customer("Another")
    customer = make_customer("Open Me")
    app = open_console(admin, page=PAGE)

    # What a click on the row's cell sends (AppTest cannot click inside the grid).
    app.session_state[app.dataframe[0].key] = {"selection": {"rows": [], "columns": [],
                                                             "cells": [[1, "Name"]]}}
    app.run()

    assert texts(app.title) == ["Open Me"]
    assert app.query_params["customer"] == [str(customer.id)] or \
        app.query_params["customer"] == str(customer.id)


def test_filters_search_and_page_live_in_the_url(admin, make_customer, make_active_contact):
    for n in range(55):
        make_customer(f"Customer {n:02d}")
    make_active_contact(name="Zeta Active")
    app = open_console(admin, page=PAGE)

    app.text_input(key=keys.CUSTOMERS_SEARCH).input("customer").run()
    app.number_input(key=keys.CUSTOMERS_PAGE).set_value(2).run()
    assert dict(app.query_params) in ({"q": "customer", "page": "2"},
                                      {"q": ["customer"], "page": ["2"]})
    app.selectbox(key=keys.CUSTOMERS_STATUS).select("not_invited").run()
    assert "page" not in app.query_params  # a new filter starts at page 1

    # The address, opened again (a reload, or a colleague's browser), shows the same view.
    shared = open_console(admin, page=PAGE)
    shared.query_params.update({"q": "customer 5", "status": "not_invited", "page": "1"})
    shared.run()
    assert names_listed(shared) == [f"Customer {n}" for n in range(50, 55)]
    assert shared.selectbox(key=keys.CUSTOMERS_STATUS).value == "not_invited"
    assert shared.text_input(key=keys.CUSTOMERS_SEARCH).value == "customer 5"
    assert "5 customers match · 50 a page" in texts(shared.caption)[0]


def test_a_made_up_address_shows_the_plain_list(admin, make_customer):
    make_customer("Only One")
    app = open_console(admin, page=PAGE)
    app.query_params.update({"status": "hacked", "page": "-4", "language": "<script>"})
    app.run()

    assert not app.exception
    assert names_listed(app) == ["Only One"]
    assert "1 customer matches · 50 a page" in texts(app.caption)[0]


def test_the_report_tells_re_invitations_apart(admin, make_customer):
    make_customer("Fresh")
    make_customer("Pending", allow_portal_access=True)
    app = open_console(admin, page=PAGE)

    app.checkbox(key=keys.CUSTOMERS_SELECT_ALL).check().run()
    app.button(key="customers_enable_portal").click().run()
    assert dict(zip(app.dataframe[0].value["Customer"], app.dataframe[0].value["Will"],
                    strict=True)) == {"Fresh": "invite", "Pending": "re-invite"}
    app.button(key="customers_bulk_confirm").click().run()

    report = app.dataframe[0].value.set_index("Customer")
    assert report.loc["Pending", "Outcome"] == "re-invited"
    assert report.loc["Fresh", "Outcome"] == "invited"


def test_the_follow_up_list_shows_invitations_not_accepted_after_7_days(admin, make_customer):
    import datetime

    from core.models import utcnow

    old = make_customer("Old Invite", allow_portal_access=True)
    make_customer("New Invite", allow_portal_access=True)
    Contact.update(state_changed_at=utcnow() - datetime.timedelta(days=8)).where(
        Contact.customer == old.id).execute()
    app = open_console(admin, page=PAGE)

    app.selectbox(key=keys.CUSTOMERS_INVITATION).select("stale").run()

    assert names_listed(app) == ["Old Invite"]


def test_the_invitation_failed_filter_finds_bounced_invitations(admin, make_customer):
    bounced = make_customer("Bounced Ltd", allow_portal_access=True)
    make_customer("Delivered Ltd", allow_portal_access=True)
    make_customer("Never Invited")
    contact = Contact.get(Contact.customer == bounced)
    OutboxMessage.update(status="failed", last_error="550 no such user").where(
        OutboxMessage.id == contact.invitation_message_id).execute()
    app = open_console(admin, page=PAGE)

    app.selectbox(key=keys.CUSTOMERS_INVITATION).select("failed").run()

    assert names_listed(app) == ["Bounced Ltd"]

"""Invoices, quotes and sales orders: the eye indicator, viewed filters, threads and replies."""

import datetime
from decimal import Decimal

from core.audit import Actor
from core.models import Comment, OutboxMessage
from core.services.comments import add_contact_comment
from core.services.documents import record_document_view, record_invoice_view
from staff_dashboard import keys
from staff_dashboard.notifications_view import document_focus_key
from tests.staff_dashboard.conftest import open_console, texts

LINES = [{"description": "Crate", "quantity": 2, "rate": Decimal("15.00")}]


def test_invoices_show_who_viewed_them_and_filter_by_viewed(admin, make_active_contact,
                                                            make_invoice, scope_of):
    contact = make_active_contact()
    seen, unseen = make_invoice(contact.customer), make_invoice(contact.customer)
    record_invoice_view(scope_of(contact), seen.id)
    app = open_console(admin, page="app_pages/invoices.py")

    table = app.dataframe[0].value.set_index("Number")
    assert table.loc[seen.number, "👁"] == "👁"
    assert table.loc[seen.number, "Viewed by"] == contact.full_name
    assert table.loc[seen.number, "First viewed"] != ""
    assert table.loc[unseen.number, "👁"] == "—"

    app.button_group[0].set_value("not_viewed").run()
    assert list(app.dataframe[0].value["Number"]) == [unseen.number]
    app.button_group[0].set_value("viewed").run()
    assert list(app.dataframe[0].value["Number"]) == [seen.number]


def test_a_reply_adds_a_comment_and_emails_the_contact(admin, make_active_contact,
                                                      make_invoice, scope_of):
    contact = make_active_contact()
    invoice = make_invoice(contact.customer)
    add_contact_comment(scope_of(contact), "invoice", invoice.id, "Can I pay in two parts?")
    app = open_console(admin, page="app_pages/invoices.py")
    app.session_state[app.dataframe[0].key] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    assert "Can I pay in two parts?" in texts(app.text)

    body_key = app.text_area[0].key
    app.text_area[0].input("Yes, of course.")
    next(b for b in app.button if b.label == "Post reply").click().run()

    assert not app.exception
    assert texts(app.toast) == ["Reply posted; the customer's contacts are emailed."]
    reply = Comment.get(Comment.staff == admin.id)
    assert (reply.body, reply.document_id) == ("Yes, of course.", invoice.id)
    assert OutboxMessage.get(OutboxMessage.kind == "comment_reply").recipient == contact.email
    assert "Yes, of course." in texts(app.text)
    assert app.text_area[0].value == ""
    assert app.text_area[0].key != body_key  # a new box: the browser cannot send the old text


def test_an_empty_reply_shows_an_error_and_adds_nothing(admin, make_active_contact,
                                                        make_invoice):
    contact = make_active_contact()
    invoice = make_invoice(contact.customer)
    app = open_console(admin, page="app_pages/invoices.py",
                       **{document_focus_key("invoice"): invoice.id})

    next(b for b in app.button if b.label == "Post reply").click().run()

    assert texts(app.error) == ["This field is required."]
    assert Comment.select().count() == 0


def test_quotes_and_sales_orders_have_the_same_list(admin, make_active_contact, scope_of):
    from core.services.sales import create_quote, create_sales_order

    contact = make_active_contact()
    today = datetime.date.today()
    system = Actor.system(contact.organization_id)
    quote = create_quote(system, contact.customer_id, "QT-1", LINES, issue_date=today)
    order = create_sales_order(system, contact.customer_id, "SO-1", LINES, order_date=today)
    record_document_view(scope_of(contact), "quote", quote.id)

    quotes = open_console(admin, page="app_pages/quotes.py")
    assert list(quotes.dataframe[0].value["👁"]) == ["👁"]
    orders = open_console(admin, page="app_pages/sales_orders.py")
    assert list(orders.dataframe[0].value["Number"]) == [order.number]
    assert list(orders.dataframe[0].value["👁"]) == ["—"]


def test_bank_transfer_notices_are_confirmed_on_the_invoices_page(admin, make_active_contact,
                                                                 make_invoice, scope_of):
    from core.models import Invoice, Payment
    from core.services.payments import pay_invoice

    contact = make_active_contact()
    invoice = make_invoice(contact.customer, "120.00")
    payment = pay_invoice(scope_of(contact), invoice.id, "20.00", method="bank_transfer",
                          idempotency_key="k-1", reference="REF 7")
    app = open_console(admin, page="app_pages/invoices.py")

    runs = app.session_state[keys.SCRIPT_RUNS]
    app.button(key=f"invoices_confirm_{payment.id}").click().run()

    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1  # one run, the notice already gone
    assert not any(b.key == f"invoices_confirm_{payment.id}" for b in app.button)
    assert Payment.get_by_id(payment.id).status == "succeeded"
    assert Invoice.get_by_id(invoice.id).balance == Decimal("100.00")


def test_close_hides_the_document_picked_in_the_list(admin, make_active_contact, make_invoice):
    contact = make_active_contact()
    invoice = make_invoice(contact.customer)
    app = open_console(admin, page="app_pages/invoices.py")
    app.session_state[app.dataframe[0].key] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    assert f"Invoice {invoice.number} · {contact.customer.display_name}" in texts(app.subheader)

    next(b for b in app.button if b.label == "Close").click().run()

    assert texts(app.subheader) == []


def test_who_sees_this_lists_each_contact_and_why_not(admin, make_active_contact,
                                                      make_colleague, make_invoice):
    contact = make_active_contact()
    orders = make_colleague(contact.customer, "orders")
    invoice = make_invoice(contact.customer)
    app = open_console(admin, page="app_pages/invoices.py")
    app.session_state[app.dataframe[0].key] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    assert not app.exception
    assert any(e.label == "Who sees this? (1 of 2)" for e in app.expander)
    [table] = [d.value.set_index("Contact") for d in app.dataframe if "Why not" in d.value]
    assert table.loc[contact.full_name, "Sees it"] == "Yes"
    assert table.loc[orders.full_name, "Sees it"] == "No"
    assert "role does not include" in table.loc[orders.full_name, "Why not"]
    assert invoice.number in texts(app.subheader)[0]


def test_posting_a_reply_and_closing_run_the_page_once_each(admin, make_active_contact,
                                                          make_invoice):
    contact = make_active_contact()
    invoice = make_invoice(contact.customer)
    app = open_console(admin, page="app_pages/invoices.py",
                       **{document_focus_key("invoice"): invoice.id})
    app.text_area[0].input("Thanks, received.")

    runs = app.session_state[keys.SCRIPT_RUNS]
    next(b for b in app.button if b.label == "Post reply").click().run()
    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1
    assert "Thanks, received." in texts(app.text)  # the one run already shows the reply

    next(b for b in app.button if b.label == "Close").click().run()
    assert app.session_state[keys.SCRIPT_RUNS] == runs + 2
    assert texts(app.subheader) == []


def test_filters_page_and_open_invoice_live_in_the_url(admin, make_active_contact,
                                                       make_invoice, scope_of):
    contact = make_active_contact()
    seen, unseen = make_invoice(contact.customer), make_invoice(contact.customer)
    record_invoice_view(scope_of(contact), seen.id)
    app = open_console(admin, page="app_pages/invoices.py")

    app.button_group[0].set_value("viewed").run()
    app.text_input[0].input(seen.number).run()
    assert app.query_params["viewed"] == "viewed"
    assert app.query_params["q"] == seen.number
    app.session_state[app.dataframe[0].key] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    assert app.query_params[keys.QUERY_DOCUMENT] == str(seen.id)

    # The same address in a new session shows the same view, the invoice open.
    shared = open_console(admin, page="app_pages/invoices.py")
    for name, value in app.query_params.items():
        shared.query_params[name] = value
    shared.run()
    [listed] = [d.value for d in shared.dataframe if "Number" in d.value]
    assert list(listed["Number"]) == [seen.number]
    assert shared.button_group[0].value == "viewed"
    assert shared.text_input[0].value == seen.number
    assert f"Invoice {seen.number} · {contact.customer.display_name}" in texts(shared.subheader)
    assert unseen.number not in " ".join(texts(shared.subheader))


def test_a_bad_or_foreign_document_in_the_url_shows_nothing_of_it(admin, make_active_contact,
                                                                   make_customer, make_invoice):
    from core.services.organizations import create_organization

    contact = make_active_contact()
    make_invoice(contact.customer)
    elsewhere = make_customer(organization=create_organization("Other Co"))
    other_org_invoice = make_invoice(elsewhere)
    app = open_console(admin, page="app_pages/invoices.py")
    app.query_params.update({"open": str(other_org_invoice.id), "status": "bogus",
                             "page": "x"})
    app.run()

    assert not app.exception
    assert texts(app.error) == ["This document does not exist."]
    assert other_org_invoice.number not in " ".join(texts(app.subheader))
    assert app.selectbox[0].value == ""  # an unknown status falls back to "Any"
    assert len(app.dataframe[0].value) == 1  # the list, from page 1

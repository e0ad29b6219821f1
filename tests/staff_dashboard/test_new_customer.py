"""The new-customer form: contacts, one primary, portal access, errors beside the field."""

from core.models import Contact, Customer, OutboxMessage
from tests.staff_dashboard.conftest import open_console, texts

PAGE = "app_pages/new_customer.py"


def fill(app, **values):
    for key, value in values.items():
        app.text_input(key=f"new_customer_{key}").input(value)


def test_a_customer_with_portal_access_invites_its_primary_contact(admin):
    app = open_console(admin, page=PAGE)
    fill(app, display_name="Delta Traders", company_name="Delta Traders Ltd",
         contact_0_first_name="Dana", contact_0_email="dana@delta.example",
         contact_1_first_name="Eli", contact_1_email="eli@delta.example")
    app.radio(key="new_customer_primary").set_value(1)
    app.selectbox(key="new_customer_portal_language").select("fr")
    app.checkbox(key="new_customer_allow_portal_access").check()
    app.button[0].click().run()  # the form's submit button comes first

    assert not app.exception
    assert texts(app.toast) == ["Delta Traders is created; the primary contact's invitation "
                                "email is queued."]
    customer = Customer.get(Customer.display_name == "Delta Traders")
    assert texts(app.title) == ["Delta Traders"]  # its overview opened
    assert customer.portal_language == "fr"
    contacts = {c.first_name: c for c in Contact.select().where(Contact.customer == customer)}
    assert contacts["Eli"].is_primary and contacts["Eli"].portal_state == "invited"
    assert not contacts["Dana"].is_primary and contacts["Dana"].portal_state == "not_invited"
    assert [m.recipient for m in OutboxMessage.select()] == ["eli@delta.example"]


def test_a_missing_name_is_shown_beside_the_field_and_nothing_is_created(admin):
    app = open_console(admin, page=PAGE)
    fill(app, contact_0_first_name="Dana")
    app.button[0].click().run()

    assert "This field is required." in texts(app.error)
    assert Customer.select().count() == 0
    assert app.text_input(key="new_customer_contact_0_first_name").value == "Dana"


def test_a_bad_contact_email_names_its_row(admin):
    app = open_console(admin, page=PAGE)
    fill(app, display_name="Echo", contact_0_first_name="Ann",
         contact_2_first_name="Cy", contact_2_email="not-an-email")
    app.button[0].click().run()

    assert "Enter a valid email address." in texts(app.error)
    assert Customer.select().count() == 0


def test_portal_access_without_an_email_is_refused(admin):
    app = open_console(admin, page=PAGE)
    fill(app, display_name="Foxtrot", contact_0_first_name="Fay")
    app.checkbox(key="new_customer_allow_portal_access").check()
    app.button[0].click().run()

    assert "Portal access needs a primary contact with an email." in texts(app.error)
    assert Customer.select().count() == 0


def test_each_contact_gets_the_role_chosen_beside_it(admin):
    app = open_console(admin, page=PAGE)
    fill(app, display_name="Role Traders",
         contact_0_first_name="Bea", contact_0_email="bea@roles.example",
         contact_1_first_name="Ole", contact_1_email="ole@roles.example")
    app.selectbox(key="new_customer_contact_0_role").set_value("billing")
    app.selectbox(key="new_customer_contact_1_role").set_value("orders")
    app.button[0].click().run()

    assert not app.exception
    roles = {c.first_name: c.role for c in Contact.select()}
    assert roles == {"Bea": "billing", "Ole": "orders"}

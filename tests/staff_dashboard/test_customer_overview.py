"""A customer's overview: contacts and portal access, language, edits, activity."""

from core.audit import Actor
from core.models import AccessToken, Contact, Customer, OutboxMessage, utcnow
from core.services.customers import add_contact
from staff_dashboard import keys
from tests.staff_dashboard.conftest import open_console, texts

PAGE = "app_pages/customer_overview.py"


def overview(staff, customer):
    return open_console(staff, page=PAGE, **{keys.OVERVIEW_CUSTOMER_ID: customer.id})


def test_it_shows_contacts_with_their_state_and_activity(admin, make_active_contact,
                                                         make_invoice, scope_of):
    from core.services.documents import record_invoice_view

    contact = make_active_contact(name="Hotel Supplies")
    invoice = make_invoice(contact.customer)
    record_invoice_view(scope_of(contact), invoice.id)
    app = overview(admin, contact.customer)

    assert texts(app.title) == ["Hotel Supplies"]
    assert any(contact.email in text for text in texts(app.markdown))
    assert any("Active" in text for text in texts(app.markdown))
    activity = app.dataframe[-1].value
    assert f"Viewed invoice {invoice.number}" in list(activity["What"])
    assert "Accepted the invitation" in list(activity["What"])


def test_unticking_a_contact_disables_it(admin, make_active_contact):
    contact = make_active_contact()
    other = add_contact(Actor.staff(admin.id), contact.customer_id, first_name="Second",
                        email="second@x.example")
    app = overview(admin, contact.customer)

    app.checkbox(key=f"overview_access_{contact.id}_active").uncheck()
    app.checkbox(key=f"overview_access_{other.id}_not_invited").check()
    next(b for b in app.button if b.label == "Save portal access").click().run()

    # Cutting access signs someone out: nothing changes before the staff member confirms.
    assert texts(app.warning) == [f"Disable portal access of {contact.full_name}? They are "
                                  "signed out at once."]
    assert Contact.get_by_id(contact.id).portal_state == "active"
    app.button(key="overview_access_confirm").click().run()

    assert not app.exception
    assert texts(app.toast) == ["Portal access saved: 2 changes."]
    assert Contact.get_by_id(contact.id).portal_state == "disabled"
    assert Contact.get_by_id(other.id).portal_state == "invited"
    assert OutboxMessage.select().where(OutboxMessage.recipient == other.email).count() == 1
    assert not app.checkbox(key=f"overview_access_{contact.id}_disabled").value


def test_a_contact_disabled_by_its_button_is_unticked(admin, make_active_contact):
    contact = make_active_contact()
    app = overview(admin, contact.customer)
    assert app.checkbox(key=f"overview_access_{contact.id}_active").value

    app.button(key=f"overview_disable_{contact.id}").click().run()
    app.button(key=f"overview_disable_yes_{contact.id}").click().run()

    assert not app.checkbox(key=f"overview_access_{contact.id}_disabled").value


def test_re_invite_issues_a_fresh_invitation(admin, make_customer):
    customer = make_customer(allow_portal_access=True)
    contact = Contact.get(Contact.customer == customer)
    app = overview(admin, customer)

    app.button(key=f"overview_invite_{contact.id}").click().run()

    assert texts(app.toast) == [f"Invitation to {contact.email} queued; its delivery shows here."]
    tokens = list(AccessToken.select().where(AccessToken.contact == contact)
                  .order_by(AccessToken.id))
    assert len(tokens) == 2 and tokens[0].revoked_at is not None
    assert tokens[1].revoked_at is None


def test_disable_access_button(admin, make_active_contact):
    contact = make_active_contact()
    app = overview(admin, contact.customer)

    app.button(key=f"overview_disable_{contact.id}").click().run()
    assert Contact.get_by_id(contact.id).portal_state == "active"  # asked first
    assert "signed out at once" in texts(app.warning)[0]
    app.button(key=f"overview_disable_no_{contact.id}").click().run()
    assert Contact.get_by_id(contact.id).portal_state == "active"
    assert not app.warning

    app.button(key=f"overview_disable_{contact.id}").click().run()
    app.button(key=f"overview_disable_yes_{contact.id}").click().run()

    assert Contact.get_by_id(contact.id).portal_state == "disabled"
    assert Customer.get_by_id(contact.customer_id).portal_status == "disabled"


def test_portal_language_is_saved(admin, make_customer):
    customer = make_customer()
    app = overview(admin, customer)

    app.selectbox(key=f"overview_language_{customer.id}").select("ja")
    runs = app.session_state[keys.SCRIPT_RUNS]
    next(b for b in app.button if b.label == "Save language").click().run()

    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1
    assert Customer.get_by_id(customer.id).portal_language == "ja"
    assert texts(app.toast) == ["Portal language set to 日本語 (ja)."]
    assert [m.value for m in app.metric if m.label == "Portal language"] == ["日本語"]


def test_edit_details_and_a_bad_value_changes_nothing(admin, make_customer):
    customer = make_customer("India Imports")
    app = overview(admin, customer)
    save = "Save details"

    app.text_input(key=f"overview_edit_{customer.id}_display_name").input("")
    next(b for b in app.button if b.label == save).click().run()
    assert "This field is required." in texts(app.error)
    assert Customer.get_by_id(customer.id).display_name == "India Imports"

    app.text_input(key=f"overview_edit_{customer.id}_display_name").input("India Imports Co")
    app.text_input(key=f"overview_edit_{customer.id}_billing_city").input("Lyon")
    runs = app.session_state[keys.SCRIPT_RUNS]
    next(b for b in app.button if b.label == save).click().run()
    saved = Customer.get_by_id(customer.id)
    assert (saved.display_name, saved.billing_city) == ("India Imports Co", "Lyon")
    # One run, and it already shows the new name.
    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1
    assert texts(app.title) == ["India Imports Co"]


def element_after(app, key: str):
    """The element drawn right after the widget with `key`, in the same block."""
    def walk(block):
        children = list(getattr(block, "children", {}).values())
        for index, child in enumerate(children):
            if getattr(child, "key", None) == key:
                return children[index + 1]
            found = walk(child)
            if found is not None:
                return found
        return None
    return walk(app.main)


def test_add_a_contact(admin, make_customer):
    customer = make_customer()
    app = overview(admin, customer)
    prefix = f"overview_add_contact_{customer.id}_0"

    app.text_input(key=f"{prefix}_first_name").input("Juno")
    app.text_input(key=f"{prefix}_email").input("juno@x.example")
    runs = app.session_state[keys.SCRIPT_RUNS]
    next(b for b in app.button if b.label == "Add contact").click().run()

    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1  # saved in the click's own run
    assert texts(app.toast) == ["Juno added."]
    assert Contact.get(Contact.email == "juno@x.example").customer_id == customer.id
    # The form is empty for the next contact (a new key: no text sent back twice).
    assert app.text_input(key=f"overview_add_contact_{customer.id}_1_first_name").value == ""


def test_a_refused_contact_keeps_what_was_typed_and_says_why_beside_the_field(admin,
                                                                             make_customer):
    customer = make_customer()
    app = overview(admin, customer)
    prefix = f"overview_add_contact_{customer.id}_0"

    app.text_input(key=f"{prefix}_first_name").input("Juno")
    app.text_input(key=f"{prefix}_email").input("not an address")
    next(b for b in app.button if b.label == "Add contact").click().run()

    assert texts(app.error) == ["Enter a valid email address."]
    # Beside the field: the error is the element right after the email input in its form.
    assert element_after(app, f"{prefix}_email").value == "Enter a valid email address."
    assert app.text_input(key=f"{prefix}_email").value == "not an address"
    assert not Contact.select().where(Contact.first_name == "Juno").exists()


def test_another_organizations_customer_is_not_shown(admin, make_customer):
    from core.services.organizations import create_organization

    elsewhere = create_organization("Other Co")
    stranger = make_customer("Stranger", organization=elsewhere)
    app = overview(admin, stranger)

    assert texts(app.error) == ["This customer does not exist."]
    assert "Stranger" not in texts(app.title)


def _deliver(contact, status: str, error: str = "") -> None:
    """The mail worker's verdict on the contact's latest invitation email."""
    contact = Contact.get_by_id(contact.id)
    OutboxMessage.update(status=status, last_error=error,
                         sent_at=utcnow() if status == "sent" else None).where(
        OutboxMessage.id == contact.invitation_message_id).execute()


def test_each_invited_contact_shows_what_became_of_its_invitation_email(admin, make_customer):
    customer = make_customer(allow_portal_access=True)
    contact = Contact.get(Contact.customer == customer)

    assert "✉️ invitation email queued" in texts(overview(admin, customer).caption)
    _deliver(contact, "sent")
    assert any(t.startswith("📬 invitation email sent 20") for t in
               texts(overview(admin, customer).caption))
    _deliver(contact, "failed", "550 5.1.1 mailbox unavailable")
    app = overview(admin, customer)
    assert "❗ invitation email failed: 550 5.1.1 mailbox unavailable" in texts(app.caption)


def test_fix_email_and_re_invite_after_a_bounce(admin, make_customer):
    customer = make_customer(allow_portal_access=True)
    contact = Contact.get(Contact.customer == customer)
    app = overview(admin, customer)
    assert not [b for b in app.button if b.label == "Fix email and re-invite"]  # not bounced

    _deliver(contact, "failed", "550 no such user")
    app = overview(admin, customer)
    app.text_input(key=f"overview_fix_email_input_{contact.id}").input("fixed@right.example")
    next(b for b in app.button if b.label == "Fix email and re-invite").click().run()

    assert not app.exception
    assert texts(app.toast) == ["Email corrected; a new invitation to fixed@right.example is "
                                "queued."]
    contact = Contact.get_by_id(contact.id)
    assert contact.email == "fixed@right.example" and contact.portal_state == "invited"
    latest = OutboxMessage.get_by_id(contact.invitation_message_id)
    assert latest.recipient == "fixed@right.example" and latest.status == "queued"
    assert "✉️ invitation email queued" in texts(app.caption)
    assert Customer.get_by_id(customer.id).email == "fixed@right.example"


def test_fix_email_refuses_an_address_another_contact_uses(admin, make_customer):
    customer = make_customer(allow_portal_access=True)
    # Another contact of the same customer (the same person may be a contact of other customers).
    taken = add_contact(Actor.staff(admin), customer.id, first_name="Colleague",
                        email="colleague@firm.example")
    contact = Contact.get(Contact.customer == customer, Contact.is_primary == True)  # noqa: E712
    _deliver(contact, "failed", "550 no such user")
    app = overview(admin, customer)

    app.text_input(key=f"overview_fix_email_input_{contact.id}").input(taken.email)
    next(b for b in app.button if b.label == "Fix email and re-invite").click().run()

    assert texts(app.error) == ["Another contact already uses this email."]
    assert Contact.get_by_id(contact.id).email == customer.email


def test_configure_portal_sets_roles_and_approves_a_requested_colleague(
        admin, make_active_contact):
    from core.queries.scoping import ContactScope
    from core.services import colleagues

    contact = make_active_contact()
    Contact.update(role="admin").where(Contact.id == contact.id).execute()
    asked = colleagues.invite_colleague(ContactScope.for_contact(contact.id), first_name="Quinn",
                                        email="quinn@firm.example", role="orders")
    app = overview(admin, contact.customer)
    assert any("Quinn" in text for text in texts(app.info))

    app.selectbox(key=f"overview_role_{contact.id}_admin").set_value("billing")
    app.checkbox(key=f"overview_access_{asked.id}_not_invited").check()
    next(b for b in app.button if b.label == "Save portal access").click().run()

    assert not app.exception
    assert texts(app.toast) == ["Portal access saved: 2 changes."]
    assert Contact.get_by_id(contact.id).role == "billing"
    approved = Contact.get_by_id(asked.id)
    assert (approved.portal_state, approved.role, approved.requested_by_id) == (
        "invited", "orders", None)


def test_saving_portal_access_runs_the_page_once(admin, make_active_contact):
    contact = make_active_contact()
    other = add_contact(Actor.staff(admin.id), contact.customer_id, first_name="Third",
                        email="third@x.example")
    app = overview(admin, contact.customer)
    app.checkbox(key=f"overview_access_{other.id}_not_invited").check()

    runs = app.session_state[keys.SCRIPT_RUNS]
    next(b for b in app.button if b.label == "Save portal access").click().run()

    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1
    assert texts(app.toast) == ["Portal access saved: 1 change."]
    assert Contact.get_by_id(other.id).portal_state == "invited"
    assert app.checkbox(key=f"overview_access_{other.id}_invited").value  # drawn fresh


def test_disabling_a_contact_asks_then_runs_the_page_once_a_click(admin, make_active_contact):
    contact = make_active_contact()
    app = overview(admin, contact.customer)
    runs = app.session_state[keys.SCRIPT_RUNS]

    app.button(key=f"overview_disable_{contact.id}").click().run()
    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1
    assert len(app.warning) == 1
    app.button(key=f"overview_disable_yes_{contact.id}").click().run()

    assert app.session_state[keys.SCRIPT_RUNS] == runs + 2
    assert Contact.get_by_id(contact.id).portal_state == "disabled"
    assert texts(app.toast) == [f"Portal access of {contact.full_name} disabled; signed out."]
    assert len(app.warning) == 0  # the question ended with the answer


def test_picking_a_customer_opens_it_in_one_run(admin, make_customer):
    customer = make_customer("Juniper Joinery")
    app = open_console(admin, page="app_pages/customer_overview.py")
    runs = app.session_state[keys.SCRIPT_RUNS]

    app.button(key=f"overview_pick_{customer.id}").click().run()

    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1
    assert texts(app.title) == ["Juniper Joinery"]
    assert app.query_params[keys.QUERY_CUSTOMER] == str(customer.id)

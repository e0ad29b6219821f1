"""Notifications: unread count, mark one or all read, open the record."""

from core.models import Notification
from core.services.comments import add_contact_comment
from core.services.documents import record_invoice_view
from staff_dashboard import keys
from tests.staff_dashboard.conftest import open_console, texts

PAGE = "app_pages/notifications.py"


def unread(staff) -> int:
    return Notification.select().where(Notification.staff == staff.id,
                                       ~Notification.is_read).count()


def test_mark_one_then_all_read(admin, make_active_contact, make_invoice, scope_of):
    contact = make_active_contact()  # "accepted the invitation"
    record_invoice_view(scope_of(contact), make_invoice(contact.customer).id)
    app = open_console(admin, page=PAGE)
    assert "**2 unread**" in texts(app.markdown)
    newest = Notification.select().order_by(Notification.id.desc()).first()

    runs = app.session_state[keys.SCRIPT_RUNS]
    app.button(key=f"notifications_read_{newest.id}").click().run()
    assert unread(admin) == 1
    assert "**1 unread**" in texts(app.markdown)
    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1  # the click's own run shows it

    app.button(key="notifications_mark_all").click().run()
    assert unread(admin) == 0
    assert texts(app.toast) == ["1 notification marked read."]


def test_notifications_are_per_staff_member(admin, staff_member, make_active_contact):
    make_active_contact()
    app = open_console(admin, page=PAGE)

    app.button(key="notifications_mark_all").click().run()

    assert unread(admin) == 0 and unread(staff_member) == 1


def test_open_goes_to_the_document_and_marks_it_read(admin, make_active_contact, make_invoice,
                                                    scope_of):
    contact = make_active_contact()
    invoice = make_invoice(contact.customer)
    add_contact_comment(scope_of(contact), "invoice", invoice.id, "Where is my discount?")
    comment = Notification.get(Notification.kind == "comment", Notification.staff == admin.id)
    app = open_console(admin, page=PAGE)

    app.button(key=f"notifications_open_{comment.id}").click().run()

    assert not app.exception
    assert texts(app.title) == ["Invoices"]
    assert f"Invoice {invoice.number} · {contact.customer.display_name}" in texts(app.subheader)
    assert "Where is my discount?" in texts(app.text)
    assert Notification.get_by_id(comment.id).is_read


def test_open_a_customer_notification_goes_to_its_overview(admin, make_active_contact):
    contact = make_active_contact(name="Kilo Corp")
    accepted = Notification.get(Notification.staff == admin.id)
    app = open_console(admin, page=PAGE)

    app.button(key=f"notifications_open_{accepted.id}").click().run()

    assert texts(app.title) == ["Kilo Corp"]
    assert app.query_params[keys.QUERY_CUSTOMER] == str(contact.customer_id)


def test_home_lists_unread_notifications(admin, make_active_contact):
    make_active_contact(name="Lima Ltd")
    app = open_console(admin)

    assert any("Lima Ltd" in text and "accepted the portal invitation" in text
               for text in texts(app.markdown))


def test_a_staff_member_picks_their_own_email_events(staff_member):
    from core.models import StaffUser

    app = open_console(staff_member, page="app_pages/notifications.py")
    choice = app.selectbox(key="notifications_email_payment")
    assert choice.value == "default"
    assert choice.format_func(choice.value) == "Organization default (on)"

    choice.select("off")
    next(b for b in app.button if b.label == "Save my email choices").click().run()

    assert texts(app.toast) == ["Your email choices are saved."]
    assert StaffUser.get_by_id(staff_member.id).own_email_choices() == {"payment": False}
    assert app.selectbox(key="notifications_email_payment").value == "off"

"""API & webhooks (admins): create a key shown once, revoke it; staff cannot open the page."""

from core.models import ApiKey, AuditEvent
from core.services.api_keys import authenticate_api_key, hash_api_key
from tests.staff_dashboard.conftest import open_console, texts

PAGE = "app_pages/api_webhooks.py"


def click(app, label):
    next(b for b in app.button if b.label == label).click().run()


def test_an_admin_creates_a_key_shown_once_and_stored_as_a_hash(admin):
    app = open_console(admin, page=PAGE)
    app.text_input(key="api_key_name").input("ERP sync")
    app.radio(key="api_key_scope").set_value("write")
    click(app, "Create key")

    raw = app.code[0].value
    key = ApiKey.get()
    assert (key.name, key.scope, key.key_hash) == ("ERP sync", "write", hash_api_key(raw))
    assert authenticate_api_key(raw).id == key.id
    assert AuditEvent.get(AuditEvent.action == "api_key_created").actor_id == admin.id
    app.run()
    assert not app.code  # shown once only
    assert any(key.prefix in t for t in texts(app.markdown))


def test_a_key_without_a_name_is_refused(admin):
    app = open_console(admin, page=PAGE)
    click(app, "Create key")
    assert texts(app.error) == ["This field is required."]
    assert ApiKey.select().count() == 0


def test_an_admin_revokes_a_key(admin):
    from core.audit import Actor
    from core.services.api_keys import create_api_key

    key, _raw = create_api_key(Actor.staff(admin.id), "Old sync", "read")
    app = open_console(admin, page=PAGE)
    click(app, "Revoke")
    assert ApiKey.get_by_id(key.id).revoked_at is not None
    assert any("revoked" in t for t in texts(app.toast))


def test_staff_who_are_not_admins_do_not_get_the_page(staff_member):
    app = open_console(staff_member)
    # Not in the sidebar (navigation hides it); opened by its address, it says why.
    app.switch_page(PAGE).run()

    assert [e.value for e in app.error] == ["Only an administrator can open this page."]
    assert not app.text_input and not app.button

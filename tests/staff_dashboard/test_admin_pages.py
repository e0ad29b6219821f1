"""Portal preferences and staff accounts (admins only)."""

from core.models import AuditEvent, Organization, PortalPreferences, SlugHistory, StaffUser
from core.security import verify_password
from staff_dashboard import keys
from tests.conftest import PASSWORD
from tests.staff_dashboard.conftest import open_console, texts

PREFERENCES = "app_pages/preferences.py"
STAFF = "app_pages/staff.py"


def click(app, label):
    next(b for b in app.button if b.label == label).click().run()


def test_preferences_are_saved(admin, org):
    app = open_console(admin, page=PREFERENCES)

    app.checkbox(key="preferences_allow_signup").check()
    app.checkbox(key="preferences_show_shipments").uncheck()
    app.checkbox(key="preferences_email_on_invoice_viewed").check()
    app.text_area(key="preferences_banner_text").input("Closed on Friday.")
    app.text_area(key="preferences_bank_transfer").input("IBAN DE00 1234")
    click(app, "Save preferences")

    assert texts(app.toast) == ["Portal preferences saved."]
    prefs = PortalPreferences.get(PortalPreferences.organization == org.id)
    assert prefs.allow_signup and not prefs.show_shipments and prefs.email_on_invoice_viewed
    assert (prefs.banner_text, prefs.bank_transfer_instructions) == ("Closed on Friday.",
                                                                    "IBAN DE00 1234")
    assert AuditEvent.get(AuditEvent.action == "preferences_changed").actor_id == admin.id


def test_the_banner_and_bank_instructions_are_written_per_language(admin, org):
    from core.portal_texts import portal_text

    app = open_console(admin, page=PREFERENCES)
    app.text_area(key="preferences_banner_text").input("Closed on Friday.")
    app.text_area(key="preferences_banner_de").input("Freitag geschlossen.")
    app.text_area(key="preferences_bank_transfer_ja").input("銀行振込：みずほ銀行")
    click(app, "Save preferences")

    prefs = PortalPreferences.get(PortalPreferences.organization == org.id)
    assert portal_text(prefs, "banner", "de") == "Freitag geschlossen."
    assert portal_text(prefs, "banner", "fr") == "Closed on Friday."
    assert portal_text(prefs, "bank_transfer", "ja") == "銀行振込：みずほ銀行"
    assert not any(t.key == "preferences_banner_en" for t in app.text_area)


def test_the_slug_changes_and_the_old_one_is_kept_for_redirects(admin, org):
    app = open_console(admin, page=PREFERENCES)
    assert any("https://portal.example.test/acme-trading/" in t for t in texts(app.markdown))

    app.text_input(key="preferences_slug_value").input("acme")
    click(app, "Change address")

    assert Organization.get_by_id(org.id).slug == "acme"
    assert [h.slug for h in SlugHistory.select()] == ["acme-trading"]
    assert texts(app.toast) == ["The portal is now at https://portal.example.test/acme/ — "
                                  "old links redirect there."]
    assert any("https://portal.example.test/acme/" in t for t in texts(app.markdown))


def test_a_bad_slug_shows_an_error_and_changes_nothing(admin, org):
    app = open_console(admin, page=PREFERENCES)

    app.text_input(key="preferences_slug_value").input("No Spaces!")
    click(app, "Change address")

    assert "Use 3 to 60 lower-case letters" in texts(app.error)[0]
    assert Organization.get_by_id(org.id).slug == "acme-trading"
    assert SlugHistory.select().count() == 0


def test_organization_name_and_accent_colour(admin, org):
    app = open_console(admin, page=PREFERENCES)

    app.text_input(key="preferences_org_name").input("Acme Trading Europe")
    app.color_picker(key="preferences_org_accent").pick("#aa3300")
    click(app, "Save organization")

    saved = Organization.get_by_id(org.id)
    assert (saved.name, saved.accent_color) == ("Acme Trading Europe", "#aa3300")


def test_an_admin_adds_a_staff_member_who_can_sign_in(admin):
    from core.services.staff import authenticate_staff

    app = open_console(admin, page=STAFF)
    app.text_input(key="staff_add_email").input("new@acme.example")
    app.text_input(key="staff_add_name").input("Nia New")
    app.text_input(key="staff_add_password").input(PASSWORD)
    runs = app.session_state[keys.SCRIPT_RUNS]
    click(app, "Add staff member")

    assert texts(app.toast) == ["Nia New can now sign in as new@acme.example."]
    assert authenticate_staff("new@acme.example", PASSWORD).role == "staff"
    # One run shows the new member in the list, and an empty form for the next one.
    assert app.session_state[keys.SCRIPT_RUNS] == runs + 1
    assert any("Nia New" in text for text in texts(app.markdown))
    assert app.text_input(key="staff_add_email").value == ""


def test_a_short_password_is_refused(admin):
    app = open_console(admin, page=STAFF)
    app.text_input(key="staff_add_email").input("new@acme.example")
    app.text_input(key="staff_add_name").input("Nia New")
    app.text_input(key="staff_add_password").input("short")
    click(app, "Add staff member")

    assert "Use at least" in texts(app.error)[0]
    assert not StaffUser.select().where(StaffUser.email == "new@acme.example").exists()
    assert app.text_input(key="staff_add_name").value == "Nia New"  # nothing typed is lost


def test_deactivate_and_reactivate(admin, staff_member):
    app = open_console(admin, page=STAFF)

    app.button(key=f"staff_deactivate_{staff_member.id}").click().run()
    assert not StaffUser.get_by_id(staff_member.id).is_active

    app.button(key=f"staff_reactivate_{staff_member.id}").click().run()
    assert StaffUser.get_by_id(staff_member.id).is_active


def test_reset_a_password(admin, staff_member):
    app = open_console(admin, page=STAFF)

    app.selectbox(key=keys.STAFF_RESET_WHO).select(staff_member.id)
    app.text_input(key="staff_reset_password").input("a brand new password")
    click(app, "Set password")

    assert texts(app.toast) == ["Password of Sam Staff reset."]
    assert verify_password(StaffUser.get_by_id(staff_member.id).password_hash,
                           "a brand new password")

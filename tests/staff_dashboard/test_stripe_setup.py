"""Connecting Stripe on the console's preferences page: keys saved sealed, secrets never shown
again, the webhook address to give Stripe, disconnecting."""

from core.models import AuditEvent, StripeAccount
from core.queries.gateway import get_payment_mode
from tests.staff_dashboard.conftest import open_console, texts
from tests.stripe_server import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET

PREFERENCES = "app_pages/preferences.py"


def click(app, label):
    next(b for b in app.button if b.label == label).click().run()


def everything_shown(app) -> str:
    return " ".join([*texts(app.markdown), *texts(app.success), *texts(app.info),
                     *texts(app.code), *[str(i.value) for i in app.text_input]])


def test_an_admin_connects_stripe_and_the_secrets_are_never_shown_again(admin, org):
    app = open_console(admin, page=PREFERENCES)
    assert any("sandbox" in t for t in texts(app.info))

    app.text_input(key="preferences_stripe_publishable").input(PUBLISHABLE_KEY)
    app.text_input(key="preferences_stripe_secret").input(SECRET_KEY)
    app.text_input(key="preferences_stripe_webhook_secret").input(WEBHOOK_SECRET)
    click(app, "Save Stripe keys")

    assert "Stripe keys saved. Contacts now pay through Stripe." in texts(app.toast)
    assert get_payment_mode(org.id) == "stripe_test"
    account = StripeAccount.get(StripeAccount.organization == org.id)
    assert any(f"https://portal.example.test/stripe/webhooks/{account.webhook_id}" in t
               for t in texts(app.code))
    assert any("test" in t and "sk_test_…4242" in t for t in texts(app.success))
    again = open_console(admin, page=PREFERENCES)
    shown = everything_shown(again)
    assert SECRET_KEY not in shown and WEBHOOK_SECRET not in shown
    assert AuditEvent.get(AuditEvent.action == "stripe_connected").actor_id == admin.id


def test_a_wrong_key_is_explained_beside_its_field_and_nothing_is_saved(admin, org):
    app = open_console(admin, page=PREFERENCES)
    app.text_input(key="preferences_stripe_publishable").input(PUBLISHABLE_KEY)
    app.text_input(key="preferences_stripe_secret").input("sk_live_" + "z" * 24)
    app.text_input(key="preferences_stripe_webhook_secret").input(WEBHOOK_SECRET)
    click(app, "Save Stripe keys")
    assert any("both be test keys or both live keys" in t for t in texts(app.error))
    assert StripeAccount.select().count() == 0


def test_disconnecting_goes_back_to_the_sandbox(admin, org, stripe_org):
    app = open_console(admin, page=PREFERENCES)
    click(app, "Disconnect Stripe")
    assert get_payment_mode(org.id) == "sandbox"
    assert StripeAccount.select().count() == 0

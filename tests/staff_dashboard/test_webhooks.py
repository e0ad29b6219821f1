"""The Webhooks section (admins): add an endpoint and see its secret once, disable, rotate,
delete, and redeliver from the recent deliveries."""

from core.audit import Actor
from core.events import record_event
from core.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from core.services.webhooks import register_webhook_endpoint
from core.webhooks import endpoint_secret
from staff_dashboard import keys
from tests.staff_dashboard.conftest import open_console, texts

PAGE = "app_pages/api_webhooks.py"
URL = "https://erp.example.com/doorstep/webhooks"


def _add_endpoint_button(app):
    return next(button for button in app.button if button.label == "Add endpoint")


def test_adding_an_endpoint_shows_its_secret_once(admin):
    app = open_console(admin, page=PAGE)
    app.text_input(key=keys.WEBHOOKS_URL).input(URL)
    app.multiselect(key=keys.WEBHOOKS_TYPES).select("payment.made").select("quote.accepted")
    _add_endpoint_button(app).click()
    app.run()

    endpoint = WebhookEndpoint.get()
    assert (endpoint.url, endpoint.event_types) == (URL, "payment.made,quote.accepted")
    secret = endpoint_secret(endpoint.secret_nonce)
    assert texts(app.code) == [secret]
    assert texts(app.toast) == [f"Endpoint {URL} saved."]
    assert AuditEvent.get(AuditEvent.action == "webhook_registered").actor_id == admin.id

    app.run()  # any later run: the secret is gone for good
    assert secret not in texts(app.code)
    assert any("whsec_" in text and secret not in text for text in texts(app.caption))


def test_a_url_that_is_not_http_is_refused_beside_the_form(admin):
    app = open_console(admin, page=PAGE)
    app.text_input(key=keys.WEBHOOKS_URL).input("file:///etc/passwd")
    _add_endpoint_button(app).click()
    app.run()

    assert texts(app.error) == ["Enter a URL that starts with http or https."]
    assert WebhookEndpoint.select().count() == 0 and not app.code


def test_a_private_address_is_refused_with_a_clear_message(admin, monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "0")
    app = open_console(admin, page=PAGE)
    app.text_input(key=keys.WEBHOOKS_URL).input("https://169.254.169.254/latest/meta-data")
    _add_endpoint_button(app).click()
    app.run()

    assert texts(app.error) == [
        "169.254.169.254 is a private, loopback or reserved address (169.254.169.254): "
        "webhooks are sent to public addresses only."]
    assert WebhookEndpoint.select().count() == 0 and not app.code


def test_disable_enable_rotate_and_delete(admin):
    endpoint, first_secret = register_webhook_endpoint(Actor.staff(admin.id), URL)
    app = open_console(admin, page=PAGE)

    app.button(key=f"webhooks_disable_{endpoint.id}").click().run()
    assert not WebhookEndpoint.get_by_id(endpoint.id).is_active
    app.button(key=f"webhooks_enable_{endpoint.id}").click().run()
    assert WebhookEndpoint.get_by_id(endpoint.id).is_active

    app.button(key=f"webhooks_rotate_{endpoint.id}").click().run()
    new_secret = endpoint_secret(WebhookEndpoint.get_by_id(endpoint.id).secret_nonce)
    assert new_secret != first_secret and texts(app.code) == [new_secret]

    app.button(key=f"webhooks_delete_{endpoint.id}").click().run()
    assert WebhookEndpoint.select().count() == 0
    assert texts(app.toast) == [f"Endpoint {URL} deleted."]


def test_recent_deliveries_show_attempts_and_codes_and_redeliver(admin, org):
    register_webhook_endpoint(Actor.staff(admin.id), URL)
    event = record_event(org.id, "payment.made", {})
    (WebhookDelivery.update(status="failed", attempts=8, last_response_code=503,
                            last_error="gave up after 8 attempts: HTTP 503").execute())
    app = open_console(admin, page=PAGE)

    table = app.dataframe[0]
    assert list(table.value["Event id"]) == [event.public_id]
    assert list(table.value["Attempts"]) == [8] and list(table.value["Response"]) == [503]
    assert "❌ failed" in list(table.value["Status"])

    app.session_state[table.key] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    first = WebhookDelivery.get()
    app.button(key=f"webhooks_redeliver_{first.id}").click().run()

    assert texts(app.toast) == [f"Event {event.public_id} queued again for {URL}."]
    assert [(d.status, d.attempts) for d in WebhookDelivery.select().order_by(
        WebhookDelivery.id)] == [("failed", 8), ("pending", 0)]


def test_ordinary_staff_do_not_get_the_section(staff_member):
    app = open_console(staff_member)
    # Not in the sidebar (navigation hides it); opened by its address, it says why.
    app.switch_page(PAGE).run()

    assert [e.value for e in app.error] == ["Only an administrator can open this page."]
    assert not app.text_input and not app.button

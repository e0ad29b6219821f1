"""Webhook endpoints: admins register, change, disable, delete and re-key them; the secret is
shown once and stored nowhere; bad URLs are refused and write nothing."""

import pytest

from core.audit import Actor
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.events import record_event
from core.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from core.queries.webhooks import list_webhook_deliveries, list_webhook_endpoints
from core.services import webhooks as service
from core.services.organizations import create_organization
from core.services.staff import create_staff
from core.webhooks import endpoint_secret
from tests.conftest import PASSWORD
from tests.core.helpers import actions, snapshot, unchanged

URL = "https://erp.example.com/doorstep/webhooks"


@pytest.fixture
def actor(admin):
    return Actor.staff(admin.id, "198.51.100.7", admin.organization_id)


def test_an_admin_registers_an_endpoint_and_gets_its_secret_once(actor, org):
    endpoint, secret = service.register_webhook_endpoint(
        actor, URL, ["payment.made", "quote.accepted"], description="ERP"
    )

    assert secret.startswith("whsec_") and len(secret) >= 40
    assert endpoint_secret(endpoint.secret_nonce) == secret  # the worker signs with this
    assert (endpoint.url, endpoint.event_types, endpoint.is_active) == (
        URL,
        "payment.made,quote.accepted",
        True,
    )
    [listed] = list_webhook_endpoints(org.id)
    assert listed.secret_hint == secret[:10]
    # The secret itself is nowhere in the database: not the endpoint, not the audit trail.
    everything = repr(snapshot())
    assert secret not in everything and secret[10:30] not in everything
    audit = AuditEvent.get(AuditEvent.action == "webhook_registered")
    assert (audit.actor_type, audit.actor_id, audit.ip) == ("staff", actor.id, "198.51.100.7")


def test_rotating_the_secret_changes_it_at_once(actor):
    endpoint, old = service.register_webhook_endpoint(actor, URL)
    endpoint, new = service.rotate_webhook_secret(actor, endpoint.id)

    assert (
        new != old and endpoint_secret(WebhookEndpoint.get_by_id(endpoint.id).secret_nonce) == new
    )
    assert "webhook_secret_rotated" in actions()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://erp.example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://erp.example.com:70/",
        "//erp.example.com/hook",
        "erp.example.com/hook",
        "https://",
        "http://user:secret@erp.example.com/hook",
        "https://erp.example.com/ho ok",
        "https://erp.example.com:99999/hook",
        "https://erp.example.com/#frag",
        "",
        "https://erp.example.com/" + "a" * 2000,
        None,
        42,
    ],
)
def test_a_url_that_is_not_plain_http_is_refused_and_writes_nothing(actor, url):
    with unchanged(), pytest.raises(ValidationError) as error:
        service.register_webhook_endpoint(actor, url)
    assert error.value.field == "url"


def test_unknown_event_types_are_refused(actor):
    with unchanged(), pytest.raises(ValidationError, match="Unknown event type") as error:
        service.register_webhook_endpoint(actor, URL, ["payment.made", "payment.stolen"])
    assert error.value.field == "event_types"
    with unchanged(), pytest.raises(ValidationError, match="at least one"):
        service.register_webhook_endpoint(actor, URL, 7)


def test_only_admins_of_the_organization_manage_endpoints(actor, staff_member, org):
    endpoint, _ = service.register_webhook_endpoint(actor, URL)
    other = create_organization("Other Co")
    outsider = create_staff(
        Actor.system(other.id), "admin@other.example", "Olga", PASSWORD, role="admin"
    )

    with unchanged():
        with pytest.raises(PermissionDeniedError):
            service.register_webhook_endpoint(Actor.staff(staff_member.id), URL)
        with pytest.raises(PermissionDeniedError):
            service.register_webhook_endpoint(Actor.api_key(1, org.id), URL)
        for call in (
            service.rotate_webhook_secret,
            service.delete_webhook_endpoint,
            service.disable_webhook_endpoint,
        ):
            with pytest.raises(NotFoundError):
                call(Actor.staff(outsider.id), endpoint.id)
        with pytest.raises(PermissionDeniedError):  # an actor claiming another organization
            service.register_webhook_endpoint(Actor.staff(actor.id, "", other.id), URL)


def test_updating_changes_only_what_differs_and_audits_it(actor):
    endpoint, _ = service.register_webhook_endpoint(actor, URL)
    service.update_webhook_endpoint(
        actor, endpoint.id, url="http://10.0.0.5:8080/in", event_types="comment.added,payment.made"
    )
    before = snapshot()
    service.update_webhook_endpoint(actor, endpoint.id, url="http://10.0.0.5:8080/in")
    assert snapshot() == before  # the same values again change nothing, audit included

    endpoint = WebhookEndpoint.get_by_id(endpoint.id)
    assert (endpoint.url, endpoint.event_types) == (
        "http://10.0.0.5:8080/in",
        "comment.added,payment.made",
    )
    assert actions()[-2:] == ["webhook_registered", "webhook_updated"]


def test_a_disabled_endpoint_gets_no_new_deliveries_and_can_be_enabled_again(actor, org):
    endpoint, _ = service.register_webhook_endpoint(actor, URL)
    service.disable_webhook_endpoint(actor, endpoint.id)
    record_event(org.id, "payment.made", {})
    assert WebhookDelivery.select().count() == 0

    service.update_webhook_endpoint(actor, endpoint.id, is_active=True)
    record_event(org.id, "payment.made", {})
    assert WebhookDelivery.select().count() == 1


def test_deleting_removes_the_endpoint_and_its_deliveries_not_the_events(actor, org):
    endpoint, _ = service.register_webhook_endpoint(actor, URL)
    record_event(org.id, "payment.made", {})
    service.delete_webhook_endpoint(actor, endpoint.id)

    assert WebhookEndpoint.select().count() == WebhookDelivery.select().count() == 0
    assert "webhook_deleted" in actions()
    with pytest.raises(NotFoundError):
        service.delete_webhook_endpoint(actor, endpoint.id)


def test_redeliver_queues_the_same_event_again(actor, org):
    endpoint, _ = service.register_webhook_endpoint(actor, URL)
    event = record_event(org.id, "quote.declined", {})
    first = WebhookDelivery.get()
    WebhookDelivery.update(status="failed", attempts=8).execute()

    again = service.redeliver_webhook(actor, first.id)

    assert (again.event_id, again.endpoint_id, again.status, again.attempts) == (
        event.id,
        endpoint.id,
        "pending",
        0,
    )
    assert [d.id for d in list_webhook_deliveries(org.id)] == [again.id, first.id]
    assert list_webhook_deliveries(org.id)[0].event.public_id == event.public_id
    assert "webhook_redelivered" in actions()


def test_redeliver_refuses_a_disabled_endpoint_and_foreign_deliveries(actor, org):
    endpoint, _ = service.register_webhook_endpoint(actor, URL)
    record_event(org.id, "quote.declined", {})
    delivery = WebhookDelivery.get()
    service.disable_webhook_endpoint(actor, endpoint.id)
    other = create_organization("Other Co")
    outsider = create_staff(
        Actor.system(other.id), "admin@other.example", "Olga", PASSWORD, role="admin"
    )

    with unchanged():
        with pytest.raises(ValidationError, match="Enable the endpoint"):
            service.redeliver_webhook(actor, delivery.id)
        with pytest.raises(NotFoundError):
            service.redeliver_webhook(Actor.staff(outsider.id), delivery.id)
        with pytest.raises(NotFoundError):
            service.redeliver_webhook(actor, delivery.id + 1000)


def test_an_organization_has_a_bounded_number_of_endpoints(actor):
    for n in range(service.MAX_ENDPOINTS):
        service.register_webhook_endpoint(actor, f"{URL}/{n}")
    with unchanged(), pytest.raises(ValidationError, match="at most"):
        service.register_webhook_endpoint(actor, f"{URL}/one-more")


# -- by default, only https URLs on public addresses ------------------------------------------

@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/hook",
    "https://192.168.0.10/hook", "https://172.16.5.4/hook", "https://169.254.169.254/latest",
    "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook", "https://[fe80::1]/hook",
    "https://[fc00::1]/hook", "https://224.0.0.1/hook", "https://240.0.0.1/hook",
    "https://0.0.0.0/hook", "https://100.64.0.1/hook",
])
def test_private_loopback_link_local_multicast_and_reserved_hosts_are_refused(
        monkeypatch, actor, url):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "0")
    with pytest.raises(ValidationError) as refused:
        service.register_webhook_endpoint(actor, url)
    assert refused.value.field == "url"
    assert "public addresses only" in str(refused.value)
    assert WebhookEndpoint.select().count() == 0


def test_http_is_refused_unless_private_addresses_are_allowed(monkeypatch, actor):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "0")
    with pytest.raises(ValidationError, match="https"):
        service.register_webhook_endpoint(actor, "http://93.184.215.14/hook")
    endpoint, _secret = service.register_webhook_endpoint(actor, "https://93.184.215.14/hook")
    assert endpoint.url == "https://93.184.215.14/hook"
    with pytest.raises(ValidationError, match="public addresses only"):
        service.update_webhook_endpoint(actor, endpoint.id, url="https://127.0.0.1/hook")
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "1")
    assert service.update_webhook_endpoint(actor, endpoint.id,
                                   url="http://127.0.0.1:8080/hook").url.startswith("http://")


def test_a_host_name_that_does_not_resolve_is_refused(monkeypatch, actor):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "0")
    with pytest.raises(ValidationError, match="could not be found"):
        service.register_webhook_endpoint(actor, "https://no-such-host.invalid/hook")

"""Webhook endpoints (admins): register, update, disable, delete, rotate the secret, redeliver.

A new or rotated secret is returned once, to be shown once; it is never stored (the endpoint
keeps a nonce it is derived from, see core.webhooks.endpoint_secret) and no read returns it.
"""

from core import validation
from core.audit import Actor, record
from core.config import load_settings
from core.db import transaction
from core.errors import NotFoundError, ValidationError
from core.events import ALL_TYPES, EVENT_TYPES
from core.guards import require_admin
from core.i18n import N_
from core.models import WebhookDelivery, WebhookEndpoint, utcnow
from core.webhooks import check_url, endpoint_secret, new_secret_nonce

MAX_ENDPOINTS = 20  # per organization: each event fans out to every listening endpoint


def clean_event_types(value) -> str:
    """The stored form of chosen event types: "*" for all, else known types comma-joined."""
    if value in (None, "", ALL_TYPES, [ALL_TYPES]):
        return ALL_TYPES
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple | set) or not value:
        raise ValidationError(N_("Choose at least one event type."), field="event_types")
    chosen = set()
    for item in value:
        if item == ALL_TYPES:
            return ALL_TYPES
        if item not in EVENT_TYPES:
            raise ValidationError(N_("Unknown event type %(type)s."), field="event_types",
                                  type=str(item)[:60])
        chosen.add(item)
    return ",".join(sorted(chosen))


def _load(organization_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.get_or_none(WebhookEndpoint.id == endpoint_id,
                                           WebhookEndpoint.organization == organization_id)
    if endpoint is None:
        raise NotFoundError()
    return endpoint


def register_webhook_endpoint(actor: Actor, url: str, event_types=ALL_TYPES, *,
                              description: str = "") -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it and its signing secret (shown once, never again)."""
    organization_id = require_admin(actor)
    url = check_url(url, load_settings().webhook_allow_private_addresses)
    types = clean_event_types(event_types)
    description = validation.text(description, "description", max_length=200)
    with transaction():
        count = (WebhookEndpoint.select()
                 .where(WebhookEndpoint.organization == organization_id).count())
        if count >= MAX_ENDPOINTS:
            raise ValidationError(N_("An organization can have at most %(count)d endpoints."),
                                  field="url", count=MAX_ENDPOINTS)
        nonce = new_secret_nonce()
        secret = endpoint_secret(nonce)
        endpoint = WebhookEndpoint.create(
            organization=organization_id, url=url, description=description,
            event_types=types, secret_nonce=nonce, secret_hint=secret[:10])
        record(organization_id, actor, "webhook_registered", endpoint, url=url,
               event_types=types)
    return endpoint, secret


def update_webhook_endpoint(actor: Actor, endpoint_id: int, *, url: str | None = None,
                            event_types=None, description: str | None = None,
                            is_active: bool | None = None) -> WebhookEndpoint:
    """Change an endpoint's URL, event types, description or active flag."""
    organization_id = require_admin(actor)
    changes: dict[str, object] = {}
    if url is not None:
        changes["url"] = check_url(url, load_settings().webhook_allow_private_addresses)
    if event_types is not None:
        changes["event_types"] = clean_event_types(event_types)
    if description is not None:
        changes["description"] = validation.text(description, "description", max_length=200)
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    with transaction():
        endpoint = _load(organization_id, endpoint_id)
        changed = {name: value for name, value in changes.items()
                   if getattr(endpoint, name) != value}
        if changed:
            for name, value in changed.items():
                setattr(endpoint, name, value)
            endpoint.updated_at = utcnow()
            endpoint.save()
            record(organization_id, actor, "webhook_updated", endpoint, **changed)
    return endpoint


def disable_webhook_endpoint(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """Stop sending to an endpoint (its pending deliveries are cancelled when due)."""
    return update_webhook_endpoint(actor, endpoint_id, is_active=False)


def delete_webhook_endpoint(actor: Actor, endpoint_id: int) -> None:
    """Remove an endpoint and its delivery history."""
    organization_id = require_admin(actor)
    with transaction():
        endpoint = _load(organization_id, endpoint_id)
        record(organization_id, actor, "webhook_deleted", endpoint, url=endpoint.url)
        endpoint.delete_instance(recursive=True)


def rotate_webhook_secret(actor: Actor, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """Give an endpoint a new signing secret at once; returns it (shown once)."""
    organization_id = require_admin(actor)
    with transaction():
        endpoint = _load(organization_id, endpoint_id)
        endpoint.secret_nonce = new_secret_nonce()
        secret = endpoint_secret(endpoint.secret_nonce)
        endpoint.secret_hint = secret[:10]
        endpoint.updated_at = utcnow()
        endpoint.save()
        record(organization_id, actor, "webhook_secret_rotated", endpoint)
    return endpoint, secret


def redeliver_webhook(actor: Actor, delivery_id: int) -> WebhookDelivery:
    """Send a delivery's event to its endpoint again: a new delivery, due now, same event id."""
    organization_id = require_admin(actor)
    with transaction():
        delivery = WebhookDelivery.get_or_none(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.organization == organization_id)
        if delivery is None:
            raise NotFoundError()
        endpoint = _load(organization_id, delivery.endpoint_id)
        if not endpoint.is_active:
            raise ValidationError(N_("Enable the endpoint before redelivering to it."))
        now = utcnow()
        again = WebhookDelivery.create(organization=organization_id, event=delivery.event_id,
                                       endpoint=endpoint.id, next_attempt_at=now,
                                       created_at=now)
        record(organization_id, actor, "webhook_redelivered", again,
               event_id=delivery.event_id, of_delivery=delivery.id)
    return again

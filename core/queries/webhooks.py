"""Reads for the console's webhooks section: endpoints and their recent deliveries."""

from core.models import Event, WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 50


def list_webhook_endpoints(organization_id: int) -> list[WebhookEndpoint]:
    """The organization's endpoints, oldest first (never with a secret)."""
    return list(WebhookEndpoint
                .select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.description,
                        WebhookEndpoint.event_types, WebhookEndpoint.secret_hint,
                        WebhookEndpoint.is_active, WebhookEndpoint.created_at,
                        WebhookEndpoint.updated_at)
                .where(WebhookEndpoint.organization == organization_id)
                .order_by(WebhookEndpoint.id))


def list_webhook_deliveries(organization_id: int, endpoint_id: int | None = None,
                            limit: int = RECENT_DELIVERIES) -> list[WebhookDelivery]:
    """The newest deliveries (with their event and endpoint URL), one query."""
    query = (WebhookDelivery
             .select(WebhookDelivery, Event.public_id, Event.type, WebhookEndpoint.url)
             .join(Event, on=(WebhookDelivery.event == Event.id))
             .switch(WebhookDelivery)
             .join(WebhookEndpoint, on=(WebhookDelivery.endpoint == WebhookEndpoint.id))
             .where(WebhookDelivery.organization == organization_id))
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint == endpoint_id)
    return list(query.order_by(WebhookDelivery.id.desc()).limit(max(1, min(limit, 200))))

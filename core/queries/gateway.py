"""What the console and the portal may know of an organization's payment gateway."""

from dataclasses import dataclass

from core.audit import Actor
from core.gateways import stripe_gateway
from core.guards import require_admin
from core.models import StripeAccount
from core.security import derive_token


@dataclass(frozen=True)
class StripeSetup:
    """The organization's Stripe connection as an admin may see it: no secret, only hints."""

    connected: bool
    publishable_key: str = ""
    secret_key_hint: str = ""
    webhook_secret_hint: str = ""
    live_mode: bool = False
    webhook_path: str = ""  # under PORTAL_BASE_URL
    readable: bool = True  # False when SECRET_KEY changed since the keys were saved


def webhook_path(webhook_id: str) -> str:
    """The path of an organization's Stripe webhook endpoint on the portal."""
    return f"/stripe/webhooks/{webhook_id}"


def new_webhook_id(organization_id: int) -> str:
    """The id in an organization's webhook address: known before its keys are saved (Stripe's
    signing secret comes from adding that address), unguessable, never a sequence number."""
    return derive_token("stripe_webhook", str(organization_id))[:32]


def get_stripe_setup(actor: Actor) -> StripeSetup:
    """The actor's organization's Stripe connection (admins only)."""
    organization_id = require_admin(actor)
    account = StripeAccount.get_or_none(StripeAccount.organization == organization_id)
    if account is None:
        return StripeSetup(connected=False, webhook_path=webhook_path(
            new_webhook_id(organization_id)))
    return StripeSetup(connected=True, publishable_key=account.publishable_key,
                       secret_key_hint=account.secret_key_hint,
                       webhook_secret_hint=account.webhook_secret_hint,
                       live_mode=account.live_mode, webhook_path=webhook_path(account.webhook_id),
                       readable=stripe_gateway(account) is not None)


def get_payment_mode(organization_id: int) -> str:
    """How the portal takes cards: "sandbox", "stripe_test" or "stripe_live"."""
    account = StripeAccount.get_or_none(StripeAccount.organization == organization_id)
    if account is None or stripe_gateway(account) is None:
        return "sandbox"
    return "stripe_live" if account.live_mode else "stripe_test"

"""Payment gateways behind one interface, one module per provider.

`base` holds what every gateway speaks; `sandbox` is the built-in test card gateway (no money
moves); `stripe_checkout` is Stripe Checkout. An organization with Stripe keys pays through
Stripe; without them the sandbox stays the default.
"""

from core.gateways.base import (
    Card,
    CardGateway,
    Charge,
    CheckoutLine,
    CheckoutRequest,
    GatewayEvent,
    HostedCheckout,
    HostedGateway,
    check_card,
)
from core.gateways.sandbox import SANDBOX_CARDS, SandboxGateway
from core.gateways.stripe_checkout import StripeGateway, WebhookSignatureError
from core.models import StripeAccount
from core.secret_box import SealedSecretError, open_sealed

__all__ = [
    "SANDBOX_CARDS", "Card", "CardGateway", "Charge", "CheckoutLine", "CheckoutRequest",
    "GatewayEvent", "HostedCheckout", "HostedGateway", "SandboxGateway", "StripeGateway",
    "WebhookSignatureError", "check_card", "gateway_for", "get_gateway", "stripe_gateway",
    "stripe_secret_context",
]

_SANDBOX = SandboxGateway()


def get_gateway() -> SandboxGateway:
    """The built-in sandbox card gateway."""
    return _SANDBOX


def stripe_secret_context(organization_id: int) -> str:
    """The secret box's context of an organization's Stripe secrets (core.secret_box)."""
    return f"stripe:{organization_id}"


def stripe_gateway(account: StripeAccount) -> StripeGateway | None:
    """The gateway of a stored Stripe account; None when its secrets no longer open."""
    context = stripe_secret_context(account.organization_id)
    try:
        return StripeGateway(open_sealed(context, account.secret_key_sealed),
                             open_sealed(context, account.webhook_secret_sealed),
                             account.publishable_key)
    except SealedSecretError:
        return None  # SECRET_KEY changed: the console asks an admin to enter the keys again


def gateway_for(organization_id: int) -> SandboxGateway | StripeGateway:
    """The organization's card gateway: Stripe when its keys are set, else the sandbox."""
    account = StripeAccount.get_or_none(StripeAccount.organization == organization_id)
    gateway = stripe_gateway(account) if account is not None else None
    return gateway or _SANDBOX

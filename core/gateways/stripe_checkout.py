"""Stripe, through the official library: Checkout Sessions out, signed webhook events in.

The contact pays on Stripe's page; the portal only learns the outcome from webhook events whose
signature (on the raw body, with the endpoint secret and a timestamp tolerance) checks out.
`STRIPE_API_BASE` (core.config) points the library elsewhere: the test suite's local stand-in
for Stripe's servers, which cannot be reached from here.
"""

import datetime
import json
import logging
from dataclasses import replace
from decimal import Decimal

import stripe

from core.config import load_settings
from core.errors import PaymentError, ValidationError
from core.gateways.base import CheckoutRequest, GatewayEvent, HostedCheckout
from core.i18n import N_

log = logging.getLogger("doorstep.stripe")

# How old a signed event may be (Stripe's own default): a replayed capture is refused after it.
SIGNATURE_TOLERANCE_SECONDS = 300
# Currencies Stripe counts in whole units, and those with three decimals (last digit 0).
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())
# The Checkout page's languages among ours; Stripe has no Arabic page, it picks from the browser.
CHECKOUT_LOCALES = {"en": "en", "de": "de", "fr": "fr", "es": "es", "ja": "ja"}
HANDLED_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
)


class WebhookSignatureError(Exception):
    """The body is not a Stripe event signed with this endpoint's secret, recently."""


def _exponent(currency: str) -> int:
    code = currency.upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """An amount in the smallest unit Stripe counts in (cents; yen)."""
    scaled = amount.scaleb(_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} allows")
    return int(scaled)


def from_minor_units(value, currency: str) -> Decimal:
    """Stripe's integer amount as a Decimal with two decimals."""
    return (Decimal(int(value or 0)).scaleb(-_exponent(currency))).quantize(Decimal("0.01"))


def is_test_key(key: str) -> bool:
    """True for Stripe's test-mode keys (pk_test_…, sk_test_…, rk_test_…)."""
    return "_test_" in key[:8]


class StripeGateway:
    """One organization's Stripe account (its secret key and webhook signing secret)."""

    name = "stripe"
    is_sandbox = False
    hosted = True

    def __init__(self, secret_key: str, webhook_secret: str, publishable_key: str = ""):
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self.publishable_key = publishable_key
        self.test_mode = is_test_key(secret_key)

    def _client(self) -> stripe.StripeClient:
        base = load_settings().stripe_api_base
        return stripe.StripeClient(self._secret_key, max_network_retries=2,
                                   base_addresses={"api": base} if base else None)

    def start_checkout(self, request: CheckoutRequest) -> HostedCheckout:
        """Open a Checkout Session for exactly these lines; the same key gives the same one."""
        currency = request.currency.lower()
        try:
            amounts = [to_minor_units(line.amount, currency) for line in request.lines]
        except ValueError:
            # 12.50 in yen: Stripe counts whole yen (the amount parser should not let it by).
            raise ValidationError(N_("Enter an amount, for example 125.50."),
                                  field="amount") from None
        metadata = {"doorstep_payment": str(request.payment_id), **request.metadata}
        params: dict = {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": currency, "unit_amount": amount,
                "product_data": {"name": line.description}}}
                for line, amount in zip(request.lines, amounts, strict=True)],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": str(request.payment_id),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "locale": CHECKOUT_LOCALES.get(request.language, "auto"),
        }
        if request.email:
            params["customer_email"] = request.email
        if request.expires_at is not None:
            params["expires_at"] = int(request.expires_at.replace(
                tzinfo=datetime.UTC).timestamp())
        try:
            session = self._client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": request.idempotency_key})  # type: ignore[arg-type]
        except stripe.StripeError as error:
            log.warning("Stripe refused a Checkout Session: %s", error.user_message or error)
            raise PaymentError(N_("The payment provider had a problem. No money was taken; "
                                  "please try again later.")) from None
        if not session.url or not session.id:
            raise PaymentError(N_("The payment provider had a problem. No money was taken; "
                                  "please try again later."))
        return HostedCheckout(session_id=session.id, url=session.url)

    def read_event(self, body: bytes, signature: str) -> GatewayEvent:
        """The event in `body`, once its signature checks out; else WebhookSignatureError."""
        try:
            stripe.WebhookSignature.verify_header(body, signature, self._webhook_secret,
                                                  tolerance=SIGNATURE_TOLERANCE_SECONDS)
            event = json.loads(body)
            data = event["data"]["object"]
            event_id, event_type = str(event["id"]), str(event["type"])
        except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError):
            raise WebhookSignatureError() from None
        return _reduce(event_id, event_type, data, bool(event.get("livemode")))


def _reduce(event_id: str, event_type: str, data: dict, live_mode: bool) -> GatewayEvent:
    currency = str(data.get("currency") or "").upper()
    event = GatewayEvent(id=event_id, type=event_type, kind="ignored", currency=currency,
                         live_mode=live_mode)
    money = currency or "USD"
    if event_type.startswith("checkout.session."):
        kind = {"checkout.session.async_payment_succeeded": "paid",
                "checkout.session.async_payment_failed": "failed",
                "checkout.session.expired": "expired"}.get(event_type, "ignored")
        if event_type == "checkout.session.completed":
            kind = "awaiting" if data.get("payment_status") == "unpaid" else "paid"
        metadata = data.get("metadata") or {}
        return replace(
            event, kind=kind, session_id=str(data.get("id") or ""),
            payment_reference=str(data.get("payment_intent") or ""),
            payment_id=str(data.get("client_reference_id") or metadata.get("doorstep_payment")
                           or ""),
            amount=from_minor_units(data.get("amount_total"), money))
    if event_type == "charge.refunded":
        return replace(
            event, kind="refunded", payment_reference=str(data.get("payment_intent") or ""),
            amount=from_minor_units(data.get("amount"), money),
            refunded_total=from_minor_units(data.get("amount_refunded"), money))
    return event

"""Receive one Stripe event: the raw body and its Stripe-Signature header go to core."""

from flask import jsonify, request

from core.errors import NotFoundError
from core.services.stripe_events import (
    StripeEventRefusedError,
    StripeNotConfiguredError,
    StripeSignatureError,
    handle_stripe_webhook,
)
from portal_site.stripe_webhook import bp


@bp.post("/stripe/webhooks/<webhook_id>")
def receive(webhook_id):
    """Verify and apply a Stripe event; 2xx tells Stripe not to send it again."""
    try:
        result = handle_stripe_webhook(webhook_id, request.get_data(cache=False),
                                       request.headers.get("Stripe-Signature", ""))
    except NotFoundError:
        return jsonify(error="unknown endpoint"), 404
    except StripeSignatureError:
        return jsonify(error="invalid signature"), 400
    except StripeEventRefusedError:
        return jsonify(error="the event does not match a payment"), 400
    except StripeNotConfiguredError:
        return jsonify(error="Stripe keys need to be entered again"), 503
    return jsonify(received=True, outcome=result.outcome), 200

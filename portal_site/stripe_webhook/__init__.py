"""Stripe's webhook endpoint, `/stripe/webhooks/<id>`: outside any organization's slug (slugs
change and Stripe follows no redirect), CSRF-exempt (Stripe signs the body instead)."""

from flask import Blueprint

bp = Blueprint("stripe_webhook", __name__)

from portal_site.stripe_webhook import routes  # noqa: E402,F401


def init_app(app) -> None:
    """Mount the endpoint, exempt from CSRF (the signature stands in for it)."""
    from portal_site.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)

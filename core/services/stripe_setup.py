"""Connecting an organization's Stripe account (admins): keys in, sealed; never read back.

The secret key and the webhook signing secret are stored only sealed (core.secret_box, under a
key derived from SECRET_KEY and the organization); no read returns them, the console shows a
hint (`sk_test_…4242`). Leaving a secret blank when changing the keys keeps the stored one.
"""

import re

from core.audit import Actor, record
from core.db import transaction
from core.errors import ValidationError
from core.gateways import stripe_secret_context
from core.gateways.stripe_checkout import is_test_key
from core.guards import require_admin
from core.i18n import N_
from core.models import StripeAccount, utcnow
from core.queries.gateway import new_webhook_id
from core.secret_box import hint, seal

_KEY = r"[A-Za-z0-9_]{8,240}"


def _key(value: str, field: str, prefixes: tuple[str, ...], message: str) -> str:
    value = (value or "").strip()
    if not re.fullmatch(_KEY, value) or not value.startswith(prefixes):
        raise ValidationError(message, field=field)
    return value


def connect_stripe(actor: Actor, *, publishable_key: str, secret_key: str = "",
                   webhook_secret: str = "") -> StripeAccount:
    """Save the organization's Stripe keys (test or live, not mixed); returns the account."""
    publishable = _key(publishable_key, "publishable_key", ("pk_test_", "pk_live_"),
                       N_("Enter the publishable key (it starts with pk_test_ or pk_live_)."))
    with transaction():
        organization_id = require_admin(actor)
        account = StripeAccount.get_or_none(StripeAccount.organization == organization_id)
        if account is None and not (secret_key or "").strip():
            raise ValidationError(N_("Enter the secret key (it starts with sk_ or rk_)."),
                                  field="secret_key")
        if account is None and not (webhook_secret or "").strip():
            raise ValidationError(N_("Enter the webhook signing secret (it starts with "
                                     "whsec_)."), field="webhook_secret")
        context = stripe_secret_context(organization_id)
        account = account or StripeAccount(organization=organization_id,
                                           webhook_id=new_webhook_id(organization_id))
        if (secret_key or "").strip():
            secret = _key(secret_key, "secret_key",
                          ("sk_test_", "sk_live_", "rk_test_", "rk_live_"),
                          N_("Enter the secret key (it starts with sk_ or rk_)."))
            account.secret_key_sealed, account.secret_key_hint = seal(context, secret), hint(secret)
        elif is_test_key(publishable) != account.secret_key_hint.startswith(("sk_test", "rk_test")):
            raise ValidationError(N_("The publishable key and the secret key must both be "
                                     "test keys or both live keys."), field="publishable_key")
        if (secret_key or "").strip() and is_test_key(publishable) != is_test_key(secret_key):
            raise ValidationError(N_("The publishable key and the secret key must both be "
                                     "test keys or both live keys."), field="secret_key")
        if (webhook_secret or "").strip():
            signing = _key(webhook_secret, "webhook_secret", ("whsec_",),
                           N_("Enter the webhook signing secret (it starts with whsec_)."))
            account.webhook_secret_sealed = seal(context, signing)
            account.webhook_secret_hint = hint(signing)
        account.publishable_key = publishable
        account.live_mode = not is_test_key(publishable)
        account.updated_at = utcnow()
        account.save()
        record(organization_id, actor, "stripe_connected", account,
               mode="live" if account.live_mode else "test",
               secret_key_changed=bool((secret_key or "").strip()),
               webhook_secret_changed=bool((webhook_secret or "").strip()))
    return account


def disconnect_stripe(actor: Actor) -> None:
    """Forget the organization's Stripe keys: portal payments go back to the sandbox."""
    with transaction():
        organization_id = require_admin(actor)
        deleted = (StripeAccount.delete()
                   .where(StripeAccount.organization == organization_id).execute())
        if deleted:
            record(organization_id, actor, "stripe_disconnected")

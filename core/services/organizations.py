"""The organization and its portal preferences, including the portal URL slug."""

import re
import unicodedata

from core import portal_texts, validation
from core.audit import Actor, record
from core.db import transaction
from core.errors import ValidationError
from core.guards import require_admin
from core.i18n import N_
from core.models import Organization, PortalPreferences, SlugHistory, utcnow

PREFERENCE_FLAGS = (
    "allow_signup", "allow_address_edit", "show_quotes", "show_sales_orders", "show_invoices",
    "show_payments", "show_shipments", "show_statement", "email_on_invoice_viewed",
    "email_on_payment", "email_on_comment", "email_on_signup", "email_on_invitation_accepted",
    "colleague_invites_need_approval",
)


def slugify(name: str) -> str:
    """A portal slug from an organization name ("Acme Trading GmbH" -> "acme-trading-gmbh")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return slug if len(slug) >= 3 else f"portal-{slug}".strip("-")


# First path segments the portal's app serves itself (the integration API, static files):
# a portal at one of them would never be reached.
RESERVED_SLUGS = frozenset({"api", "static"})


def _slug_taken(slug: str, organization_id: int | None) -> bool:
    if slug in RESERVED_SLUGS:
        return True
    current = Organization.select().where(Organization.slug == slug)
    old = SlugHistory.select().where(SlugHistory.slug == slug)
    if organization_id is not None:
        current = current.where(Organization.id != organization_id)
        old = old.where(SlugHistory.organization != organization_id)
    return current.exists() or old.exists()


def _unique_slug(base: str) -> str:
    candidate, n = base, 2
    while _slug_taken(candidate, None):
        candidate, n = f"{base[:55]}-{n}", n + 1
    return candidate


def create_organization(name: str, *, default_language: str = "en", currency: str = "USD",
                        timezone: str = "UTC", email: str = "", address: str = "",
                        slug: str | None = None) -> Organization:
    """Create an organization with default portal preferences and a slug from its name."""
    name = validation.text(name, "name", max_length=200, required=True)
    default_language = validation.language(default_language, "default_language", required=True)
    currency = validation.currency(currency)
    with transaction():
        slug = validation.slug(slug) if slug else _unique_slug(slugify(name))
        if _slug_taken(slug, None):
            raise ValidationError(N_("This portal address is already taken."), field="slug")
        org = Organization.create(name=name, slug=slug, default_language=default_language,
                                  currency=currency, timezone=timezone, email=email,
                                  address=address)
        PortalPreferences.create(organization=org)
        record(org.id, Actor.system(org.id), "organization_created", org, name=name, slug=slug)
    return org


def update_portal_preferences(actor: Actor, *, banner_text: str | None = None,
                              bank_transfer_instructions: str | None = None,
                              banner_texts: dict[str, str] | None = None,
                              bank_transfer_texts: dict[str, str] | None = None,
                              **flags) -> PortalPreferences:
    """Change portal preferences (admins only); only the known switches and texts are accepted.

    `banner_text` and `bank_transfer_instructions` are in the organization's default language;
    `banner_texts` and `bank_transfer_texts` ({language: text}) replace the other languages'.
    """
    unknown = set(flags) - set(PREFERENCE_FLAGS)
    if unknown:
        raise ValidationError(N_("Unknown preference: %(name)s."), name=sorted(unknown)[0])
    changes: dict[str, bool | str] = {name: bool(value) for name, value in flags.items()}
    if banner_text is not None:
        changes["banner_text"] = validation.text(banner_text, "banner_text", max_length=500)
    if bank_transfer_instructions is not None:
        changes["bank_transfer_instructions"] = validation.text(
            bank_transfer_instructions, "bank_transfer_instructions", max_length=1000)
    if banner_texts is not None:
        changes["banner_texts"] = portal_texts.clean_texts("banner", banner_texts)
    if bank_transfer_texts is not None:
        changes["bank_transfer_texts"] = portal_texts.clean_texts("bank_transfer",
                                                                  bank_transfer_texts)
    with transaction():
        organization_id = require_admin(actor)
        prefs = PortalPreferences.get(PortalPreferences.organization == organization_id)
        before = {name: getattr(prefs, name) for name in changes}
        for name, value in changes.items():
            setattr(prefs, name, value)
        prefs.updated_at = utcnow()
        prefs.save()
        changed = {k: v for k, v in changes.items() if before[k] != v}
        record(organization_id, actor, "preferences_changed", prefs, changed=changed)
    return prefs


def change_portal_slug(actor: Actor, new_slug: str) -> Organization:
    """Give the portal a new URL slug (admins only); the old one keeps redirecting."""
    new_slug = validation.slug(new_slug)
    with transaction():
        organization_id = require_admin(actor)
        org = Organization.get_by_id(organization_id)
        if new_slug == org.slug:
            return org
        if _slug_taken(new_slug, organization_id):
            raise ValidationError(N_("This portal address is already taken."), field="slug")
        # Taking back one of our own old slugs: it is current again, not history.
        SlugHistory.delete().where(SlugHistory.slug == new_slug).execute()
        SlugHistory.create(organization=org, slug=org.slug)
        old_slug, org.slug = org.slug, new_slug
        org.save()
        record(org.id, actor, "portal_slug_changed", org, old=old_slug, new=new_slug)
    return org


def update_organization(actor: Actor, *, name: str | None = None,
                        default_language: str | None = None,
                        accent_color: str | None = None) -> Organization:
    """Change the organization's name, default language or accent colour (admins only)."""
    changes = {}
    if name is not None:
        changes["name"] = validation.text(name, "name", max_length=200, required=True)
    if default_language is not None:
        changes["default_language"] = validation.language(default_language, required=True)
    if accent_color is not None:
        changes["accent_color"] = validation.color(accent_color)
    with transaction():
        org = Organization.get_by_id(require_admin(actor))
        for field, value in changes.items():
            setattr(org, field, value)
        org.save()
        record(org.id, actor, "organization_updated", org, **changes)
    return org

"""Portal preferences (admin): address, sign-up, modules, banner, staff emails, branding,
and the Stripe account card payments go to."""

import streamlit as st

from core.config import load_settings
from core.i18n import SUPPORTED_LANGUAGES
from core.portal_texts import texts_by_language
from core.queries.gateway import get_stripe_setup
from core.queries.staff import get_organization, get_preferences, list_old_slugs
from core.services.organizations import (
    change_portal_slug,
    update_organization,
    update_portal_preferences,
)
from core.services.stripe_setup import connect_stripe, disconnect_stripe
from staff_dashboard import auth, ui

MODULES = {
    "show_quotes": "Quotes", "show_sales_orders": "Sales orders", "show_invoices": "Invoices",
    "show_payments": "Payments", "show_shipments": "Shipments",
    "show_statement": "Statement of account",
}
STAFF_EMAILS = {
    "email_on_invoice_viewed": "An invoice is viewed for the first time",
    "email_on_payment": "A payment is made",
    "email_on_comment": "A contact comments",
    "email_on_signup": "A contact signs up",
    "email_on_invitation_accepted": "A contact accepts an invitation",
}

ui.require_admin()
staff = auth.current_staff()
organization = get_organization(staff.organization_id)
preferences = get_preferences(staff.organization_id)
base_url = load_settings().portal_base_url
ui.title("Portal preferences")

st.subheader("Portal address")
with st.form("preferences_slug"):
    st.text_input("Portal URL slug", organization.slug, key="preferences_slug_value",
                         help="3 to 60 lower-case letters, digits and hyphens.")
    slug_error = st.empty()
    st.markdown(f"Customers open the portal at **{base_url}/{organization.slug}/**")
    st.warning("Changing the address changes every portal link. Links with an old address "
               "keep working: they redirect to the new one.", icon=":material/info:")
    old_slugs = list_old_slugs(staff.organization_id)
    if old_slugs:
        st.caption("Old addresses that redirect here: "
                   + ", ".join(f"{base_url}/{old}/" for old in old_slugs))
    ui.show_refusal("preferences_slug__refused", fallback=slug_error)
    ui.submit_button(
        "Change address",
        lambda: change_portal_slug(ui.actor(), st.session_state["preferences_slug_value"]),
        lambda org: f"The portal is now at {base_url}/{org.slug}/ — old links redirect there.",
        error_key="preferences_slug__refused")

def save_preferences(flag_names: list[str], texts: dict[str, dict[str, str]]):
    """The "Save preferences" action: every box of the form, read from its widget."""
    def save():
        value = st.session_state.__getitem__
        return update_portal_preferences(
            ui.actor(), banner_text=value("preferences_banner_text"),
            bank_transfer_instructions=value("preferences_bank_transfer"),
            banner_texts={code: value(f"preferences_banner_{code}") for code in texts["banner"]},
            bank_transfer_texts={code: value(f"preferences_bank_transfer_{code}")
                                 for code in texts["bank_transfer"]},
            **{name: value(f"preferences_{name}") for name in flag_names})
    return save


st.subheader("What the portal offers")
with st.form("preferences_portal"):
    left, right = st.columns(2)
    flags = {"allow_signup": left.checkbox(
        "Allow self sign-up", preferences.allow_signup, key="preferences_allow_signup",
        help="Contacts of existing customers can ask for access themselves (they verify "
             "their email first).")}
    flags["allow_address_edit"] = left.checkbox(
        "Customers may edit their billing and shipping address",
        preferences.allow_address_edit, key="preferences_allow_address_edit")
    flags["colleague_invites_need_approval"] = left.checkbox(
        "Approve colleagues a company admin invites", preferences.colleague_invites_need_approval,
        key="preferences_colleague_invites_need_approval",
        help="A customer's company admin can invite colleagues from the portal; with this on, "
             "the invitation waits until you tick them in Configure customer portal.")
    left.markdown("**Modules shown**")
    for name, label in MODULES.items():
        flags[name] = left.checkbox(label, getattr(preferences, name), key=f"preferences_{name}")
    right.markdown("**Also email staff when…**")
    for name, label in STAFF_EMAILS.items():
        flags[name] = right.checkbox(label, getattr(preferences, name),
                                     key=f"preferences_{name}")
    default_name = SUPPORTED_LANGUAGES.get(organization.default_language, "")
    st.text_area(f"Banner text (shown on the portal's home page), in {default_name}",
                 preferences.banner_text, key="preferences_banner_text", max_chars=500)
    banner_error = st.empty()
    st.text_area(f"Bank transfer instructions, in {default_name}",
                 key="preferences_bank_transfer",
                 value=preferences.bank_transfer_instructions, max_chars=1000)
    instructions_error = st.empty()
    # Per other portal language; an empty one shows the text above.
    texts: dict[str, dict[str, str]] = {"banner": {}, "bank_transfer": {}}
    with st.expander("The banner and bank transfer instructions in other languages"):
        written = {kind: texts_by_language(preferences, kind) for kind in texts}
        for code, language_name in SUPPORTED_LANGUAGES.items():
            if code == organization.default_language:
                continue
            columns = st.columns(2)
            texts["banner"][code] = columns[0].text_area(
                f"Banner, {language_name}", written["banner"].get(code, ""), max_chars=500,
                key=f"preferences_banner_{code}")
            texts["bank_transfer"][code] = columns[1].text_area(
                f"Bank transfer instructions, {language_name}",
                written["bank_transfer"].get(code, ""), max_chars=1000,
                key=f"preferences_bank_transfer_{code}")
    ui.show_refusal("preferences_portal__refused", {
        "banner_text": banner_error, "bank_transfer_instructions": instructions_error})
    ui.submit_button("Save preferences", save_preferences(list(flags), texts),
                     "Portal preferences saved.", error_key="preferences_portal__refused",
                     type="primary")

st.subheader("Organization")
with st.form("preferences_organization"):
    st.text_input("Name", organization.name, key="preferences_org_name")
    name_error = st.empty()
    languages = list(SUPPORTED_LANGUAGES)
    st.selectbox("Default language", languages, key="preferences_org_language",
                 index=languages.index(organization.default_language)
                 if organization.default_language in languages else 0,
                 format_func=ui.language_label)
    st.color_picker("Accent colour", organization.accent_color,
                             key="preferences_org_accent")
    accent_error = st.empty()
    ui.show_refusal("preferences_organization__refused",
                    {"name": name_error, "accent_color": accent_error})
    ui.submit_button(
        "Save organization",
        lambda: update_organization(
            ui.actor(), name=st.session_state["preferences_org_name"],
            default_language=st.session_state["preferences_org_language"],
            accent_color=st.session_state["preferences_org_accent"]),
        "Organization saved.", error_key="preferences_organization__refused")

st.subheader("Card payments: Stripe")
stripe_setup = get_stripe_setup(ui.actor())
if not stripe_setup.connected:
    st.info("Contacts pay with the built-in sandbox (test cards, no money moves) until you "
            "connect a Stripe account. See the README, “Taking card payments with Stripe”.",
            icon=":material/info:")
elif not stripe_setup.readable:
    st.error("The saved Stripe keys can no longer be read (the instance's SECRET_KEY changed). "
             "Enter the secret key and the webhook signing secret again; until then contacts "
             "pay with the sandbox.")
else:
    mode = "live" if stripe_setup.live_mode else "test (contacts see “Test mode”; no real money)"
    st.success(f"Connected in {mode} mode. Secret key {stripe_setup.secret_key_hint}, webhook "
               f"signing secret {stripe_setup.webhook_secret_hint}.", icon=":material/check:")
if stripe_setup.webhook_path:
    st.markdown("Webhook endpoint to add in Stripe (Developers → Webhooks), with the events "
                "`checkout.session.completed`, `checkout.session.async_payment_succeeded`, "
                "`checkout.session.async_payment_failed`, `checkout.session.expired` and "
                "`charge.refunded`:")
    st.code(f"{base_url}{stripe_setup.webhook_path}", language=None)
STRIPE_SECRETS = ("preferences_stripe_secret", "preferences_stripe_webhook_secret")


def save_stripe_keys():
    """The "Save Stripe keys" action, from the form's boxes."""
    return connect_stripe(ui.actor(),
                          publishable_key=st.session_state["preferences_stripe_publishable"],
                          secret_key=st.session_state["preferences_stripe_secret"],
                          webhook_secret=st.session_state["preferences_stripe_webhook_secret"])


def stripe_saved(_) -> str:
    """After the keys are saved: the secret boxes empty (they are never shown again)."""
    for key in STRIPE_SECRETS:
        st.session_state.pop(key, None)
    return "Stripe keys saved. Contacts now pay through Stripe."


with st.form("preferences_stripe"):
    st.text_input("Publishable key", stripe_setup.publishable_key,
                                key="preferences_stripe_publishable", placeholder="pk_test_…")
    publishable_error = st.empty()
    keep = " (leave empty to keep the saved one)" if stripe_setup.connected else ""
    st.text_input(f"Secret key{keep}", type="password", value="",
                           key="preferences_stripe_secret", placeholder="sk_test_… or rk_test_…",
                           help="Stored encrypted; never shown again after saving.")
    secret_error = st.empty()
    st.text_input(f"Webhook signing secret{keep}", type="password", value="",
                            key="preferences_stripe_webhook_secret", placeholder="whsec_…",
                            help="Shown by Stripe when you add the webhook endpoint.")
    signing_error = st.empty()
    ui.show_refusal("preferences_stripe__refused", {
        "publishable_key": publishable_error, "secret_key": secret_error,
        "webhook_secret": signing_error})
    ui.submit_button("Save Stripe keys", save_stripe_keys, stripe_saved,
                     error_key="preferences_stripe__refused", type="primary")
if stripe_setup.connected:
    ui.action_button(st, "Disconnect Stripe", lambda: disconnect_stripe(ui.actor()),
                     "Stripe disconnected: contacts pay with the sandbox again.",
                     key="preferences_stripe_disconnect",
                     help="Contacts pay with the sandbox again.")

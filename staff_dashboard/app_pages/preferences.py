"""Portal preferences (admin): address, sign-up, modules, banner, staff emails, branding,
and the Stripe account card payments go to."""

import streamlit as st

from core.config import load_settings
from core.errors import DoorstepError
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
    slug = st.text_input("Portal URL slug", organization.slug, key="preferences_slug_value",
                         help="3 to 60 lower-case letters, digits and hyphens.")
    slug_error = st.empty()
    st.markdown(f"Customers open the portal at **{base_url}/{organization.slug}/**")
    st.warning("Changing the address changes every portal link. Links with an old address "
               "keep working: they redirect to the new one.", icon=":material/info:")
    old_slugs = list_old_slugs(staff.organization_id)
    if old_slugs:
        st.caption("Old addresses that redirect here: "
                   + ", ".join(f"{base_url}/{old}/" for old in old_slugs))
    if st.form_submit_button("Change address"):
        ui.run_action(lambda: change_portal_slug(ui.actor(), slug),
                      lambda org: f"The portal is now at {base_url}/{org.slug}/ — old links "
                                  "redirect there.",
                      error_slot=slug_error)

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
    banner = st.text_area(f"Banner text (shown on the portal's home page), in {default_name}",
                          preferences.banner_text, key="preferences_banner_text", max_chars=500)
    banner_error = st.empty()
    instructions = st.text_area(f"Bank transfer instructions, in {default_name}",
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
    if st.form_submit_button("Save preferences", type="primary"):
        try:
            update_portal_preferences(ui.actor(), banner_text=banner,
                                      bank_transfer_instructions=instructions,
                                      banner_texts=texts["banner"],
                                      bank_transfer_texts=texts["bank_transfer"], **flags)
        except DoorstepError as error:
            ui.show_field_error(error, {"banner_text": banner_error,
                                        "bank_transfer_instructions": instructions_error})
        else:
            ui.flash("success", "Portal preferences saved.")
            st.rerun()

st.subheader("Organization")
with st.form("preferences_organization"):
    name = st.text_input("Name", organization.name, key="preferences_org_name")
    name_error = st.empty()
    languages = list(SUPPORTED_LANGUAGES)
    language = st.selectbox("Default language", languages, key="preferences_org_language",
                            index=languages.index(organization.default_language)
                            if organization.default_language in languages else 0,
                            format_func=ui.language_label)
    accent = st.color_picker("Accent colour", organization.accent_color,
                             key="preferences_org_accent")
    accent_error = st.empty()
    if st.form_submit_button("Save organization"):
        try:
            update_organization(ui.actor(), name=name,
                                default_language=language, accent_color=accent)
        except DoorstepError as error:
            ui.show_field_error(error, {"name": name_error, "accent_color": accent_error})
        else:
            ui.flash("success", "Organization saved.")
            st.rerun()

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
with st.form("preferences_stripe", clear_on_submit=True):
    publishable = st.text_input("Publishable key", stripe_setup.publishable_key,
                                key="preferences_stripe_publishable", placeholder="pk_test_…")
    publishable_error = st.empty()
    keep = " (leave empty to keep the saved one)" if stripe_setup.connected else ""
    secret = st.text_input(f"Secret key{keep}", type="password", value="",
                           key="preferences_stripe_secret", placeholder="sk_test_… or rk_test_…",
                           help="Stored encrypted; never shown again after saving.")
    secret_error = st.empty()
    signing = st.text_input(f"Webhook signing secret{keep}", type="password", value="",
                            key="preferences_stripe_webhook_secret", placeholder="whsec_…",
                            help="Shown by Stripe when you add the webhook endpoint.")
    signing_error = st.empty()
    if st.form_submit_button("Save Stripe keys", type="primary"):
        try:
            connect_stripe(ui.actor(), publishable_key=publishable, secret_key=secret,
                           webhook_secret=signing)
        except DoorstepError as error:
            ui.show_field_error(error, {"publishable_key": publishable_error,
                                        "secret_key": secret_error,
                                        "webhook_secret": signing_error})
        else:
            ui.flash("success", "Stripe keys saved. Contacts now pay through Stripe.")
            st.rerun()
if stripe_setup.connected and st.button("Disconnect Stripe", key="preferences_stripe_disconnect",
                                        help="Contacts pay with the sandbox again."):
    ui.run_action(lambda: disconnect_stripe(ui.actor()),
                  "Stripe disconnected: contacts pay with the sandbox again.")

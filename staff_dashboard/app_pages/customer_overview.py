"""One customer: details, contacts and their portal access, language, edits and activity."""

import json

import streamlit as st

from core.errors import NotFoundError
from core.i18n import SUPPORTED_LANGUAGES
from core.queries.scoping import ROLES
from core.queries.staff import CustomerFilters, get_customer_overview, list_customers
from core.services.access import configure_portal_access, disable_contact, invite_contact
from core.services.customers import (
    ADDRESS_FIELDS,
    UNDELIVERED,
    add_contact,
    fix_email_and_reinvite,
    set_portal_language,
    update_contact,
    update_customer,
)
from staff_dashboard import auth, keys, paths, ui

ACTIVITY_LABELS = {
    "document_viewed": "Viewed", "payment_made": "Paid", "payment_notice": "Bank transfer notice",
    "comment_added": "Commented", "quote_accepted": "Accepted quote",
    "quote_declined": "Declined quote", "invitation_accepted": "Accepted the invitation",
    "login": "Signed in", "signup_completed": "Signed up",
}
LANGUAGE_CHOICES = ["", *SUPPORTED_LANGUAGES]
ROLE_LABELS = {"billing": "Billing (invoices, payments, statement)",
               "orders": "Orders (quotes, sales orders, shipments)", "full": "Full",
               "admin": "Company admin (full, manages the company's contacts)"}

staff = auth.current_staff()


def chosen_customer_id() -> int | None:
    """The customer to show: from the URL (survives a reload), else from session state."""
    raw = st.query_params.get(keys.QUERY_CUSTOMER) or st.session_state.get(
        keys.OVERVIEW_CUSTOMER_ID)
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def pick_customer() -> None:
    """No customer chosen: find one by name."""
    ui.title("Customer overview")
    search = st.text_input("Find a customer", key=keys.OVERVIEW_PICK_SEARCH)
    found = list_customers(staff.organization_id, CustomerFilters(search=search), per_page=20)
    for customer in found.items:
        st.button(ui.md(customer.display_name), key=f"overview_pick_{customer.id}",
                  on_click=open_customer, args=(customer.id,))
    st.stop()


def open_customer(customer_id: int) -> None:
    """Show another customer (kept in the URL too); a callback, so the click's own run
    draws it."""
    st.session_state[keys.OVERVIEW_CUSTOMER_ID] = customer_id
    st.query_params[keys.QUERY_CUSTOMER] = str(customer_id)


customer_id = chosen_customer_id()
if customer_id is None:
    pick_customer()
try:
    overview = get_customer_overview(staff.organization_id, customer_id)
except NotFoundError:
    st.error("This customer does not exist.")
    st.session_state.pop(keys.OVERVIEW_CUSTOMER_ID, None)
    st.query_params.pop(keys.QUERY_CUSTOMER, None)
    if st.button("Back to customers", key="overview_back_missing"):
        st.switch_page(paths.CUSTOMERS)
    st.stop()
st.session_state[keys.OVERVIEW_CUSTOMER_ID] = customer_id
if st.query_params.get(keys.QUERY_CUSTOMER) != str(customer_id):
    st.query_params[keys.QUERY_CUSTOMER] = str(customer_id)

customer, contacts = overview.customer, overview.contacts
head, back = st.columns([5, 1], vertical_alignment="bottom")
head.title(ui.md(customer.display_name))
if back.button("All customers", key="overview_back", icon=":material/arrow_back:"):
    st.switch_page(paths.CUSTOMERS)
ui.show_flashes()

# -- details -------------------------------------------------------------------------------
figures = st.columns(4)
figures[0].metric("Portal status", ui.portal_state_label(customer.portal_status))
figures[1].metric("Outstanding", ui.fmt_money(customer.outstanding, customer.currency))
figures[2].metric("Invoices viewed", f"{overview.invoices_viewed} of {overview.invoices_total}")
figures[3].metric("Portal language",
                  SUPPORTED_LANGUAGES.get(customer.portal_language or "", "Default"),
                  help="Default: the organization's language.")


def address(kind: str) -> str:
    """A billing or shipping address on one line."""
    parts = [getattr(customer, f"{kind}_{part}") for part in
             ("street", "postal_code", "city", "region", "country")]
    return ui.md(", ".join(p for p in parts if p)) or "—"


with st.expander("Details", expanded=True):
    st.markdown(
        f"**Company:** {ui.md(customer.company_name) or '—'}  \n"
        f"**Email:** {ui.md(customer.email) or '—'} · **Phone:** {ui.md(customer.phone) or '—'}  \n"
        f"**Currency:** {customer.currency} · **Payment terms:** "
        f"{customer.payment_terms_days} days  \n"
        f"**Billing address:** {address('billing')}  \n"
        f"**Shipping address:** {address('shipping')}")

def ask_to_disable(contact_id: int | None) -> None:
    """"Disable access" asks first (None: the question is withdrawn); a callback, so the
    question shows on the run the click starts."""
    if contact_id is None:
        st.session_state.pop(keys.OVERVIEW_CONFIRM_DISABLE, None)
    else:
        st.session_state[keys.OVERVIEW_CONFIRM_DISABLE] = contact_id


def disable_after_asking(contact_id: int):
    """Disable the contact the question was about; the question ends once that is done (a
    refusal keeps it, with the reason under it)."""
    disabled = disable_contact(ui.actor(), contact_id)
    st.session_state.pop(keys.OVERVIEW_CONFIRM_DISABLE, None)
    return disabled


def save_access(customer_id: int, chosen: list[int], roles: dict[int, str]) -> None:
    """Give exactly the chosen contacts access, with their roles; report what changed. Runs
    as a button's callback, before the page, so the page drawn next shows the new states."""
    ui.act_before_run(
        lambda: configure_portal_access(ui.actor(), customer_id, chosen, roles=roles),
        access_report, error_key=keys.OVERVIEW_ACCESS_ERROR)


def access_report(changes) -> str:
    """Keep the table of what a save changed; the message that says how much."""
    changed = [c for c in changes if c.outcome != "unchanged"]
    st.session_state[keys.OVERVIEW_ACCESS_REPORT] = [
        {"Contact": c.name, "Change": c.outcome} for c in changed] or None
    return f"Portal access saved: {ui.plural(len(changed), 'change', 'changes')}."


def submit_access(customer_id: int, fields: list[tuple[int, str, str, str, str]]) -> None:
    """The "Save portal access" callback: save, or first ask when it cuts someone's access.
    `fields` holds, per contact: id, tick key, role key, portal state, name."""
    chosen = [contact_id for contact_id, tick_key, _, _, _ in fields
              if st.session_state.get(tick_key)]
    roles = {contact_id: st.session_state[role_key] for contact_id, _, role_key, _, _ in fields
             if role_key in st.session_state}
    losing = [name for contact_id, _, _, state, name in fields
              if state in {"invited", "active"} and contact_id not in chosen]
    if losing:  # cutting access signs people out: ask first
        st.session_state[keys.OVERVIEW_CONFIRM_ACCESS] = (customer_id, chosen, losing, roles)
    else:
        save_access(customer_id, chosen, roles)


def confirm_access() -> None:
    """The "Disable and save" callback: save what was asked to be confirmed."""
    pending = st.session_state.pop(keys.OVERVIEW_CONFIRM_ACCESS, None)
    if pending:
        customer_id, chosen, _, roles = pending
        save_access(customer_id, chosen, roles)


def cancel_access() -> None:
    """The confirmation's "Cancel" callback: nothing is saved."""
    st.session_state.pop(keys.OVERVIEW_CONFIRM_ACCESS, None)


# -- contacts and portal access ------------------------------------------------------------
st.subheader("Contact persons")
if not contacts:
    st.caption("No contact persons yet; add one below.")
for contact in contacts:
    with st.container(border=True):
        info, state, buttons = st.columns([3, 2, 2], vertical_alignment="center")
        info.markdown(f"**{ui.md(contact.full_name)}**"
                      + (" · primary" if contact.is_primary else "")
                      + f"  \n{ui.md(contact.email) or 'no email'}"
                      + (f" · {ui.md(contact.phone)}" if contact.phone else ""))
        state.markdown(ui.portal_state_label(contact.portal_state)
                       + f" · {ROLE_LABELS[contact.role].split(' (')[0]}")
        state.caption(f"since {ui.fmt_time(contact.state_changed_at)}")
        delivery = ui.invitation_email_label(contact)
        if delivery and contact.portal_state == "invited":
            state.caption(delivery)
        if contact.portal_state in {"invited", "disabled"} or (
                contact.portal_state == "not_invited" and contact.email):
            label = "Invite" if contact.portal_state == "not_invited" else "Re-invite"
            ui.action_button(
                buttons, label, lambda c=contact: invite_contact(ui.actor(), c.id),
                f"Invitation to {contact.email} queued; its delivery shows here.",
                key=f"overview_invite_{contact.id}", icon=":material/forward_to_inbox:")
        if contact.portal_state in {"invited", "active"}:
            buttons.button("Disable access", key=f"overview_disable_{contact.id}",
                           icon=":material/block:", on_click=ask_to_disable, args=(contact.id,))
        if st.session_state.get(keys.OVERVIEW_CONFIRM_DISABLE) == contact.id:
            st.warning(f"Disable portal access of {ui.md(contact.full_name)}? They are signed "
                       "out at once and their invitation links stop working.")
            yes, no = st.columns([1, 4])
            ui.action_button(
                yes, "Disable", lambda c=contact: disable_after_asking(c.id),
                f"Portal access of {contact.full_name} disabled; signed out.",
                key=f"overview_disable_yes_{contact.id}", type="primary")
            no.button("Keep access", key=f"overview_disable_no_{contact.id}",
                      on_click=ask_to_disable, args=(None,))
        if (contact.portal_state == "invited"
                and contact.invitation_email_status in UNDELIVERED):
            with st.form(f"overview_fix_email_{contact.id}"):
                fixed_key = f"overview_fix_email_input_{contact.id}"
                st.text_input("Correct email address", contact.email or "", key=fixed_key)
                ui.show_refusal(f"{fixed_key}__refused")
                ui.submit_button(
                    "Fix email and re-invite",
                    lambda c=contact.id, k=fixed_key: fix_email_and_reinvite(
                        ui.actor(), c, st.session_state[k]),
                    lambda _, k=fixed_key: "Email corrected; a new invitation to "
                                           f"{st.session_state[k].strip()} is queued.",
                    error_key=f"{fixed_key}__refused", type="primary")

if contacts:
    with st.expander("Configure customer portal", expanded=True):
        st.caption("Tick the contacts who may use the portal. A new tick sends an invitation; "
                   "removing one disables the contact at once and signs it out.")
        requested = [c for c in contacts if c.requested_by_id]
        if requested:
            st.info("Waiting for your approval (asked by the company's admin): "
                    + ", ".join(ui.md(c.full_name) for c in requested)
                    + ". Tick them to send the invitation.")
        with st.form("overview_configure_access"):
            fields = []
            for contact in contacts:
                tick, role = st.columns([3, 2], vertical_alignment="center")
                # the state in the key: a change made elsewhere re-reads the tick
                tick_key = f"overview_access_{contact.id}_{contact.portal_state}"
                role_key = f"overview_role_{contact.id}_{contact.role}"
                tick.checkbox(
                    f"{ui.md(contact.full_name)} ({ui.md(contact.email) or 'no email'})"
                    + (" · access requested" if contact.requested_by_id else ""),
                    value=contact.portal_state in {"invited", "active"}, key=tick_key)
                role.selectbox(
                    "Role", ROLES, index=ROLES.index(contact.role),
                    format_func=ROLE_LABELS.__getitem__, label_visibility="collapsed",
                    key=role_key)
                fields.append((contact.id, tick_key, role_key, contact.portal_state,
                               contact.full_name))
            ui.show_refusal(keys.OVERVIEW_ACCESS_ERROR)
            st.form_submit_button("Save portal access", type="primary", on_click=submit_access,
                                  args=(customer.id, fields))
        pending = st.session_state.get(keys.OVERVIEW_CONFIRM_ACCESS)
        if pending and pending[0] == customer.id:
            losing = pending[2]
            st.warning(f"Disable portal access of {ui.md(', '.join(losing))}? They are signed "
                       "out at once.")
            yes, no = st.columns([1, 4])
            yes.button("Disable and save", key="overview_access_confirm", type="primary",
                       on_click=confirm_access)
            no.button("Cancel", key="overview_access_cancel", on_click=cancel_access)
        report = st.session_state.pop(keys.OVERVIEW_ACCESS_REPORT, None)
        if report:
            st.dataframe(report, hide_index=True)

# -- language ------------------------------------------------------------------------------
with st.expander("Portal language", expanded=False):
    with st.form("overview_language"):
        language_key = f"overview_language_{customer.id}"
        st.selectbox(
            "Language of the portal and emails for this customer's contacts",
            LANGUAGE_CHOICES, format_func=ui.language_label,
            index=LANGUAGE_CHOICES.index(customer.portal_language or ""), key=language_key)
        ui.show_refusal(keys.OVERVIEW_LANGUAGE_ERROR)
        st.form_submit_button("Save language", on_click=ui.act_before_run, args=(
            lambda c=customer.id, k=language_key: set_portal_language(
                ui.actor(), c, st.session_state[k] or None),
            lambda _, k=language_key: "Portal language set to "
                                      f"{ui.language_label(st.session_state[k])}."),
            kwargs={"error_key": keys.OVERVIEW_LANGUAGE_ERROR})

# -- edit details --------------------------------------------------------------------------
with st.expander("Edit details", expanded=False):
    with st.form(f"overview_edit_{customer.id}"):
        prefix = f"overview_edit_{customer.id}"
        values, slots = {}, {}
        for name, label in (("display_name", "Display name"), ("company_name", "Company name"),
                            ("phone", "Phone")):
            values[name] = st.text_input(label, getattr(customer, name), key=f"{prefix}_{name}")
            slots[name] = st.empty()
        values["payment_terms_days"] = st.number_input(
            "Payment terms (days)", min_value=0, max_value=365,
            value=customer.payment_terms_days, key=f"{prefix}_payment_terms_days")
        slots["payment_terms_days"] = st.empty()
        columns = st.columns(2)
        for index, kind in enumerate(("billing", "shipping")):
            columns[index].markdown(f"**{kind.title()} address**")
            for name in ADDRESS_FIELDS:
                if name.startswith(kind):
                    part = name.split("_", 1)[1].replace("_", " ").capitalize()
                    values[name] = columns[index].text_input(
                        part, getattr(customer, name), key=f"{prefix}_{name}")
                    slots[name] = columns[index].empty()
        ui.show_refusal(f"{prefix}__refused", slots)
        ui.submit_button(
            "Save details",
            lambda c=customer.id, p=prefix, names=tuple(values): update_customer(
                ui.actor(), c, **{name: st.session_state[f"{p}_{name}"] for name in names}),
            "Customer details saved.", error_key=f"{prefix}__refused", type="primary")

# -- contacts: add and edit ----------------------------------------------------------------
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")


def contact_values(form_key: str) -> dict:
    """What a contact_form holds, read from its widgets' state (in a submit callback)."""
    values = {name: st.session_state[f"{form_key}_{name}"]
              for name in (*CONTACT_FIELDS, "is_primary")}
    values["language"] = st.session_state[f"{form_key}_language"] or None
    return values


def contact_form(form_key: str, contact=None):
    """Name, email, phone, language and primary inputs; returns the values and error slots."""
    values, slots = {}, {}
    columns = st.columns(2)
    for index, name in enumerate(CONTACT_FIELDS):
        column = columns[index % 2]
        values[name] = column.text_input(name.replace("_", " ").capitalize(),
                                         (getattr(contact, name) or "") if contact else "",
                                         key=f"{form_key}_{name}")
        slots[name] = column.empty()
    values["language"] = st.selectbox(
        "Language", LANGUAGE_CHOICES, key=f"{form_key}_language",
        index=LANGUAGE_CHOICES.index(contact.language or "") if contact else 0,
        format_func=lambda c: ui.language_label(c) if c else "The customer's language")
    values["language"] = values["language"] or None
    values["is_primary"] = st.checkbox("Primary contact", key=f"{form_key}_is_primary",
                                       value=bool(contact and contact.is_primary))
    slots["is_primary"] = st.empty()
    return values, slots


def add_contact_done(round_key: str):
    """After an added contact: an empty form for the next one (a new key; the browser would
    send the old one's text back)."""
    def done(contact) -> str:
        st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
        return f"{contact.first_name} added."
    return done


with st.expander("Add a contact person", expanded=False):
    round_key = f"overview_add_contact_round_{customer.id}"
    add_key = f"overview_add_contact_{customer.id}_{st.session_state.get(round_key, 0)}"
    with st.form("overview_add_contact", clear_on_submit=False):
        values, slots = contact_form(add_key)
        ui.show_refusal(f"{add_key}__refused", slots)
        ui.submit_button(
            "Add contact",
            lambda c=customer.id, k=add_key: add_contact(ui.actor(), c, **contact_values(k)),
            add_contact_done(round_key), error_key=f"{add_key}__refused")

if contacts:
    with st.expander("Edit a contact person", expanded=False):
        by_id = {contact.id: contact for contact in contacts}
        editing = st.selectbox("Contact", list(by_id),
                               key=f"overview_edit_contact_which_{customer.id}",
                               format_func=lambda i: by_id[i].full_name)
        with st.form(f"overview_edit_contact_{editing}"):
            edit_key = f"overview_edit_contact_{editing}"
            values, slots = contact_form(edit_key, by_id[editing])
            ui.show_refusal(f"{edit_key}__refused", slots)
            ui.submit_button(
                "Save contact",
                lambda c=editing, k=edit_key: update_contact(ui.actor(), c, **contact_values(k)),
                "Contact saved.", error_key=f"{edit_key}__refused")

# -- recent activity -----------------------------------------------------------------------
st.subheader("Recent portal activity")
names = {contact.id: contact.full_name for contact in contacts}
if not overview.activity:
    st.caption("No portal activity yet.")
else:
    rows = []
    for event in overview.activity:
        details = json.loads(event.details or "{}")
        what = ACTIVITY_LABELS.get(event.action, event.action.replace("_", " ").capitalize())
        subject = " ".join(str(details[k]) for k in ("kind", "number") if details.get(k))
        amount = details.get("amount")
        rows.append({
            "When": ui.fmt_time(event.created_at),
            "Who": names.get(event.actor_id, "") if event.actor_type == "contact" else
            event.actor_type,
            "What": " ".join(part for part in (what, subject.replace("_", " "),
                                                amount and f"({amount})") if part),
        })
    st.dataframe(rows, hide_index=True, width="stretch")

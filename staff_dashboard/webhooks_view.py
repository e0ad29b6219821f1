"""The "Webhooks" section of the API & webhooks page (admins): endpoints and deliveries.

`render_webhooks(staff)` draws the whole section: register an endpoint (its secret is shown
once, right after), the endpoints with enable/disable, rotate secret and delete, and the
recent deliveries with attempts, response codes, errors and "Redeliver".
"""

import streamlit as st

from core.events import ALL_TYPES, EVENT_TYPES
from core.queries.webhooks import list_webhook_deliveries, list_webhook_endpoints
from core.services.webhooks import (
    delete_webhook_endpoint,
    redeliver_webhook,
    register_webhook_endpoint,
    rotate_webhook_secret,
    update_webhook_endpoint,
)
from staff_dashboard import keys, ui

STATUS_ICONS = {"pending": "⏳", "sending": "📤", "delivered": "✅", "failed": "❌",
                "cancelled": "⛔"}


def _types_label(event_types: str) -> str:
    return "all events" if event_types == ALL_TYPES else event_types.replace(",", ", ")


def _show_new_secret() -> None:
    """The secret of an endpoint just registered or rotated, this once; then it is gone."""
    shown = st.session_state.pop(keys.WEBHOOKS_NEW_SECRET, None)
    if shown:
        url, secret = shown
        with st.container(border=True):
            st.markdown(f"**Signing secret for {ui.md(url)}** — copy it now: it is not shown "
                        "again (rotate it to get a new one).")
            st.code(secret, language=None)


def _keep_secret(result) -> str:
    endpoint, secret = result
    st.session_state[keys.WEBHOOKS_NEW_SECRET] = (endpoint.url, secret)
    return f"Endpoint {endpoint.url} saved."


def _registered(result) -> str:
    """After "Add endpoint": its secret kept to show once, and an empty form for the next."""
    for key in (keys.WEBHOOKS_URL, keys.WEBHOOKS_TYPES, keys.WEBHOOKS_DESCRIPTION):
        st.session_state.pop(key, None)
    return _keep_secret(result)


def _register() -> tuple:
    """Register the endpoint the form holds (its submit callback)."""
    return register_webhook_endpoint(
        ui.actor(), st.session_state[keys.WEBHOOKS_URL],
        st.session_state[keys.WEBHOOKS_TYPES] or ALL_TYPES,
        description=st.session_state[keys.WEBHOOKS_DESCRIPTION])


def _register_form() -> None:
    with st.form("webhooks_register"):
        st.markdown("**Add an endpoint**")
        st.text_input("Endpoint URL", key=keys.WEBHOOKS_URL,
                      placeholder="https://erp.example.com/doorstep/webhooks",
                      help="https:// on a public address (http:// and local addresses "
                           "only with WEBHOOK_ALLOW_PRIVATE_ADDRESSES on). Doorstep "
                           "POSTs each event there.")
        st.multiselect("Event types", list(EVENT_TYPES), key=keys.WEBHOOKS_TYPES,
                       placeholder="All events",
                       help="Leave empty to receive every event type.")
        st.text_input("Description (optional)", key=keys.WEBHOOKS_DESCRIPTION)
        ui.show_refusal("webhooks_register__refused")
        ui.submit_button("Add endpoint", _register, _registered,
                         error_key="webhooks_register__refused", type="primary")


def _endpoint_row(endpoint) -> None:
    with st.container(border=True):
        info, actions = st.columns([4, 3], vertical_alignment="center")
        state = "active" if endpoint.is_active else "**disabled**"
        info.markdown(f"**{ui.md(endpoint.url)}** · {state}")
        info.caption(f"{ui.md(_types_label(endpoint.event_types))} · secret "
                     f"`{endpoint.secret_hint}…` · added {ui.fmt_time(endpoint.created_at)}"
                     + (f" · {ui.md(endpoint.description)}" if endpoint.description else ""))
        toggle, rotate, delete = actions.columns(3)
        if endpoint.is_active:
            ui.action_button(toggle, "Disable", lambda e=endpoint.id: update_webhook_endpoint(
                ui.actor(), e, is_active=False), f"{endpoint.url} will receive no more events.",
                key=f"webhooks_disable_{endpoint.id}")
        else:
            ui.action_button(toggle, "Enable", lambda e=endpoint.id: update_webhook_endpoint(
                ui.actor(), e, is_active=True), f"{endpoint.url} receives events again.",
                key=f"webhooks_enable_{endpoint.id}")
        ui.action_button(rotate, "Rotate secret",
                         lambda e=endpoint.id: rotate_webhook_secret(ui.actor(), e),
                         _keep_secret, key=f"webhooks_rotate_{endpoint.id}")
        ui.action_button(delete, "Delete",
                         lambda e=endpoint.id: delete_webhook_endpoint(ui.actor(), e),
                         f"Endpoint {endpoint.url} deleted.", key=f"webhooks_delete_{endpoint.id}")


def _deliveries(staff) -> None:
    st.markdown("**Recent deliveries**")
    deliveries = list_webhook_deliveries(staff.organization_id)
    if not deliveries:
        st.caption("No deliveries yet: they appear here when something happens in the portal.")
        return
    rows = [{
        "Created": ui.fmt_time(d.created_at),
        "Event": d.event.type,
        "Event id": d.event.public_id,
        "Endpoint": d.endpoint.url,
        "Status": f"{STATUS_ICONS.get(d.status, '')} {d.status}",
        "Attempts": d.attempts,
        "Response": d.last_response_code,
        "Next attempt": ui.fmt_time(d.next_attempt_at) if d.status == "pending" else "",
        "Last error": d.last_error,
    } for d in deliveries]
    generation = hash(tuple((d.id, d.status, d.attempts) for d in deliveries))
    table = st.dataframe(rows, key=f"{keys.WEBHOOKS_TABLE}_{generation}", on_select="rerun",
                         selection_mode="single-row", hide_index=True, width="stretch")
    rows_chosen = table.selection.rows
    chosen = (deliveries[rows_chosen[0]]
              if rows_chosen and rows_chosen[0] < len(deliveries) else None)
    if chosen is None:
        st.caption("Select a delivery to send its event again.")
        return
    st.caption(f"{chosen.event.type} `{chosen.event.public_id}` to {ui.md(chosen.endpoint.url)}"
               f" · {chosen.status} · {chosen.attempts} attempt(s)")
    ui.action_button(st, "Redeliver", lambda d=chosen.id: redeliver_webhook(ui.actor(), d),
                     f"Event {chosen.event.public_id} queued again for {chosen.endpoint.url}.",
                     key=f"webhooks_redeliver_{chosen.id}", icon=":material/replay:")


def render_webhooks(staff) -> None:
    """The Webhooks section: register endpoints, list them, and their recent deliveries."""
    st.subheader("Webhooks")
    st.caption("Doorstep POSTs each event, signed with the endpoint's secret "
               "(Doorstep-Signature), to the endpoints below; see docs/webhooks.md.")
    _show_new_secret()
    endpoints = list_webhook_endpoints(staff.organization_id)
    for endpoint in endpoints:
        _endpoint_row(endpoint)
    if not endpoints:
        st.caption("No endpoints yet.")
    _register_form()
    _deliveries(staff)

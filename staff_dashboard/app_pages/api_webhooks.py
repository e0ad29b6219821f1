"""API & webhooks (admin): the integration API's keys — create (shown once), revoke."""

import streamlit as st

from core.services.api_keys import create_api_key, list_api_keys, revoke_api_key
from staff_dashboard import auth, keys, ui
from staff_dashboard.webhooks_view import render_webhooks

ui.require_admin()
ui.title("API & webhooks")
st.caption("Your own system (ERP, accounting, inventory) pushes customers, contacts, items and "
           "documents to the portal through the integration API at `/api/v1/`, with a key "
           "sent as `Authorization: Bearer …`. See `/api/v1/docs` for the reference.")



def key_created(created) -> str:
    """After "Create key": the raw key kept for this one run to show, the name box empty."""
    _key, raw = created
    st.session_state.pop("api_key_name", None)
    st.session_state[keys.API_NEW_KEY] = raw
    return "Key created."


new_key = st.session_state.pop(keys.API_NEW_KEY, None)
if new_key:
    st.success("Copy the key now: it is shown only this once, and only its hash is kept.")
    st.code(new_key, language=None)

with st.form("api_key_create"):
    st.subheader("Create a key")
    st.text_input("Name", key="api_key_name", placeholder="ERP sync")
    name_error = st.empty()
    st.radio("Scope", ["read", "write"], key="api_key_scope", horizontal=True,
             format_func={"read": "Read only", "write": "Read and write"}.get)
    ui.show_refusal("api_key_create__refused", {"name": name_error}, fallback=name_error)
    ui.submit_button(
        "Create key",
        lambda: create_api_key(ui.actor(), st.session_state["api_key_name"],
                               st.session_state["api_key_scope"]),
        key_created, error_key="api_key_create__refused", type="primary")

st.subheader("Keys")
api_keys = list_api_keys(ui.actor())
if not api_keys:
    st.info("No keys yet.")
for key in api_keys:
    with st.container(border=True):
        info, action = st.columns([5, 1], vertical_alignment="center")
        state = f"revoked {ui.fmt_time(key.revoked_at)}" if key.revoked_at else "live"
        info.markdown(f"**{ui.md(key.name)}** · `{key.prefix}…` · "
                      f"{'read and write' if key.scope == 'write' else 'read only'} · {state}")
        info.caption(f"Created {ui.fmt_time(key.created_at)} · last used "
                     + (ui.fmt_time(key.last_used_at) or "never"))
        if key.revoked_at is None:
            ui.action_button(action, "Revoke", lambda k=key.id: revoke_api_key(ui.actor(), k),
                             f"Key {key.name} is revoked: requests with it are refused.",
                             key=f"api_key_revoke_{key.id}")

render_webhooks(auth.current_staff())

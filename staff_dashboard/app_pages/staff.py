"""Staff accounts (admin): add, deactivate or reactivate, reset a password."""

import streamlit as st

from core.queries.staff import list_staff
from core.services.staff import create_staff, reset_staff_password, set_staff_active
from staff_dashboard import auth, keys, ui

ui.require_admin()
me = auth.current_staff()
ui.title("Staff")

members = list_staff(me.organization_id)
for member in members:
    with st.container(border=True):
        info, action = st.columns([5, 1], vertical_alignment="center")
        info.markdown(f"**{ui.md(member.name)}** · {ui.md(member.email)} · {member.role}"
                      + ("" if member.is_active else " · **deactivated**"))
        info.caption("Last sign-in: " + (ui.fmt_time(member.last_login_at) or "never"))
        if member.id == me.id:
            action.caption("This is you")
        elif member.is_active:
            ui.action_button(action, "Deactivate",
                             lambda m=member.id: set_staff_active(ui.actor(), m, False),
                             f"{member.name} is deactivated and signed out.",
                             key=f"staff_deactivate_{member.id}")
        else:
            ui.action_button(action, "Reactivate",
                             lambda m=member.id: set_staff_active(ui.actor(), m, True),
                             f"{member.name} can sign in again.",
                             key=f"staff_reactivate_{member.id}")

ADD_FIELDS = ("staff_add_email", "staff_add_name", "staff_add_password")


def added(created) -> str:
    """After "Add staff member": an empty form, and who can now sign in."""
    for key in ADD_FIELDS:
        st.session_state.pop(key, None)
    return f"{created.name} can now sign in as {created.email}."


def password_reset(_) -> str:
    """After "Set password": the box emptied, and whose password it was."""
    st.session_state.pop("staff_reset_password", None)
    who = st.session_state[keys.STAFF_RESET_WHO]
    return f"Password of {next(m.name for m in members if m.id == who)} reset."


left, right = st.columns(2)
with left, st.form("staff_add", clear_on_submit=False):
    st.subheader("Add a staff member")
    st.text_input("Email", key="staff_add_email")
    email_error = st.empty()
    st.text_input("Name", key="staff_add_name")
    name_error = st.empty()
    st.text_input("Password", type="password", key="staff_add_password")
    password_error = st.empty()
    st.selectbox("Role", ["staff", "admin"], key="staff_add_role",
                 format_func={"staff": "Staff", "admin": "Administrator"}.get)
    ui.show_refusal("staff_add__refused", {"email": email_error, "name": name_error,
                                           "password": password_error},
                    fallback=password_error)
    ui.submit_button(
        "Add staff member",
        lambda: create_staff(ui.actor(), st.session_state["staff_add_email"],
                             st.session_state["staff_add_name"],
                             st.session_state["staff_add_password"],
                             role=st.session_state["staff_add_role"]),
        added, error_key="staff_add__refused", type="primary")

with right, st.form("staff_reset"):
    st.subheader("Reset a password")
    by_id = {member.id: member for member in members}
    st.selectbox("Staff member", list(by_id), key=keys.STAFF_RESET_WHO,
                       format_func=lambda i: f"{by_id[i].name} ({by_id[i].email})")
    st.text_input("New password", type="password", key="staff_reset_password")
    reset_error = st.empty()
    st.caption("Their console sessions end at once; tell them the new password.")
    ui.show_refusal("staff_reset__refused", fallback=reset_error)
    ui.submit_button(
        "Set password",
        lambda: reset_staff_password(ui.actor(), st.session_state[keys.STAFF_RESET_WHO],
                                     st.session_state["staff_reset_password"]),
        password_reset, error_key="staff_reset__refused")

"""Staff accounts (admin): add, deactivate or reactivate, reset a password."""

import streamlit as st

from core.errors import DoorstepError
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
            if action.button("Deactivate", key=f"staff_deactivate_{member.id}"):
                ui.run_action(lambda m=member: set_staff_active(ui.actor(), m.id, False),
                              f"{member.name} is deactivated and signed out.")
        elif action.button("Reactivate", key=f"staff_reactivate_{member.id}"):
            ui.run_action(lambda m=member: set_staff_active(ui.actor(), m.id, True),
                          f"{member.name} can sign in again.")

left, right = st.columns(2)
with left, st.form("staff_add", clear_on_submit=False):
    st.subheader("Add a staff member")
    email = st.text_input("Email", key="staff_add_email")
    email_error = st.empty()
    name = st.text_input("Name", key="staff_add_name")
    name_error = st.empty()
    password = st.text_input("Password", type="password", key="staff_add_password")
    password_error = st.empty()
    role = st.selectbox("Role", ["staff", "admin"], key="staff_add_role",
                        format_func={"staff": "Staff", "admin": "Administrator"}.get)
    if st.form_submit_button("Add staff member", type="primary"):
        try:
            created = create_staff(ui.actor(), email, name, password, role=role)
        except DoorstepError as error:
            ui.show_field_error(error, {"email": email_error, "name": name_error,
                                        "password": password_error}, fallback=password_error)
        else:
            for key in ("staff_add_email", "staff_add_name", "staff_add_password"):
                del st.session_state[key]
            ui.flash("success", f"{created.name} can now sign in as {created.email}.")
            st.rerun()

with right, st.form("staff_reset"):
    st.subheader("Reset a password")
    by_id = {member.id: member for member in members}
    who = st.selectbox("Staff member", list(by_id), key=keys.STAFF_RESET_WHO,
                       format_func=lambda i: f"{by_id[i].name} ({by_id[i].email})")
    new_password = st.text_input("New password", type="password", key="staff_reset_password")
    reset_error = st.empty()
    st.caption("Their console sessions end at once; tell them the new password.")
    if st.form_submit_button("Set password"):
        try:
            reset_staff_password(ui.actor(), who, new_password)
        except DoorstepError as error:
            reset_error.error(str(error))
        else:
            del st.session_state["staff_reset_password"]
            ui.flash("success", f"Password of {by_id[who].name} reset.")
            st.rerun()

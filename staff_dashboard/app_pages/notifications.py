"""Notifications: the list, mark one or all read, open the record."""

import streamlit as st

from core.queries.staff import (
    get_preferences,
    get_staff_email_choices,
    list_notifications,
    unread_notification_count,
)
from core.services.notifications import (
    EMAIL_PREFERENCE,
    mark_all_notifications_read,
    set_staff_email_choices,
)
from staff_dashboard import auth, keys, ui
from staff_dashboard.notifications_view import notification_row

PER_PAGE = 25
EVENT_LABELS = {"invoice_viewed": "An invoice is viewed for the first time",
                "payment": "A payment is made", "comment": "A customer comments",
                "signup": "Someone signs up", "invitation_accepted": "An invitation is accepted"}

CHOICE_VALUES = {"on": True, "off": False}  # "default": None, the organization's choice

staff = auth.current_staff()
ui.title("Notifications")
unread = unread_notification_count(staff.id)

top = st.columns([2, 2, 3], vertical_alignment="center")
top[0].markdown(f"**{unread} unread**")
unread_only = top[1].toggle("Unread only", key=keys.NOTIFICATIONS_UNREAD_ONLY)
ui.action_button(top[2], "Mark all read", lambda: mark_all_notifications_read(ui.actor()),
                 lambda count: f"{ui.plural(count, 'notification', 'notifications')} marked "
                               "read.",
                 key="notifications_mark_all", disabled=unread == 0, icon=":material/done_all:")

result = list_notifications(staff.id, unread_only=unread_only,
                            page=st.session_state.get(keys.NOTIFICATIONS_PAGE, 1),
                            per_page=PER_PAGE)
if not result.items:
    st.caption("No notifications." if not unread_only else "No unread notifications.")
for notification in result.items:
    notification_row(notification, key_prefix="notifications")
if result.pages > 1:
    st.session_state[keys.NOTIFICATIONS_PAGE] = result.page
    st.number_input(f"Page (of {result.pages})", min_value=1, max_value=result.pages, step=1,
                    key=keys.NOTIFICATIONS_PAGE)


with st.expander("Which events email me", expanded=False):
    organization = get_preferences(staff.organization_id)
    own = get_staff_email_choices(staff.id)
    st.caption("Each event shows here in any case; choose which also email you. "
               "\"Organization default\" follows the portal preferences.")
    with st.form("notifications_email_choices"):
        for kind, (field, _email_kind) in EMAIL_PREFERENCE.items():
            default = "on" if getattr(organization, field) else "off"
            options = ["default", "on", "off"]
            current = {True: "on", False: "off"}.get(own.get(kind), "default")
            st.selectbox(
                EVENT_LABELS[kind], options, index=options.index(current),
                key=f"notifications_email_{kind}",
                format_func={"default": f"Organization default ({default})",
                             "on": "Email me", "off": "Don't email me"}.get)
        ui.show_refusal("notifications_email_refused")
        ui.submit_button(
            "Save my email choices",
            lambda: set_staff_email_choices(ui.actor(), {
                kind: CHOICE_VALUES.get(st.session_state[f"notifications_email_{kind}"])
                for kind in EMAIL_PREFERENCE}),
            "Your email choices are saved.", error_key="notifications_email_refused")

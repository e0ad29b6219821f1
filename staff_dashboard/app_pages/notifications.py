"""Notifications: the list, mark one or all read, open the record."""

import streamlit as st

from core.queries.staff import list_notifications, unread_notification_count
from core.services.notifications import mark_all_notifications_read
from staff_dashboard import auth, keys, ui
from staff_dashboard.notifications_view import notification_row

PER_PAGE = 25

staff = auth.current_staff()
ui.title("Notifications")
unread = unread_notification_count(staff.id)

top = st.columns([2, 2, 3], vertical_alignment="center")
top[0].markdown(f"**{unread} unread**")
unread_only = top[1].toggle("Unread only", key=keys.NOTIFICATIONS_UNREAD_ONLY)
if top[2].button("Mark all read", key="notifications_mark_all", disabled=unread == 0,
                 icon=":material/done_all:"):
    ui.run_action(lambda: mark_all_notifications_read(ui.actor()),
                  lambda count: f"{count} notification(s) marked read.")

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

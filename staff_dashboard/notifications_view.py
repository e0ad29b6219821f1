"""Notification rows shared by the home and notifications pages: read, mark read, open."""

import streamlit as st

from core.services.notifications import mark_notification_read
from staff_dashboard import keys, paths, ui

KIND_ICONS = {"invoice_viewed": "👁", "payment": "💳", "comment": "💬",
              "invitation_accepted": "✅", "signup": "🆕", "quote_accepted": "👍",
              "quote_declined": "👎"}


def open_record(notification) -> None:
    """Mark the notification read and switch to the page of the record it is about."""
    mark_notification_read(ui.actor(), notification.id)
    page = paths.DOCUMENT_PAGES.get(notification.record_type)
    if page and notification.record_id:
        st.switch_page(page, query_params={keys.QUERY_DOCUMENT: str(notification.record_id)})
    customer_id = (notification.record_id if notification.record_type == "customer"
                   else notification.customer_id)
    if customer_id:
        st.session_state[keys.OVERVIEW_CUSTOMER_ID] = customer_id
        st.switch_page(paths.CUSTOMER_OVERVIEW,
                       query_params={keys.QUERY_CUSTOMER: str(customer_id)})
    st.rerun()


def document_focus_key(kind: str) -> str:
    """Session-state key of the document a kind's page shows in detail."""
    return f"{keys.DOCUMENTS_PREFIX}_{kind}_open_id"


def notification_row(notification, *, key_prefix: str) -> None:
    """One notification: icon, message, time, and its buttons."""
    with st.container(border=True):
        text, buttons = st.columns([5, 2], vertical_alignment="center")
        icon = KIND_ICONS.get(notification.kind, "🔔")
        weight = "" if notification.is_read else "**"
        text.markdown(f"{icon} {weight}{ui.md(notification.message)}{weight}")
        text.caption(ui.fmt_time(notification.created_at)
                     + ("" if notification.is_read else " · unread"))
        left, right = buttons.columns(2)
        has_record = bool(notification.record_id or notification.customer_id)
        if has_record and left.button("Open", key=f"{key_prefix}_open_{notification.id}",
                                      icon=":material/open_in_new:"):
            open_record(notification)
        if not notification.is_read:
            ui.action_button(right, "Mark read",
                             lambda n=notification.id: mark_notification_read(ui.actor(), n),
                             "Notification marked read.",
                             key=f"{key_prefix}_read_{notification.id}")


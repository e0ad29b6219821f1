"""Home: the figures that matter, two charts, and unread notifications (figures and
charts written as HTML: see staff_dashboard.figures and .charts)."""

import streamlit as st

from core.queries.staff import list_notifications, list_pending_bank_transfers
from staff_dashboard import auth, paths, ui
from staff_dashboard.charts import per_day, per_day_chart
from staff_dashboard.figures import Figure, figure_row
from staff_dashboard.notifications_view import notification_row
from staff_dashboard.speed import (
    acceptance_over_time,
    home_figures,
    portal_payments_month_by_currency,
    portal_payments_over_time,
)

staff = auth.current_staff()
ui.title(f"{staff.organization_name}")

CHART_DAYS = 60
figures = home_figures(staff.organization_id)
by_currency = portal_payments_month_by_currency(staff.organization_id)
st.html(figure_row([
    Figure("Contacts invited", figures.contacts_invited,
           help="Invited; the invitation is not accepted yet."),
    Figure("Contacts active", figures.contacts_active),
    Figure("Not accepted after 7 days", figures.invitations_stale,
           help="Invitations sent more than 7 days ago and still not accepted."),
]))
st.html(figure_row([
    Figure("Invoices viewed", figures.invoices_viewed),
    Figure("Invoices not viewed", figures.invoices_not_viewed),
    Figure("Portal payments this month", figures.portal_payments_month_count,
           help="Payments made through the portal since the 1st of this month.",
           note=" · ".join(ui.fmt_money(amount, currency)
                           for currency, amount in by_currency.items())),
]))

pending = list_pending_bank_transfers(staff.organization_id)
if pending:
    st.info(f"{ui.plural(len(pending), 'bank-transfer notice waits', 'bank-transfer notices wait')}"
            " for confirmation.")
    if st.button("Review bank transfers", key="home_review_transfers"):
        st.switch_page(paths.INVOICES)

charts = st.columns(2)
with charts[0]:
    st.subheader("Invitations")
    acceptance = per_day(acceptance_over_time(staff.organization_id, CHART_DAYS),
                         {"invited": "Invited", "accepted": "Accepted"})
    said = f"Invitations sent and accepted per day, last {CHART_DAYS} days"
    st.html(per_day_chart(acceptance, {"Invited": "#9aa5b1", "Accepted": "#2e7d32"},
                          label=said))
    st.caption(f"{said}.")
with charts[1]:
    st.subheader("Portal payments")
    payments = per_day(portal_payments_over_time(staff.organization_id, CHART_DAYS),
                       {"payments": "Payments"})
    said = f"Payments made through the portal per day, last {CHART_DAYS} days"
    st.html(per_day_chart(payments, {"Payments": "#1f6feb"}, label=said))
    st.caption(f"{said}.")

st.subheader("Unread notifications")
unread = list_notifications(staff.id, unread_only=True, per_page=10)
if not unread.items:
    st.caption("You are all caught up.")
for notification in unread.items:
    notification_row(notification, key_prefix="home")
if unread.total > len(unread.items):
    if st.button(f"All {unread.total} unread notifications", key="home_all_notifications"):
        st.switch_page(paths.NOTIFICATIONS)

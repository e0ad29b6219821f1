"""Audit trail (admin): who did what and when, for a date range, exported as CSV or XLSX."""

import datetime

import streamlit as st

from core.queries.exports import export_audit_trail
from staff_dashboard import exports_view, keys, ui

ui.require_admin()
ui.title("Audit trail")
st.caption("Every action of staff, contacts, API keys and Doorstep itself, with its time (in "
           "the organization's timezone), record and address.")

today = datetime.date.today()
left, right = st.columns(2)
start = left.date_input("From", value=today - datetime.timedelta(days=30), key=keys.AUDIT_FROM)
end = right.date_input("To", value=today, key=keys.AUDIT_TO)
if start > end:
    st.error("The start date is after the end date.")
    st.stop()
actor = ui.actor()
preview = export_audit_trail(actor, start, end)
shown = []
for row in preview.rows:
    shown.append(dict(zip(preview.header, row, strict=True)))
    if len(shown) == 50:
        break
st.dataframe(shown, hide_index=True, width="stretch", key="audit_trail_table")
st.caption("The first 50 events of the range; the export has all of them.")
exports_view.export_buttons(f"audit-trail-{start}-to-{end}",
                            lambda: export_audit_trail(actor, start, end), key="audit_export")

"""Mail: the outbox with a retry for failed messages, and (admins only) the mail the local
development catcher kept for this organization."""

import json

import streamlit as st

from core.queries.staff import list_outbox
from core.services.mail_admin import retry_outbox_message
from staff_dashboard import auth, keys, ui
from staff_dashboard.caught_mail import mail_folder, read_caught_mail

PER_PAGE = 50
STATUSES = ("", "queued", "sending", "sent", "failed", "cancelled")

staff = auth.current_staff()
ui.title("Mail")
if staff.is_admin:
    outbox_tab, caught_tab = st.tabs(["Outbox", "Caught mail (local development catcher)"])
else:  # caught mail holds live links (password resets): admins only
    outbox_tab, caught_tab = st.container(), None

with outbox_tab:
    controls = st.columns([2, 1, 3], vertical_alignment="bottom")
    status = controls[0].selectbox("Status", STATUSES, key=keys.MAIL_STATUS,
                                   format_func=lambda s: s.capitalize() or "Any")
    result = list_outbox(staff.organization_id, status=status,
                         page=st.session_state.get(keys.MAIL_PAGE, 1), per_page=PER_PAGE)
    failed = list_outbox(staff.organization_id, status="failed", per_page=1).total
    controls[2].caption(f"{result.total:,} message(s) · {failed} failed")
    rows = [{
        "Created": ui.fmt_time(m.created_at),
        "Kind": m.kind.replace("_", " "),
        "Recipient": m.recipient,
        "Language": m.language,
        "Status": m.status,
        "Attempts": m.attempts,
        "Next attempt": ui.fmt_time(m.next_attempt_at) if m.status == "queued" else "",
        "Sent": ui.fmt_time(m.sent_at),
        "Last error": m.last_error,
    } for m in result.items]
    event = st.dataframe(rows, key=f"{keys.MAIL_TABLE}_{hash((status, result.page))}",
                         on_select="rerun", selection_mode="single-row", hide_index=True,
                         width="stretch")
    st.session_state[keys.MAIL_PAGE] = result.page
    controls[1].number_input(f"Page of {result.pages}", min_value=1, max_value=result.pages,
                             step=1, key=keys.MAIL_PAGE)
    chosen = (result.items[event.selection.rows[0]]
              if event.selection.rows and event.selection.rows[0] < len(result.items) else None)
    if chosen is None:
        st.caption("Select a message to see its details; a failed one can be sent again.")
    else:
        with st.container(border=True):
            st.markdown(f"**{chosen.kind.replace('_', ' ')}** to {ui.md(chosen.recipient)} · "
                        f"{chosen.status} · {chosen.attempts} attempt(s) · "
                        f"message id `{chosen.message_id}`")
            if chosen.last_error:
                st.code(chosen.last_error, language=None)
            st.json(json.loads(chosen.payload or "{}"), expanded=False)
            if chosen.status == "failed":
                ui.action_button(st, "Retry this message",
                                 lambda m=chosen.id: retry_outbox_message(ui.actor(), m),
                                 f"Message to {chosen.recipient} queued again.",
                                 key=f"mail_retry_{chosen.id}", type="primary",
                                 icon=":material/replay:")

if caught_tab is not None:
    with caught_tab:
        st.caption("The local development SMTP catcher that `doorstep run` starts when "
                   "MAIL_SERVER is not set keeps every email it is sent. Shown here: only your "
                   "organization's, and only to admins. A real mail server replaces it in "
                   "production.")
        caught = read_caught_mail(ui.actor())
        if caught is None:
            st.info(f"No catcher folder at {mail_folder()}. `doorstep run` starts a local SMTP "
                    "catcher that keeps every email there when MAIL_SERVER is not set.")
        elif not caught:
            st.caption(f"No emails of your organization caught yet in {mail_folder()}.")
        for message in caught or []:
            with st.expander(f"{ui.md(message.subject)} → {ui.md(message.recipient)}"):
                st.caption(f"{message.date} · from {ui.md(message.sender)} · "
                           f"{ui.md(message.file)}")
                for link in message.links:
                    st.markdown(f"- [{ui.md(link)}](<{link}>)")
                st.text(message.text)

"""The invoices, quotes and sales orders pages: one list-and-detail view for each kind."""

from collections.abc import Callable

import streamlit as st

from core import document_rules
from core.errors import NotFoundError
from core.queries.staff import get_document_thread, list_documents
from core.services.comments import add_staff_comment
from staff_dashboard import auth, keys, ui
from staff_dashboard.notifications_view import document_focus_key

PER_PAGE = 50
STATUSES = {
    "invoice": ("draft", "sent", "partially_paid", "paid", "void"),
    "quote": ("draft", "sent", "accepted", "declined", "expired", "invoiced"),
    "sales_order": ("draft", "confirmed", "closed", "void"),
}
TITLES = {"invoice": "Invoices", "quote": "Quotes", "sales_order": "Sales orders"}
SINGULAR = {"invoice": "Invoice", "quote": "Quote", "sales_order": "Sales order"}
VIEWED_CHOICES = {"all": None, "viewed": True, "not_viewed": False}
VIEWED_LABELS = {"all": "All", "viewed": "Customer viewed", "not_viewed": "Not viewed"}


def state_key(kind: str, name: str) -> str:
    """A session-state key of one kind's page."""
    return f"{keys.DOCUMENTS_PREFIX}_{kind}_{name}"


def document_date(document):
    """The date a document is known by (issue date, or order date)."""
    return getattr(document, "issue_date", None) or getattr(document, "order_date", None)


def render(kind: str, above_list: Callable[[], None] | None = None) -> None:
    """Draw the page of one kind of document (`above_list` draws extras under the title)."""
    staff = auth.current_staff()
    ui.title(TITLES[kind])
    if above_list:
        above_list()
    page_key = state_key(kind, "page")

    def reset_page() -> None:
        """A changed filter starts again at page 1."""
        st.session_state[page_key] = 1

    filters = st.columns([2, 2, 2], vertical_alignment="bottom")
    viewed = filters[0].segmented_control(
        "Customer viewed", list(VIEWED_CHOICES), default="all", key=state_key(kind, "viewed"),
        format_func=VIEWED_LABELS.get, on_change=reset_page) or "all"
    status = filters[1].selectbox("Status", ["", *STATUSES[kind]], key=state_key(kind, "status"),
                                  format_func=lambda s: s.replace("_", " ").capitalize() or "Any",
                                  on_change=reset_page)
    search = filters[2].text_input("Number", key=state_key(kind, "search"),
                                   on_change=reset_page, placeholder="Search by number")
    result = list_documents(staff.organization_id, kind, viewed=VIEWED_CHOICES[viewed],
                            status=status, search=search,
                            page=st.session_state.get(page_key, 1), per_page=PER_PAGE)
    rows = []
    today = document_rules.today_for(staff)  # the organization's date, as the portal's
    for document in result.items:
        viewer = document.first_viewed_by
        row = {
            "👁": ui.VIEWED_MARK if document.first_viewed_at else ui.NOT_VIEWED_MARK,
            "Number": document.number,
            "Customer": document.customer.display_name,
            "Date": document_date(document),
            "Status": document_rules.shown_status(kind, document, today).replace("_", " "),
            "Total": ui.fmt_money(document.total, document.currency),
        }
        if kind == "invoice":
            row["Balance"] = ui.fmt_money(document.balance, document.currency)
        row["First viewed"] = ui.fmt_time(document.first_viewed_at)
        row["Viewed by"] = viewer.full_name if viewer else ""
        rows.append(row)
    ids = [document.id for document in result.items]
    # The open document shows above the list, where a click from a notification lands.
    detail_area = st.container()
    generation = st.session_state.get(state_key(kind, "table_generation"), 0)
    table_key = state_key(kind, f"table_{hash((viewed, status, search, result.page, generation))}")
    event = st.dataframe(rows, key=table_key, on_select="rerun", selection_mode="single-row",
                         hide_index=True, width="stretch")
    focus_key = document_focus_key(kind)
    if event.selection.rows and event.selection.rows[0] < len(ids):
        st.session_state[focus_key] = ids[event.selection.rows[0]]

    pager = st.columns([1, 5], vertical_alignment="bottom")
    st.session_state[page_key] = result.page
    pager[0].number_input("Page", min_value=1, max_value=result.pages, step=1, key=page_key)
    pager[1].caption(f"of {result.pages} · {result.total:,} {TITLES[kind].lower()} · "
                     "select a row to read its comments and reply")

    if st.session_state.get(focus_key):
        with detail_area:
            detail(kind, st.session_state[focus_key])


def detail(kind: str, document_id: int) -> None:
    """A document's summary, its comment thread and the reply box."""
    staff = auth.current_staff()
    focus_key = document_focus_key(kind)
    try:
        document, comments = get_document_thread(staff.organization_id, kind, document_id)
    except NotFoundError:
        st.session_state.pop(focus_key, None)
        st.error("This document does not exist.")
        return
    with st.container(border=True):
        head, close = st.columns([5, 1], vertical_alignment="bottom")
        head.subheader(f"{SINGULAR[kind]} {ui.md(document.number)} · "
                       f"{ui.md(document.customer.display_name)}")
        if close.button("Close", key=state_key(kind, "close"), icon=":material/close:"):
            st.session_state.pop(focus_key, None)
            generation_key = state_key(kind, "table_generation")  # and untick the row
            st.session_state[generation_key] = st.session_state.get(generation_key, 0) + 1
            st.rerun()
        summary(kind, document)
        thread(comments)
        reply_box(kind, document)


def summary(kind: str, document) -> None:
    """Status, amounts, and who first viewed the document."""
    viewer = document.first_viewed_by
    seen = (f"{ui.VIEWED_MARK} First viewed {ui.fmt_time(document.first_viewed_at)} by "
            f"{ui.md(viewer.full_name) if viewer else 'a former contact'}"
            if document.first_viewed_at else f"{ui.NOT_VIEWED_MARK} Not viewed yet")
    total = ui.fmt_money(document.total, document.currency)
    balance = (f" · balance {ui.fmt_money(document.balance, document.currency)}"
               if kind == "invoice" else "")
    shown = document_rules.shown_status(kind, document, document_rules.today_for(
        auth.current_staff()))
    st.markdown(f"**{shown.replace('_', ' ').capitalize()}** · {total}{balance}  \n"
                f"{seen}")


def thread(comments) -> None:
    """The comments, oldest first, by contacts and staff."""
    st.markdown("**Comments**")
    if not comments:
        st.caption("No comments yet.")
    for comment in comments:
        author = (comment.contact.full_name if comment.contact_id and comment.contact
                  else f"{comment.staff.name} (staff)" if comment.staff_id and comment.staff
                  else "Former user")
        with st.chat_message("assistant" if comment.staff_id else "user",
                             avatar="🏢" if comment.staff_id else "👤"):
            st.caption(f"{ui.md(author)} · {ui.fmt_time(comment.created_at)}")
            st.text(comment.body)


def reply_box(kind: str, document) -> None:
    """A staff reply: the core emails the contacts of the thread."""
    body_key = state_key(kind, f"reply_body_{document.id}")
    with st.form(state_key(kind, f"reply_{document.id}")):
        body = st.text_area("Reply", key=body_key,
                            placeholder="Your reply is emailed to the customer's contacts "
                                        "in this thread.")
        error_slot = st.empty()
        if st.form_submit_button("Post reply", type="primary"):
            posted = ui.run_action(lambda: add_staff_comment(ui.actor(), kind, document.id, body),
                                   "Reply posted; the customer's contacts are emailed.",
                                   error_slot=error_slot, rerun=False)
            if posted:  # an empty box for the next reply; a refused one keeps its text
                del st.session_state[body_key]
                st.rerun()

"""The invoices, quotes and sales orders pages: one list-and-detail view for each kind."""

from collections.abc import Callable

import streamlit as st

from core import document_rules
from core.errors import DoorstepError, NotFoundError
from core.pdf.fonts import FontsMissingError
from core.pdf.records import staff_document_pdf
from core.queries.audience import REASONS, list_document_viewers
from core.queries.exports import export_invoices
from core.queries.staff import get_document_thread, list_documents, list_invoice_payments
from core.services.comments import add_staff_comment
from staff_dashboard import auth, exports_view, keys, ui
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


def one_of(options):
    """A parser for ui.url_state that accepts only `options`."""
    def parse(raw: str):
        if raw not in options:
            raise ValueError(raw)
        return raw
    return parse


def url_fields(kind: str) -> dict:
    """Widget key: (query parameter, default, parser); the URL is the truth (ui.url_state)."""
    return {
        state_key(kind, "viewed"): ("viewed", "all", one_of(VIEWED_CHOICES)),
        state_key(kind, "status"): ("status", "", one_of(STATUSES[kind])),
        state_key(kind, "search"): ("q", "", lambda raw: raw[:100]),
        state_key(kind, "page"): ("page", 1, lambda raw: max(1, int(raw))),
    }


def synced(kind: str, name: str, *, first_page: bool = True) -> dict:
    """The on_change arguments that put a widget's value in the URL."""
    key = state_key(kind, name)
    param, default, _ = url_fields(kind)[key]
    return {"on_change": ui.to_url, "args": (key, param, default),
            "kwargs": {"reset": ("page", keys.QUERY_DOCUMENT) if first_page else ()}}


def open_document_id(kind: str) -> int | None:
    """The document shown in detail: the URL's, so a reload or a shared link shows it too.
    One opened from a notification arrives in session state and moves to the URL."""
    handed = st.session_state.pop(document_focus_key(kind), None)
    if handed:
        st.query_params[keys.QUERY_DOCUMENT] = str(handed)
    try:
        return int(st.query_params.get(keys.QUERY_DOCUMENT) or 0) or None
    except ValueError:
        return None


def render(kind: str, above_list: Callable[[], None] | None = None) -> None:
    """Draw the page of one kind of document (`above_list` draws extras under the title)."""
    ui.title(TITLES[kind])
    if above_list:
        above_list()
    ui.fragment(f"documents_{kind}")(list_and_detail)(kind)


def list_and_detail(kind: str) -> None:
    """Filters, the list and the open document: a click here (a filter, a row, a reply, a
    page) reruns this part alone, not the whole page."""
    staff = auth.current_staff()
    ui.url_state(url_fields(kind))
    page_key = state_key(kind, "page")

    filters = st.columns([2, 2, 2], vertical_alignment="bottom")
    viewed = filters[0].segmented_control(
        "Customer viewed", list(VIEWED_CHOICES), key=state_key(kind, "viewed"),
        format_func=VIEWED_LABELS.get, **synced(kind, "viewed")) or "all"
    status = filters[1].selectbox("Status", ["", *STATUSES[kind]], key=state_key(kind, "status"),
                                  format_func=lambda s: s.replace("_", " ").capitalize() or "Any",
                                  **synced(kind, "status"))
    search = filters[2].text_input("Number", key=state_key(kind, "search"),
                                   placeholder="Search by number", **synced(kind, "search"))
    result = list_documents(staff.organization_id, kind, viewed=VIEWED_CHOICES[viewed],
                            status=status, search=search,
                            page=st.session_state[page_key], per_page=PER_PAGE)
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
    # A click on any cell opens the row's document (a tick of its box too).
    event = st.dataframe(rows, key=table_key, on_select="rerun",
                         selection_mode=["single-row", "single-cell"], hide_index=True,
                         width="stretch")
    open_id = open_document_id(kind)
    picked = [*event.selection.rows, *(row for row, _ in event.selection.get("cells", []))]
    if picked and picked[0] < len(ids) and ids[picked[0]] != open_id:
        open_id = ids[picked[0]]
        st.query_params[keys.QUERY_DOCUMENT] = str(open_id)

    pager = st.columns([1, 5], vertical_alignment="bottom")
    st.session_state[page_key] = result.page
    pager[0].number_input("Page", min_value=1, max_value=result.pages, step=1, key=page_key,
                          **synced(kind, "page", first_page=False))
    pager[1].caption(f"of {result.pages} · {result.total:,} {TITLES[kind].lower()} · "
                     "click a row to read its comments and reply")
    if kind == "invoice":
        organization_id, shown_viewed = staff.organization_id, VIEWED_CHOICES[viewed]
        exports_view.export_buttons("invoices", lambda: export_invoices(
            organization_id, viewed=shown_viewed, status=status, search=search),
            key=state_key(kind, "export"), where=st.container())

    if open_id:
        with detail_area:
            detail(kind, open_id)


def detail(kind: str, document_id: int) -> None:
    """A document's summary, its comment thread and the reply box."""
    staff = auth.current_staff()
    try:
        document, comments = get_document_thread(staff.organization_id, kind, document_id)
    except NotFoundError:  # gone, or another organization's: nothing of it is shown
        st.query_params.pop(keys.QUERY_DOCUMENT, None)
        st.error("This document does not exist.")
        return
    with st.container(border=True):
        head, close = st.columns([5, 1], vertical_alignment="bottom")
        head.subheader(f"{SINGULAR[kind]} {ui.md(document.number)} · "
                       f"{ui.md(document.customer.display_name)}")
        close.button("Close", key=state_key(kind, "close"), icon=":material/close:",
                     on_click=close_document, args=(kind,))
        summary(kind, document)
        who_sees(kind, document)
        if kind == "quote" and document.signature_name:
            signature(document)
        downloads(kind, document)
        thread(comments)
        reply_box(kind, document)


def close_document(kind: str) -> None:
    """The Close button's callback: run before the page, so the list is drawn without it."""
    st.query_params.pop(keys.QUERY_DOCUMENT, None)
    generation_key = state_key(kind, "table_generation")  # and untick the row
    st.session_state[generation_key] = st.session_state.get(generation_key, 0) + 1


ROLE_NAMES = {"billing": "Billing", "orders": "Orders", "full": "Full", "admin": "Company admin"}


def who_sees(kind: str, document) -> None:
    """Which of the customer's contacts can see this document in the portal, and why not."""
    staff = auth.current_staff()
    viewers = list_document_viewers(staff.organization_id, kind, document.id)
    with st.expander(f"Who sees this? ({sum(v.sees for v in viewers)} of {len(viewers)})",
                     expanded=False):
        if not viewers:
            st.caption("The customer has no contact persons.")
            return
        st.dataframe([{
            "Contact": viewer.name, "Email": viewer.email,
            "Role": ROLE_NAMES.get(viewer.role, viewer.role),
            "Access": ui.portal_state_label(viewer.portal_state),
            "Sees it": "Yes" if viewer.sees else "No",
            "Why not": REASONS.get(viewer.reason, ""),
        } for viewer in viewers], hide_index=True, width="stretch")


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


def signature(quote) -> None:
    """Who signed an accepted quote by typing their name, when and from which address."""
    signer = quote.responded_by
    who = f" by {ui.md(signer.full_name)} ({ui.md(signer.email or '')})" if signer else ""
    st.success(f"Signed by typing the name **{ui.md(quote.signature_name)}** on "
               f"{ui.fmt_time(quote.responded_at)} ({ui.organization_zone()}){who} from address "
               f"{ui.md(quote.signature_ip) or 'unknown'}.", icon=":material/signature:")


def _download(kind: str, record_id: int, label: str) -> None:
    """A download button for a record's PDF, in the customer's language."""
    try:
        name, pdf = staff_document_pdf(ui.actor(), kind, record_id)
    except (DoorstepError, FontsMissingError) as error:
        st.error(str(error))
        return
    st.download_button(label, pdf, file_name=name, mime="application/pdf",
                       key=state_key(kind, f"pdf_{record_id}"), icon=":material/download:",
                       on_click="ignore")


def downloads(kind: str, document) -> None:
    """The document's PDF (quotes and sales orders) or its payments' receipts (invoices)."""
    if kind in ("quote", "sales_order"):
        _download(kind, document.id, "Download PDF")
        return
    receipts = list_invoice_payments(document.organization_id, document.id)
    if receipts:
        st.markdown("**Receipts**")
    for payment in receipts:
        _download("payment", payment.id,
                  f"Receipt {payment.number} · {ui.fmt_money(payment.amount, payment.currency)}"
                  f" · {payment.status}")


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
    """A staff reply: the core emails the contacts of the thread.

    The post runs as the button's callback, before the page, so the thread drawn next shows
    it without a second run. After a post the box gets a new key: deleting the old key's state
    is not enough, as the browser keeps the typed text and sends it back, inviting a duplicate.
    """
    round_key = state_key(kind, f"reply_round_{document.id}")
    body_key = state_key(kind, f"reply_body_{document.id}_{st.session_state.get(round_key, 0)}")
    error_key = state_key(kind, f"reply_error_{document.id}")
    with st.form(state_key(kind, f"reply_{document.id}")):
        st.text_area("Reply", key=body_key,
                     placeholder="Your reply is emailed to the customer's contacts in this "
                                 "thread.")
        ui.show_refusal(error_key)
        st.form_submit_button("Post reply", type="primary", on_click=post_reply,
                              args=(kind, document.id, body_key, round_key, error_key))


def post_reply(kind: str, document_id: int, body_key: str, round_key: str,
               error_key: str) -> None:
    """The Post reply callback: add the comment; an empty, new box for the next reply (a
    refused one keeps its text)."""
    body = st.session_state.get(body_key, "")
    posted = ui.act_before_run(
        lambda: add_staff_comment(ui.actor(), kind, document_id, body),
        "Reply posted; the customer's contacts are emailed.", error_key=error_key)
    if posted:
        st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
        st.session_state.pop(body_key, None)

"""Customers: search, filters, server-side pages, selection and bulk "Enable portal"."""

import math

import streamlit as st

from core.errors import DoorstepError
from core.i18n import SUPPORTED_LANGUAGES
from core.queries.staff import PORTAL_STATUSES, CustomerFilters, list_customer_ids, list_customers
from core.services.access import SKIP_REASONS, bulk_enable_portal
from staff_dashboard import auth, keys, paths, ui

PER_PAGE = 50
YES_NO = {"any": None, "yes": True, "no": False}

staff = auth.current_staff()
ui.title("Customers")


def reset_page() -> None:
    """A changed filter starts again at page 1."""
    st.session_state[keys.CUSTOMERS_PAGE] = 1


report = st.session_state.get(keys.CUSTOMERS_BULK_REPORT)
if report:
    with st.container(border=True):
        invited = sum(row["Outcome"] == "invited" for row in report)
        st.markdown(f"**Enable portal:** {invited} invited, {len(report) - invited} skipped")
        st.dataframe(report, hide_index=True, width="stretch", column_config={
            "Reason": st.column_config.TextColumn(width="large")})
        if st.button("Dismiss report", key="customers_dismiss_report"):
            del st.session_state[keys.CUSTOMERS_BULK_REPORT]
            st.rerun()

first, second = st.columns([2, 1, 1]), st.columns(4)
search = first[0].text_input("Search", key=keys.CUSTOMERS_SEARCH, on_change=reset_page,
                             placeholder="Name, company, email or phone")
portal_status = first[1].selectbox(
    "Portal status", ["", *PORTAL_STATUSES], key=keys.CUSTOMERS_STATUS, on_change=reset_page,
    format_func=lambda s: ui.portal_state_label(s) if s else "Any")
invitation = first[2].selectbox(
    "Invitation email", ["any", "failed"], key=keys.CUSTOMERS_INVITATION, on_change=reset_page,
    format_func={"any": "Any", "failed": "Invitation failed"}.get)
language = second[0].selectbox(
    "Language", ["", "default", *SUPPORTED_LANGUAGES], key=keys.CUSTOMERS_LANGUAGE,
    on_change=reset_page,
    format_func=lambda c: "Any" if c == "" else ui.language_label(None if c == "default" else c))
has_email = second[1].selectbox(
    "Has email", list(YES_NO), key=keys.CUSTOMERS_HAS_EMAIL, on_change=reset_page,
    format_func={"any": "Any", "yes": "Has an email", "no": "No email"}.get)
viewed = second[2].selectbox(
    "Invoices viewed", list(YES_NO), key=keys.CUSTOMERS_VIEWED, on_change=reset_page,
    format_func={"any": "Any", "yes": "Customer viewed", "no": "Not viewed"}.get)
outstanding = second[3].selectbox(
    "Outstanding balance", list(YES_NO), key=keys.CUSTOMERS_OUTSTANDING, on_change=reset_page,
    format_func={"any": "Any", "yes": "Has a balance due", "no": "Nothing due"}.get)

filters = CustomerFilters(search=search, portal_status=portal_status, language=language,
                          has_email=YES_NO[has_email], viewed=YES_NO[viewed],
                          with_outstanding=YES_NO[outstanding],
                          invitation_failed=invitation == "failed")
requested_page = st.session_state.get(keys.CUSTOMERS_PAGE, 1)
result = list_customers(staff.organization_id, filters, page=requested_page, per_page=PER_PAGE)

rows = [{
    "Name": c.display_name,
    "Company": c.company_name,
    "Email": c.email,
    "Portal": ui.portal_state_label(c.portal_status),
    "Language": ui.language_label(c.portal_language),
    "Outstanding": ui.fmt_money(c.outstanding, c.currency),
    "Last invoice viewed": ui.fmt_time(c.last_viewed_at),
} for c in result.items]
ids = [c.id for c in result.items]
# Actions sit above the long table; they are drawn once the table's selection is known.
actions = st.container()
# A key per filter set and page: a selection never carries over onto other rows.
generation = st.session_state.get(keys.CUSTOMERS_TABLE_GENERATION, 0)
table_key = f"{keys.CUSTOMERS_TABLE}_{hash((filters, result.page, generation))}"
event = st.dataframe(rows, key=table_key, on_select="rerun", selection_mode="multi-row",
                     hide_index=True, width="stretch", height="content")
selected = [ids[i] for i in event.selection.rows if i < len(ids)]

pager = st.columns([1, 5], vertical_alignment="bottom")
st.session_state[keys.CUSTOMERS_PAGE] = result.page  # clamped: the last page may have gone
pager[0].number_input(f"Page (of {result.pages})", min_value=1, max_value=result.pages,
                      step=1, key=keys.CUSTOMERS_PAGE)
pager[1].caption(f"{result.total:,} customers match · {PER_PAGE} a page")

bar = actions.columns([2, 2, 2], vertical_alignment="center")
select_all = bar[0].checkbox(f"Select all {result.total:,} matching",
                             key=keys.CUSTOMERS_SELECT_ALL)
targets_count = result.total if select_all else len(selected)
if len(selected) == 1 and not select_all:
    chosen = result.items[event.selection.rows[0]]
    if bar[1].button(f"Open {ui.md(chosen.display_name)}", key="customers_open",
                     icon=":material/open_in_new:"):
        st.session_state[keys.OVERVIEW_CUSTOMER_ID] = chosen.id
        st.switch_page(paths.CUSTOMER_OVERVIEW,
                       query_params={keys.QUERY_CUSTOMER: str(chosen.id)})
else:
    bar[1].caption("Tick one row to open that customer.")
enable = bar[2].button(f"Enable portal for {targets_count:,} customer(s)",
                       key="customers_enable_portal", type="primary",
                       disabled=targets_count == 0, icon=":material/mail:")

if enable:
    targets = list_customer_ids(staff.organization_id, filters) if select_all else selected
    progress_bar = actions.progress(0.0, text=f"Inviting 0 of {len(targets):,}…")

    def show_progress(done: int, total: int) -> None:
        """Move the bar after each chunk."""
        progress_bar.progress(done / total if total else 1.0,
                              text=f"Processed {done:,} of {total:,}…")

    try:
        results = bulk_enable_portal(ui.actor(), targets,
                                     progress=show_progress,
                                     chunk_size=min(500, max(10, math.ceil(len(targets) / 20))))
    except DoorstepError as error:
        actions.error(str(error))
    else:
        st.session_state[keys.CUSTOMERS_BULK_REPORT] = [{
            "Customer": r.customer_name,
            "Outcome": r.outcome,
            "Email": r.email,
            "Reason": SKIP_REASONS.get(r.reason, r.reason),
        } for r in results]
        invited = sum(r.outcome == "invited" for r in results)
        st.session_state[keys.CUSTOMERS_TABLE_GENERATION] = generation + 1  # clear the selection
        st.session_state.pop(keys.CUSTOMERS_SELECT_ALL, None)
        ui.flash("success", f"Portal enabled: {invited} invited, "
                            f"{len(results) - invited} skipped (see the report).")
        st.rerun()

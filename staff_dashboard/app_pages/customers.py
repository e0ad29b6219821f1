"""Customers: search, filters and page kept in the URL, click a row to open it, tick rows for
bulk "Enable portal" (previewed before anything is sent)."""

import math

import streamlit as st

from core.errors import DoorstepError
from core.i18n import SUPPORTED_LANGUAGES
from core.queries.exports import export_customers
from core.queries.staff import PORTAL_STATUSES, CustomerFilters, list_customer_ids, list_customers
from core.services.access import SKIP_REASONS, bulk_enable_portal, preview_bulk_enable_portal
from staff_dashboard import auth, exports_view, keys, paths, ui

PER_PAGE = 50
YES_NO = {"any": None, "yes": True, "no": False}
INVITATION_FILTERS = {"any": "Any", "failed": "Invitation failed",
                      "stale": "Not accepted after 7 days"}
OUTCOME_LABELS = {"invited": "invite", "reinvited": "re-invite", "skipped": "skip"}
DONE_LABELS = {"invited": "invited", "reinvited": "re-invited", "skipped": "skipped"}


def one_of(options):
    """A parser for ui.url_state that accepts only `options`."""
    def parse(raw: str):
        if raw not in options:
            raise ValueError(raw)
        return raw
    return parse


def page_number(raw: str) -> int:
    """A page number from the URL (at least 1)."""
    return max(1, int(raw))


# Widget key: (query parameter, default, parser). The URL is the truth; see ui.url_state.
FIELDS = {
    keys.CUSTOMERS_SEARCH: ("q", "", lambda raw: raw[:200]),
    keys.CUSTOMERS_STATUS: ("status", "", one_of(PORTAL_STATUSES)),
    keys.CUSTOMERS_INVITATION: ("invitation", "any", one_of(INVITATION_FILTERS)),
    keys.CUSTOMERS_LANGUAGE: ("language", "", one_of(["default", *SUPPORTED_LANGUAGES])),
    keys.CUSTOMERS_HAS_EMAIL: ("email", "any", one_of(YES_NO)),
    keys.CUSTOMERS_VIEWED: ("viewed", "any", one_of(YES_NO)),
    keys.CUSTOMERS_OUTSTANDING: ("balance", "any", one_of(YES_NO)),
    keys.CUSTOMERS_PAGE: ("page", 1, page_number),
}


def synced(key: str, *, first_page: bool = True) -> dict:
    """The on_change arguments that put a widget's value in the URL."""
    param, default, _ = FIELDS[key]
    return {"on_change": ui.to_url, "args": (key, param, default),
            "kwargs": {"reset": ("page",) if first_page else ()}}


staff = auth.current_staff()
ui.title("Customers")


def dismiss_report() -> None:
    """The report's "Dismiss" callback."""
    st.session_state.pop(keys.CUSTOMERS_BULK_REPORT, None)


def cancel_preview() -> None:
    """The preview's "Cancel" callback: nothing is sent."""
    st.session_state.pop(keys.CUSTOMERS_BULK_PREVIEW, None)


def confirm_preview() -> None:
    """The preview's "Send" callback: the run it starts sends, before the list is drawn."""
    pending = st.session_state.pop(keys.CUSTOMERS_BULK_PREVIEW, None)
    if pending:
        st.session_state[keys.CUSTOMERS_BULK_SEND] = pending[0]


def show_report(report: list[dict]) -> None:
    """What the last bulk "Enable portal" did, customer by customer."""
    with st.container(border=True):
        counts = {outcome: sum(row["Outcome"] == DONE_LABELS[outcome] for row in report)
                  for outcome in DONE_LABELS}
        st.markdown(f"**Enable portal:** {counts['invited']:,} invited, "
                    f"{counts['reinvited']:,} re-invited, {counts['skipped']:,} skipped")
        st.dataframe(report, hide_index=True, width="stretch", column_config={
            "Reason": st.column_config.TextColumn(width="large")})
        st.button("Dismiss report", key="customers_dismiss_report", on_click=dismiss_report)


def run_bulk(targets: list[int]) -> None:
    """Send what the preview showed, with a progress bar, and keep the report; drawn before
    the list, so the list of the same run shows the new states."""
    area = st.empty()
    try:
        results = bulk_enable_portal(ui.actor(), targets,
                                     progress=ui.progress_bar(area, "Processed", len(targets)),
                                     chunk_size=min(500, max(10, math.ceil(len(targets) / 20))))
    except DoorstepError as error:
        area.error(str(error))
        return
    area.empty()
    st.session_state[keys.CUSTOMERS_BULK_REPORT] = [{
        "Customer": r.customer_name, "Outcome": DONE_LABELS[r.outcome], "Email": r.email,
        "Reason": SKIP_REASONS.get(r.reason, r.reason)} for r in results]
    counts = {outcome: sum(r.outcome == outcome for r in results) for outcome in DONE_LABELS}
    generation = st.session_state.get(keys.CUSTOMERS_TABLE_GENERATION, 0)
    st.session_state[keys.CUSTOMERS_TABLE_GENERATION] = generation + 1  # clear the selection
    st.session_state.pop(keys.CUSTOMERS_SELECT_ALL, None)
    st.cache_data.clear()
    ui.toast(f"Portal enabled: {counts['invited']:,} invited, {counts['reinvited']:,} "
             f"re-invited, {counts['skipped']:,} skipped; the emails are queued (see the "
             "report).")


def show_preview(actions, targets: list[int], preview_rows: list[dict]) -> None:
    """Who the bulk will invite, re-invite or skip and why, with "Send" and "Cancel"."""
    sending = sum(row["Will"] != "skip" for row in preview_rows)
    with actions.container(border=True):
        counts = {label: sum(row["Will"] == label for row in preview_rows)
                  for label in OUTCOME_LABELS.values()}
        st.markdown(f"**Before sending:** {counts['invite']:,} to invite, "
                    f"{counts['re-invite']:,} to re-invite (a new link; the old one stops "
                    f"working), {counts['skip']:,} to skip.")
        st.dataframe(preview_rows, hide_index=True, width="stretch",
                     height=min(400, 38 + 35 * len(preview_rows)))
        go, back = st.columns([2, 5])
        go.button(f"Send {ui.plural(sending, 'invitation', 'invitations')}",
                  key="customers_bulk_confirm", type="primary", disabled=sending == 0,
                  on_click=confirm_preview)
        back.button("Cancel", key="customers_bulk_cancel", on_click=cancel_preview)


@ui.fragment("customers_list")
def customers_list() -> None:
    """Filters, the list, its pages and the bulk: a click here reruns this part alone."""
    ui.url_state(FIELDS)
    sending = st.session_state.pop(keys.CUSTOMERS_BULK_SEND, None)
    if sending:
        run_bulk(sending)
    report = st.session_state.get(keys.CUSTOMERS_BULK_REPORT)
    if report:
        show_report(report)

    first, second = st.columns([2, 1, 1]), st.columns(4)
    search = first[0].text_input("Search", key=keys.CUSTOMERS_SEARCH,
                                 placeholder="Name, company, email or phone",
                                 **synced(keys.CUSTOMERS_SEARCH))
    portal_status = first[1].selectbox(
        "Portal status", ["", *PORTAL_STATUSES], key=keys.CUSTOMERS_STATUS,
        format_func=lambda s: ui.portal_state_label(s) if s else "Any",
        **synced(keys.CUSTOMERS_STATUS))
    invitation = first[2].selectbox(
        "Invitation", list(INVITATION_FILTERS), key=keys.CUSTOMERS_INVITATION,
        format_func=INVITATION_FILTERS.get, **synced(keys.CUSTOMERS_INVITATION))
    language = second[0].selectbox(
        "Language", ["", "default", *SUPPORTED_LANGUAGES], key=keys.CUSTOMERS_LANGUAGE,
        format_func=lambda c: "Any" if c == "" else ui.language_label(
            None if c == "default" else c),
        **synced(keys.CUSTOMERS_LANGUAGE))
    has_email = second[1].selectbox(
        "Has email", list(YES_NO), key=keys.CUSTOMERS_HAS_EMAIL,
        format_func={"any": "Any", "yes": "Has an email", "no": "No email"}.get,
        **synced(keys.CUSTOMERS_HAS_EMAIL))
    viewed = second[2].selectbox(
        "Invoices viewed", list(YES_NO), key=keys.CUSTOMERS_VIEWED,
        format_func={"any": "Any", "yes": "Customer viewed", "no": "Not viewed"}.get,
        **synced(keys.CUSTOMERS_VIEWED))
    outstanding = second[3].selectbox(
        "Outstanding balance", list(YES_NO), key=keys.CUSTOMERS_OUTSTANDING,
        format_func={"any": "Any", "yes": "Has a balance due", "no": "Nothing due"}.get,
        **synced(keys.CUSTOMERS_OUTSTANDING))

    filters = CustomerFilters(search=search, portal_status=portal_status, language=language,
                              has_email=YES_NO[has_email], viewed=YES_NO[viewed],
                              with_outstanding=YES_NO[outstanding],
                              invitation_failed=invitation == "failed",
                              invitation_stale=invitation == "stale")
    result = list_customers(staff.organization_id, filters,
                            page=st.session_state[keys.CUSTOMERS_PAGE], per_page=PER_PAGE)

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
    # The actions sit above the long table, on its left (the table's hover toolbar is on the
    # right); they are drawn once the table's selection is known.
    actions = st.container()
    # A key per filter set and page: a selection never carries over onto other rows.
    generation = st.session_state.get(keys.CUSTOMERS_TABLE_GENERATION, 0)
    table_key = f"{keys.CUSTOMERS_TABLE}_{hash((filters, result.page, generation))}"
    event = st.dataframe(rows, key=table_key, on_select="rerun",
                         selection_mode=["multi-row", "single-cell"],
                         hide_index=True, width="stretch", height="content")
    selected = [ids[i] for i in event.selection.rows if i < len(ids)]
    clicked = [row for row, _column in event.selection.get("cells", []) if row < len(ids)]
    if clicked:  # a click on a row's cell opens that customer
        st.session_state[keys.CUSTOMERS_TABLE_GENERATION] = generation + 1  # forget the click
        st.switch_page(paths.CUSTOMER_OVERVIEW,
                       query_params={keys.QUERY_CUSTOMER: str(ids[clicked[0]])})

    pager = st.columns([1, 5], vertical_alignment="bottom")
    if result.page != st.session_state[keys.CUSTOMERS_PAGE]:  # clamped: the last page may be gone
        st.session_state[keys.CUSTOMERS_PAGE] = result.page
        ui.to_url(keys.CUSTOMERS_PAGE, "page", 1)
    pager[0].number_input(f"Page (of {result.pages})", min_value=1, max_value=result.pages,
                          step=1, key=keys.CUSTOMERS_PAGE,
                          **synced(keys.CUSTOMERS_PAGE, first_page=False))
    pager[1].caption(f"{ui.plural(result.total, 'customer matches', 'customers match')} · "
                     f"{PER_PAGE} a page · click a row to open it, tick rows to act on them")
    exports_view.export_buttons(
        "customers", lambda: export_customers(staff.organization_id, filters),
        key="customers_export", where=st.container())

    bar = actions.columns([2, 2, 3], vertical_alignment="center")
    select_all = bar[1].checkbox(f"Select all {result.total:,} matching",
                                 key=keys.CUSTOMERS_SELECT_ALL)
    targets_count = result.total if select_all else len(selected)
    enable = bar[0].button(
        f"Enable portal for {ui.plural(targets_count, 'customer', 'customers')}",
        key="customers_enable_portal", type="primary", disabled=targets_count == 0,
        icon=":material/mail:")
    if enable:
        targets = list_customer_ids(staff.organization_id, filters) if select_all else selected
        try:
            preview = preview_bulk_enable_portal(ui.actor(), targets)
        except DoorstepError as error:
            actions.error(str(error))
        else:
            st.session_state[keys.CUSTOMERS_BULK_PREVIEW] = (targets, [{
                "Customer": r.customer_name, "Will": OUTCOME_LABELS[r.outcome],
                "Email": r.email, "Why not": SKIP_REASONS.get(r.reason, r.reason)}
                for r in preview])
    pending = st.session_state.get(keys.CUSTOMERS_BULK_PREVIEW)
    if pending:
        show_preview(actions, *pending)


customers_list()

"""Import (admin): upload a CSV or XLSX, map its columns, check every row, then import all or
nothing, with a progress bar, a summary and a file of the rows with errors."""

import hashlib

import streamlit as st

from core.errors import DoorstepError
from core.importing.fields import FIELDS, guess_mapping
from core.queries.imports import get_remembered_mapping
from core.services.imports import ImportReport, error_file, run_import
from core.tabular import read_table
from staff_dashboard import auth, keys, ui

KIND_LABELS = {
    "customers": "Customers with their contacts",
    "items": "Items",
    "invoices": "Open invoices (lines optional)",
    "payments": "Payments received elsewhere",
}
OUTCOME_MARKS = {"created": "🆕 created", "updated": "✏️ updated", "unchanged": "· unchanged",
                 "skipped": "⏭ skipped", "error": "⛔ error"}

ui.require_admin()
staff = auth.current_staff()
ui.title("Import")
st.caption("A spreadsheet from your old tool: CSV (UTF-8 or Windows-1252, comma or semicolon) "
           "or XLSX. Rows match what Doorstep has on external_id, else on the customer's "
           "email or the document's number, so importing the same file again changes "
           "nothing. Nothing is written until every row is valid.")

kind = st.segmented_control("What the file holds", list(KIND_LABELS), key=keys.IMPORT_KIND,
                            default="customers", format_func=KIND_LABELS.get) or "customers"
uploaded = st.file_uploader("CSV or XLSX file", type=["csv", "txt", "xlsx"],
                            key=f"imports_file_{kind}")


def show_report(report: ImportReport, title: str) -> None:
    """The summary, then every row with what happens to it and why."""
    st.markdown(f"**{title}**")
    for line in report.summary().splitlines():
        st.markdown(f"- {line}")  # counts and record types only: nothing typed by anyone
    st.dataframe([{"Row": row.line, "Outcome": OUTCOME_MARKS.get(row.outcome, row.outcome),
                   "Record": row.record, "Column": row.column, "Why": row.message}
                  for row in report.rows], hide_index=True, width="stretch",
                 key=f"imports_rows_{title}", column_config={
                     "Why": st.column_config.TextColumn(width="large")})


def start_import(*what) -> None:
    """The "Import all" callback: the run it starts imports before drawing anything else."""
    st.session_state[keys.IMPORT_RUN] = what


def import_now(kind: str, table, mapping: dict, invite: bool, signature: tuple) -> None:
    """Import all or nothing with a progress bar, and keep the result (or, when the data
    changed since the check, the new check) for the page this run draws."""
    area = st.empty()
    try:
        done = run_import(ui.actor(), kind, table, mapping, commit=True, invite=invite,
                          progress=ui.progress_bar(area, "Imported", len(table.rows)))
    except DoorstepError as error:
        area.error(str(error))
        return
    area.empty()
    st.session_state.pop(keys.IMPORT_PREVIEW, None)
    if done.written:
        st.session_state[keys.IMPORT_RESULT] = done
        st.cache_data.clear()
        ui.toast("Import done: " + "; ".join(done.summary().splitlines()))
    else:  # the data changed between the check and the import: show why
        st.session_state[keys.IMPORT_PREVIEW] = (signature, done)


def dismiss_result() -> None:
    """The result's "Dismiss" callback."""
    st.session_state.pop(keys.IMPORT_RESULT, None)


running = st.session_state.pop(keys.IMPORT_RUN, None)
if running:
    import_now(*running)
result = st.session_state.get(keys.IMPORT_RESULT)
if result:
    with st.container(border=True):
        show_report(result, "Imported")
        st.button("Dismiss", key="imports_dismiss", on_click=dismiss_result)

if uploaded is None:
    st.stop()

data = uploaded.getvalue()
digest = hashlib.sha256(data).hexdigest()[:16]
try:
    table = read_table(uploaded.name, data)
except DoorstepError as error:
    st.error(str(error))
    st.stop()
st.caption(f"{len(table.rows):,} rows, {len(table.header)} columns.")

st.subheader("Columns")
st.caption("Which column of the file holds each of Doorstep's fields (guessed from the headers, "
           "or as your last import of this kind). Fields left empty are not changed.")
guessed = guess_mapping(kind, table.header,
                        get_remembered_mapping(staff.organization_id, kind))
mapping: dict[str, str | None] = {}
grid = st.columns(3)
for i, spec in enumerate(FIELDS[kind]):
    options = ["", *[name for name in table.header if name]]
    choice = grid[i % 3].selectbox(
        spec.label + (" *" if spec.required else ""), options,
        index=options.index(guessed[spec.name]) if guessed[spec.name] in options else 0,
        key=f"imports_map_{kind}_{spec.name}_{digest}",
        format_func=lambda name: name or "— not in the file —")
    mapping[spec.name] = choice or None

invite = False
if kind == "customers":
    invite = st.checkbox("Invite the contacts marked for portal access (as \"Configure "
                         "customer portal\" does: one invitation email each)",
                         key=keys.IMPORT_INVITE)

signature = (kind, digest, tuple(sorted(mapping.items(), key=lambda kv: kv[0])), invite)
progress_area = st.empty()


if st.button("Check the file", key="imports_check", icon=":material/fact_check:"):
    try:
        preview = run_import(ui.actor(), kind, table, mapping, commit=False, invite=invite,
                             progress=ui.progress_bar(progress_area, "Checked",
                                                      len(table.rows)))
    except DoorstepError as error:
        st.session_state.pop(keys.IMPORT_PREVIEW, None)
        st.error(str(error))
    else:
        st.session_state[keys.IMPORT_PREVIEW] = (signature, preview)
    progress_area.empty()

kept = st.session_state.get(keys.IMPORT_PREVIEW)
if kept and kept[0] == signature:
    preview = kept[1]
    with st.container(border=True):
        show_report(preview, "Preview: nothing is written yet")
        if preview.errors:
            st.error(f"{len(preview.errors)} row(s) have errors. Fix them in the file (the "
                     "error file lists them with the reason) and upload it again.")
            st.download_button("Download the rows with errors (CSV)",
                               data=error_file(table, preview), mime="text/csv",
                               file_name=f"import-errors-{digest}.csv", key="imports_errors",
                               icon=":material/download:", on_click="ignore")
        else:
            st.button(f"Import all {len(table.rows):,} rows", key="imports_run", type="primary",
                      icon=":material/upload:", on_click=start_import,
                      args=(kind, table, mapping, invite, signature))
elif kept:
    st.info("The file or the mapping changed: check the file again.")

"""The console's speed pieces: per-organization reads kept for a few seconds.

Every click reruns the page's script; home's figures and charts read the whole organization
(counts over 100,000 customers' contacts and invoices, two 60-day series) on each of them.
Kept for TTL_SECONDS per organization id (never per user: nothing here is one staff member's),
and dropped by every write the console makes (ui.act_before_run clears st.cache_data). What they
save is in README, "Console speed" (bench/console_browser.py).
"""

import streamlit as st

from core.queries import staff as queries

TTL_SECONDS = 30


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def home_figures(organization_id: int) -> queries.HomeFigures:
    """core.queries.staff.home_figures, kept TTL_SECONDS."""
    return queries.home_figures(organization_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def acceptance_over_time(organization_id: int, days: int) -> list[dict]:
    """core.queries.staff.acceptance_over_time, kept TTL_SECONDS."""
    return queries.acceptance_over_time(organization_id, days=days)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def portal_payments_over_time(organization_id: int, days: int) -> list[dict]:
    """core.queries.staff.portal_payments_over_time, kept TTL_SECONDS."""
    return queries.portal_payments_over_time(organization_id, days=days)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def portal_payments_month_by_currency(organization_id: int) -> dict:
    """core.queries.staff.portal_payments_month_by_currency, kept TTL_SECONDS."""
    return queries.portal_payments_month_by_currency(organization_id)

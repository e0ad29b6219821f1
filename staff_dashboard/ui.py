"""Small UI helpers every page shares: running an action, messages, labels and formats."""

import datetime
import functools
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import db
from core.audit import Actor
from core.config import load_settings
from core.errors import DoorstepError
from core.i18n import SUPPORTED_LANGUAGES
from core.throttle import client_address
from staff_dashboard import keys
from staff_dashboard.auth import current_staff, resolve_session

PORTAL_STATE_LABELS = {
    "not_invited": "Not invited",
    "invited": "Invited",
    "active": "Active",
    "disabled": "Disabled",
}
PORTAL_STATE_ICONS = {"not_invited": "⚪", "invited": "✉️", "active": "🟢", "disabled": "⛔"}
VIEWED_MARK, NOT_VIEWED_MARK = "👁", "—"


def actor() -> Actor:
    """The signed-in staff member as the actor of a service call: their organization and
    address ride along."""
    staff = current_staff()
    return Actor.staff(staff.id, client_ip(), staff.organization_id)


def client_ip() -> str:
    """The browser's address, read as the portal reads it (PORTAL_TRUSTED_PROXIES); "" when
    unknown (Streamlit gives no address on loopback, nor in tests)."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001 - no request context (bare mode): no address
        return ""
    peer = peer if isinstance(peer, str) else ""  # AppTest's runtime is a mock
    forwarded = forwarded if isinstance(forwarded, str) else None
    return client_address(peer, forwarded, load_settings().portal_trusted_proxies)


def flash(kind: str, message: str) -> None:
    """Keep a message to show at the top of the next run (a callback's, for the run after it)."""
    st.session_state.setdefault(keys.UI_FLASH, []).append((kind, message))


def title(text: str) -> None:
    """The page title, then the messages of the action that led here."""
    st.title(text)
    show_flashes()


def show_flashes() -> None:
    """Show and forget the messages kept by `flash`: a success as a toast (seen wherever the
    staff member is scrolled to), anything else at the top of the page."""
    for kind, message in st.session_state.pop(keys.UI_FLASH, []):
        if kind == "success":
            toast(message)
        else:
            {"error": st.error, "warning": st.warning, "info": st.info}[kind](message)


def toast(message: str) -> None:
    """A success, shown as a toast (seen wherever the staff member is scrolled to)."""
    st.toast(message, icon=":material/check_circle:")


def progress_bar(where, verb: str, total: int) -> Callable[[int, int], None]:
    """A progress bar in `where` and the callback a core service moves it with
    (`progress(done, total)`); `where.empty()` takes it away."""
    bar = where.progress(0.0, text=f"{verb} 0 of {total:,}…")

    def show(done: int, of: int) -> None:
        """Move the bar."""
        bar.progress(done / of if of else 1.0, text=f"{verb} {done:,} of {of:,}…")

    return show


def act_before_run(action: Callable[[], object], success: str | Callable[[object], str], *,
                   error_key: str):
    """An on_click callback's call of a core service. Streamlit runs callbacks before the
    page's script, so the run that follows already reads what the write changed and needs no
    second run (st.rerun). The session is checked again first (a sign-out in another tab ends
    this tab's buttons too); a refusal is kept under `error_key` for the page to show.

    Returns the service's result, or None when nothing was done.
    """
    with db.connection():
        if resolve_session() is None:
            return None
        try:
            result = action()
        except DoorstepError as error:
            st.session_state[error_key] = str(error)
            st.session_state[f"{error_key}__field"] = error.field
            return None
    st.cache_data.clear()  # nothing read before this write may be shown after it
    flash("success", success(result) if callable(success) else success)
    return result


def submit_button(label: str, action: Callable[[], object],
                  success: str | Callable[[object], str], *, error_key: str, **button) -> None:
    """A form's submit button whose click calls a core service before the page runs (one
    run, no st.rerun): `action` reads the form's values from st.session_state by their
    widget keys. A refusal waits under `error_key` for `show_refusal`."""
    st.form_submit_button(label, on_click=act_before_run, args=(action, success),
                          kwargs={"error_key": error_key}, **button)


def show_refusal(error_key: str, slots: dict | None = None, fallback=None) -> bool:
    """Show the refusal an action kept under `error_key` beside the field it names (a slot
    of `slots`), else in `fallback` (or at the top); True when there was one."""
    message = st.session_state.pop(error_key, None)
    field = st.session_state.pop(f"{error_key}__field", None)
    if not message:
        return False
    ((slots or {}).get(field or "") or fallback or st).error(message)
    return True


def action_button(where, label: str, action: Callable[[], object],
                  success: str | Callable[[object], str], *, key: str, **button) -> None:
    """A button whose click calls a core service before the page runs (one run, no second
    one through st.rerun); a refusal shows under the button on the run that follows."""
    error_key = f"{key}__refused"
    where.button(label, key=key, on_click=act_before_run, args=(action, success),
                 kwargs={"error_key": error_key}, **button)
    show_refusal(error_key, fallback=where)


def count_run(key: str = keys.SCRIPT_RUNS) -> None:
    """Count the script's runs in this session (the whole page's, or under FRAGMENT_RUNS one
    part's): a click should cost one run, and the tests read these counts to hold the pages
    to it."""
    st.session_state[key] = st.session_state.get(key, 0) + 1


def fragment(key: str):
    """st.fragment for one part of a page (named `key`, so a callback can rerun it with
    st.rerun(key)): a click inside reruns that part alone, not app.py and the whole page.
    Such a run skips app.py, so the part opens its own connection, checks the session again
    (a sign-out in another tab ends it: the whole app reruns to the sign-in) and shows the
    messages its callbacks kept."""
    def decorate(draw: Callable) -> Callable:
        @functools.wraps(draw)
        def part(*args, **kwargs):
            with db.connection():
                if in_fragment_run():
                    count_run(keys.FRAGMENT_RUNS)
                    if resolve_session() is None:
                        st.rerun()
                    show_flashes()
                return draw(*args, **kwargs)
        return st.fragment(part, key=key)
    return decorate


def in_fragment_run() -> bool:
    """True while a fragment reruns on its own (not as part of the whole page's run)."""
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def url_state(fields: dict[str, tuple[str, object, Callable[[str], object] | None]]) -> None:
    """Make the URL's query the truth of a page's widgets (filters, search, page), so a view
    can be reloaded and shared as a link: before the widgets are drawn, each widget key of
    `fields` ({key: (query parameter, default, parse)}) takes the URL's value (the default when
    it is missing or `parse` refuses it). Widgets then call `to_url(key)` on change."""
    for key, (param, default, parse) in fields.items():
        raw = st.query_params.get(param)
        value = default
        if raw is not None:
            try:
                value = parse(raw) if parse else raw
            except (TypeError, ValueError):
                value = default
        st.session_state[key] = value


def to_url(key: str, param: str, default: object, *, reset: tuple[str, ...] = ()) -> None:
    """A widget's on_change: put its new value in the URL (none for the default), and drop
    the parameters in `reset` (a new filter starts again at page 1)."""
    value = st.session_state.get(key)
    if value == default or value in (None, ""):
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)
    for other in reset:
        st.query_params.pop(other, None)


def organization_zone() -> ZoneInfo:
    """The organization's timezone (UTC when its name is unknown)."""
    try:
        return ZoneInfo(current_staff().timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def fmt_time(value: datetime.datetime | None) -> str:
    """A stored UTC time in the organization's timezone, minutes precision; "" for none."""
    if value is None:
        return ""
    if isinstance(value, str):  # SQLite can hand back text for computed columns
        value = datetime.datetime.fromisoformat(value)
    local = value.replace(tzinfo=datetime.UTC).astimezone(organization_zone())
    return local.strftime("%Y-%m-%d %H:%M")


def fmt_money(amount, currency: str = "") -> str:
    """An amount with two decimals and thousands separators, then the currency code."""
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency}".strip()


def language_label(code: str | None) -> str:
    """A language code as its name; no code means the organization default."""
    if not code:
        return "Organization default"
    return f"{SUPPORTED_LANGUAGES.get(code, code)} ({code})"


def portal_state_label(state: str) -> str:
    """A contact's or customer's portal state with its icon."""
    return f"{PORTAL_STATE_ICONS.get(state, '')} {PORTAL_STATE_LABELS.get(state, state)}".strip()


INVITATION_EMAIL_LABELS = {
    "queued": "✉️ invitation email queued",
    "sending": "✉️ invitation email being sent",
    "sent": "📬 invitation email sent",
    "failed": "❗ invitation email failed",
    "cancelled": "🚫 invitation email cancelled",
}


def invitation_email_label(contact) -> str:
    """What became of the contact's latest invitation email ("" when none was sent): queued
    until the mail server took it, then sent (when), or failed with the server's reason."""
    status = getattr(contact, "invitation_email_status", None)
    if not status:
        return ""
    label = INVITATION_EMAIL_LABELS.get(status, status)
    if status == "sent":
        label += f" {fmt_time(contact.invitation_email_sent_at)}"
    if status in {"failed", "cancelled"} and contact.invitation_email_error:
        label += f": {md(contact.invitation_email_error)}"
    return label


def plural(count: int, one: str, many: str) -> str:
    """`1 customer matches`, `2 customers match`: the count with the right form."""
    return f"{count:,} {one if count == 1 else many}"


def md(text) -> str:
    """Text someone typed, made safe to put inside Markdown (labels, titles, messages)."""
    text = "" if text is None else str(text)
    for char in "\\`*_[]#|<>~$:":
        text = text.replace(char, "\\" + char)
    return text


def require_admin() -> None:
    """Stop the page for anyone who is not an admin (the navigation already hides it)."""
    if not current_staff().is_admin:
        st.error("Only an administrator can open this page.")
        st.stop()


def show_field_error(error: DoorstepError, slots: dict, fallback=None) -> None:
    """Show the error beside the field it names, else in the fallback place (or at the top)."""
    slot = slots.get(error.field or "")
    (slot or fallback or st).error(str(error))

"""Signed out: send the browser to the sign-in form (a route of the console's server)."""

import json
from urllib.parse import quote, urlencode, urlsplit

import streamlit as st

from staff_dashboard import auth, keys


def _here() -> str:
    """This page's path and query (filters, the open record), to come back to after signing in
    (st.context.url carries no query: it comes from st.query_params)."""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no browser (bare mode)
        url = None
    # Quoted: the path comes from the browser and ends up in a script below.
    path = quote(urlsplit(url if isinstance(url, str) else "/").path or "/", safe="/%-._~")
    query = urlencode(st.query_params.to_dict())
    return path + (f"?{query}" if query else "")


ended = bool(st.session_state.get(keys.AUTH_ENDED))
target = auth.sign_in_url(ended, _here())
st.title("Doorstep staff console")
if ended:
    st.info("Your session has ended. Please sign in again.")
st.link_button("Sign in", target, type="primary", icon=":material/login:")
# The browser goes on to the form at once; the button is there if it does not.
script_target = json.dumps(target).replace("<", "\\u003c")  # nothing can close the script
st.html(f"<script>window.location.replace({script_target});</script>",
        unsafe_allow_javascript=True)

"""Sign in with email and password."""

import streamlit as st

from core.errors import DoorstepError
from staff_dashboard import auth, keys, ui

st.title("Doorstep staff console")
if st.session_state.pop(keys.AUTH_ENDED, False):
    st.info("Your session has ended. Please sign in again.")

with st.form("sign_in_form"):
    email = st.text_input("Email", key="sign_in_email", autocomplete="username")
    password = st.text_input("Password", type="password", key="sign_in_password",
                             autocomplete="current-password")
    submitted = st.form_submit_button("Sign in", type="primary")

if submitted:
    try:
        auth.sign_in(email, password, ui.client_ip())
    except DoorstepError as error:
        st.error(str(error))
    else:
        st.rerun()

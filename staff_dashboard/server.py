"""The console's server: Streamlit's `st.App` with the sign-in routes and security headers.

Start it with `streamlit run staff_dashboard/server.py` (what `doorstep run` and `make run`
do); the pages themselves are `app.py`.
"""

import streamlit as st
from starlette.middleware import Middleware

from core import db
from core.config import load_settings
from staff_dashboard.web.headers import SecurityHeaders
from staff_dashboard.web.sign_in import routes

# The routes need the database before the first script run binds it (app.bind_database).
if db.database.obj is None:
    db.bind(load_settings().database_url)

app = st.App("app.py", routes=routes(), middleware=[Middleware(SecurityHeaders)])

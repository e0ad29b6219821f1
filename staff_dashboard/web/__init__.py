"""The console's own HTTP routes and middleware, served by the `st.App` in `server.py`."""

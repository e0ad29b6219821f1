"""Doorstep's shared domain: models, services (writes), queries (reads). No Flask, no Streamlit."""

"""The Streamlit staff console: UI only; every read and write goes through `core`."""

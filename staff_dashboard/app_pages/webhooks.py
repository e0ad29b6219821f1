"""Webhooks (admin): the section of the API & webhooks page, on a page of its own for now."""

from staff_dashboard import auth, ui
from staff_dashboard.webhooks_view import render_webhooks

ui.require_admin()
ui.title("Webhooks")
render_webhooks(auth.current_staff())

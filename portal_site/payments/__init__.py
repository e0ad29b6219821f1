"""Paying invoices, the payment history and receipts."""

from flask import Blueprint

bp = Blueprint("payments", __name__, template_folder="templates")

from portal_site.payments import routes  # noqa: E402,F401

"""Quotes, sales orders, invoices and shipments: lists, details, responses and comments."""

from flask import Blueprint

bp = Blueprint("documents", __name__, template_folder="templates")

from portal_site.documents import routes  # noqa: E402,F401

"""The statement of account for a date range."""

from flask import Blueprint

bp = Blueprint("statement", __name__, template_folder="templates")

from portal_site.statement import routes  # noqa: E402,F401

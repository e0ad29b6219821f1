"""A Company admin's page for the company's own contacts: invite, change roles, remove access."""

from flask import Blueprint

bp = Blueprint("colleagues", __name__, template_folder="templates")

from portal_site.colleagues import routes  # noqa: E402,F401

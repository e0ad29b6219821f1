"""The contact's profile: details, addresses, password and language."""

from flask import Blueprint

bp = Blueprint("profile", __name__, template_folder="templates")

from portal_site.profile import routes  # noqa: E402,F401

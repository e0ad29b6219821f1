"""The portal's home page."""

from flask import Blueprint

bp = Blueprint("home", __name__, template_folder="templates")

from portal_site.home import routes  # noqa: E402,F401

"""Signing in and out, invitations, password resets and self sign-up."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from portal_site.auth import routes  # noqa: E402,F401

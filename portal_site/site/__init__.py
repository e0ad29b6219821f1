"""What every portal page shares: the organization from the URL, the signed-in contact,
locale, headers, errors."""

from flask import Blueprint

bp = Blueprint("site", __name__)

from portal_site.site import routes  # noqa: E402,F401

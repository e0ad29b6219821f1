"""Home: what the customer owes, credits, the last payment, recent documents, the banner."""

from flask import render_template
from flask_login import login_required

from core.queries.portal import home_summary
from portal_site.home import bp
from portal_site.site.session import scope


@bp.get("/")
@login_required
def index():
    """The signed-in contact's overview."""
    return render_template("home/index.html", summary=home_summary(scope()))

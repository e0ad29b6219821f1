"""The baseline: the smallest Flask + peewee + Jinja page that lists a customer's 25 invoices.

No sign-in, no translations, one query. The benchmark serves it with the same gunicorn
settings as the portal, from the same database, so every portal figure can be read as a ratio
to what the stack itself costs on this machine at this moment.

    gunicorn 'bench.baseline:create_app()'     # DATABASE_URL names the database
"""

from flask import Flask, render_template

from core import db
from core.config import load_settings
from core.models import Invoice


def create_app(database_url: str | None = None) -> Flask:
    """The baseline app, bound to `database_url` (default: DATABASE_URL)."""
    app = Flask(__name__)
    # The same pooled connections as the portal under gunicorn: the ratio compares page work,
    # not who pays for connection setup.
    db.bind(database_url or load_settings().database_url, pooled=True)

    @app.before_request
    def _open_db():
        db.database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(_exc):
        if not db.database.is_closed():
            db.database.close()

    @app.get("/invoices/<int:customer_id>")
    def invoices(customer_id: int):
        """The customer's 25 newest invoices that are not drafts."""
        rows = list(Invoice.select()
                    .where(Invoice.customer == customer_id, Invoice.status != "draft")
                    .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
                    .limit(25))
        return render_template("baseline_invoices.html", invoices=rows)

    return app

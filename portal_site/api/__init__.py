"""The integration API, `/api/v1/`: the business's own system pushes and reads records with
an API key. Bearer keys only: no session, no cookie, no CSRF token."""

from flask_smorest import Api, Blueprint

from core.config import load_settings

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="Records keyed by the business's own ids (external_id).")


class IntegrationApi(Api):
    """flask-smorest's Api confined to the API's blueprint.

    Stock flask-smorest answers every HTTP error of the whole app as JSON and serves its docs
    UIs from a CDN; the portal keeps its own HTML error pages, and the API serves its document
    and reference page itself (portal_site.api.docs).
    """

    def _register_error_handlers(self):
        pass

    def _register_doc_blueprint(self):
        pass


def init_app(app) -> None:
    """Mount the API on the portal's app (CSRF-exempt, problem+json errors)."""
    from portal_site.api import docs, problems, routes  # noqa: F401 - registers views
    from portal_site.extensions import csrf

    app.config.setdefault("API_TITLE", "Doorstep integration API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    # Requests one key may make a minute (a sync of 10,000 invoices is 20 batches).
    app.config.setdefault("API_RATE_LIMIT", load_settings().api_rate_limit)
    app.config.setdefault("API_SPEC_OPTIONS", {
        "security": [{"bearer": []}],
        "info": {"description": "Push customers, contacts, items and documents from your own "
                                "system; see docs/api.md."},
    })
    api = IntegrationApi()
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.components.schema("Problem", schema=problems.ProblemSchema)
    app.extensions["doorstep_api"] = api
    csrf.exempt(bp)
    csrf.exempt(docs.bp)
    api.register_blueprint(bp)
    app.register_blueprint(docs.bp)

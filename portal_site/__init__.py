"""The Flask customer portal."""

import importlib
import importlib.util
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from core import db, shipping
from core.config import PROJECT_ROOT, check_secret_key, load_settings
from portal_site.extensions import babel, csrf, login_manager

# Imported under another name: importing the subpackage portal_site.mail rebinds `mail` here.
from portal_site.extensions import mail as mail_extension

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"

# Every area of the portal, each a blueprint served under `/<org slug>/`.
PORTAL_BLUEPRINTS = ("site", "auth", "home", "documents", "payments", "statement", "profile",
                     "colleagues")


class RecordIdConverter(IntegerConverter):
    """A record id in a URL: 1 to 2**31-1; anything else matches no route (404)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def create_app(config: dict | None = None) -> Flask:
    """Build the portal app: settings from the environment, then `config` on top."""
    settings = load_settings()
    app = Flask(__name__, instance_path=str(Path(settings.instance_dir)))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        PORTAL_BASE_URL=settings.portal_base_url,
        MAIL_SERVER=settings.mail_server or "127.0.0.1",
        MAIL_PORT=settings.mail_port,
        MAIL_USERNAME=settings.mail_username or None,
        MAIL_PASSWORD=settings.mail_password or None,
        MAIL_USE_TLS=settings.mail_use_tls,
        MAIL_DEFAULT_SENDER=settings.mail_default_sender,
        CONSOLE_URL=settings.console_url,
        PORTAL_TRUSTED_PROXIES=settings.portal_trusted_proxies,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        BABEL_DEFAULT_LOCALE="en",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="doorstep_portal",
        PORTAL_SESSION_IDLE_MINUTES=settings.portal_session_idle_minutes,
        PORTAL_SESSION_MAX_DAYS=settings.portal_session_max_days,
        WTF_CSRF_TIME_LIMIT=None,
        # A body larger than any form of the portal is refused before it is parsed.
        MAX_CONTENT_LENGTH=256 * 1024,
    )
    app.config.update(settings.mail_worker_config())  # MAIL_TIMEOUT, MAIL_MAX_ATTEMPTS, ...
    if config:
        app.config.update(config)
    # Never a constant: no key (or a published one) and the portal does not start.
    check_secret_key(app.config["SECRET_KEY"], settings.instance_dir)
    # Secure cookies whenever the portal's public address is https (behind a TLS proxy too).
    app.config.setdefault("SESSION_COOKIE_SECURE", False)
    if not (config and "SESSION_COOKIE_SECURE" in config):
        app.config["SESSION_COOKIE_SECURE"] = app.config["PORTAL_BASE_URL"].startswith("https://")

    # Behind a reverse proxy, PORTAL_TRUSTED_PROXIES=1 (the number of proxies) makes
    # request.remote_addr the client's address, which rate limits and audit events key on.
    proxies = int(app.config["PORTAL_TRUSTED_PROXIES"] or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    if db.database.obj is None or config and "DATABASE_URL" in config:
        # Pooled: the connect/close around each request below reuses the worker's connection.
        db.bind(app.config["DATABASE_URL"], pooled=True)

    @app.before_request
    def _open_db():
        db.database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(_exc):
        if not db.database.is_closed():
            db.database.close()

    from portal_site import speed
    from portal_site.site import errors, i18n, organization, rules, security

    babel.init_app(app, locale_selector=i18n.select_locale,
                   timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    mail_extension.init_app(app)
    csrf.init_app(app)

    import portal_site.site.session  # registers the user loader

    app.jinja_env.globals["header_companies"] = portal_site.site.session.header_companies

    security.init_app(app)
    organization.init_app(app)
    i18n.init_app(app)
    rules.init_app(app)
    errors.init_app(app)
    speed.init_app(app)  # after Flask-Babel and Flask-Login: see portal_site/speed/README.md

    # babel.cfg extracts {% trans %} blocks trimmed; render them trimmed so they match.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.url_map.converters["id"] = RecordIdConverter
    app.jinja_env.globals["pdf_available"] = (
        importlib.util.find_spec("portal_site.pdf") is not None)
    app.jinja_env.globals["tracking_url"] = shipping.tracking_url  # one table, core.shipping
    for name in PORTAL_BLUEPRINTS:
        module = importlib.import_module(f"portal_site.{name}")
        app.register_blueprint(module.bp, url_prefix="/<org_slug>")

    from portal_site import api

    api.init_app(app)  # /api/v1/: bearer keys, CSRF-exempt, problem+json errors

    from portal_site import stripe_webhook

    stripe_webhook.init_app(app)  # /stripe/webhooks/<id>: signed by Stripe, CSRF-exempt

    from portal_site.mail import bp as mail_templates

    app.register_blueprint(mail_templates)
    return app

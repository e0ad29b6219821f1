"""The Flask customer portal."""

from pathlib import Path

from flask import Flask

from core import db
from core.config import PROJECT_ROOT, load_settings
from portal_site.extensions import babel, csrf, login_manager, mail

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"


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
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        BABEL_DEFAULT_LOCALE="en",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.portal_base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
    )
    if config:
        app.config.update(config)

    if db.database.obj is None or config and "DATABASE_URL" in config:
        db.bind(app.config["DATABASE_URL"])

    @app.before_request
    def _open_db():
        db.database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(_exc):
        if not db.database.is_closed():
            db.database.close()

    babel.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)

    from portal_site.mail import bp as mail_templates

    app.register_blueprint(mail_templates)
    return app

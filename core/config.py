"""Settings read from the environment (a `.env` file in the working directory is honoured).

This is the one place that reads environment variables (tests/project/test_settings.py keeps it
so); each is listed in the README's configuration table.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///instance/doorstep.db"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _count(value: str | None, name: str) -> int:
    """A whole number of zero or more ("" and unset are 0); a clear error otherwise."""
    text = (value or "").strip() or "0"
    if not text.isdigit():
        raise ValueError(f"{name} must be a whole number of zero or more, not {value!r}.")
    return int(text)


@dataclass(frozen=True)
class Settings:
    """Every setting the product reads, with its default."""

    database_url: str
    secret_key: str
    portal_base_url: str
    mail_server: str
    mail_port: int
    mail_username: str
    mail_password: str
    mail_use_tls: bool
    mail_default_sender: str
    portal_port: int
    console_port: int
    smtp_catcher_port: int
    instance_dir: Path
    console_url: str
    portal_trusted_proxies: int
    fast_password_hash: bool


def load_settings() -> Settings:
    """Read settings from the environment, loading `.env` first."""
    load_dotenv(override=False)
    instance = Path(os.environ.get("DOORSTEP_INSTANCE", "instance")).resolve()
    portal_port = int(os.environ.get("PORTAL_PORT", "5000"))
    console_port = int(os.environ.get("CONSOLE_PORT", "8501"))
    return Settings(
        database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        secret_key=os.environ.get("SECRET_KEY", "dev-secret-change-me"),
        portal_base_url=os.environ.get(
            "PORTAL_BASE_URL", f"http://127.0.0.1:{portal_port}"
        ).rstrip("/"),
        mail_server=os.environ.get("MAIL_SERVER", ""),
        mail_port=int(os.environ.get("MAIL_PORT", "1025")),
        mail_username=os.environ.get("MAIL_USERNAME", ""),
        mail_password=os.environ.get("MAIL_PASSWORD", ""),
        mail_use_tls=_flag(os.environ.get("MAIL_USE_TLS")),
        mail_default_sender=os.environ.get("MAIL_DEFAULT_SENDER", "portal@doorstep.localhost"),
        portal_port=portal_port,
        console_port=console_port,
        smtp_catcher_port=int(os.environ.get("SMTP_CATCHER_PORT", "1025")),
        instance_dir=instance,
        console_url=os.environ.get("CONSOLE_URL", f"http://127.0.0.1:{console_port}").rstrip("/"),
        portal_trusted_proxies=_count(os.environ.get("PORTAL_TRUSTED_PROXIES"),
                                      "PORTAL_TRUSTED_PROXIES"),
        fast_password_hash=_flag(os.environ.get("DOORSTEP_FAST_PASSWORD_HASH")),
    )

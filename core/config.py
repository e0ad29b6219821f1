"""Settings read from the environment (a `.env` file in the working directory is honoured).

This is the one place that reads environment variables (tests/project/test_settings.py keeps it
so); each is listed in the README's configuration table.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///instance/doorstep.db"
SECRET_KEY_FILE = "secret_key"  # under the instance folder, mode 0600, made by `doorstep run`
# Published once as the default key: whoever read the code could sign sessions with it.
KNOWN_SECRET_KEYS = frozenset({"dev-secret-change-me"})


class MissingSecretKeyError(Exception):
    """Neither SECRET_KEY nor the instance's key file is there (or the key is a known one)."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable and what it takes."""


def _number(name: str, default, kind=int, minimum=None, maximum=None):
    """The environment variable `name` as an int or float within bounds, else ConfigError."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    what = "a whole number" if kind is int else "a number"
    try:
        value = kind(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be {what}, not {raw!r}") from None
    if kind is float and value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{name} must be {what}, not {raw!r}")
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        bounds = (f"between {minimum} and {maximum}" if maximum is not None
                  else f"at least {minimum}")
        raise ConfigError(f"{name} must be {bounds}, not {raw!r}")
    return value


def _port(name: str, default: int) -> int:
    return _number(name, default, int, 1, 65535)


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
    # The mail worker's pacing (see README, Email).
    mail_timeout: float = 10.0
    mail_batch_size: int = 50
    mail_max_attempts: int = 8
    mail_retry_base_seconds: float = 30.0
    mail_retry_max_seconds: float = 3600.0
    mail_lease_seconds: float = 300.0
    mail_poll_seconds: float = 2.0

    portal_trusted_proxies: int = 0
    portal_session_idle_minutes: int = 120
    portal_session_max_days: int = 14
    console_url: str = ""
    console_session_idle_minutes: int = 30
    console_session_max_hours: int = 12
    fast_password_hash: bool = False
    api_rate_limit: int = 600
    webhook_allow_private_addresses: bool = False
    event_retention_days: int = 90
    # Where the stripe library sends API calls; empty: Stripe's own servers. The test suite
    # points it at its local stand-in (tests/stripe_server.py).
    stripe_api_base: str = ""

    def mail_worker_config(self) -> dict:
        """The worker's settings under their app.config names."""
        return {"MAIL_TIMEOUT": self.mail_timeout, "MAIL_BATCH_SIZE": self.mail_batch_size,
                "MAIL_MAX_ATTEMPTS": self.mail_max_attempts,
                "MAIL_RETRY_BASE_SECONDS": self.mail_retry_base_seconds,
                "MAIL_RETRY_MAX_SECONDS": self.mail_retry_max_seconds,
                "MAIL_LEASE_SECONDS": self.mail_lease_seconds,
                "MAIL_POLL_SECONDS": self.mail_poll_seconds}

    def require_secret_key(self) -> str:
        """The secret key; MissingSecretKeyError (one line to show) when there is none."""
        return check_secret_key(self.secret_key, self.instance_dir)


def check_secret_key(key: str, instance_dir: Path) -> str:
    """`key` when it is one to sign with; else MissingSecretKeyError saying what to do."""
    if not key:
        raise MissingSecretKeyError(
            f"No secret key: set SECRET_KEY, or start the instance once with `doorstep run`, "
            f"which keeps a random one in {instance_dir / SECRET_KEY_FILE}.")
    if key in KNOWN_SECRET_KEYS:
        raise MissingSecretKeyError(
            "SECRET_KEY is the published development key; choose a random one (or unset it "
            "and let `doorstep run` make one).")
    return key


def _key_from_file(instance: Path) -> str:
    try:
        return (instance / SECRET_KEY_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeError):
        return ""


def ensure_secret_key(settings: "Settings") -> Path | None:
    """Without SECRET_KEY, make the instance's random key file (0600) if it is missing.

    Returns the file's path, or None when SECRET_KEY is set. Two starts at once both end up
    with the one file: it is created exclusively, never overwritten.
    """
    if os.environ.get("SECRET_KEY", "").strip():
        return None
    path = settings.instance_dir / SECRET_KEY_FILE
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_urlsafe(48) + "\n")
    return path


def load_settings() -> Settings:
    """Read settings from the environment, loading `.env` first; ConfigError on a bad value."""
    load_dotenv(override=False)
    instance = Path(os.environ.get("DOORSTEP_INSTANCE", "instance")).resolve()
    portal_port = _port("PORTAL_PORT", 5000)
    console_port = _port("CONSOLE_PORT", 8501)
    return Settings(
        database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        # SECRET_KEY, else the instance's own random key; never a constant.
        secret_key=os.environ.get("SECRET_KEY", "").strip() or _key_from_file(instance),
        portal_base_url=os.environ.get(
            "PORTAL_BASE_URL", f"http://127.0.0.1:{portal_port}"
        ).rstrip("/"),
        mail_server=os.environ.get("MAIL_SERVER", ""),
        mail_port=_port("MAIL_PORT", 1025),
        mail_username=os.environ.get("MAIL_USERNAME", ""),
        mail_password=os.environ.get("MAIL_PASSWORD", ""),
        mail_use_tls=_flag(os.environ.get("MAIL_USE_TLS")),
        mail_default_sender=os.environ.get("MAIL_DEFAULT_SENDER", "portal@doorstep.localhost"),
        portal_port=portal_port,
        console_port=console_port,
        smtp_catcher_port=_port("SMTP_CATCHER_PORT", 1025),
        instance_dir=instance,
        mail_timeout=_number("MAIL_TIMEOUT", 10.0, float, 0.1, 3600),
        mail_batch_size=_number("MAIL_BATCH_SIZE", 50, int, 1, 10000),
        mail_max_attempts=_number("MAIL_MAX_ATTEMPTS", 8, int, 1, 1000),
        mail_retry_base_seconds=_number("MAIL_RETRY_BASE_SECONDS", 30.0, float, 0, 86400),
        mail_retry_max_seconds=_number("MAIL_RETRY_MAX_SECONDS", 3600.0, float, 0, 7 * 86400),
        mail_lease_seconds=_number("MAIL_LEASE_SECONDS", 300.0, float, 1, 86400),
        mail_poll_seconds=_number("MAIL_POLL_SECONDS", 2.0, float, 0.01, 3600),
        portal_trusted_proxies=_number("PORTAL_TRUSTED_PROXIES", 0, int, 0, 10),
        portal_session_idle_minutes=_number("PORTAL_SESSION_IDLE_MINUTES", 120, int, 1,
                                            7 * 24 * 60),
        portal_session_max_days=_number("PORTAL_SESSION_MAX_DAYS", 14, int, 1, 366),
        console_url=os.environ.get("CONSOLE_URL", f"http://127.0.0.1:{console_port}").rstrip("/"),
        console_session_idle_minutes=_number("CONSOLE_SESSION_IDLE_MINUTES", 30, int, 1,
                                             24 * 60),
        console_session_max_hours=_number("CONSOLE_SESSION_MAX_HOURS", 12, int, 1, 24 * 31),
        fast_password_hash=_flag(os.environ.get("DOORSTEP_FAST_PASSWORD_HASH")),
        api_rate_limit=_number("API_RATE_LIMIT", 600, int, 1, 1_000_000),
        webhook_allow_private_addresses=_flag(os.environ.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES")),
        event_retention_days=_number("EVENT_RETENTION_DAYS", 90, int, 1, 36500),
        stripe_api_base=os.environ.get("STRIPE_API_BASE", "").strip().rstrip("/"),
    )

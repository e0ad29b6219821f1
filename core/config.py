"""Settings read from the environment (a `.env` file in the working directory is honoured)."""

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
    portal_trusted_proxies: int = 0
    portal_session_idle_minutes: int = 120
    portal_session_max_days: int = 14

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


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def load_settings() -> Settings:
    """Read settings from the environment, loading `.env` first."""
    load_dotenv(override=False)
    instance = Path(os.environ.get("DOORSTEP_INSTANCE", "instance")).resolve()
    portal_port = int(os.environ.get("PORTAL_PORT", "5000"))
    return Settings(
        database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        # SECRET_KEY, else the instance's own random key; never a constant.
        secret_key=os.environ.get("SECRET_KEY", "").strip() or _key_from_file(instance),
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
        console_port=int(os.environ.get("CONSOLE_PORT", "8501")),
        smtp_catcher_port=int(os.environ.get("SMTP_CATCHER_PORT", "1025")),
        instance_dir=instance,
        portal_trusted_proxies=_int("PORTAL_TRUSTED_PROXIES", 0),
        portal_session_idle_minutes=_int("PORTAL_SESSION_IDLE_MINUTES", 120),
        portal_session_max_days=_int("PORTAL_SESSION_MAX_DAYS", 14),
    )

"""Secrets Doorstep must keep to use them later (a gateway's API key), sealed at rest.

Each is encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from the instance's
SECRET_KEY and a context naming its owner (`stripe:<organization id>`): a database dump alone
reads nothing, and a sealed value copied into another organization's row does not open there.
Changing SECRET_KEY makes stored secrets unreadable; admins enter them again.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from core.config import load_settings


class SealedSecretError(Exception):
    """A sealed secret that does not open (SECRET_KEY changed, or it belongs elsewhere)."""


def _fernet(context: str) -> Fernet:
    key = load_settings().require_secret_key().encode()
    derived = hmac.new(key, f"doorstep-secret-box:{context}".encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(context: str, secret: str) -> str:
    """The secret encrypted for `context`, as text to store."""
    return _fernet(context).encrypt(secret.encode()).decode("ascii")


def open_sealed(context: str, sealed: str) -> str:
    """The secret `seal(context, ...)` made; SealedSecretError when it does not open."""
    try:
        return _fernet(context).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError, UnicodeError):
        raise SealedSecretError(context) from None


def hint(secret: str) -> str:
    """What an admin may see of a secret again: its prefix and last four characters."""
    prefix = secret.split("_", 2)
    shown = "_".join(prefix[:2]) + "_" if len(prefix) == 3 else ""
    return f"{shown}…{secret[-4:]}" if len(secret) > 8 else "…"

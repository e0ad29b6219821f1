"""Password hashing (Argon2id) and random tokens stored only as hashes."""

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.config import load_settings
from core.errors import ValidationError
from core.i18n import N_


def _make_hasher() -> PasswordHasher:
    # The test suite hashes hundreds of passwords: it keeps Argon2id but with less memory.
    if load_settings().fast_password_hash:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()  # Argon2id with the library's memory-hard defaults


_hasher = _make_hasher()
# Verifying against this keeps a wrong email as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("doorstep-timing-equaliser")
MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str) -> None:
    """Raise ValidationError for a password too weak to accept."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(N_("Use at least %(count)d characters."), field="password",
                              count=MIN_PASSWORD_LENGTH)
    if len(password) > 200:
        raise ValidationError(N_("Use at most %(count)d characters."), field="password",
                              count=200)


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; constant effort when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password or "") and bool(
            password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_nonce() -> str:
    """128 random bits, hex."""
    return secrets.token_hex(16)


def derive_token(purpose: str, nonce: str) -> str:
    """The raw token for a stored nonce: HMAC(SECRET_KEY), so only the hash needs storing.

    Deriving it lets the mail worker rebuild the same link on a retry without the raw token
    ever touching the database.
    """
    key = load_settings().secret_key.encode()
    digest = hmac.new(key, f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    """SHA-256 of a token, the only form it is stored in."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def new_session_token() -> str:
    """A random session token (256 bits)."""
    return secrets.token_urlsafe(32)

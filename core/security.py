"""Password hashing (Argon2id) and random tokens stored only as hashes."""

import base64
import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

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


MIN_PASSWORD_SCORE = 3     # zxcvbn's "safely unguessable" (about 10^8 guesses and more)
# zxcvbn looks at this much; a longer password is strong enough on its length alone.
_STRENGTH_PREFIX = 64
# zxcvbn's weakest part of a password, as one of our own (translated) reasons.
_WEAKNESS_REASONS = {
    "passwords": N_("This is a commonly used password. Add another word or two; uncommon words "
                    "are better."),
    "dictionary": N_("A single word or name is easy to guess. Add another word or two; uncommon "
                     "words are better."),
    "pattern": N_("Keyboard rows, repeats and sequences such as 1234 or abcd are easy to "
                  "guess. Add a few unrelated words."),
    "date": N_("Dates and years are easy to guess. Add a few unrelated words."),
    "": N_("This password is too easy to guess. Add another word or two; uncommon words are "
           "better."),
}


def _weakness(result: dict) -> str:
    """Which of our reasons fits the longest part of the password zxcvbn saw through."""
    matches = [m for m in result.get("sequence", []) if m.get("pattern") != "bruteforce"]
    if not matches:
        return ""
    longest = max(matches, key=lambda m: len(m.get("token", "")))
    pattern = longest.get("pattern")
    if pattern == "dictionary":
        return "passwords" if longest.get("dictionary_name") == "passwords" else "dictionary"
    if pattern in {"spatial", "repeat", "sequence"}:
        return "pattern"
    if pattern in {"date", "regex"}:
        return "date"
    return ""


def check_password_strength(password: str, user_inputs: tuple[str, ...] = ()) -> None:
    """Raise ValidationError for a password too weak to accept, saying why.

    Strength is zxcvbn's estimate (common passwords, words, names, keyboard patterns, dates);
    `user_inputs` (an email, a name) count as easy to guess too.
    """
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(N_("Use at least %(count)d characters."), field="password",
                              count=MIN_PASSWORD_LENGTH)
    if len(password) > 200:
        raise ValidationError(N_("Use at most %(count)d characters."), field="password",
                              count=200)
    # An email counts whole, by its local part and by each piece of it (anna.berger77@x).
    inputs = {piece.lower() for value in user_inputs if value
              for piece in (value, value.split("@")[0], *re.split(r"[^\w]+", value)) if piece}
    result = zxcvbn(password[:_STRENGTH_PREFIX], user_inputs=sorted(inputs))
    if result["score"] < MIN_PASSWORD_SCORE:
        raise ValidationError(_WEAKNESS_REASONS[_weakness(result)], field="password")


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
    key = load_settings().require_secret_key().encode()
    digest = hmac.new(key, f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    """SHA-256 of a token, the only form it is stored in."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def new_session_token() -> str:
    """A random session token (256 bits)."""
    return secrets.token_urlsafe(32)

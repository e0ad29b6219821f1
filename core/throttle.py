"""Rate limits shared by every process, counted in the database."""

import datetime
import hashlib

from core.errors import RateLimitedError
from core.models import RateEvent, utcnow


def _fit(key: str) -> str:
    # The column holds 300 characters; a longer key (a very long email) keeps a unique tail.
    if len(key) <= 300:
        return key
    return key[:236] + hashlib.sha256(key.encode()).hexdigest()


def hit(key: str, limit: int, window_seconds: int) -> None:
    """Count one attempt under `key`; raise RateLimitedError when over `limit` in the window."""
    key = _fit(key)
    now = utcnow()
    since = now - datetime.timedelta(seconds=window_seconds)
    recent = RateEvent.select().where(RateEvent.key == key, RateEvent.created_at > since).count()
    if recent >= limit:
        raise RateLimitedError(retry_after=window_seconds)
    RateEvent.create(key=key, created_at=now)


def add(key: str) -> None:
    """Count one attempt under `key` without checking a limit."""
    RateEvent.create(key=_fit(key))


def count(key: str, window_seconds: int) -> int:
    """How many attempts were counted under `key` in the window."""
    since = utcnow() - datetime.timedelta(seconds=window_seconds)
    return (RateEvent.select()
            .where(RateEvent.key == _fit(key), RateEvent.created_at > since).count())


def clear(key: str) -> None:
    """Forget the attempts under `key` (after a success)."""
    RateEvent.delete().where(RateEvent.key == _fit(key)).execute()


def prune(older_than_seconds: int = 86400) -> int:
    """Delete attempts older than the longest window; returns how many."""
    cutoff = utcnow() - datetime.timedelta(seconds=older_than_seconds)
    return RateEvent.delete().where(RateEvent.created_at < cutoff).execute()

"""Rate limits shared by every process, counted in the database."""

import datetime
import hashlib
import math
import time

from peewee import Case, IntegrityError, fn

from core.db import transaction
from core.errors import RateLimitedError
from core.i18n import N_
from core.models import RateCounter, RateEvent, utcnow


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


def hit_counter(key: str, limit: int, window_seconds: int, now: float | None = None) -> None:
    """Count one request under `key` in a fixed window; RateLimitedError when over `limit`.

    The hot path of the API's per-key limit: one UPDATE of the key's counter row (the first
    request of a key also INSERTs it once), where `hit` costs a COUNT and an INSERT each time.
    The check and the increment are one statement, so processes sharing the database never
    let more than `limit` through in a window, on either engine.
    """
    key = _fit(key)
    now = time.time() if now is None else now
    window = int(now // window_seconds) * window_seconds
    for _ in range(2):
        taken = (RateCounter
                 .update(count=Case(None, [(RateCounter.window_start == window,
                                            RateCounter.count + 1)], 1),
                         window_start=window)
                 .where(RateCounter.key == key,
                        (RateCounter.window_start != window) | (RateCounter.count < limit))
                 .execute())
        if taken:
            return
        if RateCounter.select().where(RateCounter.key == key).exists():
            break  # the row is there and its window is full
        try:
            with transaction():  # a savepoint when nested: a lost race leaves no error behind
                RateCounter.create(key=key, window_start=window, count=1)
            return
        except IntegrityError:
            continue  # another process created it a moment ago: count on its row
    raise RateLimitedError(retry_after=max(1, math.ceil(window + window_seconds - now)))


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
    counters = (RateCounter.delete()
                .where(RateCounter.window_start < time.time() - older_than_seconds).execute())
    return RateEvent.delete().where(RateEvent.created_at < cutoff).execute() + counters


# -- password attempts: one rule for every place a password is checked ------------------------

ATTEMPT_WINDOW = 3600        # failures older than this no longer count
PAIR_FREE = 3                # failures of one account from one address before waiting starts
PAIR_MAX_WAIT = 15 * 60      # ... then 1 s, 2 s, 4 s ... up to this
ACCOUNT_FREE = 10            # failures of one account from anywhere before waiting starts
ACCOUNT_MAX_WAIT = 60        # ... then 1 s, 2 s ... up to this: the owner waits a minute at most
ADDRESS_LIMIT = 50           # failures from one address, whatever the account, in the window
ADDRESS_WINDOW = 15 * 60


def known_address(ip: str) -> bool:
    """True when there is an address to key a limit on; a missing one is nobody's key (the
    console has none on loopback), or all such visitors would share one counter."""
    return bool(ip)


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: int) -> str:
    """The client's address: with N trusted proxies in front, the Nth X-Forwarded-For entry
    from the right (as werkzeug's ProxyFix reads it for the portal), else the peer."""
    if trusted_proxies > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",")]
        if len(hops) >= trusted_proxies and hops[-trusted_proxies]:
            return hops[-trusted_proxies]
    return peer or ""


def _wait(failures: int, last_at, free: int, cap: int, now) -> int:
    """Seconds still to wait after `failures` (the last at `last_at`): doubling past `free`."""
    if failures < free or last_at is None:
        return 0
    if isinstance(last_at, str):  # SQLite hands back text for an aggregate
        last_at = datetime.datetime.fromisoformat(last_at)
    wait = min(2 ** (failures - free), cap)
    remaining = wait - (now - last_at).total_seconds()
    return max(int(remaining + 0.999), 0)


class PasswordAttempts:
    """The throttle of one password check: an account (e.g. "contact:3:ann@x.example") tried
    from an address.

    Each failure makes the next try of that account from that address wait longer (doubling
    up to 15 minutes); the account from anywhere slows down too, but only up to a minute, so
    failures elsewhere never lock the owner out; an address failing on many accounts is
    stopped. A missing address is never a key.
    """

    def __init__(self, account: str, ip: str = ""):
        self.ip = ip if known_address(ip) else ""
        self.account_key = _fit(f"pw:{account}")
        self.pair_key = _fit(f"pw:{account}:{self.ip}") if self.ip else ""
        self.address_key = f"pw-ip:{self.ip}" if self.ip else ""
        self._address_row = None  # this try's row under the address, while it counts

    def _recent(self, now) -> dict[str, tuple[int, object]]:
        since = now - datetime.timedelta(seconds=ATTEMPT_WINDOW)
        address_since = now - datetime.timedelta(seconds=ADDRESS_WINDOW)
        condition = (RateEvent.key == self.account_key) & (RateEvent.created_at > since)
        if self.ip:
            condition |= (RateEvent.key == self.pair_key) & (RateEvent.created_at > since)
            condition |= ((RateEvent.key == self.address_key)
                          & (RateEvent.created_at > address_since))
        rows = (RateEvent.select(RateEvent.key, fn.COUNT(RateEvent.id),
                                 fn.MAX(RateEvent.created_at))
                .where(condition).group_by(RateEvent.key).tuples())
        return {key: (count, last) for key, count, last in rows}

    def wait_seconds(self) -> int:
        """How long before this account may be tried from this address (0: now)."""
        now = utcnow()
        recent = self._recent(now)
        account = recent.get(self.account_key, (0, None))
        waits = [_wait(*account, ACCOUNT_FREE, ACCOUNT_MAX_WAIT, now)]
        if self.ip:
            waits.append(_wait(*recent.get(self.pair_key, (0, None)), PAIR_FREE,
                               PAIR_MAX_WAIT, now))
            if recent.get(self.address_key, (0, None))[0] >= ADDRESS_LIMIT:
                waits.append(ADDRESS_WINDOW)
        return max(waits)

    def check(self) -> None:
        """Raise RateLimitedError (with the seconds to wait) when this try must wait."""
        wait = self.wait_seconds()
        if wait:
            raise RateLimitedError(
                message=N_("Too many attempts. Please wait %(seconds)d s and try again."),
                retry_after=wait, seconds=wait)

    def count_try(self) -> None:
        """`check()`, then count this try as a wrong password until `succeeded()` (inside
        the caller's transaction). Counted before the password is checked, so that check,
        argon2's ~0.1 s, runs after the transaction: the database's write lock is not held
        through it, and tries racing each other still each see the ones before them."""
        self.check()
        now = utcnow()
        keys = [self.account_key] + ([self.pair_key] if self.ip else [])
        RateEvent.insert_many([{"key": key, "created_at": now} for key in keys]).execute()
        if self.address_key:
            self._address_row = RateEvent.insert(key=self.address_key, created_at=now).execute()

    def succeeded(self) -> None:
        """The right password: the account's failures are forgotten, and of the address's
        only this try's own (counted by `count_try`)."""
        keys = [self.account_key] + ([self.pair_key] if self.ip else [])
        condition = RateEvent.key.in_(keys)
        if self._address_row is not None:
            condition |= RateEvent.id == self._address_row
        RateEvent.delete().where(condition).execute()

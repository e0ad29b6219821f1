"""Password throttling: slows guessing down without ever locking the real user out."""

import pytest

from core import throttle
from core.errors import AuthenticationError, RateLimitedError, ValidationError
from core.models import AuditEvent, RateEvent
from core.services import access
from core.services.staff import authenticate_staff
from tests.conftest import PASSWORD
from tests.core.helpers import actions, age_rate_events

ATTACKER, OWNER = "203.0.113.50", "192.0.2.10"


def wrong(contact, org, ip, times=1):
    for _ in range(times):
        with pytest.raises(AuthenticationError):
            access.authenticate_contact(org.id, contact.email, "a wrong guess", ip=ip)


def test_each_failure_from_one_address_doubles_its_wait(make_active_contact, org):
    contact = make_active_contact()
    wrong(contact, org, ATTACKER, throttle.PAIR_FREE)
    waits = []
    for _ in range(5):
        with pytest.raises(RateLimitedError) as refused:
            access.authenticate_contact(org.id, contact.email, "a wrong guess", ip=ATTACKER)
        waits.append(refused.value.retry_after)
        age_rate_events(refused.value.retry_after)  # the attacker waits it out, then fails
        wrong(contact, org, ATTACKER)

    assert waits == [1, 2, 4, 8, 16]
    assert "Please wait 16 s" in str(refused.value)
    # Meanwhile the owner signs in from their own address at once.
    assert access.authenticate_contact(org.id, contact.email, PASSWORD, ip=OWNER).id == contact.id


def test_failures_from_many_addresses_slow_the_account_for_a_minute_at_most(
        make_active_contact, org):
    contact = make_active_contact()
    for n in range(throttle.ACCOUNT_FREE + 12):
        age_rate_events(throttle.ACCOUNT_MAX_WAIT)
        wrong(contact, org, f"198.51.100.{n}")

    with pytest.raises(RateLimitedError) as refused:
        access.authenticate_contact(org.id, contact.email, PASSWORD, ip=OWNER)
    assert refused.value.retry_after == throttle.ACCOUNT_MAX_WAIT

    age_rate_events(throttle.ACCOUNT_MAX_WAIT)
    assert access.authenticate_contact(org.id, contact.email, PASSWORD, ip=OWNER).id == contact.id


def test_a_missing_address_is_never_a_key(make_active_contact, org):
    contact = make_active_contact()
    other = make_active_contact()
    wrong(contact, org, "", throttle.ACCOUNT_FREE)

    # Another account without an address is not slowed by these failures.
    assert access.authenticate_contact(org.id, other.email, PASSWORD, ip="").id == other.id
    keys = [key for (key,) in RateEvent.select(RateEvent.key).tuples()]
    assert keys and all(key == f"pw:contact:{org.id}:{contact.email}" for key in keys)


def test_one_address_failing_on_many_accounts_is_stopped_everywhere(make_active_contact, org,
                                                                    admin):
    contact = make_active_contact()
    for n in range(throttle.ADDRESS_LIMIT):
        with pytest.raises(AuthenticationError):
            access.authenticate_contact(org.id, f"victim{n}@x.example", "guess", ip=ATTACKER)

    with pytest.raises(RateLimitedError):
        access.authenticate_contact(org.id, contact.email, PASSWORD, ip=ATTACKER)
    with pytest.raises(RateLimitedError):
        authenticate_staff(admin.email, PASSWORD, ip=ATTACKER)
    assert authenticate_staff(admin.email, PASSWORD, ip=OWNER).id == admin.id


def test_sign_ins_that_succeed_never_count_against_their_address(make_active_contact, org,
                                                                 admin):
    # An office behind one address signs in all day: only wrong passwords count there.
    contact = make_active_contact()
    for _ in range(throttle.ADDRESS_LIMIT + 1):
        access.authenticate_contact(org.id, contact.email, PASSWORD, ip=OWNER)
        authenticate_staff(admin.email, PASSWORD, ip=OWNER)

    assert not RateEvent.select().exists()


def test_other_requests_write_while_a_password_is_being_checked(make_active_contact, org,
                                                                monkeypatch):
    """The password check (argon2, ~0.1 s) runs outside the transaction: on SQLite a
    transaction holds the write lock, and every write everywhere would wait for it."""
    import threading

    from core import db

    contact = make_active_contact()
    written, written_during_the_check = [], []

    def another_request():
        with db.connection(), db.transaction():
            RateEvent.create(key="another request's write")
        written.append(True)

    def slow_check(password_hash, password):
        writer = threading.Thread(target=another_request)
        writer.start()
        writer.join(timeout=3)  # held up for as long as the lock is held, were it held
        written_during_the_check.append(bool(written))
        return False

    monkeypatch.setattr(access, "verify_password", slow_check)
    with pytest.raises(AuthenticationError):
        access.authenticate_contact(org.id, contact.email, "a wrong guess", ip=ATTACKER)
    assert written_during_the_check == [True]
    # The wrong guess still counts.
    assert RateEvent.select().where(RateEvent.key.startswith("pw:")).count() == 2


def test_staff_sign_ins_are_audited_with_the_address(admin):
    with pytest.raises(AuthenticationError):
        authenticate_staff(admin.email, "a wrong guess", ip=ATTACKER)
    authenticate_staff(admin.email, PASSWORD, ip=OWNER)

    events = {event.action: event for event in AuditEvent.select()
              if event.action.startswith("staff_login")}
    assert events["staff_login_failed"].ip == ATTACKER
    assert events["staff_login_failed"].organization_id == admin.organization_id
    assert events["staff_login"].ip == OWNER
    assert events["staff_login"].actor_id == admin.id


def test_the_current_password_on_the_profile_is_throttled_like_a_sign_in(
        make_active_contact, org):
    contact = make_active_contact()
    for _ in range(throttle.PAIR_FREE):
        with pytest.raises(ValidationError, match="current password"):
            access.change_password(contact.id, "a wrong guess", "a brand new passphrase",
                                   ip=ATTACKER)
    with pytest.raises(RateLimitedError):
        access.change_password(contact.id, PASSWORD, "a brand new passphrase", ip=ATTACKER)
    assert actions().count("password_change_failed") == throttle.PAIR_FREE

    age_rate_events(1)
    access.change_password(contact.id, PASSWORD, "a brand new passphrase", ip=ATTACKER)
    assert actions()[-1] == "password_changed"


@pytest.mark.parametrize("peer, forwarded, trusted, expected", [
    ("10.0.0.2", None, 0, "10.0.0.2"),
    ("10.0.0.2", "203.0.113.7", 0, "10.0.0.2"),          # not trusted: the header is ignored
    ("", "203.0.113.7", 1, "203.0.113.7"),
    ("", "198.51.100.1, 203.0.113.7", 1, "203.0.113.7"),  # a spoofed entry stays to the left
    ("", "198.51.100.1, 203.0.113.7", 2, "198.51.100.1"),
    ("10.0.0.2", "203.0.113.7", 2, "10.0.0.2"),          # fewer hops than proxies: the peer
    ("", None, 1, ""),
])
def test_the_client_address_follows_the_trusted_proxies(peer, forwarded, trusted, expected):
    assert throttle.client_address(peer, forwarded, trusted) == expected


# -- the API's per-key counter: one row per key, updated in place -----------------------------

def test_the_counter_lets_the_limit_through_then_refuses_until_the_window_ends():
    start = 1_800_000_000.0  # a window boundary for 60 s windows
    for second in range(3):
        throttle.hit_counter("api_key:1", 3, 60, now=start + second)
    with pytest.raises(RateLimitedError) as refused:
        throttle.hit_counter("api_key:1", 3, 60, now=start + 20)
    assert refused.value.retry_after == 40
    throttle.hit_counter("api_key:1", 3, 60, now=start + 60)  # the next window starts afresh
    throttle.hit_counter("api_key:2", 3, 60, now=start + 20)  # another key has its own count


def test_the_counter_writes_one_row_per_key_and_no_rate_events():
    from core.models import RateCounter

    for _ in range(50):
        throttle.hit_counter("api_key:7", 1000, 60)
    assert RateCounter.select().where(RateCounter.key == "api_key:7").count() == 1
    assert RateCounter.get(RateCounter.key == "api_key:7").count == 50
    assert RateEvent.select().count() == 0


def test_concurrent_requests_on_their_own_connections_never_pass_the_limit():
    """Like gunicorn's processes: each thread has its own connection to the database."""
    import threading

    from core import db

    passed, refused, errors = [], [], []
    start = threading.Barrier(4)

    def client():
        start.wait()
        with db.connection():
            for _ in range(15):
                try:
                    throttle.hit_counter("api_key:race", 25, 3600)
                    passed.append(1)
                except RateLimitedError:
                    refused.append(1)
                except Exception as error:  # noqa: BLE001 - reported below
                    errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (len(passed), len(refused)) == (25, 35)

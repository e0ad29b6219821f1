"""API keys: the business's own system calls the integration API with one; only a hash is kept."""

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Callable

from peewee import IntegrityError

from core import validation
from core.audit import Actor, record
from core.db import transaction
from core.errors import AuthenticationError, NotFoundError, ValidationError
from core.guards import require_admin
from core.i18n import N_
from core.models import ApiIdempotencyRecord, ApiKey, Organization, utcnow

SCOPES = ("read", "write")
KEY_PREFIX = "dsk_"
# last_used_at is written at most this often: a busy sync must not write a row per request.
LAST_USED_RESOLUTION = datetime.timedelta(seconds=60)


def hash_api_key(raw: str) -> str:
    """The SHA-256 hex digest the database keeps in place of the key."""
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def create_api_key(actor: Actor, name: str, scope: str = "read") -> tuple[ApiKey, str]:
    """Create a key for the actor's organization; the raw key is returned once, never stored."""
    name = validation.text(name, "name", max_length=100, required=True)
    if scope not in SCOPES:
        raise ValidationError(N_("Choose read or write."), field="scope")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)  # 256 bits
    with transaction():
        organization_id = require_admin(actor)
        key = ApiKey.create(organization=organization_id, name=name, scope=scope,
                            prefix=raw[:12], key_hash=hash_api_key(raw),
                            created_by=actor.id if actor.type == "staff" else None)
        record(organization_id, actor, "api_key_created", key, name=name, scope=scope,
               prefix=key.prefix)
    return key, raw


def revoke_api_key(actor: Actor, key_id: int) -> ApiKey:
    """Revoke a key at once; requests made with it are refused from now on."""
    with transaction():
        organization_id = require_admin(actor)
        key = ApiKey.get_or_none(ApiKey.id == key_id, ApiKey.organization == organization_id)
        if key is None:
            raise NotFoundError()
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            key.save()
            record(organization_id, actor, "api_key_revoked", key, name=key.name,
                   prefix=key.prefix)
    return key


def list_api_keys(actor: Actor) -> list[ApiKey]:
    """The organization's keys, newest first (revoked ones included, marked)."""
    organization_id = require_admin(actor)
    return list(ApiKey.select()
                .where(ApiKey.organization == organization_id)
                .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
                .limit(500))


def authenticate_api_key(raw: str) -> ApiKey:
    """The live key `raw` is; AuthenticationError for an unknown, malformed or revoked key."""
    if not isinstance(raw, str) or not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        raise AuthenticationError()
    digest = hash_api_key(raw)
    key = ApiKey.get_or_none(ApiKey.key_hash == digest)
    # The lookup finds the row; the comparison that decides is constant-time.
    if key is None or not hmac.compare_digest(key.key_hash, digest) or key.revoked_at:
        raise AuthenticationError()
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.update(last_used_at=now).where(ApiKey.id == key.id).execute()
        key.last_used_at = now
    return key


def organization_by_slug(slug: str) -> Organization:
    """The organization a `--org SLUG` names (the command line's key management)."""
    org = Organization.get_or_none(Organization.slug == (slug or "").strip().lower())
    if org is None:
        raise NotFoundError()
    return org


def answer_once(key_id: int, idempotency_key: str, request_hash: str,
                produce: Callable[[], tuple[int, str]]) -> tuple[int, str, bool]:
    """(status, body, replayed): the answer stored for this key's Idempotency-Key, else what
    `produce()` writes and answers, kept in the same transaction as its writes, so a retry
    after any failure either finds both or neither. ValidationError when the key was used
    for a different request."""
    idempotency_key = validation.text(idempotency_key, "Idempotency-Key", max_length=100,
                                      required=True)
    try:
        with transaction():
            stored = _stored_answer(key_id, idempotency_key, request_hash)
            if stored is not None:
                return (*stored, True)
            status, body = produce()
            ApiIdempotencyRecord.create(api_key=key_id, key=idempotency_key,
                                        request_hash=request_hash, status_code=status,
                                        body=body)
            return status, body, False
    except IntegrityError:
        # The same request ran at the same moment and committed first: this one's writes
        # are rolled back, and its answer is the one the other stored.
        stored = _stored_answer(key_id, idempotency_key, request_hash)
        if stored is None:
            raise
        return (*stored, True)


def _stored_answer(key_id: int, idempotency_key: str, request_hash: str):
    row = ApiIdempotencyRecord.get_or_none(ApiIdempotencyRecord.api_key == key_id,
                                           ApiIdempotencyRecord.key == idempotency_key)
    if row is None:
        return None
    if not hmac.compare_digest(row.request_hash, request_hash):
        raise ValidationError(N_("This Idempotency-Key was used for a different request."),
                              field="Idempotency-Key")
    return row.status_code, row.body

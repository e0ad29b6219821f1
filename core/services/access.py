"""Portal access: invitations, enabling and disabling, sign-in, sign-up and password resets."""

import datetime
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from peewee import Case

from core import outbox, throttle, validation
from core.audit import Actor, event_row, record, record_many
from core.db import transaction
from core.errors import (
    AuthenticationError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TokenError,
    ValidationError,
)
from core.events import contact_payload, record_event
from core.guards import acting_organization, load_for_staff
from core.i18n import N_, contact_language
from core.models import (
    AccessToken,
    Contact,
    Customer,
    Organization,
    OutboxMessage,
    PortalPreferences,
    utcnow,
)
from core.queries.portal import list_companies
from core.queries.scoping import ContactScope
from core.security import (
    check_password_strength,
    derive_token,
    hash_password,
    hash_token,
    new_nonce,
    verify_password,
)
from core.services.notifications import notify_staff

TOKEN_LIFETIME = {
    "invitation": datetime.timedelta(days=14),
    "reset": datetime.timedelta(hours=2),
    "signup": datetime.timedelta(hours=24),
}
# Which email each token purpose is delivered by.
TOKEN_EMAIL = {"invitation": "invitation", "reset": "password_reset",
               "signup": "signup_verification"}
STATE_RANK = {"active": 3, "invited": 2, "disabled": 1, "not_invited": 0}

SIGN_IN_WINDOW = 15 * 60    # the window of the token limit below (sign-ins: core.throttle)
REQUEST_LIMIT = 5           # reset / sign-up requests per (email, address) an hour
REQUEST_IP_LIMIT = 30       # ... per address an hour
TOKEN_IP_LIMIT = 30         # token submissions per address in 15 minutes


# -- helpers shared by the services below -------------------------------------------------

def refresh_customer_portal_status(customer_id: int) -> None:
    """Recompute the customer's denormalised portal status from its contacts' states."""
    states = [c.portal_state for c in Contact.select(Contact.portal_state)
              .where(Contact.customer == customer_id)]
    status = max(states, key=STATE_RANK.__getitem__, default="not_invited")
    Customer.update(portal_status=status).where(Customer.id == customer_id).execute()


def _set_state(contact: Contact, state: str) -> None:
    contact.portal_state = state
    contact.state_changed_at = utcnow()
    contact.updated_at = contact.state_changed_at  # the API's lists see the change


def _revoke_tokens(contact_id: int, purpose: str | None = None) -> None:
    query = AccessToken.update(revoked_at=utcnow()).where(
        AccessToken.contact == contact_id, AccessToken.used_at.is_null(),
        AccessToken.revoked_at.is_null())
    if purpose:
        query = query.where(AccessToken.purpose == purpose)
    query.execute()


def issue_token(contact: Contact, purpose: str, *, email_kind: str | None = None,
                **payload) -> AccessToken:
    """Create a token for the contact and queue the email that carries it (inside a transaction).

    Only the hash is stored; the mail worker derives the raw token from the nonce when it sends.
    """
    nonce = new_nonce()
    language = contact_language(contact)
    token = AccessToken.create(
        organization=contact.organization_id, contact=contact, purpose=purpose,
        email=contact.email, nonce=nonce, token_hash=hash_token(derive_token(purpose, nonce)),
        language=language, expires_at=utcnow() + TOKEN_LIFETIME[purpose])
    message = outbox.enqueue(contact.organization_id, email_kind or TOKEN_EMAIL[purpose],
                             contact.email, language, token_id=token.id, contact_id=contact.id,
                             **payload)
    if purpose == "invitation":  # staff follow this email's delivery on the contact
        contact.invitation_message_id = message.id
        Contact.update(invitation_message_id=message.id).where(Contact.id == contact.id).execute()
    return token


def raw_token_for(token: AccessToken) -> str:
    """The raw token a link carries (for the mail worker only)."""
    return derive_token(token.purpose, token.nonce)


def _find_token(organization_id: int, raw: str, purpose: str) -> AccessToken:
    token = AccessToken.get_or_none(AccessToken.token_hash == hash_token(raw or ""))
    if token is None or token.organization_id != organization_id or token.purpose != purpose:
        raise TokenError()
    contact = token.contact
    # Bound to the contact and the address it was sent to.
    if contact.email != token.email or contact.portal_state == "disabled":
        raise TokenError()
    # A real link of this portal: say why it no longer works, so the page can offer the way on.
    if token.used_at:
        raise TokenError("used", purpose)
    if token.revoked_at:
        raise TokenError("revoked", purpose)
    if token.expires_at < utcnow():
        raise TokenError("expired", purpose)
    return token


def _same_person(contact: Contact):
    """The other contacts of the organization with this contact's email: the same person."""
    return Contact.select().where(Contact.organization == contact.organization_id,
                                  Contact.email == contact.email, Contact.id != contact.id)


def existing_sign_in(contact: Contact) -> Contact | None:
    """Another active contact of the same person (same email) with a password, or None.

    The password belongs to the person: a second company's invitation (or sign-up) is
    accepted with the password the person already has.
    """
    if not contact.email:
        return None
    return (_same_person(contact)
            .where(Contact.portal_state == "active", Contact.password_hash.is_null(False))
            .order_by(Contact.id).first())


def _share_password(contact: Contact) -> None:
    """Give every contact of the same person the contact's new password; their sessions end.

    Kept in step so that one person has one password in an organization, whichever company
    it signs in to (and a switch of company can check that both share it).
    """
    if not contact.email:
        return
    (Contact.update(password_hash=contact.password_hash,
                    session_version=Contact.session_version + 1)
     .where(Contact.id.in_(_same_person(contact).select(Contact.id)),
            Contact.password_hash.is_null(False))
     .execute())


def switch_company(scope: ContactScope, target_contact_id, ip: str = "") -> Contact:
    """The person's contact at another company to go on as (`list_companies`); NotFoundError
    unless it is the same person's (email and password) and active."""
    try:
        target_id = int(target_contact_id)
    except (TypeError, ValueError):
        raise NotFoundError() from None
    target = next((c for c in list_companies(scope) if c.id == target_id), None)
    if target is None:
        raise NotFoundError()
    with transaction():
        record(scope.organization.id, Actor.contact(target.id, ip), "company_switched",
               target, customer_id=target.customer_id, from_contact=scope.contact.id)
    return target


# -- staff actions ---------------------------------------------------------------------------

def invite_contact_locked(actor: Actor, contact: Contact) -> AccessToken:
    """Invite (or re-invite) a contact inside the caller's transaction."""
    if not contact.email:
        raise ValidationError(N_("This contact has no email address."), field="email")
    if contact.portal_state == "active":
        raise InvalidStateError(N_("This contact already has portal access."))
    again = AccessToken.select().where(AccessToken.contact == contact,
                                       AccessToken.purpose == "invitation").exists()
    _revoke_tokens(contact.id, "invitation")
    _set_state(contact, "invited")
    contact.requested_by = None  # a Company admin's request for this access is answered
    contact.save()
    refresh_customer_portal_status(contact.customer_id)
    token = issue_token(contact, "invitation",
                        email_kind="reinvitation" if again else "invitation")
    record(contact.organization_id, actor, "contact_reinvited" if again else "contact_invited",
           contact, customer_id=contact.customer_id, email=contact.email)
    return token


def invite_contact(actor: Actor, contact_id: int) -> Contact:
    """Invite a contact to the portal, or re-invite one invited or disabled (older links die)."""
    with transaction():
        contact = load_for_staff(actor, Contact, contact_id)
        invite_contact_locked(actor, contact)
    return contact


reinvite_contact = invite_contact

def disable_contact(actor: Actor, contact_id: int) -> Contact:
    """Take portal access away from a contact; its sessions end at once."""
    with transaction():
        contact = load_for_staff(actor, Contact, contact_id)
        disable_contact_locked(actor, contact)
    return contact


def disable_contact_locked(actor: Actor, contact: Contact) -> None:
    """Disable a contact inside the caller's transaction (its other companies keep access)."""
    if contact.portal_state == "disabled":
        return
    _set_state(contact, "disabled")
    contact.session_version += 1
    contact.requested_by = None
    contact.save()
    _revoke_tokens(contact.id)
    refresh_customer_portal_status(contact.customer_id)
    record(contact.organization_id, actor, "contact_disabled", contact,
           customer_id=contact.customer_id)


@dataclass(frozen=True)
class AccessChange:
    """What configuring portal access did to one contact."""

    contact_id: int
    name: str
    outcome: str  # invited | reinvited | disabled | role: <new role> | unchanged


def configure_portal_access(actor: Actor, customer_id: int,
                            contact_ids_with_access: list[int],
                            roles: dict[int, str] | None = None) -> list[AccessChange]:
    """Give exactly the chosen contacts access: invite the new ones, disable the unchosen ones;
    `roles` sets contacts' roles (contact id -> billing, orders, full or admin) at once."""
    chosen = {int(i) for i in contact_ids_with_access}
    wanted_roles = {int(i): validation.role(role) for i, role in (roles or {}).items()}
    with transaction():
        customer = load_for_staff(actor, Customer, customer_id)
        contacts = list(Contact.select().where(Contact.customer == customer)
                        .order_by(Contact.id))
        unknown = (chosen | set(wanted_roles)) - {c.id for c in contacts}
        if unknown:
            raise NotFoundError()
        changes = []
        for contact in contacts:
            outcome = "unchanged"
            role = wanted_roles.get(contact.id, contact.role)
            if role != contact.role:
                outcome = f"role: {role}"
                record(contact.organization_id, actor, "contact_role_changed", contact,
                       customer_id=customer.id, role=role, was=contact.role)
                contact.role, contact.updated_at = role, utcnow()
                contact.save()
            if contact.id in chosen and contact.portal_state in {"not_invited", "disabled"}:
                was = contact.portal_state
                try:
                    invite_contact_locked(actor, contact)
                except ValidationError as error:
                    raise ValidationError(
                        N_("%(name)s has no email address, so cannot be invited."),
                        field=error.field, name=contact.full_name) from None
                outcome = "reinvited" if was == "disabled" else "invited"
            elif contact.id not in chosen and contact.portal_state in {"invited", "active"}:
                disable_contact_locked(actor, contact)
                outcome = "disabled"
            changes.append(AccessChange(contact.id, contact.full_name, outcome))
        refresh_customer_portal_status(customer.id)
    return changes


@dataclass(frozen=True)
class BulkResult:
    """What bulk "Enable portal" did for one customer."""

    customer_id: int
    customer_name: str
    outcome: str           # invited | reinvited | skipped
    reason: str = ""       # no_email | already_active | disabled
    email: str = ""


SKIP_REASONS = {
    "no_email": N_("The primary contact has no email address."),
    "already_active": N_("The primary contact already has portal access."),
    "disabled": N_("The primary contact's access was disabled; re-invite it on its own."),
}


def _invite_many(contacts: list[Contact], actor: Actor) -> None:
    """`invite_contact_locked` for many contacts (emails checked, none active), set-based.

    The same rows as one by one — older invitation links revoked, state "invited", each
    customer's portal status refreshed, a token and its (re)invitation email each, an audit
    event each — in a dozen statements instead of eight per contact.
    """
    if not contacts:
        return
    ids = [contact.id for contact in contacts]
    now = utcnow()
    invited_before = {row[0] for row in AccessToken.select(AccessToken.contact)
                      .where(AccessToken.contact.in_(ids), AccessToken.purpose == "invitation")
                      .tuples()}
    (AccessToken.update(revoked_at=now)
     .where(AccessToken.contact.in_(ids), AccessToken.purpose == "invitation",
            AccessToken.used_at.is_null(), AccessToken.revoked_at.is_null())
     .execute())
    Contact.update(portal_state="invited", state_changed_at=now).where(
        Contact.id.in_(ids)).execute()
    for contact in contacts:
        contact.portal_state, contact.state_changed_at = "invited", now
    _refresh_portal_statuses({contact.customer_id for contact in contacts})
    tokens = []
    for contact in contacts:
        nonce = new_nonce()
        tokens.append(dict(
            organization=contact.organization_id, contact=contact.id, purpose="invitation",
            email=contact.email, nonce=nonce,
            token_hash=hash_token(derive_token("invitation", nonce)),
            language=contact_language(contact), created_at=now,
            expires_at=now + TOKEN_LIFETIME["invitation"]))
    AccessToken.insert_many(tokens).execute()
    token_ids = dict(AccessToken.select(AccessToken.token_hash, AccessToken.id)
                     .where(AccessToken.token_hash.in_([t["token_hash"] for t in tokens]))
                     .tuples())
    again = [contact.id in invited_before for contact in contacts]
    messages = [
        outbox.message_row(contact.organization_id, "reinvitation" if was else "invitation",
                           contact.email, token["language"],
                           token_id=token_ids[token["token_hash"]], contact_id=contact.id)
        for contact, token, was in zip(contacts, tokens, again, strict=True)]
    outbox.enqueue_many(messages)
    message_ids = dict(OutboxMessage.select(OutboxMessage.message_id, OutboxMessage.id)
                       .where(OutboxMessage.message_id.in_([m["message_id"] for m in messages]))
                       .tuples())
    pairs = [(contact.id, message_ids[m["message_id"]])
             for contact, m in zip(contacts, messages, strict=True)]
    (Contact.update(invitation_message_id=Case(Contact.id, pairs))
     .where(Contact.id.in_(ids)).execute())
    record_many([
        event_row(contact.organization_id, actor,
                  "contact_reinvited" if was else "contact_invited", contact,
                  customer_id=contact.customer_id, email=contact.email)
        for contact, was in zip(contacts, again, strict=True)])


def _refresh_portal_statuses(customer_ids: set[int]) -> None:
    """`refresh_customer_portal_status` for many customers."""
    best: dict[int, str] = {}
    for customer_id, state in (Contact.select(Contact.customer, Contact.portal_state)
                               .where(Contact.customer.in_(list(customer_ids))).tuples()):
        best[customer_id] = max(best.get(customer_id, "not_invited"), state,
                                key=STATE_RANK.__getitem__)
    by_status: dict[str, list[int]] = {}
    for customer_id in customer_ids:
        by_status.setdefault(best.get(customer_id, "not_invited"), []).append(customer_id)
    for status, members in by_status.items():
        Customer.update(portal_status=status).where(Customer.id.in_(members)).execute()


def _classify_for_bulk(organization_id: int, chunk: list[int]):
    """For each of the organization's customers in `chunk`: what "Enable portal" does to its
    primary contact (invited, reinvited, or skipped and why), and the contacts to invite."""
    customers = {c.id: c for c in Customer.select().where(
        Customer.id.in_(chunk), Customer.organization == organization_id)}
    primaries = {c.customer_id: c for c in Contact.select().where(
        Contact.customer.in_(list(customers)), Contact.is_primary)}
    results, to_invite = [], []
    for customer_id in chunk:
        customer = customers.get(customer_id)
        if customer is None:
            continue  # not this organization's: silently not ours to touch
        contact = primaries.get(customer_id)
        reason = ("no_email" if contact is None or not contact.email
                  else "already_active" if contact.portal_state == "active"
                  else "disabled" if contact.portal_state == "disabled" else "")
        if contact is None or reason:
            results.append(BulkResult(customer.id, customer.display_name, "skipped",
                                      reason, contact.email or "" if contact else ""))
            continue
        contact.customer = customer
        to_invite.append(contact)
        outcome = "reinvited" if contact.portal_state == "invited" else "invited"
        results.append(BulkResult(customer.id, customer.display_name, outcome,
                                  email=contact.email))
    return results, to_invite


def preview_bulk_enable_portal(actor: Actor, customer_ids: list[int], *,
                               chunk_size: int = 500) -> list[BulkResult]:
    """What `bulk_enable_portal` would do for each customer (invite, re-invite, or skip and
    why), changing nothing."""
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    organization_id = acting_organization(actor)
    results: list[BulkResult] = []
    for start in range(0, len(ids), chunk_size):
        results += _classify_for_bulk(organization_id, ids[start:start + chunk_size])[0]
    return results


def bulk_enable_portal(actor: Actor, customer_ids: list[int], *,
                       progress: Callable[[int, int], None] | None = None,
                       chunk_size: int = 500) -> list[BulkResult]:
    """Invite (or re-invite) the primary contact of each customer; report each invited,
    reinvited or skipped, and why."""
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    organization_id = acting_organization(actor)
    results: list[BulkResult] = []
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start:start + chunk_size]
        with transaction():
            chunk_results, to_invite = _classify_for_bulk(organization_id, chunk)
            org = Organization.get_by_id(organization_id)
            for contact in to_invite:
                contact.organization = org
            _invite_many(to_invite, actor)
            record(organization_id, actor, "bulk_portal_enable",
                   invited=sum(r.outcome != "skipped" for r in chunk_results),
                   customers=len(chunk_results))
        results += chunk_results
        if progress:
            progress(min(start + chunk_size, len(ids)), len(ids))
    return results


# -- the contact's side ----------------------------------------------------------------------

def joins_existing_sign_in(organization_id: int, raw: str, purpose: str) -> bool:
    """True when a still-valid link belongs to a person who already signs in for another
    company (its page asks for that password, not a new one); False for any other link."""
    try:
        contact = _find_token(organization_id, raw, purpose).contact
    except TokenError:
        return False
    return existing_sign_in(contact) is not None


def describe_token(organization_id: int, raw: str, purpose: str) -> Contact:
    """The contact a still-valid token belongs to (to show its username before accepting)."""
    return _find_token(organization_id, raw, purpose).contact


def _check_token_rate(ip: str) -> None:
    if throttle.known_address(ip):  # a missing address is nobody's key
        throttle.hit(f"token-ip:{ip}", TOKEN_IP_LIMIT, SIGN_IN_WINDOW)


@contextmanager
def _consume_token(organization_id: int, raw_token: str, purpose: str, password: str, ip: str,
                   *, states: set[str], activate: bool, revoke: str | None = None,
                   precondition: Callable[[], None] | None = None) -> Iterator[Contact]:
    """The steps every link that sets a password shares, around the flow's own last steps.

    Counts the attempt against the address (in a transaction of its own, so that a failed
    attempt still counts), then in one transaction: finds the token and checks the contact's
    state, checks the password (its strength; or, when the person already signs in for another
    company, that it is that password: `existing_sign_in`), uses the token up, revokes the
    contact's other tokens of `revoke` ("all": of every purpose), sets the person's password,
    ends every other session and, with `activate`, makes the contact active. The `with` body
    runs inside that
    transaction: it records and notifies, and whatever it raises undoes it all.
    """
    with transaction():
        _check_token_rate(ip)
    with transaction():
        if precondition is not None:
            precondition()
        token = _find_token(organization_id, raw_token, purpose)
        contact = token.contact
        if contact.portal_state not in states:
            raise TokenError()
        existing = existing_sign_in(contact) if activate else None
        if existing is not None:
            # The person already signs in to this portal for another company: the same
            # password adds this one, and the link cannot be used to replace that password.
            if not verify_password(existing.password_hash, password):
                raise ValidationError(N_("Enter the password you already use for this "
                                         "portal."), field="password")
            password_hash = existing.password_hash
        else:
            check_password_strength(password)
            password_hash = hash_password(password)
        token.used_at = utcnow()
        token.save()
        if revoke is not None:
            _revoke_tokens(contact.id, None if revoke == "all" else revoke)
        contact.password_hash = password_hash
        if activate:
            _set_state(contact, "active")
        contact.session_version += 1
        contact.save()
        if existing is None:
            _share_password(contact)
        if activate:
            refresh_customer_portal_status(contact.customer_id)
        yield contact


def accept_invitation(organization_id: int, raw_token: str, password: str,
                      ip: str = "") -> Contact:
    """Accept an invitation: set the password, make the contact active, notify staff."""
    with _consume_token(organization_id, raw_token, "invitation", password, ip,
                        states={"invited"}, activate=True) as contact:
        record(organization_id, Actor.contact(contact.id, ip), "invitation_accepted", contact,
               customer_id=contact.customer_id)
        record_event(organization_id, "invitation.accepted",
                     contact_payload(contact, contact.customer, ["portal_state"]))
        notify_staff(organization_id, "invitation_accepted",
                     f"{contact.full_name} ({contact.customer.display_name}) accepted the "
                     "portal invitation.", record_type="customer",
                     record_id=contact.customer_id, customer_id=contact.customer_id,
                     contact_name=contact.full_name,
                     customer_name=contact.customer.display_name)
    return contact


def authenticate_contact(organization_id: int, email: str, password: str,
                         ip: str = "") -> Contact:
    """Check a portal sign-in, throttled by `throttle.PasswordAttempts` (which never lets
    failures elsewhere lock the real user out)."""
    email = (email or "").strip().lower()
    attempts = throttle.PasswordAttempts(f"contact:{organization_id}:{email}", ip)
    throttled = None
    with transaction():
        try:
            attempts.count_try()
        except RateLimitedError as error:
            # Raised after the block: raising inside it would roll the audit event back.
            throttled = error
            record(organization_id, Actor.anonymous(ip), "login_throttled", email=email)
        else:
            # One person may be a contact of several customers: the one it used last.
            contact = (Contact.select()
                       .where(Contact.organization == organization_id, Contact.email == email,
                              Contact.portal_state == "active")
                       .order_by(Contact.last_login_at.desc(nulls="LAST"), Contact.id)
                       .first())
    if throttled:
        raise throttled
    if not verify_password(contact.password_hash if contact else None, password):
        with transaction():
            record(organization_id, Actor.anonymous(ip), "login_failed", email=email,
                   customer_id=contact.customer_id if contact else None)
        raise AuthenticationError()
    with transaction():
        attempts.succeeded()
        contact.last_login_at = utcnow()
        contact.save()
        record(organization_id, Actor.contact(contact.id, ip), "login", contact,
               customer_id=contact.customer_id)
    return contact


def sign_out_everywhere(contact_id: int, ip: str = "") -> None:
    """End every session of the contact (signing out bumps the session version)."""
    with transaction():
        contact = Contact.get_by_id(contact_id)
        contact.session_version += 1
        contact.save()
        if contact.email:  # the session was the person's, whichever company it showed
            (Contact.update(session_version=Contact.session_version + 1)
             .where(Contact.id.in_(_same_person(contact).select(Contact.id))).execute())
        record(contact.organization_id, Actor.contact(contact.id, ip), "logout", contact,
               customer_id=contact.customer_id)


def change_password(contact_id: int, current_password: str, new_password: str,
                    ip: str = "") -> Contact:
    """Change the password after checking the current one (throttled as a sign-in is);
    other sessions end."""
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        raise NotFoundError()
    # The new password is judged first: a try refused for it changes nothing, not even the
    # count of tries (which counts each try before its password is checked).
    check_password_strength(new_password, (contact.email, contact.first_name,
                                           contact.last_name))
    attempts = throttle.PasswordAttempts(f"contact-password:{contact.id}", ip)
    with transaction():
        attempts.count_try()
    if not verify_password(contact.password_hash, current_password):
        with transaction():
            record(contact.organization_id, Actor.contact(contact.id, ip),
                   "password_change_failed", contact, customer_id=contact.customer_id)
        raise ValidationError(N_("The current password is not correct."),
                              field="current_password")
    new_hash = hash_password(new_password)  # before the transaction: argon2 takes ~0.1 s
    with transaction():
        attempts.succeeded()
        contact.password_hash = new_hash
        contact.session_version += 1
        contact.save()
        _share_password(contact)
        _revoke_tokens(contact.id, "reset")
        record(contact.organization_id, Actor.contact(contact.id, ip), "password_changed",
               contact, customer_id=contact.customer_id)
    return contact


def _throttle_request(kind: str, organization_id: int, email: str, ip: str) -> None:
    if throttle.known_address(ip):  # a missing address is nobody's key
        throttle.hit(f"{kind}:{organization_id}:{email}:{ip}", REQUEST_LIMIT, 3600)
        throttle.hit(f"{kind}-ip:{ip}", REQUEST_IP_LIMIT, 3600)


def request_password_reset(organization_id: int, email: str, ip: str = "") -> None:
    """Queue a reset request; the worker emails a link only when the address belongs to an
    active contact (`resolve_password_reset_request`).

    The request does the same work whatever the address — one audit event and one outbox
    row, no lookup — so neither the answer nor its timing tells whether the address is known.
    """
    email = (email or "").strip().lower()
    with transaction():
        _throttle_request("reset", organization_id, email, ip)
    try:
        email = validation.email(email)
    except ValidationError:
        return  # nobody's address: nothing to queue (and nothing to learn from it)
    with transaction():
        record(organization_id, Actor.anonymous(ip), "password_reset_requested", email=email)
        outbox.enqueue(organization_id, "password_reset", email, "en", requested=True)


def resolve_password_reset_request(message: OutboxMessage) -> bool:
    """For a queued reset request (the mail worker, before rendering): make the link's token
    when the address is an active contact's, else False (nothing is sent).

    The row then carries the token and the contact's language, so a retry sends the same link.
    """
    payload = outbox.payload_of(message)
    if payload.get("token_id"):
        return True
    with transaction():
        contact = (Contact.select()
                   .where(Contact.organization == message.organization_id,
                          Contact.email == message.recipient, Contact.portal_state == "active")
                   .order_by(Contact.last_login_at.desc(nulls="LAST"), Contact.id).first())
        if contact is None:
            return False
        _revoke_tokens(contact.id, "reset")
        nonce = new_nonce()
        language = contact_language(contact)
        token = AccessToken.create(
            organization=contact.organization_id, contact=contact, purpose="reset",
            email=contact.email, nonce=nonce, token_hash=hash_token(derive_token("reset", nonce)),
            language=language, expires_at=utcnow() + TOKEN_LIFETIME["reset"])
        message.payload = json.dumps({"contact_id": contact.id, "token_id": token.id},
                                     sort_keys=True)
        message.language = language
        (OutboxMessage.update(payload=message.payload, language=language)
         .where(OutboxMessage.id == message.id).execute())
    return True


def reset_password(organization_id: int, raw_token: str, new_password: str,
                   ip: str = "") -> Contact:
    """Set a new password from a reset link; every other session ends."""
    with _consume_token(organization_id, raw_token, "reset", new_password, ip,
                        states={"active"}, activate=False, revoke="reset") as contact:
        record(organization_id, Actor.contact(contact.id, ip), "password_reset", contact,
               customer_id=contact.customer_id)
    return contact


def _require_signup_open(organization_id: int) -> None:
    prefs = PortalPreferences.get(PortalPreferences.organization == organization_id)
    if not prefs.allow_signup:
        raise PermissionDeniedError(N_("This portal does not offer self sign-up."))


def request_signup(organization_id: int, email: str, ip: str = "") -> None:
    """Self sign-up: email a verification link to a not-yet-active contact with this address.

    Answers the same whatever the address; an active or disabled account is never touched.
    """
    _require_signup_open(organization_id)
    email = validation.email(email)
    with transaction():
        _throttle_request("signup", organization_id, email, ip)
    with transaction():
        # The first of the person's contacts (one a customer) that may still sign up.
        contact = (Contact.select()
                   .where(Contact.organization == organization_id, Contact.email == email,
                          Contact.portal_state.in_(("not_invited", "invited")))
                   .order_by(Contact.id).first())
        record(organization_id, Actor.anonymous(ip), "signup_requested", email=email,
               known=contact is not None)
        if contact is None:
            return
        _revoke_tokens(contact.id, "signup")
        issue_token(contact, "signup")


def complete_signup(organization_id: int, raw_token: str, password: str,
                    ip: str = "") -> Contact:
    """Finish self sign-up from the verification link: set the password, activate, notify."""
    with _consume_token(organization_id, raw_token, "signup", password, ip,
                        states={"not_invited", "invited"}, activate=True, revoke="all",
                        precondition=lambda: _require_signup_open(organization_id)) as contact:
        record(organization_id, Actor.contact(contact.id, ip), "signup_completed", contact,
               customer_id=contact.customer_id)
        record_event(organization_id, "contact.signed_up",
                     contact_payload(contact, contact.customer, ["portal_state"]))
        notify_staff(organization_id, "signup",
                     f"{contact.full_name} ({contact.customer.display_name}) signed up to the "
                     "portal.", record_type="customer", record_id=contact.customer_id,
                     customer_id=contact.customer_id, contact_name=contact.full_name,
                     customer_name=contact.customer.display_name)
    return contact

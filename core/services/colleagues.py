"""A Company admin manages its own company's contacts from the portal.

The same steps as the console's (`access.invite_contact_locked`, `disable_contact_locked`,
`customers.add_contact_locked`), reached through the admin's ContactScope: only contacts of
the admin's own customer, never another customer's, and never a role above Company admin
(the highest there is). When the organization asks for it (the preference
`colleague_invites_need_approval`), an invitation waits for staff to approve it in
"Configure customer portal".
"""

from core.audit import Actor, record
from core.db import transaction
from core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationError
from core.i18n import N_
from core.models import Contact, utcnow
from core.queries.scoping import ContactScope
from core.services import access, customers
from core.services.notifications import notify_staff


def _require_company_admin(scope: ContactScope) -> None:
    if not scope.is_company_admin:
        raise PermissionDeniedError(N_("Only a company admin can manage your company's "
                                       "contacts."))


def _colleague(scope: ContactScope, contact_id) -> Contact:
    """A contact of the admin's own customer other than the admin; NotFoundError else."""
    try:
        contact_id = int(contact_id)
    except (TypeError, ValueError):
        raise NotFoundError() from None
    contact = Contact.get_or_none(Contact.id == contact_id,
                                  Contact.customer == scope.customer.id)
    if contact is None:
        raise NotFoundError()
    if contact.id == scope.contact.id:
        raise InvalidStateError(N_("You cannot change your own access or role."))
    return contact


def invite_colleague(scope: ContactScope, *, first_name: str, last_name: str = "",
                     email: str = "", role: str = "full", ip: str = "") -> Contact:
    """Invite a colleague to the company's portal (or ask staff to, when they approve)."""
    _require_company_admin(scope)
    data = customers.clean_contact({"first_name": first_name, "last_name": last_name,
                                    "email": email, "role": role})
    if not data["email"]:
        raise ValidationError(N_("Enter your colleague's email address."),
                              field="email")
    actor = Actor.contact(scope.contact.id, ip)
    with transaction():
        contact = (Contact.select().where(Contact.customer == scope.customer.id,
                                          Contact.email == data["email"]).first())
        if contact is None:
            contact = customers.add_contact_locked(actor, scope.customer, data)
        elif contact.portal_state in {"invited", "active"}:
            raise InvalidStateError(N_("%(name)s already has access to the portal."),
                                    name=contact.full_name)
        else:
            contact.role, contact.updated_at = data["role"], utcnow()
            contact.save()
        if scope.preferences.colleague_invites_need_approval:
            contact.requested_by = scope.contact.id
            contact.save()
            record(scope.organization.id, actor, "colleague_access_requested", contact,
                   customer_id=scope.customer.id, email=contact.email, role=contact.role)
            notify_staff(scope.organization.id, "colleague_requested",
                         f"{scope.contact.full_name} ({scope.customer.display_name}) asks for "
                         f"portal access for {contact.full_name} <{contact.email}>.",
                         record_type="customer", record_id=scope.customer.id,
                         customer_id=scope.customer.id)
        else:
            access.invite_contact_locked(actor, contact)
    return contact


def change_colleague_role(scope: ContactScope, contact_id, role: str,
                          ip: str = "") -> Contact:
    """Set a colleague's role (billing, orders, full or admin)."""
    _require_company_admin(scope)
    role = customers.clean_role(role)
    with transaction():
        contact = _colleague(scope, contact_id)
        if contact.role != role:
            record(scope.organization.id, Actor.contact(scope.contact.id, ip),
                   "contact_role_changed", contact, customer_id=scope.customer.id, role=role,
                   was=contact.role)
            contact.role, contact.updated_at = role, utcnow()
            contact.save()
    return contact


def remove_colleague_access(scope: ContactScope, contact_id, ip: str = "") -> Contact:
    """Take a colleague's portal access away (or withdraw a request); its sessions end."""
    _require_company_admin(scope)
    with transaction():
        contact = _colleague(scope, contact_id)
        if contact.portal_state in {"invited", "active"}:
            access.disable_contact_locked(Actor.contact(scope.contact.id, ip), contact)
        elif contact.requested_by_id is not None:
            contact.requested_by = None
            contact.save()
            record(scope.organization.id, Actor.contact(scope.contact.id, ip),
                   "colleague_request_withdrawn", contact, customer_id=scope.customer.id)
        else:
            raise InvalidStateError(N_("%(name)s has no portal access."),
                                    name=contact.full_name)
    return contact

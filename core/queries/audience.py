""""Who sees this?": which of a customer's contacts can see one of its documents, and why not.

The answer comes from the same rules the portal reads through (`core.queries.scoping`): the
organization's modules, the contact's role and its portal access state, and the statuses the
portal never shows (a draft).
"""

from dataclasses import dataclass

from core.errors import NotFoundError
from core.models import Contact, PortalPreferences
from core.queries.scoping import DOCUMENT_MODELS, HIDDEN_STATUSES, who_cannot_see

# Why a contact does not see a document, in words a staff member acts on.
REASONS = {
    "draft": "The document is a draft: the portal shows it to nobody until it is sent.",
    "module": "The portal module for this kind of document is turned off "
              "(Portal preferences).",
    "role": "The contact's role does not include this kind of document.",
    "access": "The contact has no active portal access.",
}


@dataclass(frozen=True)
class Viewer:
    """One contact of the document's customer, and whether (or why not) it sees the document."""

    contact_id: int
    name: str
    email: str
    role: str
    portal_state: str
    sees: bool
    reason: str  # a key of REASONS, or "" when the contact sees it


def list_document_viewers(organization_id: int, kind: str, document_id: int) -> list[Viewer]:
    """Every contact of the document's customer with whether it can see the document (two
    queries: the document, then the contacts with the organization's preferences)."""
    model = DOCUMENT_MODELS.get(kind)
    if model is None:
        raise NotFoundError()
    document = model.get_or_none(model.id == document_id,
                                 model.organization == organization_id)
    if document is None:
        raise NotFoundError()
    preferences = PortalPreferences.get(PortalPreferences.organization == organization_id)
    draft = document.status in HIDDEN_STATUSES[kind]
    viewers = []
    for contact in (Contact.select().where(Contact.customer == document.customer_id)
                    .order_by(Contact.id)):
        reason = "draft" if draft else who_cannot_see(contact, preferences, kind) or ""
        viewers.append(Viewer(contact.id, contact.full_name, contact.email or "",
                              contact.role, contact.portal_state, not reason, reason))
    return viewers

"""Comments on quotes, sales orders, invoices and shipments, by contacts and by staff."""

from core import outbox, validation
from core.audit import Actor, record
from core.db import transaction
from core.errors import NotFoundError
from core.events import comment_payload, record_event
from core.guards import acting_staff
from core.i18n import contact_language
from core.models import Comment, PortalPreferences
from core.queries.scoping import DOCUMENT_MODELS, ContactScope, contacts_who_see
from core.services.notifications import notify_staff

DOCUMENT_LABELS = {"quote": "quote", "sales_order": "sales order", "invoice": "invoice",
                   "shipment": "shipment"}


def add_contact_comment(scope: ContactScope, kind: str, document_id: int, body: str,
                        ip: str = "") -> Comment:
    """A contact comments on one of its customer's documents; staff are notified."""
    body = validation.text(body, "body", max_length=4000, required=True)
    with transaction():
        document = scope.get_document(kind, document_id)
        comment = Comment.create(organization=scope.organization.id,
                                 customer=scope.customer.id, document_type=kind,
                                 document_id=document.id, contact=scope.contact.id, body=body)
        record(scope.organization.id, Actor.contact(scope.contact.id, ip), "comment_added",
               comment, customer_id=scope.customer.id, kind=kind, number=document.number)
        record_event(scope.organization.id, "comment.added",
                     comment_payload(comment, document, kind, scope.customer,
                                     contact=scope.contact))
        notify_staff(scope.organization.id, "comment",
                     f"{scope.contact.full_name} ({scope.customer.display_name}) commented on "
                     f"{DOCUMENT_LABELS[kind]} {document.number}: {body[:200]}",
                     record_type=kind, record_id=document.id, customer_id=scope.customer.id,
                     contact_name=scope.contact.full_name,
                     customer_name=scope.customer.display_name, number=document.number,
                     body=body)
    return comment


def add_staff_comment(actor: Actor, kind: str, document_id: int, body: str) -> Comment:
    """Staff reply on a document's thread; the contacts in the thread are emailed.

    Who is emailed: each active contact who commented on the document and whose role still
    sees it, else the first contact that sees it (the primary contact when its role does).
    """
    body = validation.text(body, "body", max_length=4000, required=True)
    model = DOCUMENT_MODELS.get(kind)
    if model is None:
        raise NotFoundError()
    with transaction():
        staff = acting_staff(actor)  # a reply is signed by a person: staff only
        document = model.get_or_none(model.id == document_id,
                                     model.organization == staff.organization_id)
        if document is None:
            raise NotFoundError()
        comment = Comment.create(organization=staff.organization_id,
                                 customer=document.customer_id, document_type=kind,
                                 document_id=document.id, staff=staff, body=body)
        preferences = PortalPreferences.get(
            PortalPreferences.organization == staff.organization_id)
        audience = contacts_who_see(document.customer_id, preferences, kind)
        commented = {row.contact_id for row in Comment.select(Comment.contact).where(
            Comment.document_type == kind, Comment.document_id == document.id,
            Comment.contact.is_null(False))}
        participants = ([c for c in audience if c.id in commented]
                        or audience[:1])
        for contact in participants:
            outbox.enqueue(staff.organization_id, "comment_reply", contact.email,
                           contact_language(contact), contact_id=contact.id,
                           comment_id=comment.id, document_type=kind,
                           document_id=document.id)
        record(staff.organization_id, actor, "staff_comment_added", comment,
               customer_id=document.customer_id, kind=kind, number=document.number,
               emailed=len(participants))
        record_event(staff.organization_id, "comment.added",
                     comment_payload(comment, document, kind, document.customer, staff=staff))
    return comment

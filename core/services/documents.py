"""What a contact does with documents: view them, accept or decline quotes."""

from core import document_rules as rules
from core import validation
from core.audit import Actor, record
from core.db import transaction
from core.errors import InvalidStateError, ValidationError
from core.events import invoice_view_payload, quote_payload, record_event
from core.i18n import N_
from core.models import Customer, utcnow
from core.queries.scoping import DOCUMENT_MODELS, ContactScope
from core.services.notifications import notify_staff


def record_document_view(scope: ContactScope, kind: str, document_id: int,
                         ip: str = "", *, document=None) -> bool:
    """Record that the contact opened a document; True when this was its first view by anyone.

    The first view of an invoice stores the time and contact and notifies staff once, even
    when two contacts open it at the same moment. `document`: the document itself when the
    caller already read it through this scope (the page shows it anyway).
    """
    if document is None or document.id != document_id:
        document = scope.get_document(kind, document_id)
    if document.first_viewed_at is not None:
        return False  # only first views are recorded: a page view stays read-only after that
    model = DOCUMENT_MODELS[kind]
    now = utcnow()
    with transaction():
        first = (model.update(first_viewed_at=now, first_viewed_by=scope.contact.id,
                              updated_at=now)
                 .where(model.id == document.id, model.first_viewed_at.is_null())
                 .execute()) == 1
        if first and kind == "invoice":
            # Newest first view of any of the customer's invoices: drives "viewed" filters.
            (Customer.update(last_viewed_at=now)
             .where(Customer.id == scope.customer.id).execute())
        if first:
            record(scope.organization.id, Actor.contact(scope.contact.id, ip),
                   "document_viewed", document, customer_id=scope.customer.id, kind=kind,
                   number=document.number)
            if kind == "invoice":
                document.first_viewed_at = now
                record_event(scope.organization.id, "invoice.viewed",
                             invoice_view_payload(document, scope.customer, scope.contact))
                notify_staff(
                    scope.organization.id, "invoice_viewed",
                    f"{scope.contact.full_name} ({scope.customer.display_name}) viewed invoice "
                    f"{document.number}.", record_type="invoice", record_id=document.id,
                    customer_id=scope.customer.id, number=document.number,
                    contact_name=scope.contact.full_name,
                    customer_name=scope.customer.display_name)
    if first:
        document.first_viewed_at, document.first_viewed_by = now, scope.contact.id
    return first


def record_invoice_view(scope: ContactScope, invoice_id: int, ip: str = "", *,
                        invoice=None) -> bool:
    """Record that the contact opened an invoice (see record_document_view)."""
    return record_document_view(scope, "invoice", invoice_id, ip, document=invoice)


def _open_quote(scope: ContactScope, quote_id: int):
    quote = scope.get_document("quote", quote_id)
    if rules.is_expired(quote, rules.today_for(scope.organization)):
        raise InvalidStateError(N_("This quote has expired."))
    if quote.status != "sent":
        raise InvalidStateError(N_("This quote can no longer be accepted or declined."))
    return quote


def clean_signature(signature: str | None) -> str:
    """The name a contact typed to sign, with its spacing tidied; refused when it is no name."""
    name = " ".join(validation.text(signature, "signature", max_length=200).split())
    if len(name) < 2 or not any(char.isalpha() for char in name):
        raise ValidationError(N_("Type your full name to sign and accept the quote."),
                              field="signature")
    return name


def accept_quote(scope: ContactScope, quote_id: int, signature: str, ip: str = ""):
    """Accept a sent, unexpired quote, signed with the name the contact typed; staff are
    notified. The name, the time and the contact's address are kept on the quote."""
    signature = clean_signature(signature)
    with transaction():
        quote = _open_quote(scope, quote_id)
        quote.status, quote.responded_at, quote.responded_by = "accepted", utcnow(), scope.contact
        quote.signature_name, quote.signature_ip = signature, (ip or "")[:64]
        quote.updated_at = quote.responded_at
        quote.save()
        record(scope.organization.id, Actor.contact(scope.contact.id, ip), "quote_accepted",
               quote, customer_id=scope.customer.id, number=quote.number, signature=signature)
        record_event(scope.organization.id, "quote.accepted",
                     quote_payload(quote, scope.customer, scope.contact))
        notify_staff(scope.organization.id, "quote_accepted",
                     f"{scope.contact.full_name} ({scope.customer.display_name}) accepted quote "
                     f"{quote.number}. Signed \"{signature}\".", record_type="quote",
                     record_id=quote.id, customer_id=scope.customer.id)
    return quote


def decline_quote(scope: ContactScope, quote_id: int, reason: str, ip: str = ""):
    """Decline a sent, unexpired quote with a reason; staff are notified."""
    reason = validation.text(reason, "reason", max_length=1000, required=True)
    if not reason:
        raise ValidationError(N_("Tell us why you decline."), field="reason")
    with transaction():
        quote = _open_quote(scope, quote_id)
        quote.status, quote.responded_at, quote.responded_by = "declined", utcnow(), scope.contact
        quote.decline_reason = reason
        quote.updated_at = quote.responded_at
        quote.save()
        record(scope.organization.id, Actor.contact(scope.contact.id, ip), "quote_declined",
               quote, customer_id=scope.customer.id, number=quote.number, reason=reason)
        record_event(scope.organization.id, "quote.declined",
                     quote_payload(quote, scope.customer, scope.contact))
        notify_staff(scope.organization.id, "quote_declined",
                     f"{scope.contact.full_name} ({scope.customer.display_name}) declined quote "
                     f"{quote.number}: {reason}", record_type="quote", record_id=quote.id,
                     customer_id=scope.customer.id)
    return quote

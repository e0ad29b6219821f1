"""Render an outbox message into (subject, text, html) in its recipient's language.

Call inside an app context of `portal_site.create_app()`. Links come from `links` only, so a
request's Host header can never reach an email; the raw token of a token email is derived here,
at sending time, and lives only in the rendered text.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.dates import format_date as babel_format_date
from flask import render_template
from flask_babel import force_locale, format_currency, get_locale, gettext, pgettext

from core.document_rules import zone_of
from core.i18n import DEFAULT_LANGUAGE, is_rtl, is_supported
from core.models import (
    AccessToken,
    Comment,
    Contact,
    Invoice,
    Organization,
    Payment,
    Shipment,
    StaffUser,
    utcnow,
)
from core.names import contact_name, isolate
from core.outbox import payload_of
from core.pdf.records import receipt_pdf
from core.queries.payable import list_allocations
from core.queries.scoping import DOCUMENT_MODELS
from core.queries.staff import get_preferences
from core.services.access import raw_token_for, resolve_password_reset_request
from portal_site.mail import links
from portal_site.site.i18n import moment_in

DEFAULT_ACCENT = "#1f6feb"
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_BLANK_RUNS = re.compile(r"\n\s*\n(\s*\n)+")
# Which token purpose each token email carries, and the link it builds from it.
TOKEN_EMAILS = {
    "invitation": ("invitation", links.accept_url),
    "reinvitation": ("invitation", links.accept_url),
    "password_reset": ("reset", links.reset_url),
    "signup_verification": ("signup", links.signup_url),
}
# Context values that are data set into translated sentences (amounts, numbers, dates,
# addresses): isolated in a right-to-left email so the bidi algorithm keeps each in one piece.
# Links used in an href are isolated where they are shown, by the templates' `ltr` filter.
ISOLATED_VALUES = ("amount", "balance", "number", "invoice_number", "reference", "paid_at",
                   "expires", "date")
LTR_VALUES = ("recipient", "username", "portal_url", "login_url")


class UndeliverableError(Exception):
    """The message can never be sent as queued (its token is dead, its record is gone...)."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email."""

    filename: str
    content_type: str
    data: bytes


def attachments(message, organization) -> list[Attachment]:
    """The files an outbox message carries, drawn when it is sent (the outbox keeps ids only):
    a payment receipt email carries the receipt as a PDF in the email's language."""
    if message.kind != "payment_receipt":
        return []
    payment = Payment.get_or_none(Payment.id == payload_of(message).get("payment_id"),
                                  Payment.organization == organization.id)
    if payment is None:
        raise UndeliverableError("the payment no longer exists")
    from portal_site.pdf import portal_catalog

    language = message.language if is_supported(message.language) else DEFAULT_LANGUAGE
    show_invoice = get_preferences(organization.id).show_invoices
    pdf = receipt_pdf(payment, language, portal_catalog(language), show_invoice=show_invoice)
    return [Attachment(f"{payment.number}.pdf", "application/pdf", pdf)]


def render(message, organization=None) -> tuple[str, str, str]:
    """The subject, text part and HTML part of an outbox message, in its language.

    `organization` saves a query when the caller has the message's organization at hand.
    """
    language = message.language if is_supported(message.language) else DEFAULT_LANGUAGE
    if organization is None or organization.id != message.organization_id:
        organization = Organization.get_or_none(Organization.id == message.organization_id)
    if organization is None:
        raise UndeliverableError("the organization no longer exists")
    builder = _BUILDERS.get(message.kind)
    if builder is None:
        raise UndeliverableError(f"no template for email kind {message.kind!r}")
    if message.kind == "password_reset":
        # Queued alike for every address typed; only an active contact's gets a link.
        if not resolve_password_reset_request(message):
            raise UndeliverableError("no active contact uses this address")
        language = message.language if is_supported(message.language) else DEFAULT_LANGUAGE
    with force_locale(language):
        context = _base_context(organization, language, message.recipient)
        context.update(builder(organization, payload_of(message), message.recipient))
        subject = context.pop("subject")
        _isolate_values(context, language)
        text = _BLANK_RUNS.sub("\n\n", render_template(f"mail/{message.kind}.txt", **context))
        html = render_template(f"mail/{message.kind}.html", **context)
    return subject, text, html


def _isolate_values(context: dict, language: str) -> None:
    """Wrap the data values of an RTL email's context in bidi isolates (see ISOLATED_VALUES)."""
    if not is_rtl(language):
        return
    for key in ISOLATED_VALUES + LTR_VALUES:
        if context.get(key):
            context[key] = isolate(context[key], language, ltr=key in LTR_VALUES)


# -- formatting in the current (forced) locale --------------------------------------------------

def format_moment(value: datetime.datetime | None, organization) -> str:
    """A stored (naive UTC) time in the organization's timezone and the locale, with the zone."""
    return moment_in(get_locale(), value, zone_of(organization))


def format_day(value: datetime.date | datetime.datetime | None, organization) -> str:
    """A date (or the date of a stored UTC time in the organization's zone), long form."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.replace(tzinfo=datetime.UTC).astimezone(zone_of(organization)).date()
    return babel_format_date(value, "long", locale=get_locale())


def format_money(amount, currency: str) -> str:
    """An amount in its own currency, formatted for the current locale."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, TypeError):
        return str(amount)
    return format_currency(value, currency or "USD")


def document_name(document_type: str, number: str) -> str:
    """A document's translated kind and its number, e.g. "invoice INV-00042"."""
    # Translators: a document's kind followed by its number, used inside sentences.
    names = {
        "invoice": lambda: pgettext("document with number", "invoice %(number)s", number=number),
        "quote": lambda: pgettext("document with number", "quote %(number)s", number=number),
        "sales_order": lambda: pgettext("document with number", "sales order %(number)s",
                                        number=number),
        "shipment": lambda: pgettext("document with number", "shipment %(number)s",
                                     number=number),
    }
    make = names.get(document_type)
    return make() if make else number


def payment_method_name(method: str) -> str:
    """A payment method's translated name."""
    names = {
        "card": lambda: pgettext("payment method", "Card"),
        "bank_transfer": lambda: pgettext("payment method", "Bank transfer"),
        "cash": lambda: pgettext("payment method", "Cash"),
        "cheque": lambda: pgettext("payment method", "Cheque"),
    }
    make = names.get(method)
    return make() if make else method


# -- context for each kind ------------------------------------------------------------------------

def _base_context(organization, language: str, recipient: str) -> dict:
    accent = organization.accent_color or ""
    return {
        "organization": organization.name,
        "language": language,
        "direction": "rtl" if is_rtl(language) else "ltr",
        "align": "right" if is_rtl(language) else "left",
        "accent": accent if _HEX_COLOUR.match(accent) else DEFAULT_ACCENT,
        "recipient": recipient,
        "portal_url": links.portal_url(organization.slug),
        "login_url": links.login_url(organization.slug),
    }


def _contact(payload: dict) -> Contact:
    contact = Contact.get_or_none(Contact.id == payload.get("contact_id"))
    if contact is None:
        raise UndeliverableError("the contact no longer exists")
    return contact


def _live_token(payload: dict, purpose: str, recipient: str) -> AccessToken:
    token = (AccessToken
             .select(AccessToken, Contact)
             .join(Contact)
             .where(AccessToken.id == payload.get("token_id"))
             .first())
    if token is None or token.purpose != purpose:
        raise UndeliverableError("the link's token no longer exists")
    if token.revoked_at or token.used_at:
        raise UndeliverableError("the link was replaced or already used before it was sent")
    if token.expires_at < utcnow():
        raise UndeliverableError("the link expired before it could be sent")
    if token.email != recipient:
        raise UndeliverableError("the contact's address changed after the link was made")
    return token


def _token_email(kind: str):
    purpose, make_link = TOKEN_EMAILS[kind]

    def build(organization, payload: dict, recipient: str) -> dict:
        token = _live_token(payload, purpose, recipient)
        contact = token.contact  # joined: the token's own contact
        context = {
            # The full name: a translation may need it ("%(name)s 様"), not a first name alone.
            "name": contact_name(contact, str(get_locale())),
            "username": token.email,
            "link": make_link(organization.slug, raw_token_for(token)),
            "expires": format_moment(token.expires_at, organization),
        }
        subjects = {
            "invitation": lambda: gettext(
                "%(organization)s invites you to its customer portal",
                organization=organization.name),
            "reinvitation": lambda: gettext(
                "Your new invitation to the %(organization)s customer portal",
                organization=organization.name),
            "password_reset": lambda: gettext(
                "Reset your password for the %(organization)s customer portal",
                organization=organization.name),
            "signup_verification": lambda: gettext(
                "Confirm your email address for the %(organization)s customer portal",
                organization=organization.name),
        }
        context["subject"] = subjects[kind]()
        return context

    return build


def _payment_receipt(organization, payload: dict, recipient: str) -> dict:
    payment = Payment.get_or_none(Payment.id == payload.get("payment_id"))
    if payment is None:
        raise UndeliverableError("the payment no longer exists")
    contact = _contact(payload)
    invoice = payment.invoice
    amount = format_money(payment.amount, payment.currency)
    pending = payment.status == "pending"
    if pending:
        subject = gettext("We received your bank transfer notice %(number)s",
                          number=payment.number)
    else:
        subject = gettext("Receipt %(number)s for your payment to %(organization)s",
                          number=payment.number, organization=organization.name)
    return {
        "subject": subject,
        "name": contact_name(contact, str(get_locale())),
        "pending": pending,
        "amount": amount,
        "number": payment.number,
        "paid_at": format_moment(payment.paid_at, organization),
        "method": payment_method_name(payment.method),
        "reference": payment.reference,
        # A payment of several invoices lists each with its share.
        "invoice_number": invoice.number if invoice else ", ".join(
            f"{a.invoice.number} ({format_money(a.amount, payment.currency)})"
            for a in list_allocations(payment)),
        "balance": format_money(invoice.balance, invoice.currency) if invoice else "",
        "link": links.document_url(organization.slug, "payment", payment.id),
        "invoice_link": (links.document_url(organization.slug, "invoice", invoice.id)
                         if invoice else ""),
    }


def _comment_reply(organization, payload: dict, recipient: str) -> dict:
    comment = Comment.get_or_none(Comment.id == payload.get("comment_id"))
    if comment is None:
        raise UndeliverableError("the comment no longer exists")
    model = DOCUMENT_MODELS.get(comment.document_type)
    document = model.get_or_none(model.id == comment.document_id) if model else None
    if document is None:
        raise UndeliverableError("the document no longer exists")
    contact = _contact(payload)
    staff = StaffUser.get_or_none(StaffUser.id == comment.staff_id) if comment.staff_id else None
    document_label = document_name(comment.document_type, document.number)
    return {
        "subject": gettext("New reply on %(document)s from %(organization)s",
                           document=document_label, organization=organization.name),
        "name": contact_name(contact, str(get_locale())),
        "author": staff.name if staff else organization.name,
        "document": document_label,
        "body": comment.body,
        "link": links.document_url(organization.slug, comment.document_type, document.id),
    }


def _invoice_sent(organization, payload: dict, recipient: str) -> dict:
    invoice = Invoice.get_or_none(Invoice.id == payload.get("invoice_id"))
    if invoice is None or invoice.status in {"draft", "void"}:
        raise UndeliverableError("the invoice no longer exists or was voided")
    contact = _contact(payload)
    amount = format_money(invoice.total, invoice.currency)
    return {
        "subject": gettext("Invoice %(number)s from %(organization)s",
                           number=invoice.number, organization=organization.name),
        "name": contact.full_name,
        "number": invoice.number,
        "amount": amount,
        "due": format_day(invoice.due_date, organization),
        "balance": format_money(invoice.balance, invoice.currency),
        "link": links.document_url(organization.slug, "invoice", invoice.id),
    }


def _shipment_shipped(organization, payload: dict, recipient: str) -> dict:
    shipment = Shipment.get_or_none(Shipment.id == payload.get("shipment_id"))
    if shipment is None:
        raise UndeliverableError("the shipment no longer exists")
    contact = _contact(payload)
    return {
        "subject": gettext("Shipment %(number)s is on its way", number=shipment.number),
        "name": contact.full_name,
        "number": shipment.number,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "link": links.document_url(organization.slug, "shipment", shipment.id),
    }


def _staff_email(kind: str):
    def build(organization, payload: dict, recipient: str) -> dict:
        customer = payload.get("customer_name", "")
        contact = payload.get("contact_name", "")
        number = payload.get("number", "")
        context = {
            "customer": customer,
            "contact": contact,
            "number": number,
            "body": payload.get("body", ""),
            "message": payload.get("message", ""),
            "amount": "",
            "pending": False,
            "link": links.console_url(),
        }
        if kind == "staff_invoice_viewed":
            context["subject"] = gettext("%(customer)s viewed invoice %(number)s",
                                         customer=customer, number=number)
        elif kind == "staff_payment":
            payment = Payment.get_or_none(Payment.id == payload.get("payment_id"))
            context["pending"] = payment is not None and payment.status == "pending"
            context["amount"] = format_money(payload.get("amount", "0"),
                                             payload.get("currency", organization.currency))
            context["subject"] = gettext("Payment of %(amount)s from %(customer)s",
                                         amount=context["amount"], customer=customer)
        elif kind == "staff_comment":
            label = document_name(payload.get("record_type", ""), number)
            context["document"] = label
            context["subject"] = gettext("New comment from %(customer)s on %(document)s",
                                         customer=customer, document=label)
        elif kind == "staff_signup":
            context["subject"] = gettext("%(contact)s of %(customer)s signed up to the portal",
                                         contact=contact, customer=customer)
        elif kind == "staff_invitation_accepted":
            context["subject"] = gettext(
                "%(contact)s of %(customer)s accepted the portal invitation",
                contact=contact, customer=customer)
        else:  # staff_quote_response
            context["subject"] = gettext("A customer responded to a quote")
        return context

    return build


_BUILDERS = {
    **{kind: _token_email(kind) for kind in TOKEN_EMAILS},
    "payment_receipt": _payment_receipt,
    "comment_reply": _comment_reply,
    "invoice_sent": _invoice_sent,
    "shipment_shipped": _shipment_shipped,
    **{kind: _staff_email(kind) for kind in (
        "staff_invoice_viewed", "staff_payment", "staff_comment", "staff_signup",
        "staff_invitation_accepted", "staff_quote_response")},
}

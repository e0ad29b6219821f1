"""Quote, sales order and receipt PDFs drawn from their records (lines, parties, signer).

The caller passes a record it may see (the portal: through the contact's ContactScope; the
console: `staff_document_pdf`, through the staff guards; the mail worker: the receipt it
sends). Staff get the document in the customer's language, as the customer sees it.
"""

from core.audit import Actor
from core.errors import NotFoundError
from core.guards import load_for_staff
from core.i18n import customer_language
from core.models import Contact, Customer, Invoice, Organization, Payment, Quote, SalesOrder
from core.pdf.receipt import render_receipt_pdf
from core.pdf.sales import render_quote_pdf, render_sales_order_pdf
from core.queries.portal import get_lines

PDF_KINDS = {"quote": Quote, "sales_order": SalesOrder, "payment": Payment}


def _parties(record) -> tuple[Organization, Customer]:
    customer = (Customer.select(Customer, Organization).join(Organization)
                .where(Customer.id == record.customer_id).get())
    return customer.organization, customer


def _contact(contact_id: int | None, customer_id: int) -> Contact | None:
    if contact_id is None:
        return None
    return Contact.get_or_none(Contact.id == contact_id, Contact.customer == customer_id)


def quote_pdf(quote: Quote, language: str, catalog=None) -> bytes:
    """The quote's PDF, with its signature when it was accepted."""
    organization, customer = _parties(quote)
    signer = _contact(quote.responded_by_id, customer.id) if quote.signature_name else None
    return render_quote_pdf(quote, get_lines(quote), organization, customer, language,
                            signer=signer, catalog=catalog)


def sales_order_pdf(order: SalesOrder, language: str, catalog=None) -> bytes:
    """The sales order's PDF."""
    organization, customer = _parties(order)
    return render_sales_order_pdf(order, get_lines(order), organization, customer, language,
                                  catalog=catalog)


def receipt_pdf(payment: Payment, language: str, catalog=None, *,
                show_invoice: bool = True) -> bytes:
    """The payment's receipt PDF (with the invoice it paid unless `show_invoice` is off)."""
    organization, customer = _parties(payment)
    invoice = (Invoice.get_or_none(Invoice.id == payment.invoice_id,
                                   Invoice.customer == customer.id)
               if show_invoice and payment.invoice_id else None)
    payer = _contact(payment.contact_id, customer.id)
    return render_receipt_pdf(payment, invoice, organization, customer, language, payer=payer,
                              catalog=catalog)


def staff_document_pdf(actor: Actor, kind: str, record_id: int) -> tuple[str, bytes]:
    """A quote, sales order or receipt PDF for staff, in the customer's language: the file
    name and its bytes. Another organization's record is a NotFoundError."""
    model = PDF_KINDS.get(kind)
    if model is None:
        raise NotFoundError()
    record = load_for_staff(actor, model, record_id)
    customer = (Customer.select(Customer, Organization).join(Organization)
                .where(Customer.id == record.customer_id).get())
    language = customer_language(customer)
    draw = {"quote": quote_pdf, "sales_order": sales_order_pdf, "payment": receipt_pdf}[kind]
    return f"{record.number}.pdf", draw(record, language)

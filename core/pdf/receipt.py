"""The payment receipt PDF: who paid what, when, how, and what the invoice still owes."""

from core.i18n import STATUS_LABELS, load_catalog
from core.names import contact_name
from core.pdf.document import BusinessDocument, Formatter, document_locale
from core.pdf.text import _, translated


def _method(payment, fmt: Formatter) -> str:
    label = STATUS_LABELS["method"].get(payment.method)
    text = _(label) if label else payment.method
    if payment.method == "card" and payment.card_last4:
        text = _("Card ending %(last4)s", last4=fmt.isolate(payment.card_last4))
    return text


def render_receipt_pdf(payment, invoice, organization, customer, locale: str, *, payer=None,
                       catalog=None) -> bytes:
    """The receipt of `payment` (its `invoice`, when it paid one) as a PDF in `locale`;
    `payer` is the contact who paid through the portal, when known.

    Labels come from `catalog` (default: the shipped one of `locale`); raises
    FontsMissingError when the fonts are not installed.
    """
    babel_locale = document_locale(locale)
    with translated(catalog or load_catalog(babel_locale.language)):
        fmt = Formatter(babel_locale, payment.currency, organization.timezone)
        pending = payment.status == "pending"
        title = _("Payment notice") if pending else _("Payment receipt")
        pdf = BusinessDocument(organization, fmt, title, payment.number)
        pdf.add_page()
        status = STATUS_LABELS["payment"].get(payment.status)
        facts = [
            (_("Receipt number"), payment.number),
            (_("Payment date"), fmt.date(payment.paid_at)),
            (_("Payment method"), _method(payment, fmt)),
            (_("Status"), _(status) if status else payment.status),
        ]
        if payer is not None:
            facts.append((_("Paid by"), contact_name(payer, babel_locale.language)))
        figure = _("Amount notified") if pending else _("Amount received")
        pdf.opening_blocks(_("Received from"), customer, facts, figure, fmt.money(payment.amount))
        if invoice is not None:
            pdf.data_table(
                [(_("Invoice"), 20, False), (_("Due date"), 18, False), (_("Total"), 18, True),
                 (_("This payment"), 22, True), (_("Balance due"), 22, True)],
                [[invoice.number, fmt.date(invoice.due_date, "medium"),
                  fmt.amount(invoice.total), fmt.amount(payment.amount),
                  fmt.amount(invoice.balance)]])
            pdf.set_y(pdf.get_y() + 6)
        # A section, not a fact: a gateway's reference is too long for the facts column.
        pdf.section(_("Payment reference"), payment.reference)
        amount = fmt.isolate(fmt.money(payment.amount))
        if pending:
            pdf.section(_("Bank transfer notice received"), _(
                "Thank you. We recorded your notice of a bank transfer of %(amount)s. We will "
                "confirm the payment when the money arrives.", amount=amount))
        else:
            pdf.section(_("Payment received"),
                        _("Thank you. We received your payment of %(amount)s.", amount=amount))
        return pdf.finish()

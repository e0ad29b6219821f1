"""The invoice PDF: who bills whom, the lines, the totals and how to pay."""

from decimal import Decimal

from core import document_rules
from core.i18n import load_catalog
from core.pdf.document import BusinessDocument, Formatter, document_locale
from core.pdf.text import _, translated
from core.portal_texts import portal_text
from core.queries.staff import get_preferences


def _status_label(invoice, today) -> str:
    if document_rules.is_overdue(invoice, today):
        return _("Overdue")
    return {
        "draft": _("Draft"),
        "sent": _("Unpaid"),
        "partially_paid": _("Partially paid"),
        "paid": _("Paid"),
        "void": _("Void"),
    }.get(invoice.status, invoice.status)


def _method_label(payment, fmt) -> str:
    label = {
        "card": _("Card"),
        "bank_transfer": _("Bank transfer"),
        "cash": _("Cash"),
        "cheque": _("Cheque"),
    }.get(payment.method, payment.method)
    if payment.method == "card" and payment.card_last4:
        label = _("Card ending %(last4)s", last4=fmt.isolate(payment.card_last4))
    if payment.status == "pending":
        label = _("%(method)s (awaiting confirmation)", method=fmt.isolate(label))
    return label


def render_invoice_pdf(invoice, lines, organization, customer, payments, locale: str,
                       catalog=None) -> bytes:
    """The invoice as a PDF in `locale`, whatever the language of the current request.

    `invoice` is a core.models.Invoice, `lines` its InvoiceLine rows in order, `payments` its
    Payment rows (pending ones are listed, only succeeded ones count as paid). Labels come
    from `catalog` (default: the shipped one of `locale`); raises FontsMissingError when the
    fonts are not installed.
    """
    babel_locale = document_locale(locale)
    with translated(catalog or load_catalog(babel_locale.language)):
        fmt = Formatter(babel_locale, invoice.currency, organization.timezone)
        preferences = get_preferences(organization.id)
        pdf = BusinessDocument(organization, fmt, _("Invoice"), invoice.number)
        pdf.add_page()

        facts = [
            (_("Invoice number"), invoice.number),
            (_("Issue date"), fmt.date(invoice.issue_date)),
            (_("Due date"), fmt.date(invoice.due_date)),
            (_("Status"), _status_label(invoice, fmt.today())),
            (_("Currency"), invoice.currency),
        ]
        pdf.opening_blocks(_("Bill to"), customer, facts, _("Balance due"),
                           fmt.money(invoice.balance))

        pdf.data_table(
            [(_("Description"), 52, False), (_("Qty"), 12, True), (_("Rate"), 18, True),
             (_("Amount"), 18, True)],
            [[line.description, fmt.quantity(line.quantity), fmt.amount(line.rate),
              fmt.amount(line.amount)] for line in lines])
        pdf.set_y(pdf.get_y() + 4)

        paid = sum((p.amount for p in payments if p.status == "succeeded"), Decimal("0.00"))
        pdf.summary([
            (_("Subtotal"), fmt.money(invoice.subtotal), ""),
            (_("Tax"), fmt.money(invoice.tax_total), ""),
            (_("Total"), fmt.money(invoice.total), "strong"),
            (_("Paid"), fmt.money(paid), ""),
            (_("Balance due"), fmt.money(invoice.balance), "accent"),
        ], pdf.epw * 0.46)

        if payments:
            if pdf.will_page_break(25):
                pdf.add_page()
            pdf.caption(pdf.l_margin, pdf.epw, _("Payments"))
            pdf.data_table(
                [(_("Date"), 22, False), (_("Payment"), 20, False), (_("Method"), 38, False),
                 (_("Amount"), 20, True)],
                [[fmt.date(p.paid_at, "medium"), p.number, _method_label(p, fmt),
                  fmt.amount(p.amount)] for p in payments])
            pdf.set_y(pdf.get_y() + 6)

        pdf.section(_("Notes"), invoice.notes)
        instructions = _("Please quote %(number)s with your payment.",
                         number=fmt.isolate(invoice.number))
        bank = portal_text(preferences, "bank_transfer", babel_locale.language)
        if bank.strip():
            instructions = bank + "\n" + instructions
        pdf.section(_("Payment instructions"), instructions)
        return pdf.finish()

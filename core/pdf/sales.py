"""Quote and sales order PDFs: who offers or confirms what to whom, the lines and the totals.

A signed quote carries its signature block: the name the contact typed, when, from where.
"""

from core.i18n import STATUS_LABELS, load_catalog
from core.names import contact_name
from core.pdf.document import BusinessDocument, Formatter, document_locale
from core.pdf.text import _, translated


def _status(kind: str, status: str) -> str:
    label = STATUS_LABELS.get(kind, {}).get(status)
    return _(label) if label else status


def _totals(pdf: BusinessDocument, fmt: Formatter, document) -> None:
    pdf.set_y(pdf.get_y() + 4)
    pdf.summary([
        (_("Subtotal"), fmt.money(document.subtotal), ""),
        (_("Tax"), fmt.money(document.tax_total), ""),
        (_("Total"), fmt.money(document.total), "accent"),
    ], pdf.epw * 0.46)


def _signature(pdf: BusinessDocument, fmt: Formatter, quote, signer, language: str) -> None:
    """The typed-name signature of an accepted quote."""
    lines = [
        _("Accepted and signed by typing the name: %(name)s",
          name=fmt.isolate(quote.signature_name)),
        _("Signed on: %(time)s", time=fmt.isolate(fmt.moment(quote.responded_at))),
    ]
    if signer is not None:
        lines.append(_("Portal user: %(name)s (%(email)s)",
                       name=fmt.isolate(contact_name(signer, language)),
                       email=fmt.isolate(signer.email or "")))
    if quote.signature_ip:
        lines.append(_("Network address: %(address)s", address=fmt.isolate(quote.signature_ip)))
    pdf.section(_("Signature"), "\n".join(lines))


def render_quote_pdf(quote, lines, organization, customer, locale: str, *, signer=None,
                     catalog=None) -> bytes:
    """The quote as a PDF in `locale`; an accepted quote shows who signed it, when and from
    which address (`signer` is the contact who accepted, when still known).

    Labels come from `catalog` (default: the shipped one of `locale`); raises
    FontsMissingError when the fonts are not installed.
    """
    babel_locale = document_locale(locale)
    with translated(catalog or load_catalog(babel_locale.language)):
        fmt = Formatter(babel_locale, quote.currency, organization.timezone)
        pdf = BusinessDocument(organization, fmt, _("Quote"), quote.number)
        pdf.add_page()
        expired = (quote.status == "sent" and quote.expiry_date is not None
                   and quote.expiry_date < fmt.today())
        facts = [
            (_("Quote number"), quote.number),
            (_("Date"), fmt.date(quote.issue_date)),
            (_("Valid until"), fmt.date(quote.expiry_date) if quote.expiry_date else "—"),
            (_("Currency"), quote.currency),
        ]
        pdf.opening_blocks(_("Quote for"), customer, facts, _("Total"), fmt.money(quote.total))
        pdf.data_table(
            [(_("Description"), 52, False), (_("Qty"), 12, True), (_("Rate"), 18, True),
             (_("Amount"), 18, True)],
            [[line.description, fmt.quantity(line.quantity), fmt.amount(line.rate),
              fmt.amount(line.amount)] for line in lines])
        _totals(pdf, fmt, quote)
        # A section, not a fact: "Awaiting your response" is too long for the facts column.
        pdf.section(_("Status"), _status("quote", "expired" if expired else quote.status))
        pdf.section(_("Notes"), quote.notes)
        if quote.status == "declined" and quote.decline_reason:
            pdf.section(_("Declined"), quote.decline_reason)
        if quote.signature_name:
            _signature(pdf, fmt, quote, signer, babel_locale.language)
        return pdf.finish()


def render_sales_order_pdf(order, lines, organization, customer, locale: str,
                           catalog=None) -> bytes:
    """The sales order as a PDF in `locale`: lines with what has shipped, and the totals.

    Labels come from `catalog` (default: the shipped one of `locale`); raises
    FontsMissingError when the fonts are not installed.
    """
    babel_locale = document_locale(locale)
    with translated(catalog or load_catalog(babel_locale.language)):
        fmt = Formatter(babel_locale, order.currency, organization.timezone)
        pdf = BusinessDocument(organization, fmt, _("Sales order"), order.number)
        pdf.add_page()
        facts = [
            (_("Order number"), order.number),
            (_("Order date"), fmt.date(order.order_date)),
            (_("Expected shipment"), fmt.date(order.expected_shipment_date)
             if order.expected_shipment_date else "—"),
            (_("Status"), _status("sales_order", order.status)),
            (_("Fulfilment"), _status("fulfilment", order.fulfilment)),
        ]
        pdf.opening_blocks(_("Ordered by"), customer, facts, _("Total"), fmt.money(order.total))
        pdf.data_table(
            [(_("Description"), 36, False), (_("Qty"), 12, True), (_("Shipped"), 16, True),
             (_("Rate"), 16, True), (_("Amount"), 20, True)],
            [[line.description, fmt.quantity(line.quantity),
              fmt.quantity(line.quantity_shipped), fmt.amount(line.rate),
              fmt.amount(line.amount)] for line in lines])
        _totals(pdf, fmt, order)
        pdf.section(_("Notes"), order.notes)
        return pdf.finish()

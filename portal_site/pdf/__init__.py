"""The portal's PDFs: core.pdf's documents, labelled from the portal's own catalogs.

    from portal_site.pdf import portal_catalog, render_invoice_pdf, render_statement_pdf

Call inside a Flask app context: labels come from Flask-Babel's catalog for the given locale,
so every translation folder the app is configured with (BABEL_TRANSLATION_DIRECTORIES) is
honoured. Quotes, sales orders and receipts are drawn by core.queries.pdfs, given
`portal_catalog(locale)`.
"""

from flask_babel import force_locale, get_translations

from core import pdf
from core.pdf import FontsMissingError
from core.pdf.document import document_locale


def portal_catalog(locale: str):
    """Flask-Babel's catalog for `locale` (the same a page in that language uses)."""
    with force_locale(str(document_locale(locale))):
        return get_translations()


def render_invoice_pdf(invoice, lines, organization, customer, payments, locale: str) -> bytes:
    """core.pdf.render_invoice_pdf with the portal's catalog."""
    return pdf.render_invoice_pdf(invoice, lines, organization, customer, payments, locale,
                                  catalog=portal_catalog(locale))


def render_statement_pdf(statement, organization, customer, locale: str) -> bytes:
    """core.pdf.render_statement_pdf with the portal's catalog."""
    return pdf.render_statement_pdf(statement, organization, customer, locale,
                                    catalog=portal_catalog(locale))


__all__ = ["FontsMissingError", "portal_catalog", "render_invoice_pdf", "render_statement_pdf"]

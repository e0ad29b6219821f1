"""Invoice and statement PDFs in the contact's language (Latin, Japanese and Arabic scripts).

    from portal_site.pdf import render_invoice_pdf, render_statement_pdf

Both return the PDF as bytes and need a Flask app context for translated labels.
"""

from portal_site.pdf.fonts import FontsMissingError
from portal_site.pdf.invoice import render_invoice_pdf
from portal_site.pdf.statement import render_statement_pdf

__all__ = ["FontsMissingError", "render_invoice_pdf", "render_statement_pdf"]

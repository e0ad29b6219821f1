"""Business documents as PDFs in the contact's language (Latin, Japanese and Arabic scripts).

    from core.pdf import render_invoice_pdf, render_quote_pdf, render_receipt_pdf, ...

Each returns the PDF as bytes. They need no Flask: labels come from the catalog passed in (the
portal passes Flask-Babel's), else from the shipped catalog of the language, so the portal,
the console and the mail worker draw the same document.
"""

from core.pdf.fonts import FontsMissingError
from core.pdf.invoice import render_invoice_pdf
from core.pdf.receipt import render_receipt_pdf
from core.pdf.sales import render_quote_pdf, render_sales_order_pdf
from core.pdf.statement import render_statement_pdf

__all__ = ["FontsMissingError", "render_invoice_pdf", "render_quote_pdf", "render_receipt_pdf",
           "render_sales_order_pdf", "render_statement_pdf"]

"""The statement-of-account PDF: opening balance, every charge and credit, closing balance."""

from fpdf.fonts import FontFace

from core.i18n import load_catalog
from core.pdf.document import BusinessDocument, Formatter, document_locale
from core.pdf.text import _, translated


def render_statement_pdf(statement, organization, customer, locale: str,
                         catalog=None) -> bytes:
    """The statement (a core.queries.statement.Statement) as a PDF in `locale`.

    Labels come from `catalog` (default: the shipped one of `locale`); raises
    FontsMissingError when the fonts are not installed.
    """
    babel_locale = document_locale(locale)
    with translated(catalog or load_catalog(babel_locale.language)):
        fmt = Formatter(babel_locale, statement.currency, organization.timezone)
        period = _("%(start)s to %(end)s", start=fmt.isolate(fmt.date(statement.start, "medium")),
                   end=fmt.isolate(fmt.date(statement.end, "medium")))
        pdf = BusinessDocument(organization, fmt, _("Statement"), period)
        pdf.add_page()

        facts = [
            (_("Statement date"), fmt.date(fmt.today())),
            (_("From"), fmt.date(statement.start)),
            (_("To"), fmt.date(statement.end)),
            (_("Currency"), statement.currency),
        ]
        pdf.opening_blocks(_("Account of"), customer, facts, _("Closing balance"),
                           fmt.money(statement.closing_balance))

        kinds = {"invoice": _("Invoice"), "payment": _("Payment")}
        rows = [[fmt.date(statement.start, "medium"),
                 {"text": _("Opening balance"), "colspan": 4},
                 fmt.amount(statement.opening_balance)]]
        rows += [[fmt.date(line.date, "medium"), kinds.get(line.kind, line.kind), line.number,
                  fmt.amount(line.charge) if line.charge else "",
                  fmt.amount(line.credit) if line.credit else "",
                  fmt.amount(line.balance)] for line in statement.lines]
        rows.append([fmt.date(statement.end, "medium"),
                     {"text": _("Closing balance"), "colspan": 2},
                     fmt.amount(statement.total_charges), fmt.amount(statement.total_credits),
                     fmt.amount(statement.closing_balance)])
        emphasis = FontFace(family=pdf.family, emphasis="BOLD")
        pdf.data_table(
            [(_("Date"), 20, False), (_("Type"), 22, False), (_("Number"), 20, False),
             (_("Charge"), 16, True), (_("Credit"), 16, True), (_("Balance"), 18, True)],
            rows, row_styles={0: emphasis, len(rows) - 1: emphasis})
        pdf.set_y(pdf.get_y() + 4)

        pdf.summary([
            (_("Opening balance"), fmt.money(statement.opening_balance), ""),
            (_("Invoiced"), fmt.money(statement.total_charges), ""),
            (_("Paid"), fmt.money(statement.total_credits), ""),
            (_("Closing balance"), fmt.money(statement.closing_balance), "accent"),
        ], pdf.epw * 0.46)
        return pdf.finish()

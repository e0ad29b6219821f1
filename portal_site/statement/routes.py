"""Statement of account: opening balance, invoices and payments, closing balance."""

import datetime

from flask import render_template, request
from flask_babel import get_locale
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from core.errors import ValidationError
from core.queries.statement import build_statement, statement_with_page
from portal_site.site.forms import pdf_response, show_error
from portal_site.site.rules import today as organization_today
from portal_site.site.session import module_required, scope
from portal_site.statement import bp
from portal_site.statement.forms import RangeForm


def default_range(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last three months up to today (the organization's today)."""
    today = today or organization_today()
    month = today.month - 3
    year = today.year + (month - 1) // 12
    start = datetime.date(year, (month - 1) % 12 + 1, 1)
    return start, today


def read_range(build=build_statement):
    """The range form filled from the query string (defaults when it is empty), and what
    `build(customer, start, end)` makes of a valid range (None otherwise)."""
    args = request.args
    if not args.get("start") and not args.get("end"):
        start, end = default_range()
        args = MultiDict({"start": start.isoformat(), "end": end.isoformat()})
    form = RangeForm(args)
    statement = None
    if form.validate():
        try:
            statement = build(scope().customer, form.start.data, form.end.data)
        except ValidationError as error:
            show_error(form, error)
    return form, statement


@bp.get("/statement")
@login_required
@module_required("show_statement")
def index():
    """The statement page for the chosen range."""
    form, built = read_range(lambda customer, start, end: statement_with_page(
        customer, start, end, request.args.get("page")))
    statement, lines = built or (None, None)
    return render_template("statement/index.html", form=form, statement=statement,
                           lines=lines), 200 if statement else 400


@bp.get("/statement.pdf")
@login_required
@module_required("show_statement")
def pdf():
    """The statement for the chosen range as a PDF, in the contact's language."""
    from portal_site.pdf import render_statement_pdf

    form, statement = read_range()
    if statement is None:
        return render_template("statement/index.html", form=form, statement=None), 400
    document = render_statement_pdf(statement, scope().organization, scope().customer,
                                    str(get_locale()))
    return pdf_response(document, f"statement-{statement.start}-{statement.end}")

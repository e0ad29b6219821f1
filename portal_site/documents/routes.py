"""Document pages. Every read goes through the signed-in contact's ContactScope, so another
customer's record and a missing one both answer 404."""


from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from core import document_rules
from core.errors import InvalidStateError, ValidationError
from core.pdf import records as pdfs
from core.queries import portal
from core.services import comments, documents
from core.services.payments import payable_amount
from portal_site.documents import bp
from portal_site.documents.forms import (
    AcceptForm,
    CommentForm,
    DeclineForm,
    InvoiceFilterForm,
    QuoteFilterForm,
)
from portal_site.site.errors import translated
from portal_site.site.forms import client_ip, pdf_response, show_error
from portal_site.site.rules import today
from portal_site.site.session import module_required, scope

# URL segment, module switch and detail endpoint of each kind of document.
KINDS = {
    "quote": ("quotes", "show_quotes", "documents.quote", "quote_id"),
    "sales_order": ("orders", "show_sales_orders", "documents.order", "order_id"),
    "invoice": ("invoices", "show_invoices", "documents.invoice", "invoice_id"),
    "shipment": ("shipments", "show_shipments", "documents.shipment", "shipment_id"),
}


def _page() -> str | None:
    return request.args.get("page")


def _detail_url(kind: str, document_id: int) -> str:
    _segment, _flag, endpoint, arg = KINDS[kind]
    return url_for(endpoint, **{arg: document_id})


def _thread(kind: str, document_id: int, form: CommentForm | None = None) -> dict:
    return {"comments": portal.get_thread(scope(), kind, document_id),
            "comment_form": form or CommentForm(formdata=None),
            "comment_action": url_for(f"documents.{kind}_comment", document_id=document_id)}


# -- quotes ----------------------------------------------------------------------------------

@bp.get("/quotes")
@login_required
@module_required("show_quotes")
def quotes():
    """The customer's quotes."""
    form = QuoteFilterForm(request.args)
    status = form.status.data if form.validate() else "all"
    page = portal.list_quotes(scope(), status=status, page=_page(), today=today())
    return render_template("documents/quotes.html", page=page, form=form)


def _quote_page(quote_id, decline_form=None, comment_form=None, status=200):
    quote = scope().get_document("quote", quote_id)
    documents.record_document_view(scope(), "quote", quote.id, client_ip())
    return render_template("documents/quote.html", quote=quote, lines=portal.get_lines(quote),
                           can_respond=document_rules.can_respond(quote, today()),
                           shown_status=document_rules.shown_status("quote", quote, today()),
                           decline_form=decline_form or DeclineForm(formdata=None),
                           **_thread("quote", quote.id, comment_form)), status


@bp.get("/quotes/<id:quote_id>")
@login_required
@module_required("show_quotes")
def quote(quote_id):
    """One quote with its lines, the accept and decline buttons and the comments."""
    return _quote_page(quote_id)


def _confirm_page(quote_id, form, status=200):
    quote = scope().get_document("quote", quote_id)
    if not document_rules.can_respond(quote, today()):
        flash(_("This quote can no longer be accepted or declined."), "error")
        return redirect(url_for("documents.quote", quote_id=quote.id))
    return render_template("documents/quote_accept.html", quote=quote, form=form), status


@bp.get("/quotes/<id:quote_id>/sign")
@login_required
@module_required("show_quotes")
def quote_sign(quote_id):
    """The confirmation step: the quote's total and terms, and a field to sign by name."""
    return _confirm_page(quote_id, AcceptForm(formdata=None))


@bp.post("/quotes/<id:quote_id>/accept")
@login_required
@module_required("show_quotes")
def quote_accept(quote_id):
    """Accept a quote, signed with the name the contact typed."""
    form = AcceptForm()
    if not form.validate_on_submit():
        return _confirm_page(quote_id, form, status=400)
    try:
        done = documents.accept_quote(scope(), quote_id, form.signature.data, client_ip())
    except InvalidStateError as error:
        flash(translated(error), "error")
    except ValidationError as error:
        show_error(form, error)
        return _confirm_page(quote_id, form, status=400)
    else:
        flash(_("You accepted quote %(number)s. Thank you!", number=done.number), "success")
    return redirect(url_for("documents.quote", quote_id=quote_id))


@bp.get("/quotes/<id:quote_id>/pdf")
@login_required
@module_required("show_quotes")
def quote_pdf(quote_id):
    """The quote as a PDF in the contact's language, with its signature once accepted."""
    from portal_site.pdf import portal_catalog

    quote = scope().get_document("quote", quote_id)
    documents.record_document_view(scope(), "quote", quote.id, client_ip())
    locale = str(get_locale())
    return pdf_response(pdfs.quote_pdf(quote, locale, portal_catalog(locale)), quote.number)


@bp.post("/quotes/<id:quote_id>/decline")
@login_required
@module_required("show_quotes")
def quote_decline(quote_id):
    """Decline a quote with a reason."""
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            done = documents.decline_quote(scope(), quote_id, form.reason.data, client_ip())
        except InvalidStateError as error:
            flash(translated(error), "error")
        except ValidationError as error:
            show_error(form, error)
            return _quote_page(quote_id, decline_form=form, status=400)
        else:
            flash(_("You declined quote %(number)s. We have let the team know.",
                    number=done.number), "info")
        return redirect(url_for("documents.quote", quote_id=quote_id))
    return _quote_page(quote_id, decline_form=form, status=400)


# -- sales orders ----------------------------------------------------------------------------

@bp.get("/orders")
@login_required
@module_required("show_sales_orders")
def orders():
    """The customer's sales orders."""
    return render_template("documents/orders.html",
                           page=portal.list_sales_orders(scope(), page=_page()))


def _order_page(order_id, comment_form=None, status=200):
    order = scope().get_document("sales_order", order_id)
    documents.record_document_view(scope(), "sales_order", order.id, client_ip())
    shipments = (portal.get_order_shipments(scope(), order.id)
                 if scope().module_enabled("shipment") else [])
    return render_template("documents/order.html", order=order, lines=portal.get_lines(order),
                           shipments=shipments,
                           **_thread("sales_order", order.id, comment_form)), status


@bp.get("/orders/<id:order_id>")
@login_required
@module_required("show_sales_orders")
def order(order_id):
    """One sales order with its lines, fulfilment, shipments and comments."""
    return _order_page(order_id)


@bp.get("/orders/<id:order_id>/pdf")
@login_required
@module_required("show_sales_orders")
def order_pdf(order_id):
    """The sales order as a PDF in the contact's language."""
    from portal_site.pdf import portal_catalog

    order = scope().get_document("sales_order", order_id)
    documents.record_document_view(scope(), "sales_order", order.id, client_ip())
    locale = str(get_locale())
    return pdf_response(pdfs.sales_order_pdf(order, locale, portal_catalog(locale)),
                        order.number)


# -- invoices --------------------------------------------------------------------------------

@bp.get("/invoices")
@login_required
@module_required("show_invoices")
def invoices():
    """The customer's invoices, filtered by status and issue date."""
    form = InvoiceFilterForm(request.args)
    valid = form.validate()
    filters = {"status": form.status.data if form.status.data else "all",
               "date_from": form.date_from.data, "date_to": form.date_to.data}
    if not valid:
        filters = {name: (value if not form[name].errors else None)
                   for name, value in filters.items()}
        filters["status"] = filters["status"] or "all"
    page = portal.list_invoices(scope(), page=_page(), today=today(), **filters)
    return render_template("documents/invoices.html", page=page, form=form)


def _invoice_page(invoice_id, comment_form=None, status=200):
    detail = portal.get_invoice_detail(scope(), invoice_id)
    invoice = detail.invoice
    documents.record_invoice_view(scope(), invoice.id, client_ip(), invoice=invoice)
    # What may be paid now: the balance less notices and open checkouts (core.services.payments).
    can_pay = (scope().module_enabled("payment") and document_rules.is_payable(invoice)
               and payable_amount(invoice) > 0)
    return render_template(
        "documents/invoice.html", invoice=invoice, lines=detail.lines, payments=detail.payments,
        can_pay=can_pay, comments=detail.comments,
        comment_form=comment_form or CommentForm(formdata=None),
        comment_action=url_for("documents.invoice_comment", document_id=invoice.id)), status


@bp.get("/invoices/<id:invoice_id>")
@login_required
@module_required("show_invoices")
def invoice(invoice_id):
    """One invoice: lines, balance, payments, the pay button, the PDF and comments."""
    return _invoice_page(invoice_id)


@bp.get("/invoices/<id:invoice_id>/pdf")
@login_required
@module_required("show_invoices")
def invoice_pdf(invoice_id):
    """The invoice as a PDF, in the contact's language."""
    from portal_site.pdf import render_invoice_pdf

    documents.record_invoice_view(scope(), invoice_id, client_ip())
    invoice = scope().get_document("invoice", invoice_id)
    payments = (portal.get_invoice_payments(scope(), invoice.id)
                if scope().module_enabled("payment") else [])
    pdf = render_invoice_pdf(invoice, portal.get_lines(invoice), scope().organization,
                             scope().customer, payments, str(get_locale()))
    return pdf_response(pdf, invoice.number)


# -- shipments -------------------------------------------------------------------------------

@bp.get("/shipments")
@login_required
@module_required("show_shipments")
def shipments():
    """The customer's shipments."""
    return render_template("documents/shipments.html",
                           page=portal.list_shipments(scope(), page=_page()))


def _shipment_page(shipment_id, comment_form=None, status=200):
    detail = portal.get_shipment_detail(scope(), shipment_id)
    return render_template("documents/shipment.html", detail=detail,
                           shipment=detail.shipment,
                           order_visible=scope().module_enabled("sales_order"),
                           **_thread("shipment", detail.shipment.id, comment_form)), status


@bp.get("/shipments/<id:shipment_id>")
@login_required
@module_required("show_shipments")
def shipment(shipment_id):
    """One shipment: tracking timeline and what is in the package."""
    return _shipment_page(shipment_id)


# -- comments --------------------------------------------------------------------------------

PAGES = {"quote": _quote_page, "sales_order": _order_page, "invoice": _invoice_page,
         "shipment": _shipment_page}


def _add_comment(kind: str, document_id: int):
    """Add the contact's comment to a document's thread."""
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comments.add_contact_comment(scope(), kind, document_id, form.body.data,
                                         client_ip())
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(_("Your comment was added. We will reply here."), "success")
            return redirect(_detail_url(kind, document_id) + "#comments")
    return PAGES[kind](document_id, comment_form=form, status=400)


def _comment_view(kind: str):
    def view(document_id):
        return _add_comment(kind, document_id)
    view.__name__ = f"{kind}_comment"
    view.__doc__ = f"Comment on a {kind.replace('_', ' ')}."
    return login_required(module_required(KINDS[kind][1])(view))


for _kind, (_segment, _flag, _endpoint, _arg) in KINDS.items():
    bp.add_url_rule(f"/{_segment}/<id:document_id>/comments", endpoint=f"{_kind}_comment",
                    view_func=_comment_view(_kind), methods=["POST"])

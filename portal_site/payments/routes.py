"""Pay an invoice (sandbox card or bank-transfer notice), payment history, receipts."""

import secrets

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from core.errors import InvalidStateError, NotFoundError, PaymentError, ValidationError
from core.gateways import SANDBOX_CARDS, Card, get_gateway
from core.money import format_amount, read_amount
from core.portal_texts import portal_text
from core.queries import portal
from core.services import payments
from portal_site.payments import bp
from portal_site.payments.forms import PayForm
from portal_site.site.errors import translated
from portal_site.site.forms import client_ip, show_error
from portal_site.site.i18n import money
from portal_site.site.session import module_required, scope


def _sandbox_cards() -> list[tuple[str, str]]:
    labels = {"success": _("succeeds"), "decline": _("is declined"),
              "error": _("fails with a provider error")}
    return [(" ".join(number[i:i + 4] for i in range(0, 16, 4)), labels[outcome])
            for number, outcome in SANDBOX_CARDS.items()]


def _typed_amount(form: PayForm, currency: str, payable):
    """What the Pay button names: the amount in the field when it reads, else the payable."""
    try:
        return read_amount(form.amount.data or "", str(get_locale()), currency)
    except ValidationError:
        return payable


@bp.route("/invoices/<id:invoice_id>/pay", methods=["GET", "POST"])
@login_required
@module_required("show_invoices")
@module_required("show_payments")
def pay(invoice_id):
    """Pay all or part of an invoice."""
    invoice = scope().get_document("invoice", invoice_id)
    payable = payments.payable_amount(invoice)
    form = PayForm()
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
        form.amount.data = format_amount(payable, invoice.currency, str(get_locale()))
    status = 200
    if form.validate_on_submit():
        card = None
        if form.method.data == "card":
            card = Card(form.card_number.data or "", form.card_expiry.data or "",
                        form.card_cvc.data or "", form.card_name.data or "")
        try:
            payment = payments.pay_invoice(
                scope(), invoice.id, form.amount.data, method=form.method.data,
                idempotency_key=form.idempotency_key.data, card=card,
                reference=form.reference.data or "", ip=client_ip())
        except (ValidationError, PaymentError) as error:
            show_error(form, error)
            status = 400 if isinstance(error, ValidationError) else 402
        except InvalidStateError as error:
            form.form_errors.append(translated(error))
            status = 409
        else:
            if payment.status == "succeeded":
                flash(_("Thank you! Your payment of %(amount)s was received.",
                        amount=money(payment.amount, payment.currency)), "success")
            else:
                flash(_("Thank you! We will confirm your bank transfer of %(amount)s when it "
                        "arrives.", amount=money(payment.amount, payment.currency)), "info")
            return redirect(url_for("payments.receipt", payment_id=payment.id))
    elif request.method == "POST":
        status = 400
    open_for_payment = invoice.status in payments.PAYABLE_STATUSES and payable > 0
    return render_template("payments/pay.html", form=form, invoice=invoice, payable=payable,
                           open_for_payment=open_for_payment,
                           button_amount=_typed_amount(form, invoice.currency, payable),
                           sandbox=get_gateway().is_sandbox, sandbox_cards=_sandbox_cards(),
                           bank_instructions=portal_text(g.prefs, "bank_transfer",
                                                         str(get_locale()))), status


@bp.get("/payments")
@login_required
@module_required("show_payments")
def history():
    """The customer's payments, newest first."""
    return render_template("payments/history.html",
                           page=portal.list_payments(scope(), page=request.args.get("page")))


@bp.get("/payments/<id:payment_id>")
@login_required
@module_required("show_payments")
def receipt(payment_id):
    """The receipt of one payment."""
    payment = scope().get_payment(payment_id)
    try:
        invoice = scope().get_document("invoice", payment.invoice_id)
    except NotFoundError:
        invoice = None  # no invoice, or the invoices module is off: the receipt still shows
    return render_template("payments/receipt.html", payment=payment, invoice=invoice)

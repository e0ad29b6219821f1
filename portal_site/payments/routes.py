"""Pay an invoice or several (sandbox card, Stripe Checkout, or a bank-transfer notice), the
payment history, receipts, and withdrawing a bank-transfer notice."""

import secrets
from urllib.parse import urlsplit

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from core.config import load_settings
from core.errors import InvalidStateError, NotFoundError, PaymentError, ValidationError
from core.gateways import SANDBOX_CARDS, Card
from core.money import format_amount, read_amount
from core.pdf import records as pdfs
from core.portal_texts import portal_text
from core.queries import portal
from core.queries.gateway import get_payment_mode
from core.queries.payable import list_allocations, list_payable_invoices
from core.services import payments
from portal_site.mail.links import portal_url
from portal_site.payments import bp
from portal_site.payments.forms import PayForm, PaySeveralForm, WithdrawForm
from portal_site.site.errors import translated
from portal_site.site.forms import choices, client_ip, pdf_response, show_error
from portal_site.site.i18n import money
from portal_site.site.rules import today
from portal_site.site.security import allow_form_target
from portal_site.site.session import module_required, scope

STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"


def _sandbox_cards() -> list[tuple[str, str]]:
    labels = {"success": _("succeeds"), "decline": _("is declined"),
              "error": _("fails with a provider error")}
    return [(" ".join(number[i:i + 4] for i in range(0, 16, 4)), labels[outcome])
            for number, outcome in SANDBOX_CARDS.items()]


def _card_label(mode: str) -> str:
    return {"sandbox": _("Card (sandbox)"), "stripe_test": _("Card, on Stripe (test mode)"),
            "stripe_live": _("Card, on Stripe")}[mode]


def _card(form) -> Card:
    return Card(form.card_number.data or "", form.card_expiry.data or "",
                form.card_cvc.data or "", form.card_name.data or "")


def _back(*cancel_path) -> payments.CheckoutReturn:
    slug = g.org.slug
    return payments.CheckoutReturn(
        success_url_for=lambda payment_id: portal_url(slug, "payments", payment_id),
        cancel_url=portal_url(slug, *cancel_path))


def _checkout_origins(mode: str) -> tuple[str, ...]:
    """Where a pay form may lead: Stripe's checkout page (or the configured stand-in)."""
    if mode == "sandbox":
        return ()
    base = urlsplit(load_settings().stripe_api_base)
    return (STRIPE_CHECKOUT_ORIGIN, f"{base.scheme}://{base.netloc}" if base.netloc else "")


def _submit(form, pay):
    """Run `pay` for a valid pay form: (where to go next, 200), or (None, the status of the
    refusal, its message shown on the form)."""
    try:
        payment = pay()
    except (ValidationError, PaymentError) as error:
        show_error(form, error)
        return None, 400 if isinstance(error, ValidationError) else 402
    except InvalidStateError as error:
        form.form_errors.append(translated(error))
        return None, 409
    return _after(payment), 200


def _after(payment):
    """Where a submitted pay form goes: Stripe's page, or the receipt."""
    if payment.status == "processing" and payment.checkout_url:
        return redirect(payment.checkout_url, code=303)
    if payment.status == "succeeded":
        flash(_("Thank you! Your payment of %(amount)s was received.",
                amount=money(payment.amount, payment.currency)), "success")
    elif payment.status == "pending":
        flash(_("Thank you! We will confirm your bank transfer of %(amount)s when it "
                "arrives.", amount=money(payment.amount, payment.currency)), "info")
    return redirect(url_for("payments.receipt", payment_id=payment.id))


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
    mode = get_payment_mode(g.org.id)
    form = PayForm()
    form.method.choices = choices(("card", _card_label(mode)),
                                  ("bank_transfer", _("Bank transfer")))
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
        form.amount.data = format_amount(payable, invoice.currency, str(get_locale()))
    status = 200
    if form.validate_on_submit():
        done, status = _submit(form, lambda: payments.pay_invoice(
            scope(), invoice.id, form.amount.data, method=form.method.data,
            idempotency_key=form.idempotency_key.data,
            card=_card(form) if form.method.data == "card" else None,
            reference=form.reference.data or "", ip=client_ip(),
            back=_back("invoices", invoice.id, "pay")))
        if done is not None:
            return done
    elif request.method == "POST":
        status = 400
    open_for_payment = invoice.status in payments.PAYABLE_STATUSES and payable > 0
    page = render_template("payments/pay.html", form=form, invoice=invoice, payable=payable,
                           open_for_payment=open_for_payment, mode=mode,
                           sandbox=mode == "sandbox", sandbox_cards=_sandbox_cards(),
                           button_amount=_typed_amount(form, invoice.currency, payable),
                           bank_instructions=portal_text(g.prefs, "bank_transfer",
                                                         str(get_locale())))
    return allow_form_target(make_response(page, status), *_checkout_origins(mode))


@bp.route("/invoices/pay", methods=["GET", "POST"])
@login_required
@module_required("show_invoices")
@module_required("show_payments")
def pay_several():
    """Pay several invoices (chosen, or everything overdue) in one payment."""
    payable = list_payable_invoices(scope(), today())
    mode = get_payment_mode(g.org.id)
    form = PaySeveralForm()
    if request.method == "POST":
        chosen = set(request.form.getlist("invoice"))
    elif request.args.get("overdue"):
        chosen = {str(row.invoice.id) for row in payable if row.overdue}
    else:
        chosen = set(request.args.getlist("invoice"))
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
    status = 200
    if form.validate_on_submit():
        done, status = _submit(form, lambda: payments.pay_invoices(
            scope(), sorted(chosen), idempotency_key=form.idempotency_key.data,
            card=_card(form), ip=client_ip(), back=_back("invoices", "pay")))
        if done is not None:
            return done
    elif request.method == "POST":
        status = 400
    page = render_template("payments/pay_several.html", form=form, payable=payable,
                           chosen=chosen, mode=mode, sandbox=mode == "sandbox",
                           sandbox_cards=_sandbox_cards())
    return allow_form_target(make_response(page, status), *_checkout_origins(mode))


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
    """The receipt of one payment; while Stripe confirms it, a page that reloads itself."""
    payment = scope().get_payment(payment_id)
    invoice = None
    if payment.invoice_id:
        try:
            invoice = scope().get_document("invoice", payment.invoice_id)
        except NotFoundError:
            invoice = None  # the invoices module is off: the receipt still shows
    return render_template("payments/receipt.html", payment=payment, invoice=invoice,
                           allocations=list_allocations(payment), withdraw_form=WithdrawForm(),
                           test_mode=payment.gateway == "stripe"
                           and get_payment_mode(g.org.id) == "stripe_test")


@bp.post("/payments/<id:payment_id>/withdraw")
@login_required
@module_required("show_payments")
def withdraw(payment_id):
    """Withdraw a bank-transfer notice staff have not confirmed yet."""
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
    else:
        try:
            payments.withdraw_bank_transfer(scope(), payment_id, ip=client_ip())
        except InvalidStateError as error:
            flash(translated(error), "error")
        else:
            flash(_("Your bank transfer notice was withdrawn."), "success")
    return redirect(url_for("payments.receipt", payment_id=payment_id), code=303)


@bp.get("/payments/<id:payment_id>/pdf")
@login_required
@module_required("show_payments")
def receipt_pdf(payment_id):
    """The receipt as a PDF in the contact's language."""
    from portal_site.pdf import portal_catalog

    payment = scope().get_payment(payment_id)
    locale = str(get_locale())
    pdf = pdfs.receipt_pdf(payment, locale, portal_catalog(locale),
                           show_invoice=scope().module_enabled("invoice"))
    return pdf_response(pdf, payment.number)

"""The pay forms: one invoice (amount, method, card details) or several (which invoices, card);
each with an idempotency key."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal_site.site.forms import choices


class CardFields(FlaskForm):
    # Made when the form is first shown; the same key on a retry or a double submit makes
    # the core hand back the first payment instead of charging again.
    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=100)])
    card_name = StringField(_l("Name on card"), validators=[Optional(), Length(max=100)],
                            render_kw={"autocomplete": "cc-name"})
    card_number = StringField(_l("Card number"), validators=[Optional(), Length(max=40)],
                              render_kw={"inputmode": "numeric", "autocomplete": "cc-number"})
    card_expiry = StringField(_l("Expiry (MM/YY)"), validators=[Optional(), Length(max=7)],
                              render_kw={"autocomplete": "cc-exp", "placeholder": _l("MM/YY")})
    card_cvc = StringField(_l("Security code"), validators=[Optional(), Length(max=4)],
                           render_kw={"inputmode": "numeric", "autocomplete": "cc-csc"})


class PayForm(CardFields):
    amount = StringField(_l("Amount to pay"),
                         validators=[DataRequired(message=_l("Enter an amount."))],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    method = RadioField(_l("Payment method"), choices=choices(
        ("card", _l("Card (sandbox)")), ("bank_transfer", _l("Bank transfer"))),
        default="card", validators=[DataRequired(message=_l("Choose a payment method."))])
    reference = StringField(_l("Your transfer reference (optional)"),
                            validators=[Optional(), Length(max=100)])


class PaySeveralForm(CardFields):
    """Which invoices: their ids come as repeated `invoice` values (checkboxes)."""


class WithdrawForm(FlaskForm):
    """Only the CSRF token: withdrawing a bank-transfer notice takes no input."""

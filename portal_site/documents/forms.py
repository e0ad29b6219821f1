"""Forms on document pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal_site.site.forms import QueryForm, choices


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"),
                         validators=[DataRequired(message=_l("Write a comment first.")),
                                     Length(max=4000)],
                         render_kw={"rows": 3})


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why do you decline this quote?"),
                           validators=[DataRequired(message=_l("Tell us why you decline.")),
                                       Length(max=1000)],
                           render_kw={"rows": 3})


class AcceptForm(FlaskForm):
    """Accepting a quote is signed: the contact types their full name."""

    signature = StringField(
        _l("Your full name"),
        validators=[DataRequired(message=_l("Type your full name to sign and accept the quote.")),
                    Length(max=200)],
        render_kw={"autocomplete": "off", "spellcheck": "false"})


class InvoiceFilterForm(QueryForm):
    """The invoice list's filters (read from the query string; they change nothing)."""

    status = SelectField(_l("Status"), choices=choices(
        ("all", _l("All")), ("outstanding", _l("Outstanding")), ("overdue", _l("Overdue")),
        ("paid", _l("Paid"))), default="all", validate_choice=True)
    date_from = DateField(_l("Issued from"), validators=[Optional()])
    date_to = DateField(_l("Issued until"), validators=[Optional()])


class QuoteFilterForm(QueryForm):
    """The quote list's status filter."""

    status = SelectField(_l("Status"), choices=choices(
        ("all", _l("All")), ("sent", _l("Awaiting your response")), ("expired", _l("Expired")),
        ("accepted", _l("Accepted")), ("declined", _l("Declined")), ("invoiced", _l("Invoiced"))),
        default="all", validate_choice=True)

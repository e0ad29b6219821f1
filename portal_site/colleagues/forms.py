"""Forms of the company contacts page (labels are lazy: translated when shown)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.queries.scoping import ROLES
from portal_site.site.forms import choices

ROLE_LABELS = {"billing": _l("Billing: invoices, payments and statement"),
               "orders": _l("Orders: quotes, sales orders and shipments"),
               "full": _l("Full access"),
               "admin": _l("Company admin: full access and manages contacts")}


def role_field() -> SelectField:
    """A role picker: every role there is (Company admin is the highest)."""
    return SelectField(_l("Role"), default="full",
                       choices=choices(*((role, ROLE_LABELS[role]) for role in ROLES)))


class InviteColleagueForm(FlaskForm):
    first_name = StringField(_l("First name"),
                             validators=[DataRequired(message=_l("Enter a first name.")),
                                         Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter an email.")),
                                                Length(max=254)])
    role = role_field()


class RoleForm(FlaskForm):
    role = role_field()


class RemoveAccessForm(FlaskForm):
    """Only the CSRF token: the contact is named by the URL, checked by core."""

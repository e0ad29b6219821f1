"""Profile forms; each lists exactly the fields a contact may change."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from core.i18n import SUPPORTED_LANGUAGES
from portal_site.auth.forms import new_password_field, repeat_password_field
from portal_site.site.forms import choices


class DetailsForm(FlaskForm):
    first_name = StringField(_l("First name"),
                             validators=[DataRequired(message=_l("Enter your first name.")),
                                         Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)],
                            render_kw={"autocomplete": "family-name"})
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)],
                        render_kw={"autocomplete": "tel"})


def _address_fields(kind: str, label) -> dict:
    limits = {"street": 200, "city": 100, "postal_code": 20, "region": 100, "country": 100}
    labels = {"street": _l("Street"), "city": _l("City"), "postal_code": _l("Postal code"),
              "region": _l("State or region"), "country": _l("Country")}
    return {f"{kind}_{part}": StringField(labels[part],
                                          validators=[Optional(), Length(max=limit)])
            for part, limit in limits.items()}


AddressForm = type("AddressForm", (FlaskForm,), {
    "__doc__": "Billing and shipping address of the customer.",
    **_address_fields("billing", _l("Billing address")),
    **_address_fields("shipping", _l("Shipping address")),
})
ADDRESS_FIELD_NAMES = tuple(f"{kind}_{part}" for kind in ("billing", "shipping")
                            for part in ("street", "city", "postal_code", "region", "country"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"})
    password = new_password_field()
    confirm = repeat_password_field(_l("Repeat the new password"))


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"),
        choices=choices(("", _l("Same as my company's setting")),
                        *SUPPORTED_LANGUAGES.items()),
        # Our own message: WTForms' built-in "Not a valid choice." is not in our catalogs.
        validate_choice=False,
        validators=[AnyOf(["", *SUPPORTED_LANGUAGES],
                          message=_l("Choose one of the offered languages."))])

"""Forms of the sign-in pages (labels are lazy: translated when shown)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from core.security import MIN_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter your email.")),
                                                Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(message=_l("Enter your password.")),
                                         Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter your email.")),
                                                Length(max=254)],
                       render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me a link"))


def new_password_field() -> PasswordField:
    """The "New password" field every form that sets a password uses."""
    return PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a password.")),
                    Length(min=MIN_PASSWORD_LENGTH, max=200,
                           message=_l("Use %(min)d to %(max)d characters."))],
        render_kw={"autocomplete": "new-password"})


def repeat_password_field(label) -> PasswordField:
    """The field that must repeat `password`."""
    return PasswordField(
        label, validators=[EqualTo("password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"})


class NewPasswordForm(FlaskForm):
    password = new_password_field()
    confirm = repeat_password_field(_l("Repeat the password"))
    submit = SubmitField(_l("Set password and sign in"))


class ExistingPasswordForm(FlaskForm):
    """Accept a second company's invitation with the password the person already has."""

    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(message=_l("Enter your password.")),
                                         Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Add this company and sign in"))


class SwitchCompanyForm(FlaskForm):
    """The header's company switcher (the choices are checked by core, not here)."""

    contact = SelectField(validate_choice=False)
    submit = SubmitField(_l("Switch company"))

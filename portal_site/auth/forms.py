"""Forms of the sign-in pages (labels are lazy: translated when shown)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
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


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a password.")),
                    Length(min=MIN_PASSWORD_LENGTH, max=200,
                           message=_l("Use %(min)d to %(max)d characters."))],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set password and sign in"))

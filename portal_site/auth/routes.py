"""Sign in, sign out, accept an invitation, reset a password, sign up.

Links in emails carry a token (`/<org>/accept/<token>`, `/<org>/reset/<token>`,
`/<org>/signup/<token>`; see portal_site.mail.links). The first request moves the token into
the session and redirects to the same page without it, so it never stays in the address bar,
the history or a Referer header.
"""

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from core.errors import AuthenticationError, NotFoundError, TokenError, ValidationError
from core.i18n import contact_language
from core.security import MIN_PASSWORD_LENGTH
from core.services import access
from portal_site.auth import bp
from portal_site.auth.forms import (
    EmailForm,
    ExistingPasswordForm,
    NewPasswordForm,
    SignInForm,
    SwitchCompanyForm,
)
from portal_site.site.forms import client_ip, show_error
from portal_site.site.i18n import PENDING_LANGUAGE_KEY
from portal_site.site.session import safe_next, scope, start_session, switch_session

# What each kind of link is for: (token purpose, session key, page endpoint).
LINKS = {
    "invitation": ("invitation", "invitation_token", "auth.accept_invitation"),
    "reset": ("reset", "reset_token", "auth.reset_password"),
    "signup": ("signup", "signup_token", "auth.complete_signup"),
}


@bp.route("/login", methods=["GET", "POST"])
def sign_in():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            contact = access.authenticate_contact(g.org.id, form.email.data, form.password.data,
                                                  client_ip())
        except AuthenticationError as error:
            show_error(form, error)
        else:
            target = safe_next(request.args.get("next"))
            start_session(contact.id)
            return redirect(target or url_for("home.index"))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    """Sign out: every session of this contact ends, on every device."""
    access.sign_out_everywhere(current_user.scope.contact.id, client_ip())
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.post("/switch-company")
@login_required
def switch_company():
    """Go on as the same person at another of its companies (the header's switcher)."""
    form = SwitchCompanyForm()
    if form.validate_on_submit():
        try:
            contact = access.switch_company(scope(), form.contact.data, client_ip())
        except NotFoundError:
            abort(404)
        switch_session(contact.id)
        flash(_("You are now working for %(company)s.", company=contact.customer.display_name),
              "info")
    return redirect(url_for("home.index"))


def _take_token(kind: str, token: str):
    """Keep a link's token in the session and send the browser to the token-free URL."""
    purpose, key, endpoint = LINKS[kind]
    session[key] = token[:200]
    try:
        contact = access.describe_token(g.org.id, token, purpose)
    except TokenError:
        session.pop(PENDING_LANGUAGE_KEY, None)
    else:
        session[PENDING_LANGUAGE_KEY] = contact_language(contact)
    return redirect(url_for(endpoint))


def _complete(kind: str, service, template: str, **page):
    """Show the username and a new-password form; on success sign the contact in.

    A submission goes straight to the service, which counts it against the rate limit before
    it looks at the token, so guessing tokens through this form is throttled too.
    """
    purpose, key, _endpoint = LINKS[kind]
    token = session.get(key) or ""
    # A person who already signs in for another company adds this one with that password.
    joining = kind != "reset" and access.joins_existing_sign_in(g.org.id, token, purpose)
    form = ExistingPasswordForm() if joining else NewPasswordForm()
    if form.validate_on_submit():
        try:
            done = service(g.org.id, token, form.password.data, client_ip())
        except ValidationError as error:
            show_error(form, error)
        else:
            start_session(done.id)
            return None
    contact = access.describe_token(g.org.id, token, purpose)  # TokenError: the 400 page
    if joining:
        page["intro"] = _("You already sign in to this portal with this email. Enter your "
                          "password to add %(company)s to your account.",
                          company=contact.customer.display_name)
    return render_template(template, form=form, username=contact.email, joining=joining,
                           min_length=MIN_PASSWORD_LENGTH, **page)


@bp.get("/accept/<token>")
def invitation_link(token):
    """The invitation link from the email."""
    return _take_token("invitation", token)


@bp.route("/accept", methods=["GET", "POST"])
def accept_invitation():
    """Accept an invitation: the username is shown, the contact chooses a password."""
    page = _complete("invitation", access.accept_invitation, "auth/set_password.html",
                     title=_("Accept your invitation"),
                     intro=_("Welcome! Choose a password to finish setting up your account."))
    if page is not None:
        return page
    flash(_("Welcome! Your account is ready."), "success")
    return redirect(url_for("home.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a password reset link (the answer never tells whether the email is known)."""
    form = EmailForm()
    if form.validate_on_submit():
        access.request_password_reset(g.org.id, form.email.data, client_ip())
        return render_template("auth/link_sent.html", title=_("Check your email"),
                               message=_("If an account uses this address, we have sent it a "
                                         "link to choose a new password. The link works for "
                                         "two hours."))
    return render_template("auth/forgot_password.html", form=form)


@bp.get("/reset/<token>")
def reset_link(token):
    """The password reset link from the email."""
    return _take_token("reset", token)


@bp.route("/reset", methods=["GET", "POST"])
def reset_password():
    """Choose a new password from a reset link; every other session ends."""
    page = _complete("reset", access.reset_password, "auth/set_password.html",
                     title=_("Choose a new password"),
                     intro=_("Choose a new password for your account."))
    if page is not None:
        return page
    flash(_("Your password was changed."), "success")
    return redirect(url_for("home.index"))


def _signup_allowed() -> None:
    if not g.prefs.allow_signup:
        abort(404)


@bp.route("/sign-up", methods=["GET", "POST"])
def sign_up():
    """Self sign-up for a contact of an existing customer: we email a verification link."""
    _signup_allowed()
    form = EmailForm()
    if form.validate_on_submit():
        try:
            access.request_signup(g.org.id, form.email.data, client_ip())
        except ValidationError as error:
            show_error(form, error)
        else:
            return render_template("auth/link_sent.html", title=_("Check your email"),
                                   message=_("If this address belongs to one of our customers' "
                                             "contacts, we have sent it a link to finish "
                                             "signing up. The link works for 24 hours."))
    return render_template("auth/sign_up.html", form=form)


@bp.get("/signup/<token>")
def signup_link(token):
    """The sign-up verification link from the email."""
    _signup_allowed()
    return _take_token("signup", token)


@bp.route("/sign-up/complete", methods=["GET", "POST"])
def complete_signup():
    """Finish signing up: choose a password."""
    _signup_allowed()
    page = _complete("signup", access.complete_signup, "auth/set_password.html",
                     title=_("Finish signing up"),
                     intro=_("Choose a password to finish signing up."))
    if page is not None:
        return page
    flash(_("Welcome! Your account is ready."), "success")
    return redirect(url_for("home.index"))

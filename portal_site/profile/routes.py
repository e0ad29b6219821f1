"""Profile: each form posts to its own URL and the service gets only that form's fields."""

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import login_required, login_user

from core.errors import RateLimitedError, ValidationError
from core.queries.scoping import ContactScope
from core.services import access, profile
from portal_site.profile import bp
from portal_site.profile.forms import (
    ADDRESS_FIELD_NAMES,
    AddressForm,
    DetailsForm,
    LanguageForm,
    PasswordForm,
)
from portal_site.site.forms import client_ip, show_error
from portal_site.site.session import PortalUser, scope


def _address_values() -> dict:
    customer = scope().customer
    return {name: getattr(customer, name) for name in ADDRESS_FIELD_NAMES}


def _page(status=200, **forms):
    """The profile page; forms not given are filled from the contact and customer."""
    contact = scope().contact
    details = forms.get("details") or DetailsForm(
        formdata=None, first_name=contact.first_name, last_name=contact.last_name,
        phone=contact.phone)
    addresses = forms.get("addresses") or AddressForm(formdata=None, **_address_values())
    password = forms.get("password") or PasswordForm(formdata=None)
    language = forms.get("language") or LanguageForm(formdata=None,
                                                     language=contact.language or "")
    return render_template("profile/index.html", details=details, addresses=addresses,
                           password=password, language=language, contact=contact,
                           customer=scope().customer,
                           can_edit_addresses=g.prefs.allow_address_edit), status


@bp.get("/profile")
@login_required
def index():
    """The profile page."""
    return _page()


@bp.post("/profile/details")
@login_required
def details():
    """Change the contact's name and phone (never email, customer or access)."""
    form = DetailsForm()
    if form.validate_on_submit():
        try:
            profile.update_contact_details(scope(), first_name=form.first_name.data,
                                           last_name=form.last_name.data or "",
                                           phone=form.phone.data or "", ip=client_ip())
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(_("Your details were saved."), "success")
            return redirect(url_for("profile.index"))
    return _page(400, details=form)


@bp.post("/profile/addresses")
@login_required
def addresses():
    """Change the customer's billing and shipping address (when the organization allows it)."""
    if not g.prefs.allow_address_edit:
        abort(404)
    form = AddressForm()
    if form.validate_on_submit():
        values = {name: form[name].data or "" for name in ADDRESS_FIELD_NAMES}
        try:
            profile.update_customer_addresses(scope(), ip=client_ip(), **values)
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(_("The addresses were saved."), "success")
            return redirect(url_for("profile.index"))
    return _page(400, addresses=form)


@bp.post("/profile/password")
@login_required
def password():
    """Change the password; every other session of the contact ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            contact = access.change_password(scope().contact.id, form.current_password.data,
                                             form.password.data, client_ip())
        except (ValidationError, RateLimitedError) as error:
            show_error(form, error)
        else:
            # This browser stays signed in under the new session version; others are out.
            login_user(PortalUser(ContactScope.for_contact(contact.id)))
            flash(_("Your password was changed. Other devices were signed out."), "success")
            return redirect(url_for("profile.index"))
    return _page(400, password=form)


@bp.post("/profile/language")
@login_required
def language():
    """Choose the language of the portal and of emails."""
    form = LanguageForm()
    if form.validate_on_submit():
        try:
            profile.set_contact_language(scope(), form.language.data or None, client_ip())
        except ValidationError as error:
            show_error(form, error)
        else:
            refresh()  # the message below already speaks the newly chosen language
            flash(_("Your language was saved."), "success")
            return redirect(url_for("profile.index"))
    return _page(400, language=form)

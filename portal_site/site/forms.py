"""Helpers every portal view uses."""

import io
import re

from flask import request, send_file
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import Form

from core.errors import DoorstepError
from portal_site.site.errors import translated


class QueryForm(Form):
    """A form read from the query string (filters: no CSRF token, they change nothing), whose
    WTForms messages ("Not a valid choice.") come in the page's language like FlaskForm's."""

    class Meta:
        def get_translations(self, form):
            """WTForms' own catalog for the page's locale (Flask-WTF loads it per request)."""
            return wtforms_translations


def show_error(form: FlaskForm, error: DoorstepError) -> None:
    """Put a domain error's translated message beside its field (or above the form)."""
    message = translated(error)
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def client_ip() -> str:
    """The address rate limits and audit events are keyed on."""
    return request.remote_addr or ""


def pdf_response(pdf: bytes, name: str):
    """A PDF download named after a document number (only safe characters kept)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "document"
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{safe}.pdf", max_age=0)


def choices(*pairs) -> list:
    """Select and radio options from (value, label) pairs, in the form WTForms prefers."""
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # WTForms before 3.3 takes plain pairs
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]

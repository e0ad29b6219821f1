"""The statement's date range (read from the query string)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form
from wtforms.validators import DataRequired


class RangeForm(Form):
    start = DateField(_l("From"), validators=[DataRequired(message=_l("Enter a date."))])
    end = DateField(_l("Until"), validators=[DataRequired(message=_l("Enter a date."))])

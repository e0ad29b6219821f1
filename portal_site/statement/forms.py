"""The statement's date range (read from the query string)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import DataRequired

from portal_site.site.forms import QueryForm


class RangeForm(QueryForm):
    start = DateField(_l("From"), validators=[DataRequired(message=_l("Enter a date."))])
    end = DateField(_l("Until"), validators=[DataRequired(message=_l("Enter a date."))])

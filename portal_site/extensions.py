"""Flask extensions, created once and bound to the app in the factory."""

from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_mail import Mail
from flask_wtf import CSRFProtect

babel = Babel()
login_manager = LoginManager()
# "basic": a session whose client fingerprint changes is only marked non-fresh; the session
# version stored in the user id is what really ends sessions (see portal_site.site.session).
login_manager.session_protection = "basic"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"
mail = Mail()
csrf = CSRFProtect()

"""Flask extensions, created once and bound to the app in the factory."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_mail import Mail
from flask_wtf import CSRFProtect

babel = Babel()
login_manager = LoginManager()
mail = Mail()
csrf = CSRFProtect()

"""The portal as a WSGI app for gunicorn: `gunicorn portal_site.wsgi:app`.

Without a secret key the app is not built: one line says why, and exit code 4 (gunicorn's
"App failed to load") stops the master instead of letting it restart workers forever.
"""

import sys

from core.config import MissingSecretKeyError
from portal_site import create_app

try:
    app = create_app()
except MissingSecretKeyError as error:
    print(f"doorstep portal: {error}", file=sys.stderr, flush=True)
    sys.exit(4)

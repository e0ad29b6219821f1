"""Email: rendering each kind in the recipient's language, the outbox worker, the SMTP catcher."""

from flask import Blueprint

# Only carries the email templates (templates/mail/<kind>.txt and .html); no routes.
bp = Blueprint("mail", __name__, template_folder="templates")

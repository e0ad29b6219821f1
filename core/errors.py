"""Domain errors: each carries an English message template (marked for translation) and params.

A front end shows `gettext(error.message) % error.params` or `str(error)` for English.
"""

from core.i18n import N_


class DoorstepError(Exception):
    """Base of every error a service raises; nothing was changed when it is raised."""

    message = N_("Something went wrong.")

    def __init__(self, message: str | None = None, field: str | None = None, **params):
        self.message = message or self.message
        self.field = field
        self.params = params
        super().__init__(self.message % params if params else self.message)


class ValidationError(DoorstepError):
    """Input that breaks a rule; `field` names the form field it belongs to."""

    message = N_("The input is not valid.")


class NotFoundError(DoorstepError):
    """The record does not exist or is not visible to the caller (the two look the same)."""

    message = N_("Not found.")


class PermissionDeniedError(DoorstepError):
    """The caller may not do this."""

    message = N_("You are not allowed to do that.")


class AuthenticationError(DoorstepError):
    """Wrong email or password (never says which)."""

    message = N_("The email or password is not correct.")


class RateLimitedError(DoorstepError):
    """Too many attempts in a short time."""

    message = N_("Too many attempts. Please wait a few minutes and try again.")

    def __init__(self, retry_after: int = 60, **kwargs):
        self.retry_after = retry_after
        super().__init__(**kwargs)


class TokenError(DoorstepError):
    """An invitation, reset or verification link that is invalid, used, expired or revoked."""

    message = N_("This link is invalid or has expired. Please ask for a new one.")


class InvalidStateError(DoorstepError):
    """The record is not in a state that allows this action."""

    message = N_("This action is not possible in the record's current state.")


class PaymentError(DoorstepError):
    """The payment did not go through."""

    message = N_("The payment could not be processed.")


class PaymentDeclinedError(PaymentError):
    """The card issuer declined the charge."""

    message = N_("The card was declined. No money was taken.")

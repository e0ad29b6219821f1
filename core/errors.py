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
    """An invitation, reset or verification link that is invalid, used, expired or revoked.

    `reason` says which ("invalid", "used", "expired", "revoked") and `purpose` what the link
    was for, so the page can explain it and offer the way on (sign in, a new link).
    """

    message = N_("This link is invalid or has expired. Please ask for a new one.")
    MESSAGES = {
        ("used", "invitation"): N_("This invitation was already accepted, so your account is "
                                   "ready. Sign in with your email address and password, or "
                                   "choose a new password if you forgot it."),
        ("used", "reset"): N_("This link was already used to choose a new password. Sign in "
                              "with it, or ask for a new link if you forgot it again."),
        ("used", "signup"): N_("This address was already confirmed. Sign in with your email "
                               "address and password."),
        ("expired", "invitation"): N_("This invitation has expired. Please ask us to send you "
                                      "a new one."),
        ("revoked", "invitation"): N_("This invitation was replaced by a newer one. Please use "
                                      "the link in the most recent email."),
        ("expired", "reset"): N_("This link has expired. Ask for a new one: it works for two "
                                 "hours."),
        ("revoked", "reset"): N_("This link was replaced by a newer one. Please use the link in "
                                 "the most recent email, or ask for a new one."),
    }

    def __init__(self, reason: str = "invalid", purpose: str = "", **kwargs):
        self.reason, self.purpose = reason, purpose
        kwargs.setdefault("message", self.MESSAGES.get((reason, purpose)))
        super().__init__(**kwargs)

    @property
    def gone(self) -> bool:
        """The link was real but can no longer be used (HTTP 410 rather than 400)."""
        return self.reason in {"used", "expired", "revoked"}


class InvalidStateError(DoorstepError):
    """The record is not in a state that allows this action."""

    message = N_("This action is not possible in the record's current state.")


class PaymentError(DoorstepError):
    """The payment did not go through."""

    message = N_("The payment could not be processed.")


class PaymentDeclinedError(PaymentError):
    """The card issuer declined the charge."""

    message = N_("The card was declined. No money was taken.")

"""Language facts that need no Flask: supported languages, marking strings, the locale chain."""

SUPPORTED_LANGUAGES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "ja": "日本語",
    "ar": "العربية",
}
RTL_LANGUAGES = {"ar", "he", "fa", "ur"}
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction; the front end translates it when it shows it."""
    return message


def is_supported(language: str | None) -> bool:
    """True for a language the portal ships."""
    return language in SUPPORTED_LANGUAGES


def is_rtl(language: str | None) -> bool:
    """True for a right-to-left language."""
    return (language or "").split("_")[0] in RTL_LANGUAGES


def contact_language(contact) -> str:
    """The contact's language: own choice, else the customer's portal language, else the org's."""
    for candidate in (contact.language, contact.customer.portal_language,
                      contact.organization.default_language):
        if is_supported(candidate):
            return candidate
    return DEFAULT_LANGUAGE


def customer_language(customer) -> str:
    """The customer's portal language, else the organization default."""
    for candidate in (customer.portal_language, customer.organization.default_language):
        if is_supported(candidate):
            return candidate
    return DEFAULT_LANGUAGE

"""Language facts that need no Flask: supported languages, marking strings, the locale chain,
the shipped catalogs."""

from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path

from babel.support import Translations

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


# The label each document status shows to a contact (pages, PDFs), by kind of record.
STATUS_LABELS = {
    "quote": {
        "draft": N_("Draft"), "sent": N_("Awaiting your response"), "accepted": N_("Accepted"),
        "declined": N_("Declined"), "expired": N_("Expired"), "invoiced": N_("Invoiced"),
    },
    "sales_order": {
        "draft": N_("Draft"), "confirmed": N_("Confirmed"), "closed": N_("Closed"),
        "void": N_("Void"),
    },
    "fulfilment": {
        "not_shipped": N_("Not shipped"), "partially_shipped": N_("Partially shipped"),
        "shipped": N_("Shipped"),
    },
    "invoice": {
        "draft": N_("Draft"), "sent": N_("Unpaid"), "partially_paid": N_("Partially paid"),
        "paid": N_("Paid"), "void": N_("Void"), "overdue": N_("Overdue"),
    },
    "payment": {
        "succeeded": N_("Received"), "pending": N_("Awaiting confirmation"), "void": N_("Void"),
        "processing": N_("Processing"), "failed": N_("Failed"), "refunded": N_("Refunded"),
        "withdrawn": N_("Withdrawn"), "expired": N_("Not completed"),
    },
    "method": {
        "card": N_("Card"), "bank_transfer": N_("Bank transfer"), "cash": N_("Cash"),
        "cheque": N_("Cheque"),
    },
    # A contact's role in its company (core.queries.scoping.ROLES) and portal access state.
    "role": {
        "billing": N_("Billing"), "orders": N_("Orders"), "full": N_("Full access"),
        "admin": N_("Company admin"),
    },
    "access": {
        "not_invited": N_("No access"), "invited": N_("Invited"), "active": N_("Active"),
        "disabled": N_("Access removed"), "requested": N_("Waiting for approval"),
    },
    "shipment": {
        "packed": N_("Packed"), "shipped": N_("Shipped"), "in_transit": N_("In transit"),
        "out_for_delivery": N_("Out for delivery"), "delivered": N_("Delivered"),
    },
}


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


TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@lru_cache(maxsize=16)
def load_catalog(language: str) -> NullTranslations:
    """The compiled shipped catalog of `language` (English, the source, when there is none)."""
    return Translations.load(str(TRANSLATIONS_DIR), [language or DEFAULT_LANGUAGE])

"""The banner and the bank-transfer instructions per portal language, with the fallback."""

import pytest

from core.audit import Actor
from core.errors import ValidationError
from core.models import PortalPreferences
from core.portal_texts import portal_text
from core.services.organizations import update_portal_preferences


def _prefs(org):
    return PortalPreferences.get(PortalPreferences.organization == org.id)


def test_a_contact_reads_their_language_else_the_default_text(org, admin):
    update_portal_preferences(Actor.staff(admin.id), banner_text="Closed on Friday.",
                              banner_texts={"de": "Freitag geschlossen.", "fr": "  "},
                              bank_transfer_instructions="IBAN GB00",
                              bank_transfer_texts={"ar": "رقم الحساب GB00"})
    prefs = _prefs(org)
    assert portal_text(prefs, "banner", "de") == "Freitag geschlossen."
    assert portal_text(prefs, "banner", "fr") == "Closed on Friday."  # blank: the default
    assert portal_text(prefs, "banner", None) == "Closed on Friday."
    assert portal_text(prefs, "bank_transfer", "ar") == "رقم الحساب GB00"
    assert portal_text(prefs, "bank_transfer", "ja") == "IBAN GB00"


@pytest.mark.parametrize("texts", [{"xx": "Hallo"}, {"de": "x" * 501}, {"de": "a\x00b"}])
def test_bad_texts_are_refused_and_nothing_changes(org, admin, texts):
    update_portal_preferences(Actor.staff(admin.id), banner_texts={"de": "Alt."})
    with pytest.raises(ValidationError):
        update_portal_preferences(Actor.staff(admin.id), banner_text="New.", banner_texts=texts)
    prefs = _prefs(org)
    assert portal_text(prefs, "banner", "de") == "Alt." and prefs.banner_text == ""

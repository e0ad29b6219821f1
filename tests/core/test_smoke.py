from core.models import Contact
from tests.conftest import PASSWORD


def test_an_invited_contact_accepts_and_signs_in(make_active_contact, org):
    from core.services.access import authenticate_contact

    contact = make_active_contact()
    assert contact.portal_state == "active"
    assert authenticate_contact(org.id, contact.email, PASSWORD).id == contact.id
    assert Contact.get_by_id(contact.id).customer.portal_status == "active"

"""Customers and contacts pushed by the business's system: upserts, idempotency, portal access."""

from core.models import AccessToken, AuditEvent, Contact, Customer, OutboxMessage
from tests.portal_site.api.conftest import CONTACT, CUSTOMER


def test_put_creates_then_updates_a_customer_by_its_external_id(api):
    created = api.put("/api/v1/customers/C-1", json=CUSTOMER)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["external_id"] == "C-1"
    assert body["currency"] == "GBP" and body["outstanding"] == "0.00"
    assert body["billing"]["city"] == "London"
    changed = api.put("/api/v1/customers/C-1", json={**CUSTOMER, "phone": "+44 1"})
    assert changed.status_code == 200
    assert changed.get_json()["phone"] == "+44 1"
    assert Customer.select().count() == 1
    assert api.get("/api/v1/customers/C-1").get_json()["phone"] == "+44 1"


def test_the_same_body_twice_changes_nothing_and_writes_no_audit(api):
    api.put("/api/v1/customers/C-1", json=CUSTOMER)
    api.put("/api/v1/contacts/P-1", json=CONTACT)
    audits = AuditEvent.select().count()
    stamps = (Customer.get().updated_at, Contact.get().updated_at)
    again = api.put("/api/v1/customers/C-1", json=CUSTOMER)
    again_contact = api.put("/api/v1/contacts/P-1", json=CONTACT)
    assert again.status_code == again_contact.status_code == 200
    assert AuditEvent.select().count() == audits
    assert (Customer.get().updated_at, Contact.get().updated_at) == stamps


def test_every_write_is_audited_with_the_key_as_actor(api, write_key):
    api.put("/api/v1/customers/C-1", json=CUSTOMER)
    event = AuditEvent.get(AuditEvent.action == "customer_created")
    assert (event.actor_type, event.actor_id) == ("api_key", write_key[0].id)


def test_portal_access_true_invites_the_contact_and_false_disables_it(api):
    api.put("/api/v1/customers/C-1", json=CUSTOMER)
    response = api.put("/api/v1/contacts/P-1", json=CONTACT)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["portal_state"] == "invited"
    assert OutboxMessage.select().where(OutboxMessage.kind == "invitation").count() == 1
    assert Customer.get().portal_status == "invited"
    disabled = api.put("/api/v1/contacts/P-1", json={**CONTACT, "portal_access": False})
    assert disabled.get_json()["portal_state"] == "disabled"
    assert AccessToken.select().where(AccessToken.revoked_at.is_null()).count() == 0
    again = api.put("/api/v1/contacts/P-1", json=CONTACT)
    assert again.get_json()["portal_state"] == "invited"


def test_a_contact_of_an_unknown_customer_is_refused_naming_the_field(api):
    response = api.put("/api/v1/contacts/P-1", json=CONTACT)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "customer_external_id"
    assert Contact.select().count() == 0


def test_unknown_fields_are_refused_and_nothing_is_written(api):
    response = api.put("/api/v1/customers/C-1", json={**CUSTOMER, "nickname": "Brighty"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == ["nickname"]
    assert Customer.select().count() == 0


def test_bad_values_name_their_field(api):
    response = api.put("/api/v1/customers/C-1",
                       json={**CUSTOMER, "billing": {"city": "x" * 101}})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "billing.city"


def test_an_email_used_by_another_contact_is_refused(api):
    api.put("/api/v1/customers/C-1", json=CUSTOMER)
    api.put("/api/v1/contacts/P-1", json=CONTACT)
    response = api.put("/api/v1/contacts/P-2", json={**CONTACT, "is_primary": False})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "email"


def test_a_contacts_own_changes_in_the_portal_show_in_updated_since(api, scope_of):
    import datetime

    from core.models import utcnow
    from core.services import access, profile
    from tests.conftest import PASSWORD, token_of

    api.put("/api/v1/customers/C-1", json=CUSTOMER)
    api.put("/api/v1/contacts/P-1", json=CONTACT)
    contact = Contact.get()
    since = (utcnow() + datetime.timedelta(microseconds=1)).isoformat()
    access.accept_invitation(contact.organization_id, token_of(contact), PASSWORD)
    profile.update_contact_details(scope_of(contact), first_name="Rita", last_name="Brook")
    changed = api.get("/api/v1/contacts", query_string={"updated_since": since}).get_json()
    assert [(c["last_name"], c["portal_state"]) for c in changed["data"]] == [("Brook",
                                                                              "active")]


def test_a_contacts_role_is_set_kept_when_absent_and_checked(api):
    api.put("/api/v1/customers/C-1", json=CUSTOMER)
    created = api.put("/api/v1/contacts/P-1", json={**CONTACT, "role": "billing"})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["role"] == "billing"
    again = api.put("/api/v1/contacts/P-1", json=CONTACT)  # no role: it stays
    assert again.get_json()["role"] == "billing"
    assert api.get("/api/v1/contacts/P-1").get_json()["role"] == "billing"
    refused = api.put("/api/v1/contacts/P-1", json={**CONTACT, "role": "owner"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "role"
    assert Contact.get().role == "billing"

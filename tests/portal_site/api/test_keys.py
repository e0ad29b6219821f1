"""API keys as an attacker tries them: missing, wrong, revoked, read-only, foreign, in the URL."""

import pytest

from core.audit import Actor
from core.models import ApiKey, Customer
from core.services.api_keys import authenticate_api_key, create_api_key, revoke_api_key
from tests.portal_site.api.conftest import CUSTOMER, ApiClient


def test_keys_are_stored_only_as_a_hash(write_key):
    row, raw = write_key
    stored = ApiKey.get_by_id(row.id)
    assert raw not in (stored.key_hash, stored.prefix) and raw.startswith(stored.prefix)
    assert len(raw) >= 40


@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwdw==", "Bearer dsk_wrong"])
def test_a_missing_or_unknown_key_gets_401_with_a_bearer_challenge(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/customers", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_is_refused(api, admin, write_key):
    assert api.get("/api/v1/customers").status_code == 200
    revoke_api_key(Actor.staff(admin.id), write_key[0].id)
    assert api.get("/api/v1/customers").status_code == 401


def test_a_key_in_the_query_string_is_refused(client, write_key):
    response = client.get(f"/api/v1/customers?api_key={write_key[1]}")
    assert response.status_code == 401


def test_a_read_key_reads_but_cannot_write(api, reader):
    api.put("/api/v1/customers/C-1", json=CUSTOMER)
    assert reader.get("/api/v1/customers/C-1").status_code == 200
    response = reader.put("/api/v1/customers/C-1", json={**CUSTOMER, "phone": "1"})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert Customer.get().phone == CUSTOMER["phone"]


def test_another_organizations_key_gets_404_for_every_record(api, other_org_api):
    api.put("/api/v1/customers/C-1", json=CUSTOMER)
    assert other_org_api.get("/api/v1/customers/C-1").status_code == 404
    assert other_org_api.get("/api/v1/customers").get_json()["data"] == []
    # Its own C-1 is another record: the first organization's stays as it was.
    assert other_org_api.put("/api/v1/customers/C-1",
                             json={**CUSTOMER, "phone": "9"}).status_code == 201
    assert api.get("/api/v1/customers/C-1").get_json()["phone"] == CUSTOMER["phone"]


def test_no_cookie_and_no_csrf_token_on_the_api(csrf_app, admin):
    raw = create_api_key(Actor.staff(admin.id), "ERP", "write")[1]
    api = ApiClient(csrf_app.test_client(), raw)
    response = api.put("/api/v1/customers/C-1", json=CUSTOMER)
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in api.get("/api/v1/customers").headers


def test_requests_over_the_limit_get_429_with_retry_after(app, write_key):
    app.config["API_RATE_LIMIT"] = 3
    api = ApiClient(app.test_client(), write_key[1])
    assert [api.get("/api/v1/customers").status_code for _ in range(3)] == [200] * 3
    response = api.get("/api/v1/customers")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_counting_requests_writes_no_row_per_request(app, write_key):
    from core.models import RateCounter, RateEvent

    api = ApiClient(app.test_client(), write_key[1])
    for _ in range(20):
        assert api.get("/api/v1/customers").status_code == 200
    assert RateEvent.select().count() == 0
    [counter] = RateCounter.select()
    assert (counter.key, counter.count) == (f"api_key:{write_key[0].id}", 20)


def test_only_admins_manage_keys(staff_member):
    from core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        create_api_key(Actor.staff(staff_member.id), "mine", "write")


def test_authenticate_records_last_use(write_key):
    key = authenticate_api_key(write_key[1])
    assert ApiKey.get_by_id(key.id).last_used_at is not None

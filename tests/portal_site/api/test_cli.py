"""`doorstep api-key` as an operator runs it: the key is printed once and works; list; revoke."""

from core.models import ApiKey
from core.services.api_keys import authenticate_api_key
from tests.core.test_cli import doorstep


def test_create_list_and_revoke_a_key_from_the_command_line(org, database_url, tmp_path, client):
    created = doorstep("api-key", "create", "--org", org.slug, "--name", "ERP sync",
                       "--scope", "write", url=database_url, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    raw = created.stdout.strip()
    key = authenticate_api_key(raw)
    assert (key.name, key.scope) == ("ERP sync", "write")
    assert "not shown again" in created.stderr
    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200

    listed = doorstep("api-key", "list", "--org", org.slug, url=database_url, cwd=tmp_path)
    assert key.prefix in listed.stdout and raw not in listed.stdout

    revoked = doorstep("api-key", "revoke", "--org", org.slug, str(key.id), url=database_url,
                       cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert ApiKey.get_by_id(key.id).revoked_at is not None
    assert client.get("/api/v1/customers",
                      headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_an_unknown_organization_is_a_clear_error(database_url, tmp_path):
    result = doorstep("api-key", "create", "--org", "nope", "--name", "x", url=database_url,
                      cwd=tmp_path)
    assert result.returncode != 0 and "No organization has the portal slug" in result.stderr
    assert ApiKey.select().count() == 0

"""The `doorstep` command as an operator runs it: migrate, demo, create-staff, bad settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DOORSTEP = str(Path(sys.executable).parent / "doorstep")
CHECK_SIGN_INS = """
import json, sys
from core import db
from core.config import load_settings
from core.models import Organization
from core.services.access import authenticate_contact
from core.services.staff import authenticate_staff
db.bind(load_settings().database_url)
data = json.load(sys.stdin)
with db.connection():
    org = Organization.get(Organization.slug == data["slug"])
    for person in data["staff"]:
        authenticate_staff(person["email"], person["password"])
    active = [c for c in data["contacts"] if c["state"] == "active"]
    for person in active:
        authenticate_contact(org.id, person["email"], person["password"])
print(len(data["staff"]) + len(active))
"""


def doorstep(*args, url: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([DOORSTEP, *args], cwd=cwd, env=env, input=stdin, text=True,
                          capture_output=True, timeout=300)


@pytest.fixture
def empty_database(tmp_path, database_url):
    """An empty database for the command: a new SQLite file, or the (cleaned) PostgreSQL one."""
    if database_url.startswith("postgres"):
        return database_url
    return f"sqlite:///{tmp_path / 'fresh' / 'doorstep.db'}"


def test_migrate_then_demo_gives_sign_ins_that_work(empty_database, tmp_path):
    migrated = doorstep("migrate", url=empty_database, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    demo = doorstep("demo", "--json", url=empty_database, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr

    data = json.loads(demo.stdout)
    assert data["organization"] == "Acme Trading"
    assert {s["role"] for s in data["staff"]} == {"admin", "staff"}
    contacts = data["contacts"]
    assert all({"email", "password", "customer", "language", "state"} <= set(c)
               for c in contacts)
    assert {c["state"] for c in contacts} == {"active", "invited", "not_invited", "disabled"}
    assert {c["language"] for c in contacts} == {"en", "de", "fr", "es", "ja", "ar"}
    assert all(c["password"] for c in contacts if c["state"] == "active")
    assert not any(c["password"] for c in contacts if c["state"] != "active")

    checked = subprocess.run([sys.executable, "-c", CHECK_SIGN_INS], input=demo.stdout,
                             text=True, capture_output=True, cwd=tmp_path, timeout=120,
                             env={**os.environ, "DATABASE_URL": empty_database})
    assert checked.returncode == 0, checked.stderr
    assert int(checked.stdout) == len(data["staff"]) + sum(
        c["state"] == "active" for c in contacts)


def test_a_second_demo_is_refused_unless_asked_to_skip(empty_database, tmp_path):
    assert doorstep("demo", url=empty_database, cwd=tmp_path).returncode == 0

    again = doorstep("demo", url=empty_database, cwd=tmp_path)
    assert again.returncode != 0
    assert "already exists" in again.stderr and "Traceback" not in again.stderr

    skipped = doorstep("demo", "--if-empty", url=empty_database, cwd=tmp_path)
    assert skipped.returncode == 0 and "already there" in skipped.stdout


def test_the_demo_password_can_be_chosen_but_not_weak(empty_database, tmp_path):
    weak = doorstep("demo", "--password", "short", url=empty_database, cwd=tmp_path)
    assert weak.returncode != 0 and "at least" in weak.stderr
    chosen = doorstep("demo", "--json", "--password", "a chosen password",
                      url=empty_database, cwd=tmp_path)
    assert chosen.returncode == 0, chosen.stderr
    assert {s["password"] for s in json.loads(chosen.stdout)["staff"]} == {"a chosen password"}


def test_create_staff_adds_a_member_and_refuses_a_duplicate(empty_database, tmp_path):
    assert doorstep("demo", url=empty_database, cwd=tmp_path).returncode == 0
    args = ("create-staff", "--email", "new@acme-trading.example", "--name", "New Person",
            "--password", "a long enough password")
    created = doorstep(*args, url=empty_database, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    duplicate = doorstep(*args, url=empty_database, cwd=tmp_path)
    assert duplicate.returncode != 0 and "already exists" in duplicate.stderr
    assert "Traceback" not in duplicate.stderr


@pytest.mark.parametrize("url", ["mysql://localhost/doorstep", "sqlite:///",
                                 "postgresql://127.0.0.1:1/nothing", "not a url"])
def test_a_bad_database_url_gives_a_clear_error(tmp_path, url):
    for command in ("migrate", "demo"):
        result = doorstep(command, url=url, cwd=tmp_path)
        assert result.returncode != 0
        assert "Cannot open the database" in result.stderr
        assert "Traceback" not in result.stderr

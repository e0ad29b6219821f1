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


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    """The command failed with exactly one line on stderr, no traceback; that line."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def _fresh_sqlite(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'never-migrated' / 'doorstep.db'}"


@pytest.mark.parametrize("name, value", [
    ("MAIL_PORT", "abc"), ("MAIL_PORT", "70000"), ("MAIL_TIMEOUT", "soon"),
    ("MAIL_TIMEOUT", "0"), ("MAIL_RETRY_BASE_SECONDS", "-5"), ("MAIL_RETRY_MAX_SECONDS", "nan"),
    ("MAIL_MAX_ATTEMPTS", "0"), ("MAIL_MAX_ATTEMPTS", "2.5"), ("MAIL_BATCH_SIZE", "many"),
    ("PORTAL_PORT", "http"), ("CONSOLE_PORT", "-1"), ("SMTP_CATCHER_PORT", "1e3")])
def test_a_bad_numeric_setting_is_one_line_naming_it(tmp_path, empty_database, name, value):
    commands = [("worker", "--once")]
    if name in {"MAIL_PORT", "MAIL_TIMEOUT"}:
        commands += [("migrate",), ("run",)]
    for command in commands:
        result = subprocess.run([DOORSTEP, *command], cwd=tmp_path, text=True,
                                capture_output=True, timeout=120,
                                env={**os.environ, "DATABASE_URL": empty_database, name: value})
        line = _one_line_error(result)
        assert name in line and repr(value) in line, line


def test_the_worker_on_a_database_never_migrated_says_to_migrate(tmp_path):
    result = doorstep("worker", "--once", url=_fresh_sqlite(tmp_path), cwd=tmp_path)
    assert "doorstep migrate" in _one_line_error(result)


@pytest.mark.parametrize("args", [
    ("create-staff", "--email", "x@acme.example", "--name", "X", "--password",
     "a long enough password", "--organization", "no-such-org"),
    ("worker", "--no-such-option"),
    ("no-such-command",),
    ("create-staff", "--email", "x@acme.example"),
    ("create-staff", "--email", "x@acme.example", "--name", "X", "--password",
     "a long enough password", "--role", "owner"),
])
def test_other_bad_input_is_one_line_too(tmp_path, empty_database, args):
    assert doorstep("migrate", url=empty_database, cwd=tmp_path).returncode == 0
    _one_line_error(doorstep(*args, url=empty_database, cwd=tmp_path))


@pytest.fixture
def read_only_sqlite(tmp_path):
    """A migrated SQLite file made immutable with `chattr +i` (root can't write it either)."""
    url = _fresh_sqlite(tmp_path)
    assert doorstep("demo", url=url, cwd=tmp_path).returncode == 0
    path = tmp_path / "never-migrated" / "doorstep.db"
    chattr = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if chattr.returncode != 0:
        pytest.skip(f"chattr +i does not work here: {chattr.stderr.strip()}")
    yield url
    subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("command", [("run",), ("migrate",), ("worker", "--once"),
                                     ("create-staff", "--email", "x@acme.example", "--name",
                                      "X", "--password", "a long enough password")])
def test_a_read_only_database_is_refused_at_start_in_one_line(
        tmp_path, read_only_sqlite, command):
    line = _one_line_error(doorstep(*command, url=read_only_sqlite, cwd=tmp_path))
    assert "read-only" in line and "doorstep.db" in line

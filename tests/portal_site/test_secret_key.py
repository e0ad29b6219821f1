"""No known secret: without SECRET_KEY an instance makes its own random key, every process of
it uses that one, and nothing starts on a constant."""

import http.cookiejar
import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from core.config import (
    KNOWN_SECRET_KEYS,
    SECRET_KEY_FILE,
    MissingSecretKeyError,
    ensure_secret_key,
    load_settings,
)
from core.models import AccessToken, Contact
from core.security import derive_token
from core.services import access
from tests.conftest import PASSWORD
from tests.e2e.servers import SmtpServer, free_port, wait_http
from tests.portal_site.conftest import csrf_token_of

ROOT = Path(__file__).resolve().parents[2]
DOORSTEP = str(Path(sys.executable).parent / "doorstep")
# SECRET_KEY = "...", "SECRET_KEY": "...", SECRET_KEY=... (code, docs, env examples)
KEY_LITERAL = re.compile(r"""SECRET_KEY["']?\s*[:=,]\s*["']?([A-Za-z0-9_.:+/-]{4,})""")


def literal_keys() -> set[str]:
    """Every key written out anywhere in the repository, the old published default included."""
    keys = set(KNOWN_SECRET_KEYS)
    for path in ROOT.rglob("*"):
        if (path.suffix not in {".py", ".md", ".toml", ".cfg", ".env", ".example"}
                or any(part.startswith(".") for part in path.relative_to(ROOT).parts)):
            continue
        keys.update(KEY_LITERAL.findall(path.read_text(encoding="utf-8", errors="replace")))
    return keys - {"settings", "app", "key", "self"}


def session_cookie(key: str, contact: Contact) -> str:
    """A portal session cookie for `contact`, signed the way Flask signs it, with `key`."""
    signer = Flask("forger")
    signer.secret_key = key
    now = int(time.time())
    return SecureCookieSessionInterface().get_signing_serializer(signer).dumps({
        "_user_id": f"{contact.id}:{contact.session_version}", "_fresh": True,
        "started_at": now, "seen_at": now})


@pytest.fixture
def own_instance(tmp_path, monkeypatch):
    """Settings as `doorstep run` leaves them with no SECRET_KEY: the instance's own key."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path / "instance"))
    ensure_secret_key(load_settings())
    return tmp_path / "instance"


def test_no_key_written_in_the_repository_signs_a_session_the_portal_accepts(
        own_instance, make_active_contact, org):
    from portal_site import create_app

    contact = make_active_contact()
    app = create_app({"TESTING": True})
    keys = literal_keys()
    assert "dev-secret-change-me" in keys and len(keys) > 3  # the scan found the literals

    for key in sorted(keys):
        client = app.test_client()
        client.set_cookie("doorstep_portal", session_cookie(key, contact))
        response = client.get(f"/{org.slug}/profile")
        assert response.status_code == 302, key
        assert "/login" in response.headers["Location"]

    # The instance's own key does sign in: the forgeries above were refused for their key.
    client = app.test_client()
    instance_key = (own_instance / SECRET_KEY_FILE).read_text().strip()
    client.set_cookie("doorstep_portal", session_cookie(instance_key, contact))
    assert client.get(f"/{org.slug}/profile").status_code == 200


def test_the_instance_key_is_random_private_and_kept(own_instance):
    path = own_instance / SECRET_KEY_FILE
    key = path.read_text().strip()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 43 and key not in literal_keys()
    ensure_secret_key(load_settings())  # a second start keeps it
    assert path.read_text().strip() == key == load_settings().secret_key


def test_without_any_key_nothing_starts(tmp_path, monkeypatch):
    from portal_site import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(tmp_path / "empty"))
    with pytest.raises(MissingSecretKeyError, match="set SECRET_KEY"):
        create_app({"TESTING": True})
    with pytest.raises(MissingSecretKeyError):
        derive_token("reset", "0" * 32)
    for published in KNOWN_SECRET_KEYS:
        with pytest.raises(MissingSecretKeyError, match="published"):
            create_app({"TESTING": True, "SECRET_KEY": published})

    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DOORSTEP_INSTANCE"] = str(tmp_path / "empty")
    worker = subprocess.run([DOORSTEP, "worker", "--once"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    portal = subprocess.run([sys.executable, "-c", "import portal_site.wsgi"], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    for refused in (worker, portal):
        assert refused.returncode != 0
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "No secret key" in lines[0], refused.stderr
    assert portal.returncode == 4  # gunicorn's "App failed to load": no restart loop


def test_doorstep_run_makes_one_key_that_the_portal_and_the_worker_share(
        tmp_path, monkeypatch, database_url, make_customer, org):
    """`doorstep run` on a fresh instance: this process (as the console would), the worker
    and the portal all sign with the one key file it made."""
    smtp = SmtpServer(free_port()).start()
    port = free_port()
    instance = tmp_path / "instance"
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("DOORSTEP_INSTANCE", str(instance))
    env = dict(os.environ, DATABASE_URL=database_url, PORTAL_PORT=str(port),
               PORTAL_BASE_URL=f"http://127.0.0.1:{port}", MAIL_SERVER="127.0.0.1",
               MAIL_PORT=str(smtp.port), MAIL_POLL_SECONDS="0.2", PYTHONPATH=str(ROOT))
    run = subprocess.Popen([DOORSTEP, "run", "--no-console"], env=env, cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/{org.slug}/login")
        key_file = instance / SECRET_KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        key = key_file.read_text().strip()
        assert load_settings().secret_key == key

        # An invitation made here goes out through the worker process with a working link.
        contact = Contact.get(Contact.customer == make_customer(allow_portal_access=True))
        deadline = time.monotonic() + 30
        while not smtp.inbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        [invitation] = smtp.inbox.messages
        text = invitation.get_body(("plain",)).get_content()
        token = re.search(r"/accept/(\S+)", text).group(1)
        nonce = AccessToken.get(AccessToken.contact == contact).nonce
        assert derive_token("invitation", nonce) == token
        access.accept_invitation(org.id, token, PASSWORD)

        # The portal process signs its session cookie with the same key.
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = browser.open(f"http://127.0.0.1:{port}/{org.slug}/login", timeout=10).read()
        form = urllib.parse.urlencode({"email": contact.email, "password": PASSWORD,
                                       "csrf_token": csrf_token_of(page.decode())}).encode()
        home = browser.open(f"http://127.0.0.1:{port}/{org.slug}/login", data=form, timeout=10)
        assert home.url.endswith(f"/{org.slug}/")
        [cookie] = [c.value for c in jar if c.name == "doorstep_portal"]
        signer = Flask("check")
        signer.secret_key = key
        session = SecureCookieSessionInterface().get_signing_serializer(signer).loads(cookie)
        assert session["_user_id"].startswith(f"{contact.id}:")
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=30)
        smtp.stop()


def test_the_demo_on_a_fresh_instance_makes_the_key_its_links_need(tmp_path, database_url):
    """`make run` seeds the demo before `doorstep run` starts: the demo makes the key."""
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DOORSTEP_INSTANCE=str(tmp_path / "instance"), DATABASE_URL=database_url)
    demo = subprocess.run([DOORSTEP, "demo", "--if-empty"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)

    assert demo.returncode == 0, demo.stderr
    key_file = tmp_path / "instance" / SECRET_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

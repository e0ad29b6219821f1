"""Browser tests: one stack of real servers for the session, Chromium through Playwright, data
built through the core services against the stack's database, screenshots in test-artifacts/."""

import datetime
import itertools
import json
import re
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect, sync_playwright

from core import db
from core.audit import Actor
from core.models import AccessToken, Contact, StaffUser
from core.security import derive_token
from tests.e2e.servers import ROOT, start_stack
from tests.stripe_server import FakeStripe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CONTACT_PASSWORD = "e2e contact password"
# Streamlit redraws after every click and the machine is shared: wait generously.
TIMEOUT_MS = 45_000

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):
    """Every test in this folder drives a browser."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter):
    """Tell the person running the tests where the screenshots are."""
    if SCREENSHOTS.exists() and any(SCREENSHOTS.glob("*.png")):
        terminalreporter.write_line(f"Screenshots of the portal pages: {SCREENSHOTS}")


# -- servers and data ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def stack():
    """The portal, console, mail worker and SMTP server over a fresh database with the demo."""
    # The catalogs are compiled by `make setup`; compile them here too for a bare pytest run.
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "compile", "-d",
                    str(ROOT / "translations")], check=False, capture_output=True)
    workdir = Path(tempfile.mkdtemp(prefix="doorstep-e2e-"))
    # The stand-in for Stripe's servers (tests/stripe_server.py): the portal's stripe library
    # talks to it; only an organization with Stripe keys ever calls it.
    stripe = FakeStripe().start()
    running = start_stack(workdir, {"STRIPE_API_BASE": stripe.base})
    running.stripe = stripe
    try:
        running.demo = json.loads(running.doorstep("demo", "--json"))
        running.database = db.make_database(running.env["DATABASE_URL"])
        yield running
    finally:
        running.stop()
        stripe.stop()
        print(f"\nServer logs of the browser tests: {running.logs}")


@pytest.fixture
def database(stack):
    """Tests here read and write the stack's database (overrides the cleaning fixture); the
    binding of other test folders is put back afterwards."""
    previous = db.database.obj
    db.database.initialize(stack.database)
    try:
        with db.connection():
            yield db.database
    finally:
        if not stack.database.is_closed():
            stack.database.close()
        db.database.initialize(previous)


@pytest.fixture(scope="session")
def org_slug(stack):
    """The demo organization's portal slug."""
    return stack.demo["slug"]


@pytest.fixture(scope="session")
def staff_login(stack):
    """Email and password of the demo's admin."""
    admin = next(s for s in stack.demo["staff"] if s["role"] == "admin")
    return admin["email"], admin["password"]


_numbers = itertools.count(1)




def live_token(contact_id: int, purpose: str = "invitation") -> str:
    """The raw token of the contact's newest live link (what its email carries); a reset link
    is made by the mail worker, so it is waited for."""
    deadline = time.monotonic() + 15
    while True:
        with db.connection():
            token = (AccessToken.select()
                     .where(AccessToken.contact == contact_id, AccessToken.purpose == purpose,
                            AccessToken.used_at.is_null(), AccessToken.revoked_at.is_null())
                     .order_by(AccessToken.id.desc()).first())
        if token is not None or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert token is not None, f"no live {purpose} token"
    return derive_token(purpose, token.nonce)


@pytest.fixture
def make_contact(stack, database, staff_login):
    """A new customer of the demo organization whose contact can sign in, with one invoice,
    two quotes and a sales order (numbers unique to the test)."""
    from core.services import access, customers, sales

    def build(language: str = "en", first_name: str = "Erin", last_name: str = "Example",
              company: str | None = None, active: bool = True):
        n = next(_numbers)
        admin = StaffUser.get(StaffUser.email == staff_login[0])
        actor = Actor.staff(admin.id)
        email = f"e2e{n}.{language}@customer.example"
        customer = customers.create_customer(
            actor, display_name=company or f"E2E Customer {n}",
            portal_language=language, currency="EUR",
            contacts=[{"first_name": first_name, "last_name": last_name, "email": email,
                       "is_primary": True}])
        contact = Contact.get(Contact.customer == customer, Contact.is_primary)
        if active:
            access.invite_contact(actor, contact.id)
            access.accept_invitation(customer.organization_id, live_token(contact.id),
                                     CONTACT_PASSWORD)
        today = datetime.date.today()
        line = [{"description": "Steel widget", "quantity": 4, "rate": Decimal("25.00")}]
        invoice = sales.create_invoice(Actor.system(customer.organization_id), customer.id,
                                       f"E2E-INV-{n}", line, issue_date=today,
                                       due_date=today + datetime.timedelta(days=30),
                                       status="sent")
        quotes = [sales.create_quote(Actor.system(customer.organization_id), customer.id,
                                     f"E2E-Q-{n}-{k}", line, issue_date=today,
                                     expiry_date=today + datetime.timedelta(days=30))
                  for k in (1, 2)]
        order = sales.create_sales_order(Actor.system(customer.organization_id), customer.id,
                                         f"E2E-SO-{n}", line, order_date=today)
        return SimpleNamespace(customer=customer, contact=contact, email=email,
                               password=CONTACT_PASSWORD, name=f"{first_name} {last_name}",
                               invoice=invoice, quotes=quotes, order=order)

    return build


# -- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless (never a downloaded browser)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (a person each); all closed after the test."""
    contexts = []

    def open_page(viewport: dict = DESKTOP, **options):
        context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """One desktop-sized page."""
    return new_page()


# -- what a person does ----------------------------------------------------------------------

class Portal:
    """Addresses and common steps of the customer portal."""

    def __init__(self, base_url: str, slug: str):
        self.base = f"{base_url}/{slug}"

    def url(self, path: str = "/") -> str:
        """The full address of a portal page."""
        return self.base + path

    def sign_in(self, page, email: str, password: str) -> None:
        """Sign in through the form and wait for the home page."""
        page.goto(self.url("/login"))
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(password)
        page.locator("form:has(input[name=password]) [type=submit]").click()
        page.wait_for_url(re.compile(re.escape(self.url("/")) + r"$"))


@pytest.fixture(scope="session")
def portal(stack, org_slug):
    """The portal of the demo organization."""
    return Portal(stack.portal_url, org_slug)


class Console:
    """Common steps in the Streamlit staff console."""

    def __init__(self, base_url: str, email: str, password: str):
        self.base, self.email, self.password = base_url, email, password

    def sign_in(self, page, path: str = "/") -> None:
        """Sign in as the demo admin through the sign-in form; wait for the console."""
        page.goto(self.base + path)
        page.wait_for_url("**/sign-in**")
        page.get_by_label("Email").fill(self.email)
        page.get_by_label("Password").fill(self.password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    def open_customer(self, page, customer_id: int) -> None:
        """Open a customer's overview by its address (as a bookmark or a pasted link would)."""
        page.goto(f"{self.base}/customer_overview?customer={customer_id}")
        expect(page.get_by_role("heading", name="Contact persons")).to_be_visible()

    def open(self, page, title: str) -> None:
        """Open a page from the sidebar by its title."""
        page.get_by_test_id("stSidebarNav").get_by_role(
            "link", name=re.compile(rf"^{re.escape(title)}")).first.click()
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def notification(page, text: str):
    """The console's notification row that says `text` (use its "Open" button)."""
    # Its text and its buttons sit in one row of columns (the innermost that holds both).
    return page.get_by_test_id("stHorizontalBlock").filter(
        has_text=text).filter(has=page.get_by_role("button", name="Open")).last


@pytest.fixture(scope="session")
def console(stack, staff_login):
    """The staff console, signed in as the demo admin."""
    return Console(stack.console_url, *staff_login)


# -- translations ----------------------------------------------------------------------------

_catalogs: dict = {}


def translated(language: str, text: str) -> str:
    """`text` as the portal shows it in `language` (English when not translated yet)."""
    if language not in _catalogs:
        path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            _catalogs[language] = read_po(handle, locale=language)
    message = _catalogs[language].get(text)
    if message is None or not message.string or message.fuzzy:
        return text
    return message.string if isinstance(message.string, str) else message.string[0]


# -- screenshots -----------------------------------------------------------------------------

def screenshot(page, name: str) -> None:
    """Save the page at desktop and phone size in test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(original)

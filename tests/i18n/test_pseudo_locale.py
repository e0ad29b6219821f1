"""Every portal page and every email, rendered under a pseudo-locale, shows no text that skipped
gettext: each translatable string comes back as ⟦…⟧, so anything else a person would read must
be data (names, numbers, dates, amounts)."""

import datetime
import re
import shutil
import subprocess
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest
from flask import url_for
from peewee import CharField, TextField

from core import i18n as core_i18n
from core import outbox
from core.audit import Actor
from core.demo import seed_demo
from core.errors import RateLimitedError
from core.models import ALL_MODELS, Contact, Customer, Invoice, Organization, OutboxMessage, Quote
from core.outbox import ALL_KINDS
from core.queries.scoping import ContactScope
from core.services import access, organizations, sales
from core.services.documents import accept_quote, record_invoice_view
from core.services.notifications import EMAIL_PREFERENCE
from portal_site import TRANSLATIONS_DIR, create_app
from tests.conftest import PASSWORD, token_of
from tests.i18n.pseudo import (
    PSEUDO_LOCALE,
    DataMatcher,
    build_pseudo_catalog,
    locale_words,
    post_forms,
    visible_texts,
)

# Stored values that are codes the UI must translate, not data a person typed.
CODE_FIELDS = re.compile(r"status|state|purpose|method|kind|role|language|type|gateway|hash|"
                         r"nonce|key|payload|fulfilment")
# How many different URLs of one endpoint the crawl opens (list filters, pages, documents).
VISITS_PER_ENDPOINT = 3


@pytest.fixture
def pseudo(tmp_path, monkeypatch):
    """The pseudo catalog compiled into a temporary translations folder, offered as a language."""
    build_pseudo_catalog(tmp_path)
    monkeypatch.setitem(core_i18n.SUPPORTED_LANGUAGES, PSEUDO_LOCALE, "⟦Pseudo⟧")
    return tmp_path


@pytest.fixture
def demo(pseudo):
    """The demo organization, signed-up allowed, every contact speaking the pseudo-locale."""
    result = seed_demo("pseudo locale password")
    org = Organization.get(Organization.slug == result.slug)
    Contact.update(language=PSEUDO_LOCALE).execute()
    Customer.update(portal_language=PSEUDO_LOCALE).execute()
    Organization.update(default_language=PSEUDO_LOCALE).execute()
    active = next(c for c in result.contacts if c.state == "active" and c.language == "en")
    return org, active


@pytest.fixture
def app(pseudo, database_url):
    """The portal with the pseudo catalog in front of the shipped ones."""
    app = create_app({
        "BABEL_TRANSLATION_DIRECTORIES": f"{pseudo};{TRANSLATIONS_DIR}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PROPAGATE_EXCEPTIONS": False,
    })

    def crash():
        raise RuntimeError("a deliberate crash for the 500 page")

    def throttled():
        raise RateLimitedError(retry_after=30)

    app.add_url_rule("/<org_slug>/i18n-test-crash", "i18n_test_crash", crash)
    app.add_url_rule("/<org_slug>/i18n-test-throttled", "i18n_test_throttled", throttled)
    return app


def _data_matcher(org) -> DataMatcher:
    values: set[str] = set()
    for model in ALL_MODELS:
        fields = [f for f in model._meta.sorted_fields
                  if isinstance(f, CharField | TextField) and not CODE_FIELDS.search(f.name)]
        for field in fields:
            values.update(str(v) for (v,) in model.select(field).distinct().tuples() if v)
    currencies = {c for (c,) in Customer.select(Customer.currency).distinct().tuples()}
    values |= locale_words(PSEUDO_LOCALE, currencies | {org.currency})
    values |= set(core_i18n.SUPPORTED_LANGUAGES.values())
    values |= {"Doorstep", org.name[:1]}  # the product's name; the organization's monogram
    return DataMatcher(values)


def _untranslated(texts: list[str], matcher: DataMatcher) -> list[str]:
    found = []
    for text in texts:
        leftover = matcher.leftover(text)
        if leftover:
            found.append(f"{leftover!r} in {' '.join(text.split())!r}")
    return found


class Crawl:
    """Opens every portal page reachable by links from a few starting points."""

    def __init__(self, app, org, matcher):
        self.app, self.org, self.matcher = app, org, matcher
        self.client = app.test_client()
        # Pages outside a signed-in session (and 404s outside the portal) follow the browser.
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-ZA"
        self.adapter = app.url_map.bind("localhost")
        self.visits: Counter = Counter()
        self.seen: set[str] = set()
        self.findings: dict[str, list[str]] = {}
        self.forms: dict[str, dict[str, str]] = {}

    def endpoint_of(self, url: str) -> str | None:
        """The endpoint a portal URL is routed to (None outside the portal)."""
        parts = urlsplit(url)
        try:
            endpoint, _ = self.adapter.match(parts.path, method="GET")
        except Exception:  # a 404, a redirect or a POST-only route: not a page to open
            return None
        return endpoint

    def record(self, label: str, url: str, html: str) -> None:
        """Check one rendered document and keep its POST forms for later."""
        problems = _untranslated(visible_texts(html), self.matcher)
        if problems:
            self.findings[label] = problems
        for action, values in post_forms(html):
            self.forms.setdefault(urljoin(url, action or url), values)

    def open(self, url: str, *, follow: bool = True):
        """GET a page (following redirects inside the portal) and check it."""
        response = self.client.get(url)
        hops = 0
        while follow and response.status_code in {301, 302, 303, 307, 308} and hops < 5:
            url = urljoin(url, response.headers["Location"])
            response = self.client.get(url)
            hops += 1
        if response.mimetype == "text/html":
            self.record(f"GET {url}", url, response.get_data(as_text=True))
        elif response.mimetype == "application/pdf":
            problems = _untranslated(pdf_text(response.get_data()).splitlines(), self.matcher)
            if problems:
                self.findings[f"PDF {url}"] = problems
        return response

    def crawl(self, *starts: str) -> None:
        """Open the starting pages and every portal page linked from them (breadth first)."""
        queue = deque(starts)
        prefix = f"/{self.org.slug}/"
        while queue:
            url = queue.popleft()
            if url in self.seen or not urlsplit(url).path.startswith(prefix):
                continue
            self.seen.add(url)
            endpoint = self.endpoint_of(url)
            if endpoint is None or self.visits[endpoint] >= VISITS_PER_ENDPOINT:
                continue
            self.visits[endpoint] += 1
            response = self.open(url)
            if response.mimetype != "text/html":
                continue
            for href in re.findall(r'href="([^"#]+)', response.get_data(as_text=True)):
                queue.append(urljoin(url, href.replace("&amp;", "&")))

    def submit_forms(self, keep: callable) -> None:
        """POST each form found so far, empty and then as rendered, and check the answers."""
        for action, values in list(self.forms.items()):
            path = urlsplit(action).path
            if not keep(path):
                continue
            for data in ({}, values):
                response = self.client.post(path, data=data)
                if response.status_code in {301, 302, 303}:
                    response = self.open(urljoin(path, response.headers["Location"]))
                elif response.mimetype == "text/html":
                    self.record(f"POST {path} {sorted(data)}", path,
                                response.get_data(as_text=True))
                Contact.update(language=PSEUDO_LOCALE).execute()


def pdf_text(content: bytes) -> str:
    """The text a PDF shows, read back with poppler's pdftotext (`make test` installs it)."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: apt-get install poppler-utils"
    result = subprocess.run([pdftotext, "-layout", "-enc", "UTF-8", "-", "-"], input=content,
                            capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def _report(findings: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}:\n  " + "\n  ".join(problems)
                     for where, problems in sorted(findings.items()))


def _token_links(app) -> dict[str, str]:
    """The email-link endpoints (a `<token>` in the URL) and the token purpose each expects."""
    purposes = {"invitation": "invitation", "accept": "invitation", "reset": "reset",
                "signup": "signup", "sign_up": "signup"}
    links = {}
    for rule in app.url_map.iter_rules():
        if "token" in rule.arguments:
            name = rule.endpoint.split(".")[-1]
            purpose = next((p for word, p in purposes.items() if word in name), None)
            assert purpose, f"which token does {rule.endpoint} take? teach this test"
            links[rule.endpoint] = purpose
    return links


def test_every_portal_page_shows_only_translated_text_or_data(app, demo):
    org, active = demo
    matcher = _data_matcher(org)
    slug = org.slug
    contact = Contact.get(Contact.email == active.email)
    invited = Contact.get(Contact.portal_state == "invited")
    stranger = Contact.get(Contact.portal_state == "not_invited", Contact.email.is_null(False))
    access.request_password_reset(org.id, contact.email)
    access.request_signup(org.id, stranger.email)
    tokens = {"invitation": token_of(invited), "reset": token_of(contact, "reset"),
              "signup": token_of(stranger, "signup")}
    with app.test_request_context():
        def url(endpoint, **values):
            return url_for(endpoint, org_slug=slug, **values)

        links = [url(endpoint, token=tokens[purpose])
                 for endpoint, purpose in _token_links(app).items()]
        dead_link = url(next(iter(_token_links(app))), token="not-a-real-token")
        home, sign_in = url("home.index"), url("auth.sign_in")
        starts = [url(rule.endpoint) for rule in app.url_map.iter_rules()
                  if rule.arguments == {"org_slug"} and "GET" in rule.methods]
        errors = [f"/{slug}/no-such-page", url("i18n_test_crash"), url("i18n_test_throttled")]

    # Signed out: the email links (each opens its page), every page without an id, error pages.
    anonymous = Crawl(app, org, matcher)
    for link in [*links, dead_link, *errors]:
        anonymous.open(link)
    anonymous.crawl(*starts)
    anonymous.submit_forms(keep=lambda path: True)

    # Signed in: every page reachable from the home page, then each form sent empty and as is.
    signed_in = Crawl(app, org, matcher)
    signed_in.client.post(sign_in, data={"email": active.email,
                                         "password": "pseudo locale password"})
    signed_in.crawl(home, *starts)
    for link in errors:
        signed_in.open(link)
    signed_in.submit_forms(keep=lambda path: "sign-out" not in path)

    reached = set(anonymous.visits) | set(signed_in.visits)
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and rule.endpoint != "static"
             and not rule.endpoint.startswith("i18n_test") and "token" not in rule.arguments
             # The integration API answers JSON to the business's system, in English.
             and not rule.endpoint.startswith(("api.", "api_docs."))}
    findings = {**anonymous.findings, **signed_in.findings}
    assert not findings, ("Text outside ⟦…⟧ (not passed through gettext):\n"
                          + _report(findings))
    assert pages <= reached, f"pages the crawl never reached: {sorted(pages - reached)}"


def _make_every_email(org, active) -> None:
    """Cause the emails the demo does not queue: reset, sign-up, re-invitation, staff emails."""
    organizations.update_portal_preferences(
        Actor.system(org.id), **{flag: True for flag, _kind in EMAIL_PREFERENCE.values()})
    contact = Contact.get(Contact.email == active.email)
    access.request_password_reset(org.id, contact.email)
    signing_up, stranger = Contact.select().where(Contact.portal_state == "not_invited",
                                                  Contact.email.is_null(False))[:2]
    access.request_signup(org.id, signing_up.email)
    access.complete_signup(org.id, token_of(signing_up, "signup"), PASSWORD)
    access.request_signup(org.id, stranger.email)
    first, second = Contact.select().where(Contact.portal_state == "invited")[:2]
    access.accept_invitation(org.id, token_of(first), PASSWORD)
    access.invite_contact(Actor.system(org.id), second.id)
    # An invoice sent from a draft emails the contacts who see invoices (invoice_sent).
    draft = sales.create_invoice(Actor.system(org.id), contact.customer_id, "PSEUDO-DRAFT-1",
                                 [{"description": "Widget", "quantity": 1, "rate": "10.00"}],
                                 issue_date=datetime.date.today(), status="draft")
    sales.send_invoice(Actor.system(org.id), draft.id)
    scope = ContactScope.for_contact(contact.id)
    unseen = (Invoice.select().where(Invoice.customer == contact.customer,
                                     Invoice.first_viewed_at.is_null(), Invoice.status != "draft")
              .first())
    record_invoice_view(scope, unseen.id)
    quote = Quote.get(Quote.customer == contact.customer, Quote.status == "sent")
    accept_quote(scope, quote.id, "Ann Example")
    if not OutboxMessage.select().where(OutboxMessage.kind == "staff_quote_response").exists():
        # No service queues this kind yet; render it from the payload staff emails carry.
        outbox.enqueue(org.id, "staff_quote_response", "admin@acme-trading.example",
                       PSEUDO_LOCALE, customer_name=contact.customer.display_name,
                       contact_name=contact.full_name, number=quote.number,
                       record_type="quote", record_id=quote.id, message="")


def test_every_email_shows_only_translated_text_or_data(app, demo):
    from portal_site.mail.render import UndeliverableError, render

    org, active = demo
    _make_every_email(org, active)
    OutboxMessage.update(language=PSEUDO_LOCALE).execute()
    matcher = _data_matcher(org)
    rendered, findings = set(), {}
    with app.app_context():
        for message in OutboxMessage.select().order_by(OutboxMessage.id.desc()):
            if message.kind in rendered:
                continue
            try:
                subject, text, html = render(message)
            except UndeliverableError:
                continue
            rendered.add(message.kind)
            assert "⟦" in subject and "⟦" in text and "⟦" in html, message.kind
            problems = (_untranslated([subject], matcher)
                        + _untranslated(text.splitlines(), matcher)
                        + _untranslated(visible_texts(html), matcher))
            if problems:
                findings[message.kind] = problems
    assert not findings, "Text outside ⟦…⟧ (not passed through gettext):\n" + _report(findings)
    assert rendered == ALL_KINDS, f"kinds never rendered: {sorted(ALL_KINDS - rendered)}"


def test_pseudo_locale_reaches_pages_at_all(app, demo):
    """Guards the test above: the pseudo catalog is really in use (brackets on the page)."""
    org, _ = demo
    client = app.test_client()
    response = client.get(f"/{org.slug}/sign-in", headers={"Accept-Language": "en-ZA"})
    assert "⟦" in response.get_data(as_text=True)


def test_the_text_check_tells_data_from_untranslated_words():
    matcher = DataMatcher({"Olivia Parker", "INV-00042", "Widgets"})
    texts = visible_texts('<p title="Pay now">⟦Invoice⟧ INV-00042 · 12.50</p>'
                          '<p>Olivia Parker</p><script>var label = "Hidden";</script>'
                          '<input type="submit" value="Send"><p>⟦Balance⟧: Due soon</p>')
    assert [matcher.leftover(text) for text in texts] == [
        "Pay now", None, None, "Send", ": Due soon"]

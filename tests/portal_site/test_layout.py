"""Look and feel that a person notices: branding, landmarks, labels, no outside assets."""

import re

from core.audit import Actor
from core.services import organizations
from tests.portal_site.conftest import text_of


def test_the_accent_colour_comes_from_the_organization(client, org):
    organizations.update_organization(Actor.system(org.id), accent_color="#ffcc00")
    response = client.get(f"/{org.slug}/theme.css")
    assert response.mimetype == "text/css"
    css = text_of(response)
    assert "--accent: #ffcc00;" in css
    assert "--on-accent: #000000;" in css  # dark text on a light brand colour
    assert f'href="/{org.slug}/theme.css"' in text_of(client.get(f"/{org.slug}/login"))


def test_pages_have_a_skip_link_landmarks_and_the_organization_name(signed_in, org):
    html = text_of(signed_in.get(f"/{org.slug}/"))
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html and "<header" in html and "<nav" in html
    assert "<footer" in html and org.name in html
    assert 'aria-current="page"' in html


def test_every_form_field_has_a_label(signed_in, org, contact, make_invoice):
    invoice = make_invoice(contact.customer, "10.00")
    for path in ("profile", f"invoices/{invoice.id}/pay", f"invoices/{invoice.id}", "statement",
                 "invoices"):
        html = text_of(signed_in.get(f"/{org.slug}/{path}"))
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if re.search(r'type="(hidden|submit)"', tag) or 'autocomplete="username"' in tag:
                continue
            field_id = re.search(r'\sid="([^"]+)"', tag).group(1)
            assert field_id in labelled, f"{path}: {tag}"


def test_no_asset_is_loaded_from_another_site(client, org):
    html = text_of(client.get(f"/{org.slug}/login"))
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/", "#", "mailto:")) and not url.startswith("//"), url

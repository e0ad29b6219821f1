"""The per-render and per-process shortcuts pages take give exactly what Flask would give."""

from flask import g, render_template_string
from flask_babel import force_locale, refresh

from portal_site.site.filter_forms import filter_fields
from portal_site.site.urls import memo_url_for
from tests.portal_site.conftest import text_of


def _endpoints_with_ids(app):
    """Every route under the organization's slug, with a value for each of its arguments."""
    for rule in app.url_map.iter_rules():
        if "org_slug" not in rule.arguments:
            continue
        yield rule.endpoint, {name: 4321 + index for index, name in
                              enumerate(sorted(rule.arguments - {"org_slug"}))}


def test_memoized_urls_are_the_urls_flask_builds(app, org):
    """Every portal route, built twice with different ids, with query values and without."""
    from flask import url_for

    with app.test_request_context(f"/{org.slug}/"):
        g.org = org
        checked = 0
        for endpoint, values in _endpoints_with_ids(app):
            for extra in ({}, {"page": 2}, {"status": "paid", "page": 3}):
                first = {**values, **extra}
                again = {name: value + 1000 if name.endswith("_id") else value
                         for name, value in first.items()}
                for args in (first, again, first):
                    assert memo_url_for(app, endpoint, **args) == url_for(endpoint, **args)
                    checked += 1
        assert checked > 100
        # What the memo does not take on goes to Flask unchanged.
        assert memo_url_for(app, "home.index", _external=True) == url_for("home.index",
                                                                          _external=True)
        assert memo_url_for(app, "documents.invoices", status=["paid", "all"]) == url_for(
            "documents.invoices", status=["paid", "all"])


def test_memoized_urls_follow_the_script_root_and_the_organization(app, org):
    """A shape built for one organization or mount point is not served for another."""
    from core.services.organizations import create_organization

    other = create_organization("Other Goods", default_language="en", currency="USD")
    with app.test_request_context(f"/{org.slug}/"):
        g.org = org
        assert memo_url_for(app, "documents.invoice", invoice_id=7) == (
            f"/{org.slug}/invoices/7")
    with app.test_request_context(f"/{other.slug}/"):
        g.org = other
        assert memo_url_for(app, "documents.invoice", invoice_id=7) == (
            f"/{other.slug}/invoices/7")
    with app.test_request_context(f"/{org.slug}/", base_url="http://localhost/portal"):
        g.org = org
        assert memo_url_for(app, "documents.invoice", invoice_id=7) == (
            f"/portal/{org.slug}/invoices/7")


def test_pages_link_records_by_their_own_ids(signed_in, org, contact, make_invoice):
    """The invoice list links each invoice to its own page (ids put into one memoized shape)."""
    invoices = [make_invoice(contact.customer, total) for total in ("10.00", "20.00", "30.00")]
    page = signed_in.get(f"/{org.slug}/invoices").get_data(as_text=True)
    for invoice in invoices:
        assert f'href="/{org.slug}/invoices/{invoice.id}"' in page
        detail = signed_in.get(f"/{org.slug}/invoices/{invoice.id}")
        assert invoice.number in text_of(detail)


def test_filter_fields_render_per_language_and_query_string(app, org):
    """The same query string in another language, or another query string, renders anew."""
    from portal_site.documents.forms import InvoiceFilterForm

    def render(query, language):
        with app.test_request_context(f"/{org.slug}/invoices?{query}"):
            from flask import request

            with force_locale(language):
                form = InvoiceFilterForm(request.args)
                form.validate()
                return str(filter_fields(form))

    english = render("status=paid", "en")
    assert 'selected value="paid"' in english and "Issued from" in english
    assert render("status=paid", "en") == english
    german = render("status=paid", "de")
    assert german != english and 'selected value="paid"' in german
    overdue = render("status=overdue", "en")
    assert 'selected value="overdue"' in overdue and 'selected value="paid"' not in overdue
    bad_date = render("date_from=tomorrow", "en")
    assert "field--error" in bad_date and 'aria-invalid="true"' in bad_date


def test_template_gettext_follows_force_locale_and_refresh(app, org):
    """Templates translate with the catalog of the moment they render, not of the request."""
    template = "{{ _('Home') }}|{{ ngettext('%(num)d invoice', '%(num)d invoices', 3) }}"
    with app.test_request_context(f"/{org.slug}/", headers={"Accept-Language": "en"}):
        english = render_template_string(template)
        with force_locale("de"):
            german = render_template_string(template)
        assert english == "Home|3 invoices"
        assert german != english and german.endswith("3 Rechnungen")
        refresh()
        assert render_template_string(template) == english

"""Quotes, sales orders, invoices and shipments, with comments, as a contact uses them."""

import datetime

from core.audit import Actor
from core.models import Comment, Invoice, Notification, Quote
from core.services import comments
from tests.portal_site.conftest import text_of


def test_quotes_list_and_detail_show_lines_and_totals(signed_in, contact, org, papers_of):
    papers = papers_of(contact.customer)
    listing = text_of(signed_in.get(f"/{org.slug}/quotes"))
    assert papers.quote.number in listing and "Awaiting your response" in listing
    detail = text_of(signed_in.get(f"/{org.slug}/quotes/{papers.quote.id}"))
    assert "Steel widget" in detail and "$50.00" in detail
    assert "Accept quote" in detail and "Decline quote" in detail


def test_accepting_a_quote_notifies_staff_and_removes_the_buttons(
        signed_in, contact, org, papers_of, admin):
    papers = papers_of(contact.customer)
    response = signed_in.post(f"/{org.slug}/quotes/{papers.quote.id}/accept",
                              data={"signature": "Ann Example"})
    assert response.status_code == 302
    page = text_of(signed_in.get(response.location))
    assert f"You accepted quote {papers.quote.number}" in page
    assert "Accept quote" not in page
    assert Quote.get_by_id(papers.quote.id).status == "accepted"
    assert Notification.select().where(Notification.kind == "quote_accepted").exists()

    again = signed_in.post(f"/{org.slug}/quotes/{papers.quote.id}/accept",
                           data={"signature": "Ann Example"})
    assert "This quote can no longer be accepted or declined." in text_of(
        signed_in.get(again.location))


def test_declining_needs_a_reason_shown_beside_the_field(signed_in, contact, org, papers_of):
    papers = papers_of(contact.customer)
    empty = signed_in.post(f"/{org.slug}/quotes/{papers.quote.id}/decline", data={"reason": " "})
    assert empty.status_code == 400
    assert 'id="reason-error"' in text_of(empty)
    assert Quote.get_by_id(papers.quote.id).status == "sent"

    done = signed_in.post(f"/{org.slug}/quotes/{papers.quote.id}/decline",
                          data={"reason": "Too expensive for us"})
    assert done.status_code == 302
    page = text_of(signed_in.get(done.location))
    assert "Too expensive for us" in page and "Declined" in page
    assert Quote.get_by_id(papers.quote.id).decline_reason == "Too expensive for us"


def test_quote_filter_by_status(signed_in, contact, org, papers_of):
    papers = papers_of(contact.customer)
    assert papers.quote.number in text_of(signed_in.get(f"/{org.slug}/quotes?status=sent"))
    assert papers.quote.number not in text_of(
        signed_in.get(f"/{org.slug}/quotes?status=accepted"))


def test_sales_order_shows_fulfilment_and_its_shipments(signed_in, contact, org, papers_of):
    papers = papers_of(contact.customer)
    listing = text_of(signed_in.get(f"/{org.slug}/orders"))
    assert papers.order.number in listing and "Shipped" in listing
    detail = text_of(signed_in.get(f"/{org.slug}/orders/{papers.order.id}"))
    assert papers.shipment.number in detail
    assert f"/{org.slug}/shipments/{papers.shipment.id}" in detail


def test_shipment_shows_the_tracking_timeline_and_package_contents(
        signed_in, contact, org, papers_of):
    papers = papers_of(contact.customer)
    listing = text_of(signed_in.get(f"/{org.slug}/shipments"))
    assert papers.shipment.number in listing and "DHL Express" in listing
    detail = text_of(signed_in.get(f"/{org.slug}/shipments/{papers.shipment.id}"))
    assert "London gateway" in detail and "Left the hub" in detail
    assert detail.index("In transit") < detail.index("Packed")  # newest first
    assert "Steel widget" in detail and "JD014600" in detail


def test_invoice_list_filters_by_status_and_issue_date(signed_in, contact, org, make_invoice):
    today = datetime.date.today()
    old = make_invoice(contact.customer, "10.00", issue_date=today - datetime.timedelta(days=90),
                       due_in=10)
    recent = make_invoice(contact.customer, "20.00")
    listing = text_of(signed_in.get(f"/{org.slug}/invoices"))
    assert old.number in listing and recent.number in listing
    overdue = text_of(signed_in.get(f"/{org.slug}/invoices?status=overdue"))
    assert old.number in overdue and recent.number not in overdue
    since = (today - datetime.timedelta(days=7)).isoformat()
    ranged = text_of(signed_in.get(f"/{org.slug}/invoices?date_from={since}"))
    assert old.number not in ranged and recent.number in ranged
    bad = signed_in.get(f"/{org.slug}/invoices?date_from=yesterday&status=nonsense")
    assert bad.status_code == 200 and recent.number in text_of(bad)


def test_invoice_list_paginates(signed_in, contact, org, make_invoice):
    for _ in range(27):
        make_invoice(contact.customer, "5.00")
    first = text_of(signed_in.get(f"/{org.slug}/invoices"))
    assert "Page 1 of 2" in first and "27 invoices" in first
    second = signed_in.get(f"/{org.slug}/invoices?page=2")
    assert "Page 2 of 2" in text_of(second)
    assert text_of(second).count('scope="row"') == 2


def test_opening_an_invoice_records_the_first_view_once(
        signed_in, contact, org, make_invoice, admin):
    invoice = make_invoice(contact.customer, "99.00")
    page = signed_in.get(f"/{org.slug}/invoices/{invoice.id}")
    assert page.status_code == 200 and "$99.00" in text_of(page)
    signed_in.get(f"/{org.slug}/invoices/{invoice.id}")
    stored = Invoice.get_by_id(invoice.id)
    assert stored.first_viewed_at is not None and stored.first_viewed_by_id == contact.id
    assert Notification.select().where(Notification.kind == "invoice_viewed").count() == 1


def test_invoice_pdf_downloads(signed_in, contact, org, make_invoice):
    invoice = make_invoice(contact.customer, "99.00")
    response = signed_in.get(f"/{org.slug}/invoices/{invoice.id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert f"{invoice.number}.pdf" in response.headers["Content-Disposition"]


def test_comments_on_every_kind_of_document_with_staff_replies(
        signed_in, contact, org, papers_of, staff_member):
    papers = papers_of(contact.customer)
    for kind, segment, document in [("quote", "quotes", papers.quote),
                                    ("sales_order", "orders", papers.order),
                                    ("invoice", "invoices", papers.invoice),
                                    ("shipment", "shipments", papers.shipment)]:
        posted = signed_in.post(f"/{org.slug}/{segment}/{document.id}/comments",
                                data={"body": f"Question about {kind}"})
        assert posted.status_code == 302
        comments.add_staff_comment(Actor.staff(staff_member.id), kind, document.id,
                                   f"Answer on {kind}")
        page = text_of(signed_in.get(f"/{org.slug}/{segment}/{document.id}"))
        assert f"Question about {kind}" in page
        assert f"Answer on {kind}" in page and staff_member.name in page
    assert Comment.select().where(Comment.contact == contact.id).count() == 4


def test_an_empty_comment_is_explained_beside_the_field(signed_in, contact, org, papers_of):
    papers = papers_of(contact.customer)
    response = signed_in.post(f"/{org.slug}/invoices/{papers.invoice.id}/comments",
                              data={"body": "   "})
    assert response.status_code == 400
    assert 'id="body-error"' in text_of(response)
    assert Comment.select().count() == 0


def test_draft_documents_are_not_shown(signed_in, contact, org, make_invoice):
    draft = make_invoice(contact.customer, "5.00", status="draft")
    assert draft.number not in text_of(signed_in.get(f"/{org.slug}/invoices"))
    assert signed_in.get(f"/{org.slug}/invoices/{draft.id}").status_code == 404


def test_an_expired_quote_says_so_and_cannot_be_answered(signed_in, contact, org):
    from core.services import sales

    today = datetime.date.today()
    quote = sales.create_quote(Actor.system(org.id), contact.customer_id, "Q-OLD", [
        {"description": "Old offer", "quantity": 1, "rate": "5.00"}],
        issue_date=today - datetime.timedelta(days=60),
        expiry_date=today - datetime.timedelta(days=30))
    assert "Expired" in text_of(signed_in.get(f"/{org.slug}/quotes"))
    page = text_of(signed_in.get(f"/{org.slug}/quotes/{quote.id}"))
    assert "Expired" in page and "Accept quote" not in page
    refused = signed_in.post(f"/{org.slug}/quotes/{quote.id}/accept",
                             data={"signature": "Ann Example"})
    assert "This quote has expired." in text_of(signed_in.get(refused.location))
    assert Quote.get_by_id(quote.id).status == "sent"


def test_a_shipment_shows_its_packages_their_lines_and_carrier_links(
        signed_in, contact, org, papers_of):
    from core.services import sales

    papers = papers_of(contact.customer)
    system = Actor.system(org.id)
    sales.set_shipment_packages(system, papers.shipment.id, [
        {"carrier": "UPS", "tracking_number": "1Z 999/AA1", "weight": "2.5",
         "lines": [{"description": "Steel widget", "quantity": "3"}]},
        {"carrier": "Springfield Couriers", "tracking_number": "SC-77",
         "lines": [{"description": "Steel widget", "quantity": "1"}]}])
    page = signed_in.get(f"/{org.slug}/shipments/{papers.shipment.id}").get_data(as_text=True)
    text = text_of(signed_in.get(f"/{org.slug}/shipments/{papers.shipment.id}"))
    assert "Package 1 of 2" in text and "Package 2 of 2" in text and "2.5 kg" in text
    assert 'href="https://www.ups.com/track?tracknum=1Z%20999%2FAA1"' in page
    # DHL Express on the shipment itself links too; the local courier has no link at all.
    assert 'href="https://www.dhl.com/' in page and "SC-77" in text
    assert "SC-77</a>" not in page
    listing = signed_in.get(f"/{org.slug}/shipments").get_data(as_text=True)
    assert "tracking-id=JD014600" in listing


def test_the_timeline_is_ordered_by_when_events_happened_and_the_latest_is_current(
        signed_in, contact, org, papers_of):
    from core.services import sales

    papers = papers_of(contact.customer)
    system = Actor.system(org.id)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    # The carrier reports delivery first, then the earlier scan.
    sales.add_tracking_event(system, papers.shipment.id, "delivered", location="Springfield",
                             occurred_at=now + datetime.timedelta(hours=5))
    sales.add_tracking_event(system, papers.shipment.id, "out_for_delivery",
                             location="Depot", occurred_at=now + datetime.timedelta(hours=2))
    page = signed_in.get(f"/{org.slug}/shipments/{papers.shipment.id}").get_data(as_text=True)
    latest = page.index("timeline__event--latest")
    assert page.index("Springfield") > latest and page.index("Depot") > page.index("Springfield")
    assert 'status status--delivered' in page


def test_home_lists_and_the_quotes_filter_agree_on_expired_and_overdue(
        signed_in, contact, org, make_invoice):
    from core.services import sales

    today = datetime.date.today()
    line = [{"description": "Offer", "quantity": 1, "rate": "5.00"}]
    old = sales.create_quote(Actor.system(org.id), contact.customer_id, "Q-LAPSED", line,
                             issue_date=today - datetime.timedelta(days=40),
                             expiry_date=today - datetime.timedelta(days=10))
    fresh = sales.create_quote(Actor.system(org.id), contact.customer_id, "Q-FRESH", line,
                               issue_date=today, expiry_date=today + datetime.timedelta(days=10))
    late = make_invoice(contact.customer, "70.00", issue_date=today - datetime.timedelta(days=40),
                        due_in=30)

    home = text_of(signed_in.get(f"/{org.slug}/"))
    lapsed_row = home.split("Q-LAPSED", 1)[1].split("</li>", 1)[0]
    assert "Expired" in lapsed_row and "Awaiting your response" not in lapsed_row
    late_row = home.split(late.number, 1)[1].split("</li>", 1)[0]
    assert "Overdue" in late_row and "Unpaid" not in late_row

    awaiting = text_of(signed_in.get(f"/{org.slug}/quotes?status=sent"))
    assert fresh.number in awaiting and old.number not in awaiting
    expired = text_of(signed_in.get(f"/{org.slug}/quotes?status=expired"))
    assert old.number in expired and fresh.number not in expired
    assert 'selected value="expired"' in expired

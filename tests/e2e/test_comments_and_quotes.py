"""Conversations on documents and answers to quotes, seen from both sides."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import notification, screenshot
from tests.e2e.servers import text_of


def test_contact_comments_on_an_order_and_staff_replies(page, new_page, portal, console,
                                                          make_contact, stack):
    carla = make_contact("en", first_name="Carla", last_name="Commenter")
    order = carla.order
    portal.sign_in(page, carla.email, carla.password)
    page.get_by_role("navigation").get_by_role("link", name="Sales orders").click()
    screenshot(page, "orders")
    page.get_by_role("link", name=order.number).first.click()
    page.get_by_label("Your comment").fill("Can the widgets come on Friday?")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Your comment was added. We will reply here.")).to_be_visible()
    expect(page.locator("#comments").get_by_text("Can the widgets come on Friday?"))\
        .to_be_visible()
    screenshot(page, "order")

    staff = new_page()
    console.sign_in(staff)
    console.open(staff, "Notifications")
    said = (f"Carla Commenter ({carla.customer.display_name}) commented on sales order "
            f"{order.number}: Can the widgets come on Friday?")
    notification(staff, said).get_by_role("button", name="Open").click()
    expect(staff.get_by_role("heading", name=f"Sales order {order.number}")).to_be_visible()
    expect(staff.get_by_text("Can the widgets come on Friday?")).to_be_visible()
    staff.get_by_role("textbox", name="Reply").fill("Yes, Friday morning works.")
    staff.get_by_role("button", name="Post reply").click()
    expect(staff.get_by_text("Reply posted; the customer's contacts are emailed.")).to_be_visible()

    page.reload()
    expect(page.locator("#comments").get_by_text("Yes, Friday morning works.")).to_be_visible()
    reply_mail = stack.smtp.wait_for(carla.email, "New reply")
    assert "Yes, Friday morning works." in text_of(reply_mail)
    assert order.number in str(reply_mail["Subject"])


def test_contact_accepts_one_quote_and_declines_another(page, new_page, portal, console,
                                                          make_contact):
    quinn = make_contact("en", first_name="Quinn", last_name="Quoter")
    accepted, declined = quinn.quotes
    portal.sign_in(page, quinn.email, quinn.password)
    page.get_by_role("navigation").get_by_role("link", name="Quotes").click()
    screenshot(page, "quotes")

    page.get_by_role("link", name=accepted.number).first.click()
    screenshot(page, "quote")
    page.get_by_role("link", name="Accept quote").click()
    page.get_by_label("Your full name").fill("Quinn Quoter")
    page.get_by_role("button", name="Sign and accept").click()
    expect(page.get_by_text(f"You accepted quote {accepted.number}. Thank you!")).to_be_visible()
    expect(page.get_by_role("link", name="Accept quote")).to_have_count(0)

    page.goto(portal.url(f"/quotes/{declined.id}"))
    page.locator("summary", has_text="Decline quote").click()
    page.get_by_label("Why do you decline this quote?").fill("The price is too high for us.")
    page.get_by_role("button", name="Decline quote").click()
    expect(page.get_by_text(f"You declined quote {declined.number}. We have let the team know."))\
        .to_be_visible()

    staff = new_page()
    console.sign_in(staff)
    console.open(staff, "Notifications")
    who = f"Quinn Quoter ({quinn.customer.display_name})"
    expect(notification(staff, f"{who} accepted quote {accepted.number}.")).to_be_visible()
    expect(notification(
        staff, f"{who} declined quote {declined.number}: The price is too high for us."))\
        .to_be_visible()
    notification(staff, f"{who} declined quote {declined.number}")\
        .get_by_role("button", name="Open").click()
    expect(staff.get_by_role("heading", name=f"Quote {declined.number}")).to_be_visible()
    expect(staff.get_by_text(re.compile(r"^Declined · "))).to_be_visible()

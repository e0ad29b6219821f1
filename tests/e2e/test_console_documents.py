"""The console's invoice list in Chromium: a row click opens the invoice; the view is a link."""

import re

from playwright.sync_api import expect

from tests.e2e.test_console_navigation import settled


def test_a_clicked_invoice_and_the_filters_survive_a_reload_and_a_shared_link(page, console,
                                                                              new_page):
    console.sign_in(page, "/invoices")
    expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
    page.get_by_role("textbox", name="Number").fill("INV")
    page.get_by_role("textbox", name="Number").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=INV"))
    settled(page)

    first_cell = page.get_by_test_id("stDataFrameResizable").first
    box = first_cell.bounding_box()
    # The first data row's Number cell: below the header row, right of the tick and eye.
    page.mouse.click(box["x"] + 140, box["y"] + 35 + 17)
    expect(page).to_have_url(re.compile(r"[?&]open=\d+"))
    heading = page.get_by_role("heading", name=re.compile(r"^Invoice \S+ · "))
    expect(heading).to_be_visible()
    expect(page.get_by_role("button", name="Post reply")).to_be_visible()
    opened, link = heading.inner_text(), page.url

    page.reload()  # a reload keeps the open invoice and the search
    expect(page.get_by_role("heading", name=opened)).to_be_visible()
    expect(page.get_by_role("textbox", name="Number")).to_have_value("INV")

    colleague = new_page()  # the link, opened by a colleague signed in in their own browser
    console.sign_in(colleague, link.removeprefix(console.base))
    expect(colleague.get_by_role("heading", name=opened)).to_be_visible()
    expect(colleague.get_by_role("textbox", name="Number")).to_have_value("INV")

    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("heading", name=opened)).to_have_count(0)
    assert "open=" not in page.url

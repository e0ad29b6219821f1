"""The console in Chromium: a click on a row opens the record; a filtered view is a link."""

import re

from playwright.sync_api import expect


def settled(page) -> None:
    """Wait until the console's script run after the last action has finished."""
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
           ).to_be_attached()
    page.wait_for_timeout(300)
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
           ).to_be_attached()


def test_a_click_on_a_customer_row_opens_its_overview(page, console):
    console.sign_in(page, "/customers")
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    first_name = page.get_by_test_id("stDataFrameResizable").first
    box = first_name.bounding_box()
    # The first data row's Name cell: below the header row, right of the tick column.
    page.mouse.click(box["x"] + 120, box["y"] + 35 + 17)

    expect(page).to_have_url(re.compile(r"/customer_overview\?customer=\d+$"))
    expect(page.get_by_role("heading", name="Contact persons")).to_be_visible()
    assert "s=" not in page.url


def test_filters_and_search_are_a_link_that_shows_the_same_view(page, console, new_page):
    console.sign_in(page, "/customers")
    page.get_by_role("textbox", name="Search").fill("o")
    page.get_by_role("textbox", name="Search").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=o"))
    page.get_by_test_id("stSelectbox").filter(has_text="Portal status").click()
    page.get_by_role("option", name=re.compile("Not invited")).click()
    expect(page).to_have_url(re.compile(r"status=not_invited"))
    settled(page)
    caption = page.get_by_text(re.compile(r"(customer matches|customers match) · 50 a page"))
    expect(caption).to_be_visible()
    shown = caption.inner_text()
    link = page.url

    assert not shown.startswith("0 ")  # a view with something in it
    page.reload()  # a reload keeps the view
    expect(page.get_by_role("textbox", name="Search")).to_have_value("o")
    expect(page.get_by_text(shown)).to_be_visible()

    # A colleague opening the link (signed in in their own browser) sees the same view.
    colleague = new_page()
    console.sign_in(colleague, link.removeprefix(console.base))
    expect(colleague).to_have_url(link)
    expect(colleague.get_by_role("textbox", name="Search")).to_have_value("o")
    expect(colleague.get_by_text(shown)).to_be_visible()

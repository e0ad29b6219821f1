"""The console's cookie session in Chromium: a reload keeps it, a copied address does not carry
it, signing out in one tab ends the others, an idle session ends, and nobody can frame it."""

import datetime
import re
import urllib.request

from playwright.sync_api import expect

from core.models import StaffSession, StaffUser, utcnow


def test_reload_keeps_the_console_signed_in_and_the_address_carries_no_session(page, console,
                                                                              new_page):
    console.sign_in(page, "/customers")
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    assert "s=" not in page.url and "session" not in page.url

    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("Alex Admin")).to_be_visible()

    # The address pasted into another browser (no cookies) signs nobody in.
    stranger = new_page()
    stranger.goto(page.url)
    stranger.wait_for_url("**/sign-in**")
    expect(stranger.get_by_role("button", name="Sign in")).to_be_visible()
    expect(stranger.get_by_text("Alex Admin")).to_have_count(0)
    cookies = page.context.cookies()
    [session] = [c for c in cookies if c["name"] == "doorstep_console_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find("doorstep_console_session") == -1


def test_a_sidebar_link_opened_in_a_new_tab_is_signed_in(page, console):
    console.sign_in(page)
    href = page.get_by_test_id("stSidebarNav").get_by_role("link", name="Invoices").get_attribute(
        "href")
    tab = page.context.new_page()
    tab.goto(href if href.startswith("http") else console.base + href)
    expect(tab.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible()


def test_signing_out_in_one_tab_ends_every_tab(page, console, database):
    console.sign_in(page)
    other_tab = page.context.new_page()
    other_tab.goto(console.base + "/invoices")
    expect(other_tab.get_by_role("heading", name="Invoices", level=1)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    # The other tab's next click finds the session over and lands on the form.
    other_tab.get_by_test_id("stSidebarNav").get_by_role("link", name="Customers").click()
    other_tab.wait_for_url("**/sign-in**")
    expect(other_tab.get_by_text("Your session has ended")).to_be_visible()
    expect(other_tab.get_by_text("Alex Admin")).to_have_count(0)


def test_an_idle_session_ends_at_the_next_click(page, console, database):
    console.sign_in(page)
    admin = StaffUser.get(StaffUser.email == console.email)
    # 31 minutes without a click (CONSOLE_SESSION_IDLE_MINUTES is 30).
    (StaffSession.update(last_seen_at=utcnow() - datetime.timedelta(minutes=31))
     .where(StaffSession.staff == admin.id, StaffSession.ended_at.is_null()).execute())

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Customers").click()

    page.wait_for_url("**/sign-in**")
    expect(page.get_by_text("Your session has ended")).to_be_visible()


def test_the_console_cannot_be_framed(page, stack):
    for path in ("/", "/sign-in", "/customers"):
        with urllib.request.urlopen(stack.console_url + path, timeout=30) as answer:  # noqa: S310
            assert answer.headers["X-Frame-Options"] == "DENY"
            assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
            assert answer.headers["Referrer-Policy"] == "same-origin"

    # A page elsewhere that frames it shows nothing of it.
    page.set_content(f'<iframe id="c" src="{stack.console_url}/sign-in"></iframe>')
    page.wait_for_timeout(2000)
    frame = page.frame_locator("#c")
    expect(frame.get_by_role("button", name="Sign in")).to_have_count(0)


def test_a_filter_click_after_signing_out_elsewhere_lands_on_the_form(page, console):
    # The list of Customers is a fragment: a filter reruns it alone, without app.py, so the
    # fragment checks the session itself.
    console.sign_in(page, "/customers")
    expect(page.get_by_text(re.compile("customers? match"))).to_be_visible()
    other_tab = page.context.new_page()
    other_tab.goto(console.base + "/")
    other_tab.get_by_role("button", name="Sign out").click()
    other_tab.wait_for_url("**/sign-in")

    page.get_by_test_id("stSelectbox").filter(has_text="Portal status").click()
    page.get_by_role("option", name=re.compile("Not invited")).click()

    page.wait_for_url("**/sign-in**")
    expect(page.get_by_text("Your session has ended")).to_be_visible()

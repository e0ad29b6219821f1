"""The console keeps a staff member signed in across a reload; signing out ends it."""

from playwright.sync_api import expect


def test_reload_keeps_the_console_signed_in_and_sign_out_ends_it(page, console):
    console.sign_in(page)
    expect(page.get_by_text("Alex Admin")).to_be_visible()

    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("Alex Admin")).to_be_visible()
    signed_in_url = page.url

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # The old address (with the ended session's token) no longer signs anyone in.
    page.goto(signed_in_url)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Your session has ended")).to_be_visible()
    expect(page.get_by_text("Alex Admin")).to_have_count(0)

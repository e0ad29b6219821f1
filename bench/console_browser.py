"""The console's clicks, timed in Chromium on the 100,000-customer data.

`python -m bench.console_browser [--runs 5]` starts the console (`streamlit run
staff_dashboard/server.py`) on a free port over the customers100k SQLite data (generated once
by bench.generate, reused after), signs in as the benchmark's admin and times every interaction
the issue names, from the click to the end of the script run it causes (the page's
`data-test-script-state` is back to "notRunning" and the expected element is shown). The rounds
run in one browser, whose cache keeps the console's files as any browser that opened it before
does (its cookies are cleared: each round signs in afresh); a sign-in from a browser new to the
console is timed too. Prints the median and worst of each with the load average, and writes
bench/results/console-*.json.
"""

import argparse
import datetime
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from bench import database as bench_db
from bench.generate import PASSWORD, STAFF, prepare

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_console(url: str, port: int, log: Path) -> subprocess.Popen:
    """The console as `doorstep run` starts it, over the benchmark database."""
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT),
               SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-console-secret",
               CONSOLE_URL=f"http://127.0.0.1:{port}")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "staff_dashboard" / "server.py"),
         "--server.headless", "true", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType",
         "none"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=2)  # noqa: S310
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"the console did not start; see {log}")


def settle(page) -> None:
    """Wait for the script run the last action caused to end (twice: a rerun may follow)."""
    locator = page.locator(IDLE)
    expect(locator).to_be_attached(timeout=60_000)
    page.wait_for_timeout(50)
    expect(locator).to_be_attached(timeout=60_000)


def timed(results: dict, name: str, action, done) -> None:
    """Time `action()` until `done()` has returned and the script run is over."""
    started = time.perf_counter()
    action()
    done()
    results.setdefault(name, []).append(time.perf_counter() - started - 0.05)


def sign_in(page, base: str, email: str) -> None:
    """Fill the sign-in form (the page is on it)."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)


SIGN_IN_NEW_BROWSER = "sign-in → home, a browser new to the console"
SIGN_IN = "sign-in → home, the staff member's browser"
COLD = "cold first load: sign-in → home (first after a start, new browser)"


def timed_sign_in(results: dict, name: str, page, base: str) -> None:
    """Open the sign-in form, fill it, and time the click until home is drawn."""
    page.goto(base + "/sign-in")
    sign_in(page, base, STAFF[0][0])
    timed(results, name, lambda: page.get_by_role("button", name="Sign in").click(),
          lambda: (expect(page.get_by_text("Contacts invited")).to_be_visible(timeout=60_000),
                   settle(page)))


def one_round(browser, own_browser, base: str, results: dict, first: bool) -> None:
    """Every interaction once: a staff member's morning in their own browser (`own_browser`,
    a context kept between rounds: the console's files are in its cache, as in any browser
    that opened the console before; its cookies are cleared, so each round signs in afresh),
    and a sign-in from a browser that never opened the console (a fresh context)."""
    if not first:
        fresh = browser.new_context(viewport={"width": 1400, "height": 900})
        timed_sign_in(results, SIGN_IN_NEW_BROWSER, fresh.new_page(), base)
        fresh.close()
    own_browser.clear_cookies()
    page = own_browser.new_page()
    timed_sign_in(results, COLD if first else SIGN_IN, page, base)
    nav = page.get_by_test_id("stSidebarNav")
    timed(results, "open Customers",
          lambda: nav.get_by_role("link", name="Customers", exact=True).click(),
          lambda: (expect(page.get_by_text(re.compile("customers match"))).to_be_visible(
              timeout=60_000), settle(page)))
    timed(results, "filter: portal status Invited",
          lambda: (page.get_by_test_id("stSelectbox").filter(has_text="Portal status").click(),
                   page.get_by_role("option", name=re.compile("Invited")).click()),
          lambda: (expect(page).to_have_url(re.compile("status=invited")), settle(page)))
    search = page.get_by_role("textbox", name="Search")
    timed(results, "search 'harbor'",
          lambda: (search.fill("harbor"), search.press("Enter")),
          lambda: (expect(page).to_have_url(re.compile("q=harbor")), settle(page)))
    grid = page.get_by_test_id("stDataFrameResizable").first
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    timed(results, "open a customer (row click)",
          lambda: page.mouse.click(box["x"] + 120, box["y"] + 52),
          lambda: (expect(page.get_by_role("heading", name="Contact persons")).to_be_visible(
              timeout=60_000), settle(page)))
    timed(results, 'save "Configure customer portal"',
          lambda: page.get_by_role("button", name="Save portal access").click(),
          lambda: (expect(page.get_by_text(re.compile("Portal access saved"))).to_be_visible(
              timeout=60_000), settle(page)))
    timed(results, 'open Invoices (sidebar) with "Customer viewed"',
          lambda: (nav.get_by_role("link", name="Invoices", exact=True).click(),
                   expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible(
                       timeout=60_000), settle(page),
                   page.locator("button").filter(
                       has_text=re.compile(r"^Customer viewed$")).first.click()),
          lambda: (expect(page).to_have_url(re.compile("viewed=viewed")), settle(page)))
    # Not invited and with an email: a customer without one is skipped and stays "not
    # invited", so after a few rounds the first page of "not invited" alone holds only those.
    page.goto(base + "/customers?status=not_invited&email=yes")
    expect(page.get_by_text(re.compile("customers match"))).to_be_visible(timeout=60_000)
    settle(page)
    # The grid's header checkbox ticks the 50 rows of the page.
    grid = page.get_by_test_id("stDataFrameResizable").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 17)
    expect(page.get_by_role("button", name="Enable portal for 50 customers")).to_be_visible(
        timeout=60_000)
    settle(page)
    timed(results, 'bulk "Enable portal" on 50 customers (preview + send)',
          lambda: (page.get_by_role("button", name="Enable portal for 50 customers").click(),
                   page.get_by_role("button", name=re.compile(r"^Send \d+ invitation")).click()),
          lambda: (expect(page.get_by_text(re.compile("Portal enabled:"))).to_be_visible(
              timeout=60_000), settle(page)))
    page.close()


def main(argv=None) -> int:
    """Generate or reuse the data, start the console, time the rounds, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.console_browser", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="customers100k")
    args = parser.parse_args(argv)
    url = bench_db.url_for("sqlite", args.size)
    prepare(url, args.size)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(f"/tmp/doorstep-console-bench-{port}.log")
    results: dict[str, list[float]] = {}
    loads = [os.getloadavg()[0]]
    process = start_console(url, port, log)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            own_browser = browser.new_context(viewport={"width": 1400, "height": 900})
            for run in range(args.runs):
                one_round(browser, own_browser, base, results, first=run == 0)
                loads.append(os.getloadavg()[0])
            own_browser.close()
            browser.close()
    finally:
        process.terminate()
        process.wait(10)
    rows = {name: {"median_s": round(statistics.median(times), 2),
                   "worst_s": round(max(times), 2), "runs": len(times)}
            for name, times in results.items()}
    report = {"measured_at": datetime.datetime.now().isoformat(timespec="seconds"),
              "data": args.size, "engine": "sqlite", "cpus": os.cpu_count(),
              "load_average_1min": [round(x, 1) for x in loads], "interactions": rows}
    out = bench_db.RESULTS_DIR / f"console-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"{'interaction':<58} {'median':>7} {'worst':>7}")
    for name, row in rows.items():
        print(f"{name:<58} {row['median_s']:>6.2f}s {row['worst_s']:>6.2f}s")
    print(f"load average (1 min) during the runs: {report['load_average_1min']}; {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

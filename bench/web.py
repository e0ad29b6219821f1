"""The portal under load, next to the baseline, served the same way and loaded the same way.

Both apps run under gunicorn with the portal's production settings (`doorstep run`: two sync
workers) on free loopback ports. Random active contacts sign in through the real sign-in form
(CSRF token and all); wrk then replays their session cookies over each page's URLs with 16
connections. Every figure is also given as a ratio to the baseline measured in the same run
(before and after the portal pages; the mean of both is the reference).
"""

import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.database import BENCH_SLUG
from core import db
from core.config import PROJECT_ROOT
from core.models import Contact, Invoice, Organization

WORKERS = 2
WORKER_CLASS = "sync"
CONNECTIONS = 16
WRK_THREADS = 2
SECRET_KEY = "bench-secret-key-not-for-production"
PORTAL_BASE_URL = "http://127.0.0.1"  # plain http on loopback: session cookies are not Secure
PORTAL_APP = "portal_site:create_app()"
# What `--without` can turn off: the portal's pieces (portal_site.speed) and core's prepared reads.
SPEED_PIECES = ("render_context", "url_shapes", "filter_form_html", "nav_html",
                "prepared_reads")
BASELINE_APP = "bench.baseline:create_app()"
# Signing in and loading pages with the same User-Agent, as one browser would: Flask-Login's
# session protection marks a session whose client fingerprint changed non-fresh, and the
# portal would then answer every replayed request with a new session cookie.
USER_AGENT = "doorstep-bench/1 (wrk)"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')

WRK_SCRIPT = r"""
-- Rotates over the benchmark's requests (path + session cookie); counts answers other than 200.
local requests = %(requests)s
local user_agent = %(user_agent)s
local counter = 0
local threads = {}
bad = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = (id or 1) * 7919 %% #requests
end

function request()
  counter = counter %% #requests + 1
  local r = requests[counter]
  if r[2] ~= "" then
    return wrk.format("GET", r[1], {["Cookie"] = r[2], ["User-Agent"] = user_agent})
  end
  return wrk.format("GET", r[1], {["User-Agent"] = user_agent})
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do not_ok = not_ok + thread:get("bad") end
  -- 0.5 %% steps: enough to merge several runs into one distribution afterwards.
  local quantiles = {}
  for step = 1, 199 do table.insert(quantiles, latency:percentile(step / 2)) end
  table.insert(quantiles, latency:percentile(99.9))
  io.write(string.format(
    'BENCH_JSON {"requests": %%d, "duration_us": %%d, "max_us": %%d, "connect_errors": %%d, ' ..
    '"read_errors": %%d, "write_errors": %%d, "timeouts": %%d, "not_ok": %%d, ' ..
    '"quantiles_us": [%%s]}\n',
    summary.requests, summary.duration, latency.max, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, not_ok,
    table.concat(quantiles, ", ")))
end
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A gunicorn master this benchmark started, and where it listens."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """Process ids of the master's worker processes."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may hold spaces and parentheses: the parent follows the last ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def worker_rss_mb(self) -> list[float]:
        """Resident size (VmRSS) of each worker, in MB."""
        sizes = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                sizes.append(round(int(match.group(1)) / 1024, 1))
        return sizes

    def stop(self) -> None:
        """Stop the master (it stops its workers) and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(name: str, app: str, env: dict, log_dir: Path, probe_path: str) -> Server:
    """Start gunicorn for `app` on a free port and wait until `probe_path` answers."""
    port = free_port()
    log = log_dir / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
               "--worker-class", WORKER_CLASS, "--bind", f"127.0.0.1:{port}",
               "--timeout", "120", "--error-logfile", str(log), app]
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    server = Server(name, process, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} server exited: see {log}\n{_tail(log)}")
        try:
            urllib.request.urlopen(server.base + probe_path, timeout=5).read()
            return server
        except urllib.error.HTTPError:
            return server  # it answers, which is all the probe asks
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} server did not answer within 60 s: see {log}")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text().splitlines()[-lines:])
    except OSError:
        return ""


class Browser:
    """A cookie-keeping HTTP client, for signing in as a person would."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, url: str) -> tuple[int, str]:
        """GET a URL (following redirects); status and body."""
        with self.opener.open(url, timeout=60) as answer:
            return answer.status, answer.read().decode()

    def post(self, url: str, form: dict) -> tuple[int, str, str]:
        """POST a form (following redirects); status, body and the final URL."""
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(url, data=data, timeout=60) as answer:
            return answer.status, answer.read().decode(), answer.geturl()

    def cookie_header(self) -> str:
        """The Cookie header this browser sends."""
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def csrf_token_of(page: str) -> str:
    """The CSRF token of the (first) form on a page."""
    tag = CSRF_INPUT.search(page)
    value = VALUE.search(tag.group(0)) if tag else None
    if value is None:
        raise RuntimeError("no csrf_token field on the sign-in page")
    return value.group(1)


def sign_in(base: str, sign_in_path: str, email: str, password: str) -> str:
    """Sign in through the portal's form; the session's Cookie header."""
    browser = Browser()
    _, page = browser.get(base + sign_in_path)
    status, body, landed = browser.post(base + sign_in_path, {
        "csrf_token": csrf_token_of(page), "email": email, "password": password})
    if status != 200 or urllib.parse.urlparse(landed).path == sign_in_path:
        raise RuntimeError(f"signing in as {email} failed (landed on {landed})")
    return browser.cookie_header()


def portal_app(url: str, without=()):
    """The portal app, in-process (to build its URLs and count its queries)."""
    from portal_site import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                       "PORTAL_BASE_URL": PORTAL_BASE_URL, "SESSION_COOKIE_SECURE": False,
                       **without_config(without)})


def without_config(without) -> dict:
    """The portal's configuration with these speed pieces off (core's are switched here)."""
    import core.prepared

    core.prepared.BUILD_ONCE = "prepared_reads" not in without
    off = [piece for piece in without if piece != "prepared_reads"]
    return {"SPEED_PIECES_OFF": off} if off else {}


def create_portal_without(without: list):
    """The portal as gunicorn serves it, with these speed pieces off (`--without`)."""
    from portal_site import create_app

    return create_app(without_config(without))


def sign_in_path(app, slug: str) -> str:
    """The portal's sign-in page for the organization."""
    from flask import url_for

    with app.test_request_context():
        return url_for("auth.sign_in", org_slug=slug)


@dataclass
class Visitor:
    """A signed-in contact and the pages it loads."""

    contact_id: int
    email: str
    customer_id: int
    invoice_ids: list
    cookie: str = ""
    pages: dict = field(default_factory=dict)


def pick_visitors(count: int, seed: int) -> tuple[str, list[Visitor]]:
    """Random active contacts (with a few of their customer's invoices each)."""
    rng = random.Random(seed)
    with db.connection():
        org = Organization.get(Organization.slug == BENCH_SLUG)
        candidates = list(Contact.select(Contact.id, Contact.email, Contact.customer)
                          .where(Contact.organization == org.id,
                                 Contact.portal_state == "active", Contact.email.is_null(False))
                          .order_by(Contact.id).tuples())
        chosen = rng.sample(candidates, min(count, len(candidates)))
        visitors = []
        for contact_id, email, customer_id in chosen:
            invoice_ids = [row[0] for row in Invoice.select(Invoice.id)
                           .where(Invoice.customer == customer_id, Invoice.status != "draft")
                           .order_by(Invoice.id).tuples()]
            visitors.append(Visitor(contact_id, email, customer_id,
                                    rng.sample(invoice_ids, min(3, len(invoice_ids)))))
    return org.slug, visitors


def page_paths(app, slug: str, visitor: Visitor, today) -> dict[str, list[str]]:
    """The URLs of each benchmarked page for one visitor (built from the portal's routes)."""
    import datetime

    from flask import url_for

    year_ago = today - datetime.timedelta(days=365)
    with app.test_request_context():
        return {
            "home": [url_for("home.index", org_slug=slug)],
            "invoice list": [url_for("documents.invoices", org_slug=slug)],
            "invoice list, paid": [url_for("documents.invoices", org_slug=slug,
                                           status="paid")],
            "invoice detail": [url_for("documents.invoice", org_slug=slug, invoice_id=i)
                               for i in visitor.invoice_ids],
            "statement, 1 year": [url_for("statement.index", org_slug=slug,
                                          start=year_ago.isoformat(), end=today.isoformat())],
            "baseline": [f"/invoices/{visitor.customer_id}"],
        }


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


QUANTILE_SHARES = [step / 200 for step in range(1, 200)] + [0.999]


def run_wrk(base: str, requests: list[tuple[str, str]], seconds: int, work_dir: Path) -> dict:
    """Load `requests` (path, cookie) round-robin for `seconds`: counts and latency quantiles."""
    table = "{\n" + ",\n".join(f"  {{{_lua_string(p)}, {_lua_string(c)}}}"
                               for p, c in requests) + "\n}"
    script = work_dir / "rotate.lua"
    script.write_text(WRK_SCRIPT % {"requests": table, "user_agent": _lua_string(USER_AGENT)})
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS),
               "-d", f"{max(1, int(seconds))}s", "--timeout", "30s", "-s", str(script), base]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    out, err = process.stdout.read(), process.stderr.read()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed: {err or out}")
    line = next((row for row in out.splitlines() if row.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{out}\n{err}")
    raw = json.loads(line[len("BENCH_JSON "):])
    raw["client_cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return raw


def merge_runs(runs: list[dict]) -> dict:
    """One page's figures from several wrk runs: total throughput, merged latency quantiles."""
    requests = sum(run["requests"] for run in runs)
    seconds = sum(run["duration_us"] for run in runs) / 1e6
    points = sorted((value, run["requests"] / len(run["quantiles_us"]))
                    for run in runs for value in run["quantiles_us"])
    total_weight = sum(weight for _, weight in points) or 1

    def quantile(share: float) -> float:
        running = 0.0
        for value, weight in points:
            running += weight
            if running >= share * total_weight:
                return value / 1000
        return points[-1][0] / 1000 if points else float("nan")

    return {"requests": requests, "seconds": round(seconds, 1),
            "rps": round(requests / seconds, 1) if seconds else 0.0,
            "p50_ms": round(quantile(0.50), 2), "p90_ms": round(quantile(0.90), 2),
            "p99_ms": round(quantile(0.99), 2),
            "max_ms": round(max(run["max_us"] for run in runs) / 1000, 2),
            "not_ok": sum(run["not_ok"] for run in runs),
            "socket_errors": sum(run["connect_errors"] + run["read_errors"]
                                 + run["write_errors"] + run["timeouts"] for run in runs),
            "client_cpu_share": round(sum(run["client_cpu_seconds"] for run in runs)
                                      / seconds / os.cpu_count(), 3) if seconds else None,
            "runs": len(runs)}


def count_page_queries(app, url: str, slug: str, visitors: list[Visitor], password: str,
                       today) -> dict:
    """Queries each page runs, counted in-process with Flask's test client (max over visitors)."""
    from playhouse.test_utils import count_queries

    from bench.baseline import create_app as create_baseline

    baseline = create_baseline(url).test_client()
    login = sign_in_path(app, slug)
    counts: dict[str, int] = {}
    for visitor in visitors:
        client = app.test_client()
        page = client.get(login).get_data(as_text=True)
        answer = client.post(login, data={
            "csrf_token": csrf_token_of(page), "email": visitor.email, "password": password})
        if answer.status_code != 302:
            raise RuntimeError(f"in-process sign-in as {visitor.email} failed")
        for name, paths in page_paths(app, slug, visitor, today).items():
            target = baseline if name == "baseline" else client
            # Once unmeasured: on PostgreSQL the first visit prepares the page's statements on
            # the connection (once per connection, not per visit).
            target.get(paths[0])
            with count_queries() as counter:
                response = target.get(paths[0])
            if response.status_code != 200:
                raise RuntimeError(f"{name} ({paths[0]}) answered {response.status_code}")
            counts[name] = max(counts.get(name, 0), counter.count)
    return counts


def measure_web(url: str, password: str, *, seconds: int = 12, rounds: int = 3,
                warmup: int = 2, visitors: int = 40, seed: int = 1, progress=print,
                without=()) -> dict:
    """Load the portal's pages and the baseline; figures, ratios, queries and worker memory.

    The load is cut into `rounds`: each round loads the baseline and then every page for
    seconds/rounds, and a last baseline slice closes the run, so drift on a shared machine
    touches the baseline and the pages alike.
    """
    import datetime
    from concurrent.futures import ThreadPoolExecutor

    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian package `wrk`; `make bench` installs "
                           "it)")
    today = datetime.date.today()
    slug, chosen = pick_visitors(visitors, seed)
    if not chosen:
        raise RuntimeError("the benchmark data has no active contact to sign in as")
    app = portal_app(url, without)
    login = sign_in_path(app, slug)
    work_dir = Path(tempfile.mkdtemp(prefix="doorstep-bench-"))
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET_KEY,
               PORTAL_BASE_URL=PORTAL_BASE_URL, DOORSTEP_INSTANCE=str(work_dir / "instance"))
    slice_seconds = max(1, round(seconds / rounds))
    servers: list[Server] = []
    try:
        portal_app_spec = (f"bench.web:create_portal_without({list(without)!r})" if without
                           else PORTAL_APP)
        portal = start_server("portal", portal_app_spec, env, work_dir, login)
        servers.append(portal)
        baseline = start_server("baseline", BASELINE_APP, env, work_dir,
                                f"/invoices/{chosen[0].customer_id}")
        servers.append(baseline)
        started = time.perf_counter()
        with ThreadPoolExecutor(WORKERS) as pool:
            cookies = list(pool.map(lambda v: sign_in(portal.base, login, v.email, password),
                                    chosen))
        for visitor, cookie in zip(chosen, cookies, strict=True):
            visitor.cookie = cookie
        sign_in_seconds = time.perf_counter() - started
        if progress:
            progress(f"  signed in {len(chosen)} contacts through the form in "
                     f"{sign_in_seconds:.1f} s")
        names = list(page_paths(app, slug, chosen[0], today))
        plans = {name: [] for name in names}
        for visitor in chosen:
            for name, paths in page_paths(app, slug, visitor, today).items():
                cookie = "" if name == "baseline" else visitor.cookie
                plans[name] += [(path, cookie) for path in paths]
        _check_pages(portal, baseline, plans)
        pages_first = ["baseline"] + [n for n in names if n != "baseline"]
        for name in pages_first if warmup > 0 else []:
            server = baseline if name == "baseline" else portal
            run_wrk(server.base, plans[name], warmup, work_dir)
        runs: dict[str, list] = {name: [] for name in names}
        for _ in range(rounds):
            for name in pages_first:
                server = baseline if name == "baseline" else portal
                runs[name].append(run_wrk(server.base, plans[name], slice_seconds, work_dir))
        runs["baseline"].append(run_wrk(baseline.base, plans["baseline"], slice_seconds,
                                        work_dir))
        portal_rss = portal.worker_rss_mb()
        baseline_rss = baseline.worker_rss_mb()
    finally:
        for server in servers:
            server.stop()
    figures = {name: merge_runs(runs[name]) for name in names}
    reference = figures["baseline"]
    queries = count_page_queries(app, url, slug, chosen[:5], password, today)
    for name, result in figures.items():
        result["queries"] = queries.get(name)
        result["rps_ratio"] = round(result["rps"] / reference["rps"], 3)
        result["p50_ratio"] = round(result["p50_ms"] / reference["p50_ms"], 3)
        result["p99_ratio"] = round(result["p99_ms"] / reference["p99_ms"], 3)
        if progress:
            progress(f"  {name:<20} {result['rps']:>8.1f} req/s ({result['rps_ratio']:.2f} x)"
                     f"  p50 {result['p50_ms']:>7.1f} ms  p99 {result['p99_ms']:>7.1f} ms "
                     f"({result['p99_ratio']:.2f} x)  {result['queries']} queries")
    shutil.rmtree(work_dir, ignore_errors=True)
    return {
        "without": list(without),
        "server": f"gunicorn, {WORKERS} {WORKER_CLASS} workers (as `doorstep run`)",
        "client": f"wrk, {WRK_THREADS} threads, {CONNECTIONS} connections",
        "seconds_per_page": slice_seconds * rounds, "rounds": rounds,
        "warmup_seconds": warmup, "visitors": len(chosen),
        "sign_in_seconds": round(sign_in_seconds, 2),
        "pages": figures,
        "memory": {"portal_worker_rss_mb": max(portal_rss) if portal_rss else None,
                   "portal_workers_rss_mb": portal_rss,
                   "baseline_worker_rss_mb": max(baseline_rss) if baseline_rss else None},
    }


def _check_pages(portal: Server, baseline: Server, plans: dict) -> None:
    """Every URL answers 200 with its cookie (a redirect to sign-in would fake the figures), and
    without a new session cookie (a browser keeps the one it got; replaying a stale one would
    measure the session being signed again on every request)."""
    opener = urllib.request.build_opener(_NoRedirect)
    for name, requests in plans.items():
        server = baseline if name == "baseline" else portal
        for path, cookie in requests[:3]:
            headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
            request = urllib.request.Request(server.base + path, headers=headers)
            try:
                with opener.open(request, timeout=60) as answer:
                    status, renewed = answer.status, answer.headers.get("Set-Cookie")
            except urllib.error.HTTPError as error:
                status, renewed = error.code, None
            if status != 200:
                raise RuntimeError(f"{name}: {path} answered {status}, not 200")
            if renewed:
                raise RuntimeError(f"{name}: {path} answered with a new session cookie")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

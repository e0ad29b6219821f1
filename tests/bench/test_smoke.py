"""The benchmark suite end to end on a tiny organization: every figure comes out.

It asserts nothing about speed (that is what `make bench` is for), only that each part still
runs against the current code: data generation, the portal and the baseline under load, query
counts, console queries, bulk "Enable portal", the outbox, worker memory and the event
feed, the API's sync.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from core.config import PROJECT_ROOT

pytestmark = pytest.mark.bench

PAGES = {"home", "invoice list", "invoice list, paid", "invoice detail", "statement, 1 year",
         "baseline"}


def _engine() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return "postgres" if url.startswith("postgres") else "sqlite"


def test_the_benchmark_produces_every_figure(tmp_path):
    assert shutil.which("wrk"), "wrk (Debian package) is missing: `make test` installs it"
    engine = _engine()
    env = dict(os.environ, DOORSTEP_BENCH_DIR=str(tmp_path / "data"))
    env.pop("DATABASE_URL", None)
    if engine == "postgres":
        # A database of the benchmark's own, never the test suite's.
        env["BENCH_POSTGRES_URL"] = "postgresql://127.0.0.1:5432/test_bench_smoke"
    parts = ("web,console,bulk,outbox,events,api" if engine == "sqlite"
             else "web,console,bulk,events,api")
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny", "--engine", engine, "--quick",
         "--fresh", "--duration", "1", "--rounds", "1", "--warmup", "0", "--visitors", "4",
         "--outbox-messages", "20", "--events", "2000", "--api-invoices", "30",
         "--only", parts,
         "--output", str(tmp_path / "results")],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    [result_file] = (tmp_path / "results").glob("*.json")
    results = json.loads(result_file.read_text())
    run = results["runs"][f"tiny/{engine}"]
    assert run["data"]["rows"] > 1000 and run["data"]["load_seconds"] > 0

    pages = run["web"]["pages"]
    assert set(pages) == PAGES
    for name, figure in pages.items():
        assert figure["requests"] > 0 and figure["rps"] > 0, name
        assert 0 < figure["p50_ms"] <= figure["p99_ms"], name
        assert figure["rps_ratio"] > 0 and figure["p99_ratio"] > 0, name
        assert figure["queries"] >= 1, name
        # Every answer was the page itself: no error, no redirect to the sign-in page.
        assert figure["not_ok"] == 0 and figure["socket_errors"] == 0, name
    assert pages["baseline"]["queries"] == 1
    assert run["web"]["memory"]["portal_worker_rss_mb"] > 10

    console = run["console"]["queries"]
    assert "home figures" in console and "invoices, not viewed" in console
    assert all(q["p50_ms"] > 0 and q["queries"] >= 1 for q in console.values())

    bulk = run["bulk"]
    assert bulk["customers"] == 60 and bulk["invited"] > 0
    assert bulk["outbox_rows"] == bulk["invited"] and bulk["seconds"] > 0

    if "outbox" in parts:
        [outbox] = results["outbox"]["results"]
        assert outbox["messages"] == 20 and outbox["messages_per_second"] > 0

    feed = results["events"]["runs"][engine]
    assert feed["events"] == 2000 and "newest page (polling)" in feed["queries"]
    assert all(q["p50_ms"] > 0 and q["queries"] == 1 for q in feed["queries"].values())
    assert "Event feed" in finished.stdout

    api = results["api"]
    assert api["first_sync"]["created"] == 30 and api["first_sync"]["seconds"] > 0
    assert api["unchanged_sync"]["changed"] == 0 and api["unchanged_sync"]["writes"] == 0
    assert set(api["list_queries"]) == {"customers", "contacts", "invoices", "shipments"}
    for kind, figure in api["list_queries"].items():
        assert figure["small"]["queries"] >= 1 and figure["large"]["records"] > 0, kind
    assert "API sync" in finished.stdout

    targets = {check["target"] for check in results["targets"]}
    assert "home: req/s >= 0.5 x baseline" in targets
    assert "portal worker <= 150 MB resident" in targets
    assert "Targets" in finished.stdout
    assert result_file.with_suffix(".md").read_text().count("| --- |") >= 1


def test_each_speed_piece_can_be_measured_off(tmp_path):
    """`--without` serves the portal without the named pieces (pages still answer 200), and
    bench.pieces measures every piece against the portal with all of them."""
    env = dict(os.environ, DOORSTEP_BENCH_DIR=str(tmp_path / "data"))
    env.pop("DATABASE_URL", None)
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny", "--engine", "sqlite", "--quick",
         "--fresh", "--duration", "1", "--rounds", "1", "--warmup", "0", "--visitors", "2",
         "--only", "web", "--without", "url_shapes,prepared_reads",
         "--output", str(tmp_path / "results")],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    [result_file] = (tmp_path / "results").glob("*.json")
    web = json.loads(result_file.read_text())["runs"]["tiny/sqlite"]["web"]
    assert web["without"] == ["url_shapes", "prepared_reads"]
    assert all(page["not_ok"] == 0 and page["requests"] > 0 for page in web["pages"].values())

    pieces = subprocess.run(
        [sys.executable, "-m", "bench.pieces", "--size", "tiny", "--rounds", "2"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert pieces.returncode == 0, pieces.stdout[-3000:] + pieces.stderr[-3000:]
    header = next(line for line in pieces.stdout.splitlines() if line.startswith("CPU µs"))
    for piece in ("render_context", "url_shapes", "filter_form_html", "prepared_reads"):
        assert f"without {piece}" in header
    assert "invoice list" in pieces.stdout

    unknown = subprocess.run([sys.executable, "-m", "bench", "--without", "url_shape"],
                             cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert unknown.returncode != 0 and "url_shape" in unknown.stderr

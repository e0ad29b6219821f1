"""Run the benchmark suite: `python -m bench [--size S[,S...]] [--engine E] [--quick]`.

For each size and engine: generate (or reuse) the data, load the portal's pages next to the
baseline, time the console's queries and the bulk "Enable portal", then (once) the console at
100,000 customers, the outbox, the event feed at 1,000,000 events and the API's sync of 10,000
invoices. Writes bench/results/<time>-<sizes>.json (and .md) and prints the tables and the
targets.
"""

import argparse
import datetime
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import database as bench_db
from bench.generate import PASSWORD, SIZES, prepare
from bench.report import evaluate_targets, render
from core import db


def machine_info() -> dict:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory": memory,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(), "load_average_at_start": os.getloadavg()}


def postgres_version(url: str) -> str:
    """The server's version string."""
    db.bind(url)
    with db.connection():
        return db.database.execute_sql("SHOW server_version").fetchone()[0]


def run_outbox(messages: int, with_postgres: bool, progress) -> dict | None:
    """The mail worker's benchmark (bench/outbox_bench.py), in its own process."""
    if not (Path(__file__).parent / "outbox_bench.py").exists():
        return None
    out = Path(tempfile.mkdtemp(prefix="doorstep-outbox-")) / "outbox.json"
    command = [sys.executable, "-m", "bench.outbox_bench", "--messages", str(messages),
               "--json", str(out)] + ([] if with_postgres else ["--skip-postgres"])
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0 or not out.exists():
        if progress:
            progress(f"  outbox benchmark failed:\n{finished.stdout}\n{finished.stderr}")
        return {"error": (finished.stderr or finished.stdout)[-2000:], "results": []}
    return json.loads(out.read_text())


def main(argv=None) -> int:
    """Parse the options, run every part, write and print the results."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small",
                        help="small, medium, large (or several, comma-separated)")
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--quick", action="store_true",
                        help="short loads, fewer runs, no 100,000-customer console data")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="regenerate the data")
    parser.add_argument("--duration", type=int, help="seconds of load a page (default 12; "
                        "quick 3)")
    parser.add_argument("--rounds", type=int, help="rounds the load is cut into (default 3)")
    parser.add_argument("--warmup", type=int, help="seconds of unmeasured load a page before "
                        "the rounds (default 2; quick 1)")
    parser.add_argument("--visitors", type=int, help="contacts signed in (default 40)")
    parser.add_argument("--only", default="web,console,bulk,outbox,events,api",
                        help="parts to run (comma-separated: web, console, bulk, outbox, "
                        "events, api)")
    parser.add_argument("--without", default="",
                        help="speed pieces to turn off in the portal under load, to measure "
                        "what each saves (comma-separated; see portal_site/speed/README.md)")
    parser.add_argument("--outbox-messages", type=int, help="default 2000 (quick 300)")
    parser.add_argument("--events", type=int, help="events in the feed benchmark's "
                        "organization (default 1,000,000; quick 100,000)")
    parser.add_argument("--api-invoices", type=int, help="invoices the API benchmark syncs "
                        "(default 10,000; quick 1,000)")
    parser.add_argument("--output", type=Path, default=bench_db.RESULTS_DIR,
                        help="folder for the JSON and Markdown results")
    args = parser.parse_args(argv)
    # The generated invitations are derived from the key the portal under load signs with, so
    # `make bench` on a fresh machine needs no key of its own (and never reads the instance's).
    from bench.web import SECRET_KEY

    os.environ["SECRET_KEY"] = SECRET_KEY

    sizes = [s.strip() for s in args.size.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; choose from {list(SIZES)}")
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    parts = {p.strip() for p in args.only.split(",")}
    without = [p.strip() for p in args.without.split(",") if p.strip()]
    if without:
        from bench.web import SPEED_PIECES

        if set(without) - set(SPEED_PIECES):
            parser.error(f"unknown speed piece(s) {sorted(set(without) - set(SPEED_PIECES))}; "
                         f"choose from {list(SPEED_PIECES)}")
    quick = args.quick
    duration = args.duration or (3 if quick else 12)
    rounds = args.rounds or (1 if quick else 3)
    visitors = args.visitors or (10 if quick else 40)
    warmup = args.warmup if args.warmup is not None else (1 if quick else 2)
    console_runs = 5 if quick else 20

    def progress(message: str) -> None:
        print(message, flush=True)

    started = time.perf_counter()
    results = {"command": "python -m bench " + " ".join(argv if argv is not None
                                                         else sys.argv[1:]),
               "without": without,
               "started_at": datetime.datetime.now().isoformat(timespec="seconds"),
               "machine": machine_info(), "sizes": sizes, "engines": [], "runs": {},
               "skipped": []}
    for engine in engines:
        if engine == "postgres":
            probe_url = bench_db.url_for("postgres", sizes[0])
            if not bench_db.postgres_answers(probe_url):
                results["skipped"].append(f"postgres: no server at {probe_url}")
                progress(f"PostgreSQL does not answer at {probe_url}: skipped.")
                continue
            bench_db.ensure_postgres_database(probe_url)
            results["machine"]["postgres"] = postgres_version(probe_url)
        results["engines"].append(engine)
        # The outbox, the event feed and the API make their own data: no sized data for them.
        for size in (sizes if parts & {"web", "console", "bulk"} else []):
            url = bench_db.url_for(engine, size)
            progress(f"\n== {size} on {engine} ==")
            data = prepare(url, size, seed=args.seed, fresh=args.fresh, progress=progress)
            run = {"url": url, "data": {k: data[k] for k in
                                        ("rows", "load_seconds", "counts", "active_contacts",
                                         "generated_at", "reused")}}
            if "web" in parts:
                from bench.web import measure_web

                progress("Portal pages and the baseline under load:")
                run["web"] = measure_web(url, PASSWORD, seconds=duration, rounds=rounds,
                                         warmup=warmup, visitors=visitors,
                                         seed=args.seed, progress=progress,
                                         without=without)
            db.bind(url)
            if "console" in parts:
                from bench.console import measure_console

                progress("Console queries ...")
                run["console"] = measure_console(console_runs)
            if "bulk" in parts:
                from bench.bulk import measure_bulk

                progress('Bulk "Enable portal" ...')
                run["bulk"] = measure_bulk()
                progress(f"  {run['bulk']['customers']:,} customers in "
                         f"{run['bulk']['seconds']} s ({run['bulk']['outbox_rows']:,} outbox "
                         "rows)")
            results["runs"][f"{size}/{engine}"] = run
        if "console" in parts and not quick and "tiny" not in sizes:
            from bench.console import measure_console

            url = bench_db.url_for(engine, "customers100k")
            progress(f"\n== console at 100,000 customers on {engine} ==")
            data = prepare(url, "customers100k", seed=args.seed, fresh=args.fresh,
                           progress=progress)
            results.setdefault("data_100k", {})[engine] = {
                k: data[k] for k in ("rows", "load_seconds", "reused")}
            db.bind(url)
            results.setdefault("console_100k", {})[engine] = measure_console(console_runs)
    if "outbox" in parts:
        progress("\n== outbox ==")
        messages = args.outbox_messages or (300 if quick else 2000)
        results["outbox"] = run_outbox(messages, "postgres" in results["engines"], progress)
    if "events" in parts:
        from bench import events_bench

        events = args.events or (100_000 if quick else events_bench.DEFAULT_EVENTS)
        feed_engines = [e for e in engines if e == "sqlite" or e in results["engines"]]
        results["events"] = events_bench.run(feed_engines, events, runs=10 if quick else 50,
                                             seed=args.seed, fresh=args.fresh,
                                             progress=progress)
    if "api" in parts:
        from bench import api_bench

        invoices = args.api_invoices or (1_000 if quick else api_bench.DEFAULT_INVOICES)
        results["api"] = api_bench.run(
            invoices, customers=max(1, min(api_bench.DEFAULT_CUSTOMERS, invoices // 10)),
            small=min(api_bench.SMALL, max(3, invoices // 10)), progress=progress)
    results["targets"] = evaluate_targets(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = os.getloadavg()

    args.output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"{stamp}-{'-'.join(sizes)}-{'-'.join(results['engines']) or 'none'}"
    json_path = args.output / f"{name}.json"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    machine = results["machine"]
    header = (f"Command: `{results['command']}`  \nMachine: {machine['cpus']} cores, "
              f"{machine['cpu_model']}, {machine['memory']}; Python {machine['python']}, "
              f"SQLite {machine['sqlite']}"
              + (f", PostgreSQL {machine['postgres']}" if machine.get("postgres") else "")
              + f"; load average {machine['load_average_at_start'][0]:.1f} at the start\n\n")
    (args.output / f"{name}.md").write_text(header + render(results, markdown=True))
    print()
    print(render(results))
    print(f"Wrote {json_path} (and .md) in {results['seconds']} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

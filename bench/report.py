"""The benchmark's tables (plain text for the terminal, Markdown for the README) and targets."""

import math

TARGET_PAGES = ("home", "invoice list", "invoice list, paid")
FLAT_LIMIT = 1.5
ENGINE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def _fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _table(headers: list[str], rows: list[list], markdown: bool) -> list[str]:
    cells = [[str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |",
                 "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(headers)))
                 + " |"]
        return lines + ["| " + " | ".join(row) + " |" for row in cells]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    def line(row):
        return "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                         for i, c in enumerate(row))
    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells]


def evaluate_targets(results: dict) -> list[dict]:
    """Each target of the issue with the measured figure and whether it holds."""
    checks = []
    runs = results.get("runs", {})
    for key, run in runs.items():
        size, engine = key.split("/")
        pages = (run.get("web") or {}).get("pages", {})
        for page in TARGET_PAGES:
            if page in pages:
                figure = pages[page]
                checks.append({"target": f"{page}: req/s >= 0.5 x baseline", "where": key,
                               "value": figure["rps_ratio"], "ok": figure["rps_ratio"] >= 0.5})
                checks.append({"target": f"{page}: p99 <= 2 x baseline p99", "where": key,
                               "value": figure["p99_ratio"], "ok": figure["p99_ratio"] <= 2.0})
        memory = (run.get("web") or {}).get("memory", {}).get("portal_worker_rss_mb")
        if memory is not None:
            checks.append({"target": "portal worker <= 150 MB resident", "where": key,
                           "value": memory, "ok": memory <= 150})
        bulk = run.get("bulk")
        if bulk and bulk["customers"] >= 10_000:
            checks.append({"target": "bulk enable of 10,000 customers <= 10 s", "where": key,
                           "value": bulk["seconds"], "ok": bulk["seconds"] <= 10})
    for engine, console in results.get("console_100k", {}).items():
        worst = max(console["queries"].items(), key=lambda item: item[1]["p50_ms"])
        checks.append({"target": "console queries <= 100 ms p50 at 100,000 customers",
                       "where": f"{engine} (slowest: {worst[0]})",
                       "value": worst[1]["p50_ms"], "ok": worst[1]["p50_ms"] <= 100})
    for row in (results.get("outbox") or {}).get("results", []):
        if row["workers"] == 1:
            checks.append({"target": "outbox >= 200 messages/s, one worker",
                           "where": row["engine"], "value": row["messages_per_second"],
                           "ok": row["messages_per_second"] >= 200})
    feed = results.get("events") or {}
    for engine, figures in feed.get("runs", {}).items():
        if feed["events"] >= 1_000_000:
            worst = max(figures["queries"].items(), key=lambda item: item[1]["p50_ms"])
            checks.append({"target": "event feed page p50 <= 20 ms at 1,000,000 events",
                           "where": f"{engine} (slowest: {worst[0]})",
                           "value": worst[1]["p50_ms"], "ok": worst[1]["p50_ms"] <= 20})
    api = results.get("api")
    if api:
        first, again = api["first_sync"], api["unchanged_sync"]
        where = f"{api['invoices']:,} invoices"
        if api["invoices"] >= 10_000:
            checks.append({"target": "API sync of 10,000 invoices <= 60 s", "where": where,
                           "value": first["seconds"], "ok": first["seconds"] <= 60})
            checks.append({"target": "API sync again, unchanged, <= 20 s", "where": where,
                           "value": again["seconds"], "ok": again["seconds"] <= 20})
        checks.append({"target": "API sync again, unchanged, writes nothing", "where": where,
                       "value": again["writes"], "ok": again["writes"] == 0})
        for kind, figure in api["list_queries"].items():
            small, large = figure["small"], figure["large"]
            checks.append({"target": f"GET /api/v1/{kind}: queries independent of data size",
                           "where": f"{small['records']:,} → {large['records']:,}",
                           "value": large["queries"], "ok": large["queries"] == small["queries"]})
    checks += _flatness(runs)
    return checks


def _flatness(runs: dict) -> list[dict]:
    """Queries and baseline-relative p50 of each page, largest over smallest size per engine."""
    checks = []
    by_engine: dict[str, list] = {}
    for key, run in runs.items():
        size, engine = key.split("/")
        if run.get("web"):
            by_engine.setdefault(engine, []).append((size, run["web"]["pages"]))
    for engine, sized in by_engine.items():
        if len(sized) < 2:
            continue
        for page in sized[0][1]:
            if page == "baseline":
                continue
            queries = [pages[page]["queries"] for _, pages in sized if page in pages]
            latency = [pages[page]["p50_ratio"] for _, pages in sized if page in pages]
            names = "→".join(size for size, _ in sized)
            if queries and min(queries):
                spread = max(queries) / min(queries)
                checks.append({"target": f"{page}: queries flat across sizes (<= 1.5 x)",
                               "where": f"{engine} {names}", "value": round(spread, 2),
                               "ok": spread <= FLAT_LIMIT})
            if latency and min(latency):
                spread = max(latency) / min(latency)
                checks.append({"target": f"{page}: p50 (x baseline) flat across sizes "
                                         "(<= 1.5 x)", "where": f"{engine} {names}",
                               "value": round(spread, 2), "ok": spread <= FLAT_LIMIT})
    return checks


def render(results: dict, markdown: bool = False) -> str:
    """Every table of a run, as text or Markdown."""
    out: list[str] = []
    heading = (lambda text: out.extend(["", f"#### {text}", ""])) if markdown else (
        lambda text: out.extend(["", text, "=" * len(text)]))
    runs = results.get("runs", {})

    load_rows = [[key, _fmt(run["data"]["rows"]), _fmt(run["data"]["load_seconds"]),
                  "reused" if run["data"].get("reused") else "generated"]
                 for key, run in runs.items()]
    for engine, data in results.get("data_100k", {}).items():
        load_rows.append([f"customers100k/{engine}", _fmt(data["rows"]),
                          _fmt(data["load_seconds"]),
                          "reused" if data.get("reused") else "generated"])
    if load_rows:
        heading("Data (size/engine): rows and bulk-load time")
        out += _table(["data", "rows", "load s", "this run"], load_rows, markdown)

    web_rows = []
    for key, run in runs.items():
        web = run.get("web")
        if not web:
            continue
        for page, f in web["pages"].items():
            web_rows.append([f"{key} {page}", _fmt(f["rps"]), _fmt(f["rps_ratio"], 2),
                             _fmt(f["p50_ms"]), _fmt(f["p99_ms"]), _fmt(f["p99_ratio"], 2),
                             _fmt(f["queries"])])
    if web_rows:
        first = next(run["web"] for run in runs.values() if run.get("web"))
        heading(f"Portal pages under load ({first['client']}; {first['server']}; "
                f"{first['seconds_per_page']} s a page in {first['rounds']} rounds)")
        out += _table(["size/engine page", "req/s", "× base", "p50 ms", "p99 ms",
                       "p99 × base", "queries"], web_rows, markdown)

    console_sets = [(f"{key}", run["console"]) for key, run in runs.items()
                    if run.get("console")]
    console_sets += [(f"customers100k/{engine}", c)
                     for engine, c in results.get("console_100k", {}).items()]
    if console_sets:
        heading("Console queries (p50 ms of N runs, in-process)")
        labels = list(console_sets[0][1]["queries"])
        headers = ["query"] + [f"{name} ({_fmt(c['customers'])} customers)"
                               for name, c in console_sets] + ["queries"]
        rows = [[label] + [_fmt(c["queries"].get(label, {}).get("p50_ms"), 2)
                           for _, c in console_sets]
                + [_fmt(console_sets[0][1]["queries"][label]["queries"])] for label in labels]
        out += _table(headers, rows, markdown)

    bulk_rows = [[key, _fmt(run["bulk"]["customers"]), _fmt(run["bulk"]["invited"]),
                  _fmt(run["bulk"]["skipped"]), _fmt(run["bulk"]["outbox_rows"]),
                  _fmt(run["bulk"]["seconds"], 2)] for key, run in runs.items()
                 if run.get("bulk")]
    if bulk_rows:
        heading('Bulk "Enable portal" (service call, one run)')
        out += _table(["size/engine", "customers", "invited", "skipped", "outbox rows",
                       "seconds"], bulk_rows, markdown)

    outbox = results.get("outbox")
    if outbox and outbox.get("results"):
        heading(f"Outbox to a local SMTP sink ({outbox['messages']} invitations)")
        out += _table(["engine", "workers", "seconds", "messages/s"],
                      [[r["engine"], _fmt(r["workers"]), _fmt(r["seconds"], 2),
                        _fmt(r["messages_per_second"])] for r in outbox["results"]], markdown)

    feed = results.get("events") or {}
    if feed.get("runs"):
        engines = list(feed["runs"])
        first = feed["runs"][engines[0]]
        heading(f"Event feed ({_fmt(feed['events'])} events in the organization, "
                f"{first['page']} a page; p50 ms of N runs, in-process)")
        rows = [[label] + [_fmt(feed["runs"][e]["queries"][label]["p50_ms"], 2)
                           for e in engines]
                + [_fmt(first["queries"][label]["queries"])] for label in first["queries"]]
        out += _table(["page"] + [ENGINE_NAMES.get(e, e) for e in engines] + ["queries"],
                      rows, markdown)

    api = results.get("api")
    if api:
        heading(f"API sync through POST /api/v1/invoices/batch ({api['batch']} a request, "
                f"{api['lines_per_invoice']} lines an invoice; {api['server']}; {api['client']})")
        out += _table(["sync", "invoices", "seconds", "req/s", "invoices/s", "writes"],
                      [[label, _fmt(s["records"]), _fmt(s["seconds"], 2),
                        _fmt(s["requests_per_second"], 2), _fmt(s["records_per_second"]),
                        _fmt(s["changed"] if label == "first" else s["writes"])]
                       for label, s in (("first", api["first_sync"]),
                                        ("again, unchanged", api["unchanged_sync"]))],
                      markdown)
        heading("API list pages (limit=100): queries at two data sizes (in-process)")
        out += _table(["endpoint", "records", "queries", "records", "queries"],
                      [[f"GET /api/v1/{kind}", _fmt(f["small"]["records"]),
                        _fmt(f["small"]["queries"]), _fmt(f["large"]["records"]),
                        _fmt(f["large"]["queries"])]
                       for kind, f in api["list_queries"].items()], markdown)

    memory_rows = [[key, _fmt(run["web"]["memory"]["portal_worker_rss_mb"]),
                    _fmt(run["web"]["memory"]["baseline_worker_rss_mb"])]
                   for key, run in runs.items() if run.get("web")]
    if memory_rows:
        heading("Memory after the load (VmRSS of a gunicorn worker)")
        out += _table(["size/engine", "portal MB", "baseline MB"], memory_rows, markdown)

    checks = results.get("targets") or []
    if checks:
        heading("Targets")
        out += _table(["target", "where", "measured", ""],
                      [[c["target"], c["where"], _fmt(c["value"], 2),
                        "ok" if c["ok"] else "MISSED"] for c in checks], markdown)
    return "\n".join(out).lstrip("\n") + "\n"

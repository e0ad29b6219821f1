"""What each speed piece saves, in-process: `python -m bench.pieces [--size small] [--rounds N]`.

The load test (`python -m bench --without PIECE`) measures a piece the way a visitor feels it,
but on a shared machine its wall-clock figures drift by more than a piece saves. Here the portal
with every piece and the portal without one serve the same pages to one signed-in contact
through Flask's test client, in alternation, and each request's CPU time is taken
(`time.process_time`, which other processes' load barely moves). The figure is the median of
the rounds; see portal_site/speed/README.md.
"""

import argparse
import datetime
import random
import statistics
import time

import core.prepared
from bench import database as bench_db
from bench.generate import PASSWORD, prepare
from bench.web import SPEED_PIECES, csrf_token_of, page_paths, pick_visitors, portal_app

SESSION_COOKIE = "doorstep_portal"


def _signed_in_client(app, slug: str, email: str):
    from bench.web import sign_in_path

    client = app.test_client()
    login = sign_in_path(app, slug)
    page = client.get(login).get_data(as_text=True)
    answer = client.post(login, data={"csrf_token": csrf_token_of(page), "email": email,
                                      "password": PASSWORD})
    if answer.status_code != 302:
        raise RuntimeError(f"in-process sign-in as {email} failed")
    return client


def measure_pieces(url: str, rounds: int, seed: int = 1, progress=print) -> dict:
    """Per page and piece: CPU µs a request with every piece and without that one."""
    slug, visitors = pick_visitors(1, seed)
    visitor = visitors[0]
    # Built before any other app: portal_app switches core's pieces for the whole process.
    variants = {"all pieces": (portal_app(url), True)}
    for piece in SPEED_PIECES:
        if piece == "prepared_reads":
            variants[f"without {piece}"] = (variants["all pieces"][0], False)
        else:
            variants[f"without {piece}"] = (portal_app(url, [piece]), True)
    core.prepared.BUILD_ONCE = True
    first = _signed_in_client(variants["all pieces"][0], slug, visitor.email)
    cookie = first.get_cookie(SESSION_COOKIE)
    clients = {}
    for name, (app, build_once) in variants.items():
        client = app.test_client()
        client.set_cookie(SESSION_COOKIE, cookie.value, domain=cookie.domain or "localhost")
        clients[name] = (client, build_once)
    pages = {name: paths[0] for name, paths in
             page_paths(variants["all pieces"][0], slug, visitor,
                        datetime.date.today()).items() if name != "baseline"}
    samples = {variant: {page: [] for page in pages} for variant in variants}
    order = list(variants)
    rng = random.Random(seed)
    for round_number in range(rounds + 1):  # the first round warms every cache up, unmeasured
        rng.shuffle(order)
        for variant in order:
            client, build_once = clients[variant]
            core.prepared.BUILD_ONCE = build_once
            for page, path in pages.items():
                started = time.process_time()
                response = client.get(path)
                spent = time.process_time() - started
                if response.status_code != 200:
                    raise RuntimeError(f"{variant}: {path} answered {response.status_code}")
                if round_number:
                    samples[variant][page].append(spent * 1e6)
    core.prepared.BUILD_ONCE = True
    result = {}
    for variant, by_page in samples.items():
        result[variant] = {page: round(statistics.median(values)) for page, values in
                           by_page.items()}
    if progress:
        width = max(len(page) for page in pages)
        progress(f"{'CPU µs a request (median)':<{width + 2}}"
                 + "".join(f"{variant:>28}" for variant in variants))
        for page in pages:
            every = result["all pieces"][page]
            cells = [f"{every:>28}"]
            for variant in order_of(variants):
                value = result[variant][page]
                cells.append(f"{value:>14} ({value - every:+5} µs, {value / every:4.2f} x)")
            progress(f"{page:<{width + 2}}" + "".join(cells))
    return result


def order_of(variants: dict) -> list[str]:
    """The variants other than "all pieces", in their order."""
    return [name for name in variants if name != "all pieces"]


def main(argv=None) -> int:
    """Parse the options, make sure the data is there, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.pieces", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    url = bench_db.url_for(args.engine, args.size)
    prepare(url, args.size, seed=args.seed, fresh=False, progress=print)
    measure_pieces(url, args.rounds, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

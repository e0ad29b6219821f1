"""Small timing helpers shared by the in-process benchmarks."""

import statistics
import time

from playhouse.test_utils import count_queries


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` (0..1) of the sorted values fall (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def time_call(call, runs: int, warmup: int = 1) -> dict:
    """Run `call` warmup + runs times; p50/p90/max in milliseconds and its query count."""
    for _ in range(warmup):
        call()
    with count_queries() as counter:
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(samples), 2),
            "p90_ms": round(percentile(samples, 0.9), 2),
            "max_ms": round(max(samples), 2), "runs": runs, "queries": counter.count}

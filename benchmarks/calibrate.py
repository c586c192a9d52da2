"""How fast this machine is running right now: a fixed workload, timed.

The 2-core machine the benchmarks run on changes speed by 30-50% from hour to hour (its
cores are shared with other machines), so a page's milliseconds alone cannot tell a
faster dashboard from a faster hour. Every benchmark run prints this figure beside its
results: compare runs only when their reference figures are close.

The workload is the kind of work a page rerun does: Python loops and dicts, a small
pandas frame, numpy on a few hundred numbers. Median of several runs; lower is faster.
"""
from __future__ import annotations

import statistics
import time


def _workload() -> None:
    import numpy as np
    import pandas as pd

    rows = [{"team": f"t{i % 40}", "value": i * 0.5, "label": str(i)} for i in range(20_000)]
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["team"]] = totals.get(r["team"], 0.0) + r["value"]
    frame = pd.DataFrame(rows[:2_000])
    frame.groupby("team")["value"].mean()
    x = np.arange(500, dtype=float)
    for _ in range(200):
        np.abs(np.diff(x)).mean()


def reference_ms(runs: int = 7) -> float:
    """Median milliseconds of the fixed workload on this machine now."""
    _workload()  # imports and first-call costs out of the way
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        _workload()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    print(f"reference workload: {reference_ms():.1f} ms (lower is faster)")

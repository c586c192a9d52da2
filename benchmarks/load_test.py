#!/usr/bin/env python3
"""Many users at once: concurrent headless Chromium sessions clicking through the pages of
a real `streamlit run` server (a script, not a test).

    .venv/bin/python benchmarks/load_test.py [--users 20] [--rounds 3] [--size 1m]
        [--keep DIR] [--db FILE --plan DIR --data DIR]

Generates (or reuses, with --keep) the run_all.py data set of the chosen size, loads it,
starts the dashboard on a free loopback port, then runs --users sessions at once in ONE
Chromium process with a browser context (own cookies, own Streamlit session) per user:
20 Chromium processes would not fit on a 2-core machine beside the server. Each user
opens the dashboard, then --rounds times goes through every page in the sidebar, in a
rotated order so that the users are spread over the pages, and on the Overview changes
the as-at month to one that user has not chosen before (a filter change that runs the
queries).

A page has finished rendering when the Streamlit script has run for it
([data-test-script-state] is notRunning after having been running), the connection is
up, no spinner or skeleton is left, nothing is stale and the main area has content.
The time is from the click to that moment, as the browser sees it: server time, the
websocket, and drawing the page (Chromium shares the 2 cores with the server).

Prints the median and 95th percentile per page and over all, the server's resident
memory before and after, and any errors. Bounded: every wait has a timeout, every loop a
fixed length, and only the processes it started are stopped.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path[:0] = [str(PROJECT), str(HERE)]

import server  # noqa: E402  (start/stop the real server, browserkit's pages and Chromium)

WAIT_MS = 120_000
VIEWPORT = {"width": 1400, "height": 1600}

# Counts finished script runs: a run is finished when the app's script state goes from
# running to notRunning. Installed before any page script, in every page of a context.
RUN_COUNTER_JS = """
(() => {
  window.__cipRuns = 0;
  window.__cipWasRunning = false;
  const watch = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app) { requestAnimationFrame(watch); return; }
    const note = () => {
      const state = app.getAttribute("data-test-script-state");
      if (state === "running") window.__cipWasRunning = true;
      else if (state === "notRunning" && window.__cipWasRunning) { window.__cipWasRunning = false; window.__cipRuns += 1; }
    };
    note();
    new MutationObserver(note).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch); else watch();
})();
"""

DONE_JS = """(runs) => {
  const app = document.querySelector("[data-testid='stApp']");
  return !!app && window.__cipRuns > runs
    && app.getAttribute("data-test-script-state") === "notRunning"
    && app.getAttribute("data-test-connection-state") === "CONNECTED"
    && !!document.querySelector("[data-testid='stMain'] [data-testid='stElementContainer']")
    && !document.querySelector("[data-testid='stSpinner']")
    && !document.querySelector("[data-testid='stSkeleton']")
    && !document.querySelector("[data-stale='true']");
}"""


def page_titles() -> list[str]:
    """The sidebar labels of dashboard.py's pages, in order (st.Page(..., title=...))."""
    import ast

    tree = ast.parse((PROJECT / "dashboard.py").read_text(encoding="utf-8"))
    titles = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            for k in node.keywords:
                if k.arg == "title":
                    titles.append(k.value.value)
    return titles


async def rendered(page, runs_before: int) -> None:
    await page.wait_for_function(DONE_JS, arg=runs_before, timeout=WAIT_MS, polling=25)


async def user(n: int, browser, base: str, titles: list[str], months: list[str], rounds: int,
               samples: list, errors: list, start_gate: asyncio.Event) -> None:
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(RUN_COUNTER_JS)
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    rng = random.Random(n)
    mine = months[:]
    rng.shuffle(mine)
    try:
        await start_gate.wait()
        started = time.perf_counter()
        await page.goto(base + "/", wait_until="domcontentloaded")
        await rendered(page, 0)
        samples.append(("open the dashboard", time.perf_counter() - started, n))
        order = titles[n % len(titles):] + titles[:n % len(titles)]
        for r in range(rounds):
            for title in order:
                runs = await page.evaluate("window.__cipRuns")
                started = time.perf_counter()
                await page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
                await rendered(page, runs)
                samples.append((title, time.perf_counter() - started, n))
                if title == titles[0] and mine:  # the overview: a new as-at month
                    month = mine.pop()
                    runs = await page.evaluate("window.__cipRuns")
                    started = time.perf_counter()
                    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
                    await box.locator("input").click()
                    await box.locator("input").fill(month)
                    await page.get_by_role("option", name=month, exact=True).first.click()
                    await rendered(page, runs)
                    samples.append(("Overview: as-at changed", time.perf_counter() - started, n))
                exceptions = await page.locator("[data-testid='stException']").all_inner_texts()
                if exceptions:
                    errors.append(f"user {n}, {title}: {exceptions[0][:300]}")
    except Exception as exc:  # one user's failure is reported, the others go on
        errors.append(f"user {n}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
    finally:
        await context.close()


async def run_users(base: str, users: int, rounds: int, months: list[str]) -> tuple[list, list, float]:
    from playwright.async_api import async_playwright

    titles = page_titles()
    samples: list = []
    errors: list = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(server.browserkit.CHROMIUM),
                                          args=server.browserkit.CHROMIUM_ARGS)
        try:
            gate = asyncio.Event()
            tasks = [asyncio.create_task(user(n, browser, base, titles, months, rounds, samples, errors, gate))
                     for n in range(users)]
            await asyncio.sleep(2)  # every context made before anyone starts
            started = time.perf_counter()
            gate.set()
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=60 * 60)
            wall = time.perf_counter() - started
        finally:
            await browser.close()
    return samples, errors, wall


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def month_labels(db: Path) -> list[str]:
    """The as-at choices as the sidebar shows them ("Sep 2020"), newest first, latest excluded."""
    from cipdash import queries
    from cipdash.db import open_snapshot
    from cipdash.formatting import month_label

    snap = open_snapshot(db)
    try:
        return [month_label(m) for m in queries.available_months(snap)][1:]
    finally:
        snap.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3, help="times each user goes through every page")
    ap.add_argument("--size", default="1m", help="run_all.py data size: small, 1m, 10m")
    ap.add_argument("--keep", metavar="DIR", help="run_all.py's --keep folder to generate into and reuse")
    ap.add_argument("--db", help="an existing database (with --plan and --data) instead of generated data")
    ap.add_argument("--plan")
    ap.add_argument("--data")
    args = ap.parse_args()

    import run_all

    base_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cipdash-load-test-"))
    root = base_dir / args.size
    if args.db:
        db, plan_dir, data_dir = Path(args.db), Path(args.plan), Path(args.data)
    else:
        plan_dir, data_dir, rows = run_all.prepare(root, args.size)
        db = root / "bench.duckdb"
        if not db.exists():
            run_all.log(f"loading {rows:,} rows")
            run_all.timed_load(plan_dir, data_dir, db)
    root.mkdir(parents=True, exist_ok=True)
    srv = server.start(db, plan_dir, data_dir, root / "load-test-server.log")
    try:
        server.visit_every_page(srv.url)  # one warm-up visit: the server's imports, not the users' time
        rss_before, _ = server.memory_mib(srv.pid)
        run_all.log(f"{args.users} users x {args.rounds} rounds against {srv.url}")
        samples, errors, wall = asyncio.run(run_users(srv.url, args.users, args.rounds, month_labels(db)))
        rss_after, peak = server.memory_mib(srv.pid)
    finally:
        server.stop(srv)

    by_page: dict[str, list[float]] = {}
    for what, seconds, _ in samples:
        by_page.setdefault(what, []).append(seconds * 1000)
    every = [s * 1000 for what, s, _ in samples if what != "open the dashboard"]
    print(f"\n{args.users} concurrent Chromium sessions (one browser, a context each) x {args.rounds} rounds "
          f"of every page; {len(samples)} page renders in {wall:.0f} s; {os.cpu_count()} CPUs; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'page':<28}{'renders':>8}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for what, values in by_page.items():
        print(f"{what:<28}{len(values):>8}{statistics.median(values):>11.0f}{percentile(values, 0.95):>9.0f}"
              f"{max(values):>9.0f}")
    if every:
        print(f"{'every page change':<28}{len(every):>8}{statistics.median(every):>11.0f}"
              f"{percentile(every, 0.95):>9.0f}{max(every):>9.0f}")
    print(f"server resident memory: {rss_before:.0f} MiB before the users, {rss_after:.0f} MiB after "
          f"(peak {peak:.0f} MiB)")
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

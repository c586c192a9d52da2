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

Two times per click: "script", until the browser has received Streamlit's script_finished
message for the run the click started (read from the page's websocket); "rendered", until
the page has also finished drawing: [data-test-script-state] notRunning, connected, main
area filled, no spinner or skeleton, nothing stale. Both include the websocket and, for
"rendered", Chromium drawing the page on the same 2 cores as the server.

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

# A page has finished rendering: the app is connected, its script is not running, the main
# area has content, and no spinner, skeleton or stale element is left.
RENDERED_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  return !!app
    && app.getAttribute("data-test-script-state") === "notRunning"
    && app.getAttribute("data-test-connection-state") === "CONNECTED"
    && !!document.querySelector("[data-testid='stMain'] [data-testid='stElementContainer']")
    && !document.querySelector("[data-testid='stSpinner']")
    && !document.querySelector("[data-testid='stSkeleton']")
    && !document.querySelector("[data-stale='true']");
}"""


class RunWatcher:
    """Counts the script runs a browser page has seen finish, from Streamlit's own websocket
    messages (ForwardMsg.script_finished), with the time each arrived. (The DOM's
    data-test-script-state cannot tell: a quick rerun never shows "running" at all.)"""

    def __init__(self, page):
        self.finished = 0
        self.at = 0.0
        page.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str):
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # not a ForwardMsg
            return
        if msg.WhichOneof("type") == "script_finished":
            self.finished += 1
            self.at = time.perf_counter()


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


async def rendered(page, watcher: RunWatcher, runs_before: int, timeout: int = WAIT_MS) -> None:
    """Wait until a script run has finished since runs_before and the page has drawn it."""
    deadline = time.perf_counter() + timeout / 1000
    while watcher.finished <= runs_before:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no script run finished in {timeout / 1000:.0f} s")
        await asyncio.sleep(0.01)
    await page.wait_for_function(RENDERED_JS, timeout=max(1, int((deadline - time.perf_counter()) * 1000)),
                                 polling=25)


async def timed_action(page, watcher: RunWatcher, act) -> tuple[float, float]:
    """(ms until the page's script run had finished, as the browser received it; ms until the
    page had finished drawing) for one click or choice."""
    runs = watcher.finished
    started = time.perf_counter()
    await act()
    await rendered(page, watcher, runs)
    return (watcher.at - started) * 1000, (time.perf_counter() - started) * 1000


async def user(n: int, browser, base: str, titles: list[str], months: list[str], rounds: int, think: float,
               stagger: float, samples: list, errors: list) -> None:
    await asyncio.sleep(n * stagger)  # users arrive one after another, then all click at once
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    watcher = RunWatcher(page)
    page.set_default_timeout(WAIT_MS)
    rng = random.Random(n)
    mine = months[:]
    rng.shuffle(mine)
    try:
        started = time.perf_counter()
        await page.goto(base + "/", wait_until="domcontentloaded")
        await rendered(page, watcher, 0)
        samples.append(("open the dashboard", None, (time.perf_counter() - started) * 1000, n))
        current = titles[0]
        order = titles[n % len(titles):] + titles[:n % len(titles)]
        for r in range(rounds):
            for title in order:
                if title != current:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                    link = page.locator("[data-testid='stSidebarNav'] a", has_text=title).first
                    try:
                        script, done = await timed_action(page, watcher, link.click)
                        samples.append((title, script, done, n))
                    except Exception as exc:
                        errors.append(f"user {n}, {title}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                    current = title
                if title == titles[0] and mine:  # on the overview: an as-at month not chosen before
                    month = mine.pop()
                    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first

                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                    try:
                        # Typing into the box is the user's time: the clock starts at the choice.
                        await box.locator("input").click()
                        await box.locator("input").fill(month)
                        option = page.get_by_role("option", name=month, exact=True).first
                        script, done = await timed_action(page, watcher, option.click)
                        samples.append(("Overview: as-at changed", script, done, n))
                    except Exception as exc:
                        errors.append(f"user {n}, as-at {month}: {type(exc).__name__}: "
                                      f"{str(exc).splitlines()[0][:200]}")
                shown = await page.locator("[data-testid='stException']").all_inner_texts()
                if shown:
                    errors.append(f"user {n}, {title}: {shown[0][:300]}")
    except Exception as exc:  # one user's failure is reported, the others go on
        errors.append(f"user {n}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
    finally:
        await context.close()


async def run_users(base: str, users: int, rounds: int, months: list[str], think: float,
                    stagger: float) -> tuple[list, list, float]:
    from playwright.async_api import async_playwright

    titles = page_titles()
    samples: list = []
    errors: list = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(server.browserkit.CHROMIUM),
                                          args=server.browserkit.CHROMIUM_ARGS)
        try:
            started = time.perf_counter()
            tasks = [asyncio.create_task(user(n, browser, base, titles, months, rounds, think, stagger, samples,
                                              errors)) for n in range(users)]
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
    ap.add_argument("--think", type=float, default=0.0,
                    help="seconds a user looks at a page before the next click (0.5x to 1.5x at random)")
    ap.add_argument("--stagger", type=float, default=1.0, help="seconds between users' arrivals")
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
        server_cpu, machine_cpu = server.cpu_seconds(srv.pid), server.machine_cpu_seconds()
        samples, errors, wall = asyncio.run(run_users(srv.url, args.users, args.rounds, month_labels(db),
                                                      args.think, args.stagger))
        server_cpu = server.cpu_seconds(srv.pid) - server_cpu
        machine_cpu = server.machine_cpu_seconds() - machine_cpu
        rss_after, peak = server.memory_mib(srv.pid)
    finally:
        server.stop(srv)

    by_page: dict[str, list[tuple]] = {}
    for what, script, done, _ in samples:
        by_page.setdefault(what, []).append((script, done))
    changes = [(sc, d) for what, sc, d, _ in samples if what != "open the dashboard"]
    print(f"\n{args.users} concurrent Chromium sessions (one browser, a context each), arriving "
          f"{args.stagger:g} s apart, {args.rounds} rounds of every page, think time {args.think:g} s; "
          f"{len(samples)} page renders in {wall:.0f} s; {os.cpu_count()} CPUs; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("script = the page's script run finished, as the browser saw it; rendered = the page had "
          "finished drawing (no spinner, nothing stale)")
    print(f"{'page':<28}{'renders':>8}{'script median':>15}{'p95':>8}{'rendered median':>17}{'p95':>8}{'max':>8}")

    def line(label, pairs):
        scripts = [sc for sc, _ in pairs if sc is not None]
        done = [d for _, d in pairs]
        sm = f"{statistics.median(scripts):.0f}" if scripts else "–"
        sp = f"{percentile(scripts, 0.95):.0f}" if scripts else "–"
        print(f"{label:<28}{len(pairs):>8}{sm:>15}{sp:>8}{statistics.median(done):>17.0f}"
              f"{percentile(done, 0.95):>8.0f}{max(done):>8.0f}")

    for what, pairs in by_page.items():
        line(what, pairs)
    if changes:
        line("every page change", changes)
    print(f"server resident memory: {rss_before:.0f} MiB before the users, {rss_after:.0f} MiB after "
          f"(peak {peak:.0f} MiB)")
    print(f"CPU while the users ran: the dashboard server {server_cpu:.0f} s "
          f"({server_cpu * 1000 / max(1, len(samples)):.0f} ms per page render), the whole machine "
          f"{machine_cpu:.0f} s of the {wall * os.cpu_count():.0f} s its {os.cpu_count()} cores had "
          f"(Chromium's renderers and anything else running took the rest)")
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

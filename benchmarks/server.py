"""A real `streamlit run` server for the benchmarks, and headless Chromium to drive it.

Shared by run_all.py (the dashboard's resident memory after every page) and
load_test.py (many concurrent sessions). Loopback only; Debian's /usr/bin/chromium,
never a downloaded browser. The page list and the "page has finished rendering" test
are the browser tests' own (tests/browser/browserkit.py).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT / "tests" / "browser"))

import browserkit  # noqa: E402  (PAGES, CHROMIUM, CHROMIUM_ARGS, wait_for_app)

# Starting, waiting for and stopping the server: the browser tests' own (tests/browser/serving.py).
from serving import Served as Server, stop  # noqa: E402,F401  (run_all.py and load_test.py call server.stop)
from serving import serve  # noqa: E402

STARTUP_SECONDS = 120


def start(db: Path, plan_dir: Path, data_dir: Path, log: Path, extra_args: tuple[str, ...] = ()) -> Server:
    """`streamlit run dashboard.py` over `db`, on a free loopback port; returns once healthy."""
    return serve(db, plan_dir, data_dir, log, extra_args, STARTUP_SECONDS)


def memory_mib(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, in MiB, from /proc/<pid>/status."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time all processes have used so far (every core), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    busy = sum(values) - values[3] - values[4]  # less idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def page_urls(base: str) -> dict[str, str]:
    """Every page dashboard.py declares (the default page at the root)."""
    return {name: f"{base}/{path}" for name, path in browserkit.PAGES.items()}


def visit_every_page(base: str, timeout_ms: int = 120_000) -> dict[str, float]:
    """Open every page in one headless Chromium session and wait until each has finished
    rendering; returns seconds per page (the first includes the server's cold start)."""
    from playwright.sync_api import sync_playwright

    took = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(browserkit.CHROMIUM), args=browserkit.CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1600})
            page = context.new_page()
            for name, url in page_urls(base).items():
                started = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
                browserkit.wait_for_app(page, timeout=timeout_ms)
                took[name] = time.perf_counter() - started - browserkit.SETTLE_MS / 1000
                problems = browserkit.exceptions(page)
                if problems:
                    raise RuntimeError(f"{name} shows an exception: {problems[0][:500]}")
            context.close()
        finally:
            browser.close()
    return took

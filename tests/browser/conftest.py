"""The browser tier: a real `streamlit run` server over a throwaway copy of the sample
plan and extracts, driven by Debian's headless Chromium through Playwright.

- `app` (session): cip_data/ and data/ copied into a temporary folder, loaded into a
  temporary DuckDB file, and the dashboard served from them on a free port with
  CIPDASH_DB / CIPDASH_PLAN_DIR / CIPDASH_DATA_DIR pointing at the copies. Uploads in the
  tests go into that copy, never into the repository's data/.
- `hostile_app` (session): a second server over a plan whose text fields hold HTML,
  script and markdown (tests/plan_builder.py), for the injection tests.
- `page` (per test): a fresh browser context (so a fresh Streamlit session) with a tall
  viewport, because Streamlit scrolls inside its own container and a full-page
  screenshot only shows what fits in the viewport.
- `shot(name="")`: a screenshot in artifacts/screenshots/<test>[-<name>].png.
- Navigating and waiting: `browserkit.open_page` / `browserkit.wait_for_app`.

The whole tier is skipped, with the reason, only when /usr/bin/chromium is missing
(`bin/setup browser` installs it). Browsers are never downloaded.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # browserkit; tests/plan_builder

from browserkit import (  # noqa: E402
    CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS, VIEWPORT, WAIT_MS, hostile_extracts, hostile_plan, open_page, safe_name,
)

STARTUP_SECONDS = 60
expect.set_options(timeout=15_000)  # a rerun after a widget change can take a few seconds
SKIP_REASON = f"{CHROMIUM} is missing: run `bin/setup browser` to install Debian's chromium"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


@dataclass
class Server:
    url: str
    root: Path
    plan_dir: Path
    data_dir: Path
    db: Path
    log: Path
    process: subprocess.Popen

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load(plan_dir: Path, data_dir: Path, db: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "cipdash", "load", "--plan", str(plan_dir), "--data", str(data_dir),
                           "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"loading the test data failed:\n{done.stdout}\n{done.stderr}"


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def _start(root: Path, plan_dir: Path, data_dir: Path) -> Server:
    db = root / "cipdash.duckdb"
    _load(plan_dir, data_dir, db)
    port = _free_port()
    env = dict(os.environ, CIPDASH_DB=str(db), CIPDASH_PLAN_DIR=str(plan_dir), CIPDASH_DATA_DIR=str(data_dir))
    log = root / "server.log"
    with open(log, "wb") as out:  # a file, not a pipe: a pipe nobody reads fills up and blocks the server
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(f"http://127.0.0.1:{port}", root, plan_dir, data_dir, db, log, process)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            _stop(server)
            pytest.fail(f"streamlit did not become healthy in {STARTUP_SECONDS}s:\n{server.log_tail()}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def app(tmp_path_factory, browser):
    """The dashboard over a copy of the sample plan (cip_data/) and extracts (data/)."""
    root = tmp_path_factory.mktemp("dashboard")
    plan_dir, data_dir = root / "cip_data", root / "data"
    shutil.copytree(ROOT / "cip_data", plan_dir)
    shutil.copytree(ROOT / "data", data_dir, ignore=shutil.ignore_patterns("replaced", ".*"))
    server = _start(root, plan_dir, data_dir)
    _warm_up(server, browser)
    yield server
    _stop(server)


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory, browser):
    """A server of its own for the upload tests, so that what they load cannot change
    what the other tests see."""
    root = tmp_path_factory.mktemp("uploads")
    plan_dir, data_dir = root / "cip_data", root / "data"
    shutil.copytree(ROOT / "cip_data", plan_dir)
    shutil.copytree(ROOT / "data", data_dir, ignore=shutil.ignore_patterns("replaced", ".*"))
    server = _start(root, plan_dir, data_dir)
    _warm_up(server, browser)
    yield server
    _stop(server)


def _warm_up(server: Server, browser) -> None:
    """Open the root once, so that which test happens to run first cannot matter: until
    some session has run dashboard.py, Streamlit serves pages from the pages/ folder
    (test_browser_state.py tests deep links as a server's first request on purpose)."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        open_page(page, server.url + "/")
    finally:
        page.close()


@pytest.fixture(scope="session")
def hostile_app(tmp_path_factory, browser):
    """A separate server over a plan whose text fields hold HTML, script and markdown."""
    from plan_builder import write_plan

    root = tmp_path_factory.mktemp("hostile")
    plan_dir, data_dir = write_plan(root, plan=hostile_plan(), extracts=hostile_extracts())
    server = _start(root, plan_dir, data_dir)
    _warm_up(server, browser)
    yield server
    _stop(server)


@pytest.fixture
def fresh_app(tmp_path):
    """A server nobody has visited yet, over the small test plan (tests/plan_builder.py)."""
    from plan_builder import write_plan

    plan_dir, data_dir = write_plan(tmp_path)
    server = _start(tmp_path, plan_dir, data_dir)
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # only this run's screenshots
    shutil.rmtree(SCREENSHOTS.parent / "axe", ignore_errors=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def browser_context(browser):
    """One context for the run, so Streamlit's static files come from the browser's cache."""
    context = browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    context.set_default_timeout(WAIT_MS)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    """A new tab, so a new Streamlit session (session state is per tab); page.errors
    collects uncaught JavaScript exceptions."""
    pg = browser_context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    pg.close()


@pytest.fixture
def shot(page, request):
    """shot() / shot("after-upload"): save artifacts/screenshots/<test>[-<name>].png."""
    def save(name: str = "") -> Path:
        test = safe_name(request.node.name)
        path = SCREENSHOTS / (f"{test}-{name}.png" if name else f"{test}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path
    return save

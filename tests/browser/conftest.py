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

import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # browserkit; tests/plan_builder

from browserkit import (  # noqa: E402
    CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS, VIEWPORT, WAIT_MS, hostile_extracts, hostile_plan, open_page, safe_name,
)
from support import sample_copy  # noqa: E402

import serving  # noqa: E402

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


def _load(plan_dir: Path, data_dir: Path, db: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "cipdash", "load", "--plan", str(plan_dir), "--data", str(data_dir),
                           "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"loading the test data failed:\n{done.stdout}\n{done.stderr}"


def _stop(server: Server) -> None:
    serving.stop(server, wait=10)


def _start(root: Path, plan_dir: Path, data_dir: Path) -> Server:
    db = root / "cipdash.duckdb"
    _load(plan_dir, data_dir, db)
    try:
        served = serving.serve(db, plan_dir, data_dir, root / "server.log", startup_seconds=STARTUP_SECONDS)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    return Server(served.url, root, plan_dir, data_dir, db, served.log, served.process)


@contextmanager
def running(root: Path, plan_dir: Path, data_dir: Path, browser):
    """A server over the plan and extracts given, loaded into root, warmed up; stopped after."""
    server = _start(root, plan_dir, data_dir)
    try:
        _warm_up(server, browser)
        yield server
    finally:
        _stop(server)


@pytest.fixture(scope="session")
def app(tmp_path_factory, browser):
    """The dashboard over a copy of the sample plan (cip_data/) and extracts (data/)."""
    root = tmp_path_factory.mktemp("dashboard")
    with running(root, *sample_copy(root), browser) as server:
        yield server


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory, browser):
    """A server of its own for the upload tests, so that what they load cannot change
    what the other tests see."""
    root = tmp_path_factory.mktemp("uploads")
    with running(root, *sample_copy(root), browser) as server:
        yield server


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

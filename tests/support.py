"""Small pieces many test files need: month ends, running the dashboard with AppTest, a
plan loaded into a database, a copy of the sample to write into. (Fixtures shared by every
test live in conftest.py; these are plain functions a test file calls.)"""
from __future__ import annotations

import calendar
import shutil
from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PLAN, DATA = ROOT / "cip_data", ROOT / "data"


def month_ends(n: int, year: int = 2019, month: int = 1) -> list[date]:
    """The last days of n months in a row, from the given month."""
    out = []
    for k in range(n):
        y, m = divmod(month - 1 + k, 12)
        out.append(date(year + y, m + 1, calendar.monthrange(year + y, m + 1)[1]))
    return out


def open_dashboard(page: str | None = None, timeout: float = 60, **params) -> AppTest:
    """dashboard.py with `page` chosen (None or "overview": the Overview) and the URL's
    query parameters set, run once; failures are left for the caller to look at."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    if page and page != "overview":
        at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    return at


def run_dashboard(page: str | None = None, timeout: float = 60, **params) -> AppTest:
    """open_dashboard, and the page ran without an exception."""
    at = open_dashboard(page, timeout, **params)
    assert not at.exception, [e.value for e in at.exception]
    return at


def loaded(root: Path, plan_and_data: tuple[Path, Path], name: str = "cip.duckdb") -> Path:
    """The plan and extract folders loaded into a new database file in root."""
    from cipdash.store import load

    db = root / name
    load(*plan_and_data, db)
    return db


def sample_copy(root: Path) -> tuple[Path, Path]:
    """A copy of the bundled plan and extracts in root, for tests that write to them."""
    plan, data = root / "cip_data", root / "data"
    shutil.copytree(PLAN, plan)
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("replaced", ".*"))
    return plan, data


def built_project(root: Path) -> tuple[Path, Path, Path]:
    """plan_builder's small plan and extract under root/project, loaded into root/db: (plan, data, db)."""
    from plan_builder import write_plan

    plan_dir, data_dir = write_plan(root / "project")
    return plan_dir, data_dir, loaded(root / "db", (plan_dir, data_dir))


def use_site(monkeypatch, db: Path, plan_dir: Path, data_dir: Path) -> None:
    """Point the dashboard (and every command) at this database, plan folder and data folder."""
    for name, value in (("CIPDASH_DB", db), ("CIPDASH_PLAN_DIR", plan_dir), ("CIPDASH_DATA_DIR", data_dir)):
        monkeypatch.setenv(name, str(value))


def pdf_figures(reader) -> int:
    """How many charts a pack's PDF holds: its structure tree's figures with alternate text
    (the charts are SVG pictures printed as vectors, so they are not raster images)."""
    found = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict):
            if node.get("/S") == "/Figure" and node.get("/Alt"):
                found.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return len(found)

"""Many sessions reading pages while loads run (issue 6, point 4), with Streamlit's AppTest:
several threads, each a stream of page views (its own session each time, sharing the
process's caches as a server's sessions do), while another process loads two different
data sets in turn into the same database file (tests/hostile_data.py: every name and
figure of data set A says [A], of B [B]).

Every page view must run without an exception or error message (no lock failures, no
"cannot be read"), and show one data set only: no page holding both markers, no card
named [A] showing B's figure, no trend table mixing the two data sets' figures. The
browser version (real server, real Chromium tabs) is tests/browser/test_browser_hostile_concurrent.py.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from unittest.mock import MagicMock

import pytest
from streamlit import config
from streamlit.runtime import Runtime
from streamlit.testing.v1 import AppTest

from cipdash.store import load
from hostile_data import LATEST, frozen_package, loader_process, markers, write_dataset
from support import open_dashboard

ROOT = Path(__file__).resolve().parent.parent
THREADS = 4
LOADS = 16
VIEWS = [
    ("overview", {}),
    ("measures", {"measure": "assessment_timeliness", "teams": ["north", "south"]}),
    ("recommendation", {"rec": "R1"}),
    ("teams", {"scope": "team:north"}),
    ("data", {}),
    ("exports", {}),
]
# The authority's assessment timeliness figures in each data set (Aug and Sep 2020).
TREND = {"A": {85.0, 94.0}, "B": {60.0, 62.0}}
CARD = {"45 working days": "assessment_timeliness", "Care proceedings": "care_proceedings_weeks",
        "Supervision": "supervision"}


@pytest.fixture
def one_runtime(monkeypatch):
    """AppTest is written for one run at a time: each run puts a mock of Streamlit's Runtime
    singleton in place and removes it afterwards, and patches the config getter. Runs in
    several threads would take each other's away. A server has one Runtime for all its
    sessions; so here every run gets the same one (caches, media files), and the globals a
    run leaves behind are put back afterwards."""
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.runtime.caching.storage.dummy_cache_storage import MemoryCacheStorageManager
    from streamlit.runtime.dataframe_source_manager import DataframeSourceManager
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    shared = MagicMock(spec=Runtime)
    shared.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    shared.dataframe_source_mgr = DataframeSourceManager()
    shared.cache_storage_manager = MemoryCacheStorageManager()
    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    shared.bidi_component_registry = components
    get_option = config.get_option
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: shared))
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    # One script cache too, as a server has: each script is compiled once, under its lock.
    # (A cache per run compiles in several threads at once, which Python 3.11's compiler
    # can get wrong: "AST constructor recursion depth mismatch".)
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test

    scripts = ScriptCache()
    monkeypatch.setattr(app_test, "ScriptCache", lambda: scripts)
    yield shared
    config.get_option = get_option  # overlapping patch/unpatch by runs can leave a run's patch in place
    Runtime._instance = None


def page_text(at: AppTest) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [" ".join(map(str, s.options)) + f" {s.value}" for s in at.selectbox]
    parts += [str(c.proto.spec) for c in at.get("plotly_chart")]
    return "\n".join(parts)


def check_view(at: AppTest, page: str) -> str | None:
    """Which data set the page showed (None for pages that show both by design); raises on a mix."""
    assert not at.exception, (page, [e.value for e in at.exception])
    assert not at.error, (page, [e.value for e in at.error])
    if page in ("data", "exports"):  # the load log and revisions list both data sets' loads: history
        return None
    found = markers(page_text(at))
    assert len(found) == 1, f"{page} shows data set(s) {found}"
    which = found.pop()
    for m in at.metric:
        label = m.label.replace("\\", "")
        measure = next((mid for words, mid in CARD.items() if words in label), None)
        if measure:
            assert LATEST[which][measure] in str(m.value), (page, label, m.value, which)
    if page == "measures":
        figures = next(d.value for d in at.dataframe if "Series" in d.value.columns)
        authority = figures[figures["Series"].str.startswith("Whole authority") & (figures["Period type"] == "Month")]
        assert set(authority["Figure"].round(1)) <= TREND[which], (set(authority["Figure"]), which)
    return which


def test_sessions_read_pages_while_loads_alternate_between_two_data_sets(tmp_path, monkeypatch, one_runtime):
    a, b = write_dataset(tmp_path, "A"), write_dataset(tmp_path, "B")
    db = tmp_path / "db" / "cip.duckdb"
    load(*a, db)
    monkeypatch.setenv("CIPDASH_DB", str(db))
    code = frozen_package(tmp_path)  # the loads build exactly what the pages here expect
    loader = loader_process(db, LOADS, b, a, pause=0.2, code=code)  # B first: the file starts as A
    seen: list[tuple[str, str | None]] = []
    failures: list[str] = []

    def session(k: int) -> None:
        i = k
        while loader.poll() is None or i < k + 2 * len(VIEWS):  # and a few views after the last load
            page, params = VIEWS[i % len(VIEWS)]
            i += 1
            try:
                at = open_dashboard(page, 120, **params)
                seen.append((page, check_view(at, page)))
            except Exception as exc:  # collected: the test fails on any
                failures.append(f"{page}: {exc!r}"[:2000])

    threads = [threading.Thread(target=session, args=(k,)) for k in range(THREADS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    out, err = loader.communicate(timeout=600)
    for t in threads:
        t.join(timeout=600)
    took = time.perf_counter() - start
    assert loader.returncode == 0, err
    loads = [line for line in out.splitlines() if line.startswith("load ")]
    assert len(loads) == LOADS and all("changed=True" in line for line in loads), out
    print(f"\nconcurrency: {len(seen)} page views in {THREADS} threads during {LOADS} loads in {took:.0f} s; "
          f"data set A shown {sum(w == 'A' for _, w in seen)} times, B {sum(w == 'B' for _, w in seen)}; "
          f"failures {len(failures)}")
    assert failures == []
    assert len(seen) >= THREADS * len(VIEWS)
    assert {w for _, w in seen} >= {"A", "B"}, "the views should have met both data sets"

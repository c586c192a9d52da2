"""The dashboard's side of exports: per-chart download buttons and the Report pack page,
run with Streamlit's AppTest on the small export plan."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from exports_plan import HAS_CHROMIUM, NO_CHROMIUM_REASON, build_db

PAGES = Path(__file__).resolve().parent.parent / "pages"
CHART_BUTTONS = ["PNG image", "SVG image", "Interactive HTML", "Data (CSV)", "Data (Excel)"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = build_db(tmp_path_factory.mktemp("pages"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIPDASH_DB", str(path))
        yield path


def run(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=120)
    at.query_params.update(query)
    return at.run()


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM_REASON)
def test_every_chart_has_the_five_downloads(db):
    at = run("measures", measure="assessment_timeliness")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == CHART_BUTTONS


def test_without_chromium_the_image_buttons_give_way_to_advice(db, monkeypatch, tmp_path):
    from cipdash import webapp

    webapp.chromium_problem.clear()
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "missing"))
    try:
        at = run("measures", measure="assessment_timeliness")
        assert not at.exception
        assert [b.label for b in at.get("download_button")] == CHART_BUTTONS[2:]
        assert any("apt-get install chromium" in c.value.replace("\\", "") for c in at.caption)
    finally:
        webapp.chromium_problem.clear()


def test_chart_files_are_made_on_demand(db):
    from cipdash import charts, queries, webapp
    from cipdash.db import open_snapshot

    snap = open_snapshot(db)
    try:
        m = queries.measures(snap).set_index("measure_id").loc["supervision"].to_dict() | {"measure_id": "supervision"}
        from datetime import date
        chart = charts.trend_chart(m, queries.measure_series(snap, "supervision", date(2020, 9, 30)),
                                   queries.measure_targets(snap, "supervision"),
                                   queries.measure_benchmarks(snap, "supervision", date(2020, 9, 30)), [],
                                   date(2020, 9, 30))
    finally:
        snap.close()
    wb = openpyxl.load_workbook(io.BytesIO(webapp._chart_file(chart, "xlsx", None)))
    assert wb.active["B1"].value == "Supervision in line with policy, to Sep 2020"
    assert webapp._chart_file(chart, "csv", None).startswith(b"\xef\xbb\xbf")


def test_report_pack_page_builds_a_public_pack_by_default(db):
    at = run("exports")
    assert not at.exception
    assert at.title[0].value == "Report pack"
    assert at.toggle(key="pack_public").value is True
    at.radio(key="pack_format").set_value("xlsx").run()
    at.button(key="pack_build").click().run()
    assert not at.exception
    download = at.get("download_button")
    assert len(download) == 1 and "public.xlsx" in download[0].label
    assert "performance-pack_2020-09-30_authority_public.xlsx" in download[0].label


def test_report_pack_page_warns_for_an_internal_pack(db):
    at = run("exports")
    at.toggle(key="pack_public").set_value(False).run()
    assert any("NOT suppressed" in w.value for w in at.warning)

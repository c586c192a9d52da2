"""The pack's honest readings (issue 13): the Other measures section, the Making Data Count
summary table, SPC charts after the trend charts (and the trend-only option), the RAG key,
the plan's fixed baseline, and no self-contradiction (a stale figure never plainly Met /
Not met, a withheld assurance in words, no "trial limits" jargon) — in the model and in
every format, read back with each format's own library."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pandas as pd
import pptx
import pytest
from pypdf import PdfReader

from cipdash.db import open_snapshot
from cipdash.errors import Problems
from cipdash.exports import ImageRenderer, build_pack, write_pack
from cipdash.exports.pack import (DEFAULT_RAG_KEY, MEASURE_COLUMNS, OTHER_MEASURES_TITLE, RAG_KEY_DEFAULT_NOTE,
                                  RAG_KEY_PLAN_NOTE)
from cipdash.plan import read_plan
from cipdash.scope import Scope
from cipdash.store import load
from exports_plan import HAS_CHROMIUM, NO_CHROMIUM_REASON
from plan_builder import EXTRACT, PLAN, write_plan

ROOT = Path(__file__).resolve().parent.parent
AS_AT = date(2020, 9, 30)
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM_REASON)

RAG_TOML = ('name = "Test Improvement Plan"\nauthority = "Testshire Council"\n\n[rag]\n'
            'red = "Off track: escalate to the board"\namber = "Some slippage"\ngreen = "On track"\n')
MEASURES = (PLAN["measures.csv"].replace("rec_id,definition,tolerance\n", "rec_id,definition,tolerance,spc_baseline_points\n")
            .replace(",2\n", ",2,\n").replace("Average weeks,\n", "Average weeks,,\n")
            .replace("R2,,\n", "R2,,,\n")
            + "sw_vacancy_rate,Social worker vacancy rate,percent,lower_better,,,,12\n"
            + "vacant_posts,Vacant social worker posts,count,lower_better,,,,\n")
TARGETS = PLAN["targets.csv"] + "vacant_posts,2020-03-31,25,,\nsw_vacancy_rate,2021-03-31,8,,\n"
# 24 months of the vacancy rate: 12 around 15%, then a step down to around 9% (the fixed
# baseline of 12 keeps the limits of the first year); two teams for the team range.
MONTHS = pd.date_range("2018-10-31", periods=24, freq="ME")
VACANCY = [15.2, 14.8, 15.5, 14.9, 15.1, 15.6, 14.7, 15.3, 15.0, 14.6, 15.4, 15.1,
           9.1, 8.8, 9.4, 9.0, 8.7, 9.2, 8.9, 9.3, 9.0, 8.6, 9.1, 8.9]
ROWS = "".join(f"sw_vacancy_rate,{m.date()},month,ALL,{v},,\n" for m, v in zip(MONTHS, VACANCY))
ROWS += f"sw_vacancy_rate,{MONTHS[-1].date()},month,north,7.5,,\nsw_vacancy_rate,{MONTHS[-1].date()},month,south,10.4,,\n"
# Vacant posts: a single figure, a year old by the as-at month, against a passed target.
ROWS += "vacant_posts,2019-10-31,month,ALL,30,,\n"


def _db(root: Path, toml: str | None = RAG_TOML) -> Path:
    plan_dir, data_dir = write_plan(root, {"plan.toml": toml, "measures.csv": MEASURES, "targets.csv": TARGETS},
                                    {"extract.csv": EXTRACT + ROWS})
    db = root / "readings.duckdb"
    load(plan_dir, data_dir, db)
    return db


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    s = open_snapshot(_db(tmp_path_factory.mktemp("readings")))
    yield s
    s.close()


@pytest.fixture(scope="module")
def pack(snap):
    return build_pack(snap, AS_AT, Scope("authority"))


def _row(section, measure: str) -> dict:
    frame = section.measures.frame
    return frame[frame["Measure"] == measure].iloc[0].to_dict()


def test_measures_tied_to_no_recommendation_get_their_own_section_with_charts(pack):
    assert [s.rec_id for s in pack.sections] == ["R1", "R2"]
    other = pack.other_measures
    assert other is not None and other.title == OTHER_MEASURES_TITLE
    assert list(other.measures.frame["Measure"]) == ["Social worker vacancy rate", "Vacant social worker posts"]
    assert [(c.measure_id, c.kind) for c in other.charts] == [
        ("sw_vacancy_rate", "trend"), ("sw_vacancy_rate", "spc"), ("vacant_posts", "trend")]
    assert pack.charts[-1] is other.charts[-1] and len(pack.appendix) == len(pack.charts)
    assert [c.number for c in pack.charts] == list(range(1, len(pack.charts) + 1))


def test_the_measures_table_is_the_mdc_summary_table(pack):
    other = pack.other_measures
    assert list(other.measures.frame.columns) == MEASURE_COLUMNS
    assert MEASURE_COLUMNS == ["Measure", "Figures for", "Latest", "Target", "Status", "Team range", "Variation",
                               "Assurance"]
    rate = _row(other, "Social worker vacancy rate")
    assert rate["Latest"] == "8.9% (Sep 2020)"
    assert rate["Target"] == "8.0% by Mar 2021"
    assert rate["Team range"] == "7.5% to 10.4%"
    # Twelve months below the baseline's centre: a sustained shift down, an improvement.
    assert rate["Variation"] == "(L) Special cause improvement"
    assert rate["Assurance"] in ("(?) Hit or miss", "(F) Consistently failing the target",
                                 "(P) Consistently passing the target")


def test_a_stale_figure_says_its_age_and_is_never_plainly_met_or_not_met(pack):
    posts = _row(pack.other_measures, "Vacant social worker posts")
    assert posts["Latest"] == "30 (Oct 2019 figure, 11 months old)"
    assert posts["Status"] == "Not met in Oct 2019 (11 months old)"
    chart = next(c for c in pack.charts if c.measure_id == "vacant_posts")
    assert chart.narrative[0].startswith("Whole authority: 30 in Oct 2019 (11 months old)")
    line = next(m for m in pack.other_measures.measure_lines if m.measure_id == "vacant_posts")
    assert "(11 months old)" in line.text and "not met in Oct 2019" in line.text
    for section in pack.all_sections:
        for row in section.measures.frame.to_dict("records"):
            if "months old" in row["Latest"]:
                assert row["Status"] not in ("Met", "Not met", "Within tolerance")


def test_too_few_points_are_said_plainly_never_as_trial_limits(pack):
    chart = next(c for c in pack.charts if c.measure_id == "vacant_posts")
    text = " ".join(chart.narrative)
    assert "With 1 monthly figure it is too soon to tell a real change" in text
    every = " ".join(" ".join(c.narrative) + " " + c.alt for c in pack.charts)
    every += " ".join(m.text for s in pack.all_sections for m in s.measure_lines)
    assert "trial limits" not in every.lower() and "Trial limits" not in every


def test_spc_charts_follow_their_trend_charts_and_use_the_plans_fixed_baseline(pack):
    kinds = [(c.measure_id, c.kind) for c in pack.charts]
    for i, (measure, kind) in enumerate(kinds):
        if kind == "spc":
            assert kinds[i - 1] == (measure, "trend")
    spc = next(c for c in pack.charts if c.kind == "spc")
    assert spc.chart.slug.endswith("-spc") and spc.alt.startswith("SPC chart (XmR) of Social worker vacancy rate")
    assert spc.caption == f"Figure {spc.number}: Social worker vacancy rate, SPC chart (Whole authority), to Sep 2020"
    table = spc.table.frame
    average = table.loc[table["Series"] == "Average", "Value (%)"].to_numpy(float)
    # spc_baseline_points = 12 in measures.csv: the centre is the first year's mean throughout.
    assert np.allclose(average, np.mean(VACANCY[:12]))
    assert not np.isclose(np.mean(VACANCY[:12]), np.mean(VACANCY))
    assert "variation (L) Special cause improvement" in spc.narrative[0]


def test_trend_only_keeps_the_trend_charts_only(snap):
    plain = build_pack(snap, AS_AT, Scope("authority"), trend_only=True)
    assert plain.trend_only and {c.kind for c in plain.charts} == {"trend"}
    assert [c.number for c in plain.charts] == list(range(1, len(plain.charts) + 1))


def test_the_rag_key_comes_from_plan_toml(pack):
    assert pack.rag_key == [("Red", "Off track: escalate to the board"), ("Amber", "Some slippage"),
                            ("Green", "On track")]
    assert pack.rag_key_note == RAG_KEY_PLAN_NOTE


def test_without_a_rag_table_the_key_is_the_stated_default(tmp_path):
    s = open_snapshot(_db(tmp_path, toml='name = "Plain"\n'))
    try:
        p = build_pack(s, AS_AT)
    finally:
        s.close()
    assert p.rag_key == [("Red", DEFAULT_RAG_KEY["red"]), ("Amber", DEFAULT_RAG_KEY["amber"]),
                         ("Green", DEFAULT_RAG_KEY["green"])]
    assert p.rag_key_note == RAG_KEY_DEFAULT_NOTE


def test_a_wrong_rag_entry_is_named_by_file_and_line(tmp_path):
    plan_dir, _ = write_plan(tmp_path, {"plan.toml": 'name = "X"\n\n[rag]\nred = 3\namber = "ok"\npurple = "x"\n'})
    problems = Problems()
    plan = read_plan(plan_dir, problems)
    found = [(p.line, p.column, p.message) for p in problems.errors if p.file.endswith("plan.toml")]
    assert (4, 1, "rag.red must be text in double quotes") in found
    assert any(line == 6 and "'purple' is not a RAG colour" in message for line, _, message in found)
    assert plan.rag_key == {"amber": "ok"}
    plan_dir, _ = write_plan(tmp_path / "b", {"plan.toml": 'name = "X"\nrag = "red"\n'})
    problems = Problems()
    read_plan(plan_dir, problems)
    assert [(p.line, p.message.split(" must")[0]) for p in problems.errors] == [(2, "'rag'")]


# --- every format -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(pack, tmp_path_factory):
    out = tmp_path_factory.mktemp("formats")
    written = {}
    renderer = ImageRenderer() if HAS_CHROMIUM else None
    try:
        for fmt in ("docx", "pptx", "pdf", "xlsx"):
            if fmt != "xlsx" and renderer is None:
                continue
            written[fmt] = out / f"pack.{fmt}"
            write_pack(pack, fmt, written[fmt], renderer)
    finally:
        if renderer is not None:
            renderer.close()
    return written


def _text(fmt: str, path: Path) -> str:
    if fmt == "docx":
        d = docx.Document(str(path))
        cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in d.paragraphs] + cells)
    if fmt == "pptx":
        deck = pptx.Presentation(str(path))
        out = []
        for slide in deck.slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    out.append(shape.text_frame.text)
                if shape.has_table:
                    out += [c.text for r in shape.table.rows for c in r.cells]
        return "\n".join(out)
    if fmt == "pdf":
        return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)
    wb = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)


@pytest.mark.parametrize("fmt", ["docx", "pptx", "pdf", "xlsx"])
def test_every_format_has_other_measures_the_mdc_columns_the_key_and_the_spc_chart(files, pack, fmt):
    if fmt not in files:
        pytest.skip(NO_CHROMIUM_REASON)
    text = re.sub(r"\s+", " ", _text(fmt, files[fmt]))
    assert OTHER_MEASURES_TITLE in text and "Vacant social worker posts" in text
    for heading in ("Team range", "Variation", "Assurance"):
        assert heading in text
    assert "7.5% to 10.4%" in text and "Special cause improvement" in text
    assert "Oct 2019 figure, 11 months old" in text
    assert "Off track: escalate to the board" in text and "Some slippage" in text
    spc = next(c for c in pack.charts if c.kind == "spc")
    assert "SPC chart (Whole authority)" in text
    assert "trial limits" not in text.lower()
    if fmt == "docx":
        d = docx.Document(str(files[fmt]))
        alts = [e.get("descr") for e in d.element.body.iter() if e.tag.endswith("}docPr")]
        assert spc.alt in alts and len(alts) == len(pack.charts)
    if fmt == "pptx":
        deck = pptx.Presentation(str(files[fmt]))
        pictures = [s for slide in deck.slides for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == len(pack.charts)
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(files[fmt])
        measures = [[c.value for c in row] for row in wb["Measures"].iter_rows()]
        header = next(r for r in measures if r and r[0] == "Ref")
        assert header == ["Ref"] + MEASURE_COLUMNS
        assert any(r[0] == OTHER_MEASURES_TITLE and r[1] == "Vacant social worker posts" for r in measures)
        assert len([n for n in wb.sheetnames if re.match(r"A\d+ ", n)]) == len(pack.charts)


def test_export_trend_only_from_the_command_line(snap, tmp_path):
    db = _db(tmp_path / "cli")
    out = tmp_path / "pack.xlsx"
    args = [sys.executable, "-m", "cipdash", "export", "--db", str(db), "--as-at", "2020-09", "--format", "xlsx"]
    full = subprocess.run(args + ["--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert full.returncode == 0, full.stderr
    with_spc = len([n for n in openpyxl.load_workbook(out).sheetnames if re.match(r"A\d+ ", n)])
    trend = subprocess.run(args + ["--out", str(out), "--trend-only"], capture_output=True, text=True, cwd=ROOT)
    assert trend.returncode == 0, trend.stderr
    names = [n for n in openpyxl.load_workbook(out).sheetnames if re.match(r"A\d+ ", n)]
    assert len(names) == with_spc - 1 and not any(n.endswith("spc") for n in names)


def test_the_sample_pack_reads_as_mdc_reads_it(sample_snap):
    """On the sample: pre-proceedings (16.4 weeks against an 18-week target, met) has its
    assurance withheld in words, never "consistently failing"."""
    p = build_pack(sample_snap, date(2021, 3, 31))
    pre = next(r for s in p.sections for r in s.measures.frame.to_dict("records")
               if r["Measure"] == "Pre-proceedings average length (open cases)")
    assert pre["Status"] == "Met" and pre["Latest"] == "16.4 weeks (Mar 2021)"
    assert pre["Assurance"] == ("Assurance not assessed: the latest figures lie outside the limits set by "
                                "earlier months")
    assert pre["Variation"] == "(L) Special cause improvement"
    spc_measures = [c.measure_id for c in p.charts if c.kind == "spc"]
    assert "pre_proceedings_weeks" in spc_measures and "audit_good_or_better" not in spc_measures  # quarterly


def test_limits_restarted_a_few_months_ago_are_said_in_plain_words():
    """spc.spc_sentence calls them "trial limits: only 6 points"; the pack says what that means."""
    from cipdash import analysis
    from cipdash.exports.pack import plain_reading

    months = pd.date_range("2019-01-31", periods=20, freq="ME")
    values = [50 + (i % 3) for i in range(14)] + [60, 61, 60, 62, 61, 60]
    points = pd.DataFrame({"period_end": months, "period_type": "month", "value": values,
                           "numerator": None, "denominator": None})
    reading = analysis.read_measure({"measure_id": "m", "unit": "percent", "polarity": "higher_better"}, points,
                                    None, None, [months[14].date()])
    assert "trial limits: only 6 points" in reading.narrative  # the words the pack must not use
    text = plain_reading(reading, "percent", "higher_better", None)
    assert "trial" not in text
    assert text.endswith("The limits rest on only 6 months since the rebase in Mar 2020, so they may still move as "
                         "more months come in.")


def test_the_report_pack_page_offers_trend_charts_only(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from cipdash import webapp

    monkeypatch.setenv("CIPDASH_DB", str(_db(tmp_path)))
    monkeypatch.setenv("CIPDASH_AUDIT", str(tmp_path / "audit.sqlite"))
    webapp._pack_file.clear()

    def chart_sheets(trend_only: bool) -> list[str]:
        at = AppTest.from_file(str(ROOT / "pages" / "exports.py"), default_timeout=120).run()
        assert at.checkbox(key="pack_trend_only").value is False  # SPC charts by default
        at.radio(key="pack_format").set_value("xlsx")
        at.checkbox(key="pack_trend_only").set_value(trend_only)
        at.run()
        at.button(key="pack_build").click().run()
        assert not at.exception, [e.value for e in at.exception]
        data = at.session_state["pack_built"][1][2]
        import io

        return [n for n in openpyxl.load_workbook(io.BytesIO(data)).sheetnames if re.match(r"A\d+ ", n)]

    both, trend = chart_sheets(False), chart_sheets(True)
    assert any(n.endswith("spc") for n in both)
    assert len(trend) == len(both) - 1 and not any(n.endswith("spc") for n in trend)

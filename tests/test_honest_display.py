"""Honest readings on screen (issue 13, the display side): the Overview's cards and "What
changed this month", the Measures page's words, rebase preview and row, the fixed SPC
baseline, neutral measures' marks and badges, and trajectories only where the series is
long enough.

Expected values are worked out here from the CSV text written below (and from
`summary --json`'s own reading, a separate path from the cards' mart), not from the card
code itself; the no-contradiction test runs over every measure and month of the sample.
"""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cipdash import analysis, charts, queries, spc
from cipdash.db import open_snapshot
from cipdash.exports.narrative import headline, latest_of
from cipdash.formatting import target_label
from cipdash.spc import describe_assurance
from cipdash.store import load
from cipdash.summary import build_summary
from plan_builder import write_plan
from support import loaded, month_ends, run_dashboard

ROOT = Path(__file__).resolve().parent.parent
AS_AT = date(2020, 10, 31)
WITHHELD = "Assurance not assessed: the latest figures lie outside the limits set by earlier months"
ASSURANCE_LABELS = {describe_assurance(c).label for c in (*spc.ASSURANCE_CODES, None)}


# care_proceedings_weeks (lower_better, target 18 weeks): a step down in Jan 2020, so the
# latest figure meets the target while the limits (set mostly by 2019) say "consistently
# failing": the assurance is withheld and a restart from Jan 2020 is suggested.
STEP = [30, 31, 29, 30, 31, 30, 29, 30, 31, 30, 29, 30, 17, 17.5, 17, 16.5, 17, 17.5, 17, 16.5]
# assessment_timeliness: monthly to Oct 2019 and then nothing: a year old at Oct 2020.
STALE = [70, 72, 71, 73, 72, 74, 73, 72, 73, 73.6]
TEAM_FIGURES = {"north": 71.4, "south": 97.2}  # Oct 2019, the stale figure's own period
# vacancy_rate: Jan to Oct 2019, nothing Nov 2019 to Aug 2020, then Sep and Oct 2020.
GAP = ([(d, 14.0 + (i % 3)) for i, d in enumerate(month_ends(10))]
       + [(date(2020, 9, 30), 12.5), (date(2020, 10, 31), 12.0)])
# supervision (neutral, limits fixed from its first 12 points): steady, then a jump.
NEUTRAL = list(zip(month_ends(15, 2019, 8), [9, 11] * 6 + [22, 21, 20]))  # falls at the end

MEASURES = ("measure_id,name,unit,polarity,rec_id,definition,tolerance,spc_baseline_points\n"
            "assessment_timeliness,Assessments completed within 45 working days,percent,higher_better,R1,,2,\n"
            "care_proceedings_weeks,Care proceedings duration,weeks,lower_better,R1;R2,,,\n"
            "supervision,Supervision sessions held,count,neutral,R2,,,12\n"
            "vacancy_rate,Social worker vacancy rate,percent,lower_better,,,,\n")
TARGETS = ("measure_id,target_date,target,applies_to,note\n"
           "assessment_timeliness,2020-03-31,85,authority,\n"
           "assessment_timeliness,2021-03-31,95,authority,\n"
           "care_proceedings_weeks,2021-03-31,18,authority,\n")


def extract() -> str:
    rows = ["measure_id,period_end,period_type,team_id,value,numerator,denominator"]
    rows += [f"care_proceedings_weeks,{d},month,ALL,{v},," for d, v in zip(month_ends(len(STEP)), STEP)]
    rows += [f"assessment_timeliness,{d},month,ALL,{v},," for d, v in zip(month_ends(len(STALE)), STALE)]
    rows += [f"assessment_timeliness,2019-10-31,month,{t},{v},," for t, v in TEAM_FIGURES.items()]
    rows += [f"vacancy_rate,{d},month,ALL,{v},," for d, v in GAP]
    rows += [f"supervision,{d},month,ALL,{v},," for d, v in NEUTRAL]
    return "\n".join(rows) + "\n"


def honest_plan(root: Path) -> tuple[Path, Path]:
    """The small plan of this file (also the browser test's): a stale figure, a withheld
    assurance with a suggested rebase, a gap, a neutral measure with a fixed baseline."""
    return write_plan(root, {"measures.csv": MEASURES, "targets.csv": TARGETS}, {"extract.csv": extract()})


@pytest.fixture(scope="module")
def honest_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("honest-display")
    return loaded(root, honest_plan(root))


@pytest.fixture(scope="module")
def sample_db(sample_db_file):
    return sample_db_file  # the session's sample database (conftest.py)


@pytest.fixture
def snap_of():
    opened = []

    def open_(db):
        s = open_snapshot(db)
        opened.append(s)
        return s
    yield open_
    for s in opened:
        s.close()


def cards_by_id(snap, as_at):
    return {c["measure_id"]: c for c in queries.headline_cards(snap, as_at)}


def run_page(db, monkeypatch, page=None, **params) -> AppTest:
    monkeypatch.setenv("CIPDASH_DB", str(db))
    return run_dashboard(page, **params)


def plain(text: str) -> str:
    return text.replace("\\", "")


# --- Cards: stale, withheld, rebase, team range, passed targets ------------------------------
def test_a_stale_card_says_its_age_and_never_plainly_met_or_not_met(honest_db, snap_of):
    card = cards_by_id(snap_of(honest_db), AS_AT)["assessment_timeliness"]
    assert card["stale"] == "Oct 2019 figure, 12 months old"
    # 73.6% against the Mar 2020 target of 85%: not met, said with its age.
    assert card["status"] == "Not met in Oct 2019 (12 months old)"
    # The passed target as its outturn, beside the target still ahead.
    assert card["passed_target"] == "Mar 2020 target 85.0%: outturn 73.6% (Oct 2019), not met"
    assert card["next_target"] == "Target Mar 2021: 95.0%"
    # The team range of the figure's own period (Oct 2019), from the CSV above.
    low, high = min(TEAM_FIGURES.values()), max(TEAM_FIGURES.values())
    assert card["team_range"] == f"Teams range from {low:.1f}% to {high:.1f}%"
    # A month after its last figure it was not stale: its status was plain.
    fresh = cards_by_id(snap_of(honest_db), date(2019, 11, 30))["assessment_timeliness"]
    assert fresh["stale"] is None and fresh["status"] == "Not met"


def test_a_withheld_card_says_so_in_words_and_suggests_the_rebase(honest_db, snap_of):
    snap = snap_of(honest_db)
    card = cards_by_id(snap, AS_AT)["care_proceedings_weeks"]
    summary = {m["measure_id"]: m for m in build_summary(snap, AS_AT)["measures"]}["care_proceedings_weeks"]
    assert summary["assurance_withheld"] == "process_changed"  # the contract's reading (live path)
    assert card["reading"].assurance is None and card["reading"].assurance_withheld == "process_changed"
    assert card["assurance_withheld"] == WITHHELD
    assert card["status"] == "Met"  # 16.5 weeks against 18: met, and not "consistently failing"
    when = date.fromisoformat(summary["suggested_rebase_date"])
    assert when == date(2020, 1, 31)
    assert card["rebase"] == "The limits probably need restarting from Jan 2020"
    assert card["rebase_row"].split(",")[:2] == ["care_proceedings_weeks", "2020-01-31"]
    assert card["team_range"] is None  # no team figures: no range, rather than a made-up one


def test_the_mart_keeps_the_honest_fields_as_the_live_reading(honest_db, snap_of):
    snap = snap_of(honest_db)
    for as_at in month_ends(22, 2019, 1):
        mart = queries.card_readings(snap, as_at)
        live = analysis.read_all(snap, as_at, "ALL", snap.query("latest_figures", as_at=as_at, teams=["ALL"]))
        for mid, reading in live.items():
            got = mart[mid]
            assert (got.assurance_withheld, got.suggested_rebase_date, got.baseline_note) == (
                reading.assurance_withheld, reading.suggested_rebase_date, reading.baseline_note), (as_at, mid)


def test_the_overview_shows_the_honest_words_and_no_badge_for_a_withheld_assurance(honest_db, monkeypatch):
    at = run_page(honest_db, monkeypatch)
    # A card's words are one caption, a line each.
    captions = [line for c in at.caption for line in plain(c.value).split("  \n")]
    assert any(c.startswith("Oct 2019 figure, 12 months old") and "**Not met in Oct 2019 (12 months old)**" in c
               for c in captions), captions
    assert "Teams range from 71.4% to 97.2%" in captions
    assert any("Mar 2020 target 85.0%: outturn 73.6% (Oct 2019), not met · next: Target Mar 2021: 95.0%" in c
               for c in captions), captions
    assert "The limits probably need restarting from Jan 2020" in captions
    assert captions.count(WITHHELD) == 1
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assurance = [b for b in badges if any(label in b for label in ASSURANCE_LABELS)]
    # Four cards: one withheld (words instead), one neutral (no assurance at all).
    assert len(assurance) == 2, badges
    assert any(b.startswith(":violet-badge[") and "neither direction is better" in b for b in badges), badges


def test_what_changed_lists_only_new_special_cause_one_sentence_each(sample_db, snap_of):
    """Against the live reading (analysis.read_all) at each month end and the one before."""
    snap = snap_of(sample_db)
    months = sorted(queries.available_months(snap))
    listed = 0
    for as_at in months:
        before_month = as_at.replace(day=1) - timedelta(days=1)
        now = analysis.read_all(snap, as_at, "ALL", snap.query("latest_figures", as_at=as_at, teams=["ALL"]))
        before = analysis.read_all(snap, before_month, "ALL",
                                   snap.query("latest_figures", as_at=before_month, teams=["ALL"]))
        want = [m for m, r in now.items() if r.variation in queries.SPECIAL_CAUSES
                and (m not in before or before[m].variation != r.variation)]
        got = queries.what_changed(snap, as_at)
        assert sorted(g["measure_id"] for g in got) == sorted(want), as_at
        for g in got:
            # One sentence, the variation's own words first: never the target boilerplate.
            assert g["sentence"].count(". ") == 0 and g["sentence"].endswith(".") and ";" not in g["sentence"]
            assert g["sentence"].startswith(spc.describe_variation(now[g["measure_id"]].variation).label + ":")
            assert "will not be met" not in g["sentence"]
        listed += len(got)
    assert 0 < listed < len(months) * 4  # a few changes a month, not every measure every month


# --- No card contradicts itself ---------------------------------------------------------------
def contradictions(card) -> list[str]:
    """What a card says that another part of it denies."""
    found = []
    reading = card["reading"]
    status = card["status"]
    assurance = describe_assurance(reading.assurance).label if reading is not None else ""
    text = reading.narrative if reading is not None else ""
    says_fail = "Consistently failing" in assurance or "will not be met" in text
    says_pass = "Consistently passing" in assurance or "should be met consistently" in text
    if status.startswith("Met") and says_fail:
        found.append(f"{status!r} beside {assurance!r} / {text!r}")
    if status.startswith(("Not met", "Within tolerance")) and says_pass:  # within tolerance is not met
        found.append(f"{status!r} beside {assurance!r} / {text!r}")
    if card["stale"] and status in ("Met", "Not met", "Within tolerance"):
        found.append(f"stale figure shown plainly as {status!r}")
    if card["assurance_withheld"] and reading.assurance is not None:
        found.append("assurance withheld yet given")
    return found


def test_the_contradiction_check_catches_a_contradiction():
    reading = queries.CardReading("special_cause_improvement", "consistent_fail",
                                  "the target is below the lower limit, so it will not be met without a change")
    card = {"reading": reading, "status": "Met", "stale": None, "assurance_withheld": None}
    assert contradictions(card)
    assert contradictions({**card, "status": "Met in Oct 2019 (12 months old)"})
    assert contradictions({"reading": queries.CardReading(None, None, ""), "status": "Met",
                           "stale": "Oct 2019 figure, 12 months old", "assurance_withheld": None})
    assert not contradictions({**card, "status": "Not met"})


@pytest.mark.parametrize("which", ["sample", "honest"])
def test_no_card_contradicts_itself_at_any_month(which, sample_db, honest_db, snap_of):
    db = sample_db if which == "sample" else honest_db
    snap = snap_of(db)
    months = sorted(queries.available_months(snap))
    checked = withheld = 0
    for as_at in months:
        for card in queries.headline_cards(snap, as_at):
            assert not contradictions(card), (as_at, card["measure_id"], contradictions(card))
            checked += 1
            withheld += bool(card["assurance_withheld"])
    assert checked >= len(months) * 3 and withheld > 0  # real cards, some of them withheld


# --- Measures page ----------------------------------------------------------------------------
def test_the_measures_page_shows_the_rebase_preview_and_the_row_to_add(honest_db, monkeypatch, snap_of):
    at = run_page(honest_db, monkeypatch, "measures", measure="care_proceedings_weeks", view="xmr")
    text = "\n".join(plain(m.value) for m in at.markdown)
    assert "**The limits probably need restarting from Jan 2020**" in text
    assert WITHHELD in [plain(c.value) for c in at.caption]
    row = [c.value for c in at.code]
    assert len(row) == 1 and row[0].startswith("care_proceedings_weeks,2020-01-31,")
    parsed = pd.read_csv(io.StringIO("measure_id,rebase_date,reason\n" + row[0]))
    assert list(parsed.iloc[0])[:2] == ["care_proceedings_weeks", "2020-01-31"]
    assert any(e.label.startswith("Preview") for e in at.expander)
    # The preview's limits restart at the suggested month; the plan's chart's do not.
    snap = snap_of(honest_db)
    preview = queries.chart_rebase_preview(snap, "care_proceedings_weeks", AS_AT, "ALL", "xmr")
    segments = preview.data.groupby("segment")["date"].min().tolist()
    assert [pd.Timestamp(d).date() for d in segments] == [date(2019, 1, 31), date(2020, 1, 31)]
    assert "limits restarted from Jan 2020" in preview.title
    # Restarted there, the latest figures are no longer outside their own limits.
    after = spc.restarted(queries.measure_reading(snap, "care_proceedings_weeks", AS_AT, "ALL", "xmr").spc,
                          date(2020, 1, 31))
    assert after.suggested_rebase is None


def test_the_measures_page_says_the_stale_figure_team_range_and_passed_targets(honest_db, monkeypatch):
    at = run_page(honest_db, monkeypatch, "measures", measure="assessment_timeliness")
    text = "\n".join(plain(m.value) for m in at.markdown)
    for words in ("Latest figure against its target: Not met in Oct 2019 (12 months old)",
                  "Oct 2019 figure, 12 months old", "Teams range from 71.4% to 97.2%",
                  "Mar 2020 target 85.0%: outturn 73.6% (Oct 2019), not met", "Next: Target Mar 2021: 95.0%"):
        assert words in text, words


def test_the_spc_view_honours_the_plans_fixed_baseline(honest_db, snap_of):
    snap = snap_of(honest_db)
    reading = queries.measure_reading(snap, "supervision", AS_AT, "ALL", "xmr")
    summary = {m["measure_id"]: m for m in build_summary(snap, AS_AT)["measures"]}["supervision"]
    assert reading.spc.baseline_points == 12
    assert reading.baseline_note == summary["baseline_note"] == \
        "limits fixed from the first 12 points (Aug 2019 to Jul 2020)"
    # The limits are those of the first 12 points alone (9 and 11 alternating: mean 10, mR 2).
    assert reading.spc.centre[-1] == pytest.approx(10.0)
    assert reading.spc.upper[-1] == pytest.approx(10.0 + 2.66 * 2.0)
    assert queries.measures(snap).set_index("measure_id").loc["supervision", "spc_baseline_points"] == 12


# --- Neutral measures -------------------------------------------------------------------------
def test_a_neutral_special_cause_is_purple_with_its_own_mark_and_no_assurance(honest_db, snap_of, monkeypatch):
    snap = snap_of(honest_db)
    reading = queries.measure_reading(snap, "supervision", AS_AT, "ALL", "xmr")
    assert reading.variation == "special_cause_neutral" and reading.assurance is None
    chart = charts.spc_chart(queries._measure(snap, "supervision"), reading.spc, AS_AT)
    traces = {t.name: t for t in chart.figure.data}
    mark = traces["Special cause (neither direction is better)"]
    assert mark.marker.color == spc.NEUTRAL_PURPLE
    others = {t.marker.symbol for n, t in traces.items() if n in charts.SPC_NAMES.values() and t is not mark}
    assert mark.marker.symbol not in others | {"circle", "diamond", "circle-open"}
    assert len(mark.x) == 3  # the three jumped points
    assert "Special cause (neither direction is better)" in set(chart.data["reading"])
    at = run_page(honest_db, monkeypatch, "measures", measure="supervision", view="xmr")
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert badges == [":violet-badge[:material/unfold_more: Special cause variation (neither direction is better)]"]


def test_a_neutral_measure_is_never_better_worse_or_worsening(honest_db, snap_of):
    points = pd.DataFrame({"period_end": pd.to_datetime(["2019-10-31", "2020-10-31"]), "period_type": "month",
                           "value": [20.0, 12.0]})
    latest = latest_of(points, date(2020, 10, 31), "month")
    assert headline(latest, "count", "neutral") == "12 in Oct 2020, down from 20 in Oct 2019."
    assert headline(latest, "count", "higher_better").endswith("(worse).")
    figures = queries.latest_figures(snap_of(honest_db), date(2020, 10, 31))
    neutral = figures[figures["polarity"] == "neutral"]
    # It fell (21 to 20): for a higher_better measure that would be "worsening".
    assert len(neutral) == 1 and neutral["change"].iloc[0] < 0 and not neutral["worsening"].any()


# --- Trajectories only where the series is long enough ------------------------------------------
def trend(n_points: int):
    ends = month_ends(n_points, 2020, 1)
    series = pd.DataFrame({"team_id": "ALL", "period_end": pd.to_datetime(ends), "period_type": "month",
                           "value": [80.0 + i for i in range(n_points)], "numerator": None, "denominator": None})
    targets = pd.DataFrame({"target_date": pd.to_datetime(["2021-03-31"]), "target": [95.0],
                            "applies_to": ["authority"]})
    benchmarks = pd.DataFrame(columns=["comparator", "period_end", "period_type", "value"])
    measure = {"measure_id": "m", "name": "A measure", "unit": "percent", "polarity": "higher_better"}
    return charts.trend_chart(measure, series, targets, benchmarks, [], date(2020, 12, 31))


@pytest.mark.parametrize("n, drawn", [(2, False), (5, False), (6, True), (12, True)])
def test_a_trajectory_is_drawn_only_from_enough_points(n, drawn):
    chart = trend(n)
    names = [t.name for t in chart.figure.data]
    assert ("Trajectory" in names) is drawn
    why = (f"No trajectory is drawn: the whole authority has {n} monthly figures, "
           f"and a trajectory needs at least 6.")
    assert (why in chart.alt) is (not drawn)


def test_the_trend_chart_names_the_gap(honest_db, snap_of):
    chart = queries.chart_trend(snap_of(honest_db), "vacancy_rate", AS_AT)
    assert "no figures Nov 2019 to Aug 2020" in chart.alt
    line = next(t for t in chart.figure.data if t.name == "Whole authority")
    assert list(line.x).count(None) == 1  # the line is broken once, at the gap


def test_readme_and_trajectory_docstring_state_the_minimum():
    from cipdash import trajectory

    assert trajectory.MIN_TRAJECTORY_POINTS == 6
    assert re.search(r"MIN_TRAJECTORY_POINTS``\s+\(6\)", trajectory.__doc__)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "trajectory is drawn only where the whole authority has at least 6 monthly figures" in readme


def test_a_sparkline_never_joins_across_missing_months(honest_db, snap_of):
    cards = cards_by_id(snap_of(honest_db), AS_AT)
    # vacancy_rate: the figures after the gap only (Sep and Oct 2020), not Oct 2019 joined to them.
    assert cards["vacancy_rate"]["sparkline"] == [v for d, v in GAP if d.year == 2020]
    # No gap: its last figures, oldest first.
    assert cards["care_proceedings_weeks"]["sparkline"] == STEP


def test_needs_attention_says_a_passed_target_and_an_old_figure(honest_db, snap_of):
    table = queries.attention_table(snap_of(honest_db), AS_AT)
    row = table[table["Measure"] == "Assessments completed within 45 working days"].iloc[0]
    assert row["Why"] == "did not meet the Mar 2020 target; Oct 2019 figure, 12 months old"
    assert "next target" not in " ".join(table["Why"])


def test_the_measures_page_says_why_there_is_no_forecast(tmp_path, monkeypatch):
    plan_dir, data_dir = write_plan(tmp_path)  # plan_builder's plan: one monthly figure, a target ahead
    db = tmp_path / "cip.duckdb"
    load(plan_dir, data_dir, db)
    at = run_page(db, monkeypatch, "measures", measure="care_proceedings_weeks")
    text = "\n".join(plain(m.value) for m in at.markdown)
    assert "No forecast to the target: Only 1 monthly point; a forecast needs at least 6." in text


@pytest.mark.parametrize("which", ["sample", "honest"])
def test_cards_passed_and_next_targets_are_the_rules_at_every_month(which, sample_db, honest_db, snap_of):
    """The cards read every target's outturn once per version; at each as-at date they must
    be analysis.passed_targets / upcoming_target on the series cut at that date."""
    snap = snap_of(sample_db if which == "sample" else honest_db)
    compared = 0
    for as_at in sorted(queries.available_months(snap)):
        for card in queries.headline_cards(snap, as_at):
            series = queries.measure_series(snap, card["measure_id"], as_at, ())
            targets = queries.measure_targets(snap, card["measure_id"])
            want = analysis.passed_targets(series, targets, card["polarity"], as_at, "authority")
            assert card["passed_targets"] == [p.words(card["unit"]) for p in want], (as_at, card["measure_id"])
            compared += len(want)
            upcoming = analysis.upcoming_target(targets, as_at, "authority")
            if card["next_target"] is not None:  # (None where the card's own target is the next one)
                assert upcoming is not None
                assert card["next_target"] == target_label(upcoming[1], card["unit"], upcoming[0])
    assert compared > 0

"""Honest readings (data-contract.md, "Honest readings"; issue 13): stale figures, withheld
assurance, suggested rebase dates, passed targets with their outturns, the fixed SPC
baseline and neutral measures, from the rules in cipdash/spc.py and cipdash/analysis.py
through a real load to `summary --json`, and bad plan input as file:line:column.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cipdash import analysis, queries, spc
from cipdash.analysis import (PassedTarget, age_in_months, assurance_withheld, is_stale, passed_targets,
                              rebase_suggestion, stale_words, status_words, upcoming_target, withheld_words)
from cipdash.db import open_snapshot
from cipdash.errors import LoadFailed, Problems
from cipdash.plan import read_plan
from cipdash.store import load
from cipdash.summary import build_summary
from plan_builder import write_plan
from support import month_ends

PROJECT = Path(__file__).resolve().parent.parent


# --- Stale -----------------------------------------------------------------------------------
@pytest.mark.parametrize("period_end, period_type, as_at, age, stale", [
    (date(2020, 8, 31), "month", date(2020, 10, 31), 2, False),   # 2 months: not more than 2
    (date(2020, 7, 31), "month", date(2020, 10, 1), 3, True),     # calendar months, not days
    (date(2020, 10, 31), "month", date(2020, 10, 15), 0, False),
    (date(2020, 6, 30), "quarter", date(2020, 10, 31), 4, False),
    (date(2020, 6, 30), "quarter", date(2020, 11, 1), 5, True),
    (date(2019, 9, 30), "year", date(2020, 10, 31), 13, False),
    (date(2019, 9, 30), "year", date(2020, 11, 30), 14, True),
    (date(2019, 10, 31), "month", date(2020, 10, 31), 12, True),
])
def test_stale_rule(period_end, period_type, as_at, age, stale):
    assert age_in_months(period_end, as_at) == age
    assert is_stale(period_end, period_type, as_at) is stale


def test_stale_words_and_status_words():
    old, now = date(2019, 10, 31), date(2020, 10, 31)
    assert stale_words(old, "month", now) == "Oct 2019 figure, 12 months old"
    assert stale_words(date(2020, 9, 30), "month", now) is None
    assert status_words("met", old, "month", now) == "Met in Oct 2019 (12 months old)"
    assert status_words("not_met", old, "month", now) == "Not met in Oct 2019 (12 months old)"
    assert status_words("met", date(2020, 9, 30), "month", now) == "Met"
    assert status_words(None, old, "month", now) is None
    # Never plainly Met / Not met when stale, whatever the status.
    for code in ("met", "within_tolerance", "not_met"):
        assert status_words(code, old, "month", now) not in ("Met", "Not met", "Within tolerance")


# --- Withheld assurance ------------------------------------------------------------------------
@pytest.mark.parametrize("assurance, met, expected", [
    (spc.CONSISTENT_FAIL, True, "process_changed"),
    (spc.CONSISTENT_PASS, False, "process_changed"),
    (spc.CONSISTENT_FAIL, False, None),
    (spc.CONSISTENT_PASS, True, None),
    (spc.HIT_OR_MISS, True, None),
    (spc.CONSISTENT_FAIL, None, None),
    (None, True, None),
])
def test_withheld_rule(assurance, met, expected):
    assert assurance_withheld(assurance, met) == expected


# A lower_better series that stepped down: 12 months around 30 weeks, then 8 around 17;
# the latest (16.5) meets an 18-week target, but the limits set across the step put the
# target below the lower limit: consistent_fail, which the figure contradicts.
STEP = [30, 31, 29, 30, 31, 30, 29, 30, 31, 30, 29, 30, 17, 17.5, 17, 16.5, 17, 17.5, 17, 16.5]
STEP_DATES = month_ends(len(STEP))


def test_withheld_reading_says_so_and_never_says_will_not_be_met():
    measure = {"measure_id": "pre_proceedings_weeks", "unit": "weeks", "polarity": "lower_better"}
    points = pd.DataFrame({"period_end": STEP_DATES, "period_type": "month", "value": STEP})
    plain = spc.xmr(STEP, STEP_DATES, "lower_better", target=18)
    assert plain.assurance == spc.CONSISTENT_FAIL
    r = analysis.read_measure(measure, points, 18.0, date(2021, 3, 31), as_at=date(2020, 8, 31))
    assert r.assurance_withheld == "process_changed"
    assert r.assurance is None and r.spc.assurance == spc.CONSISTENT_FAIL
    assert "will not be met" not in r.narrative and "consistently" not in r.narrative
    assert ("assurance against the Mar 2021 target of 18.0 weeks is not assessed: the latest figures lie "
            "outside the limits set by earlier months") in r.narrative
    assert withheld_words(r.assurance_withheld) == ("Assurance not assessed: the latest figures lie outside "
                                                   "the limits set by earlier months")
    assert withheld_words(None) is None
    # Not met (20 > 18 weeks) with the same consistent_fail: nothing to withhold.
    worse = analysis.read_measure(measure, points.assign(value=STEP[:-1] + [20]), 18.0, date(2021, 3, 31))
    assert worse.spc.assurance == spc.CONSISTENT_FAIL and worse.assurance_withheld is None
    assert worse.assurance == spc.CONSISTENT_FAIL and "will not be met" in worse.narrative


def test_reading_words_for_a_card():
    measure = {"measure_id": "pre_proceedings_weeks", "unit": "weeks", "polarity": "lower_better",
               "latest_value": 16.5, "latest_period_end": STEP_DATES[-1], "period_type": "month"}
    points = pd.DataFrame({"period_end": STEP_DATES, "period_type": "month", "value": STEP})
    r = analysis.read_measure(measure, points, 18.0, date(2021, 3, 31), as_at=date(2021, 8, 31))
    assert (r.stale, r.age_months) == (True, 12)
    words = analysis.reading_words(r, "met", date(2021, 8, 31))
    assert words == {
        "status": "Met in Aug 2020 (12 months old)",
        "stale": "Aug 2020 figure, 12 months old",
        "assurance_withheld": ("Assurance not assessed: the latest figures lie outside the limits set by "
                               "earlier months"),
        "rebase": "The limits probably need restarting from Jan 2020",
        "rebase_row": "pre_proceedings_weeks,2020-01-31,Sustained shift from Jan 2020 (suggested by the dashboard)",
        "baseline": None,
    }
    fresh = analysis.read_measure(measure, points, 18.0, date(2021, 3, 31), as_at=date(2020, 9, 15))
    assert analysis.reading_words(fresh, "met", date(2020, 9, 15))["status"] == "Met"
    assert analysis.reading_words(fresh, "met", date(2020, 9, 15))["stale"] is None


# --- Suggested rebase ------------------------------------------------------------------------
def test_suggested_rebase_after_a_sustained_shift():
    r = spc.xmr(STEP, STEP_DATES, "lower_better")
    # The last 8 points are below the mean (24.9): the run starts at the 13th, Jan 2020.
    assert r.suggested_rebase == date(2020, 1, 31)
    s = rebase_suggestion("pre_proceedings_weeks", r.suggested_rebase)
    assert s.sentence == "The limits probably need restarting from Jan 2020"
    assert s.csv_row == ("pre_proceedings_weeks,2020-01-31,Sustained shift from Jan 2020 "
                         "(suggested by the dashboard)")
    assert rebase_suggestion("x", None) is None


def test_preview_restarts_the_limits_at_the_suggestion():
    r = spc.xmr(STEP, STEP_DATES, "lower_better", target=18)
    preview = spc.restarted(r, r.suggested_rebase)
    assert preview.segment_starts == (0, 12)
    assert preview.centre[-1] == pytest.approx(sum(STEP[12:]) / 8)
    assert preview.suggested_rebase is None            # accepted: nothing more to suggest
    assert preview.target == 18 and preview.polarity == "lower_better"
    assert spc.xmr(STEP, STEP_DATES, "lower_better", [date(2020, 1, 31)], 18).upper.tolist() == preview.upper.tolist()
    p = spc.laney_p_prime([50, 60] * 6 + [90, 92] * 4, [100] * 20, STEP_DATES)
    assert spc.restarted(p, STEP_DATES[12]).method == spc.METHOD_LANEY
    assert spc.restarted(p, STEP_DATES[12]).segment_starts == (0, 12)


def test_no_suggestion_when_the_run_is_short_or_the_plan_rebased():
    # 6 points of the run: not yet.
    assert spc.xmr(STEP[:18], STEP_DATES[:18]).suggested_rebase is None
    # A rebase date on or after the run's first point (even one after the data): none.
    for rebase in (date(2020, 1, 31), date(2020, 3, 1), date(2030, 1, 1)):
        assert spc.xmr(STEP, STEP_DATES, rebase_dates=[rebase]).suggested_rebase is None
    # A rebase date before the run: the run inside the new segment decides. The segment
    # from Dec 2019 (30, then the 8 low points) has mean 18.4: Dec 2019 is above it, the 8
    # after it below, so the run still starts in Jan 2020 and no rebase date is on or after it.
    r = spc.xmr(STEP, STEP_DATES, rebase_dates=[date(2019, 12, 31)])
    assert r.segment_starts == (0, 11)
    assert r.centre[-1] == pytest.approx((30 + sum(STEP[12:])) / 9)
    assert r.suggested_rebase == date(2020, 1, 31)
    # The latest point on the mean: no run ends there.
    assert spc.xmr([1, 3] * 6 + [2], month_ends(13)).suggested_rebase is None


# --- Passed targets ----------------------------------------------------------------------------
SERIES = pd.DataFrame({
    "period_end": [date(2019, 9, 30), date(2019, 10, 31), date(2019, 12, 31), date(2020, 3, 31),
                   date(2020, 3, 31), date(2020, 6, 30)],
    "period_type": ["month", "month", "quarter", "month", "quarter", "month"],
    "value": [70.0, 73.6, 71.0, 88.0, 80.0, 90.0],
})
TARGETS = pd.DataFrame({
    "target_date": [date(2019, 11, 30), date(2020, 3, 31), date(2020, 3, 31), date(2021, 3, 31), date(2019, 6, 30)],
    "target": [85.0, 85.0, 80.0, 95.0, 50.0],
    "applies_to": ["authority", "authority", "each_team", "authority", "authority"],
})


def test_passed_targets_and_their_outturns():
    got = passed_targets(SERIES, TARGETS, "higher_better", date(2020, 10, 31))
    assert [p.target_date for p in got] == [date(2019, 6, 30), date(2019, 11, 30), date(2020, 3, 31)]
    before, nov, mar = got
    # Nothing on or before Jun 2019.
    assert before.outturn is None and before.met is None
    assert before.words("percent") == "Jun 2019 target 50.0%: no figure by then"
    # Nov 2019: no figure that month; the latest before it (Oct 2019).
    assert (nov.outturn, nov.outturn_period_end, nov.met) == (73.6, date(2019, 10, 31), False)
    assert nov.words("percent") == "Nov 2019 target 85.0%: outturn 73.6% (Oct 2019), not met"
    # Mar 2020: the authority's own target wins its date; the month beats the quarter.
    assert (mar.target, mar.outturn, mar.outturn_period_type, mar.met) == (85.0, 88.0, "month", True)
    assert mar.words("percent") == "Mar 2020 target 85.0%: outturn 88.0%, met"
    assert isinstance(mar, PassedTarget)
    assert upcoming_target(TARGETS, date(2020, 10, 31)) == (date(2021, 3, 31), 95.0)
    assert upcoming_target(TARGETS, date(2021, 4, 1)) is None


def test_passed_targets_for_a_team_use_each_team_targets_only():
    got = passed_targets(SERIES, TARGETS, "higher_better", date(2020, 10, 31), scope="team")
    assert [(p.target_date, p.target, p.met) for p in got] == [(date(2020, 3, 31), 80.0, True)]
    # The as-at date itself is not passed: the target on it is the current one.
    assert passed_targets(SERIES, TARGETS, "higher_better", date(2020, 3, 31))[-1].target_date == date(2019, 11, 30)


def test_the_issue_example_words():
    p = PassedTarget(date(2020, 3, 31), 85.0, "authority", 73.6, date(2020, 3, 31), "month", False)
    assert p.words("percent") == "Mar 2020 target 85.0%: outturn 73.6%, not met"


# --- Fixed baseline and rebase dates outside the data in the reading ----------------------------
def test_baseline_note_and_short_fallback():
    values = [10, 12] * 8
    dates = month_ends(16)
    r = spc.xmr(values, dates, baseline_points=12)
    assert r.limit_points == (12,) and not r.baseline_short
    assert r.baseline_note == "limits fixed from the first 12 points (Jan 2019 to Dec 2019)"
    assert "The limits are fixed from the first 12 points (Jan 2019 to Dec 2019)." in spc.spc_sentence(r)
    short = spc.xmr(values, dates, baseline_points=20)
    assert short.baseline_short and short.limit_points == (16,)
    assert short.baseline_note == "fewer points than the 20-point baseline; limits use all 16 points"
    assert "fewer points than the 20-point baseline; limits use all 16 points" in spc.spc_sentence(short)
    # The fallback is the plain chart's limits.
    plain = spc.xmr(values, dates)
    assert list(short.upper) == list(plain.upper) and short.point_type == plain.point_type
    # A baseline under 12 points is a trial baseline.
    assert spc.xmr(values, dates, baseline_points=6).trial_limits
    assert not r.trial_limits


@pytest.mark.parametrize("bad", [0, 1, 2.5, -3, True])
def test_bad_baseline_is_refused(bad):
    with pytest.raises(ValueError):
        spc.xmr([1, 2, 3], baseline_points=bad)


def test_laney_baseline_uses_the_first_points_only():
    num = [50, 60] * 6 + [90, 95]
    den = [100] * 14
    fixed = spc.laney_p_prime(num, den, month_ends(14), baseline_points=12)
    assert fixed.centre[0] == pytest.approx(55.0) and fixed.limit_points == (12,)
    assert spc.laney_p_prime(num, den, month_ends(14)).centre[0] != pytest.approx(55.0)
    assert fixed.point_type[-2:] == (spc.SPECIAL_CAUSE_IMPROVEMENT,) * 2


def test_rebase_dates_outside_the_data_change_nothing_and_say_so():
    values, dates = [10, 12] * 7, month_ends(14)
    plain = spc.xmr(values, dates)
    for rebase, words in ((date(2018, 6, 1), "is on or before the first point"),
                          (dates[0], "is on or before the first point"),
                          (date(2021, 6, 1), "is after the latest point")):
        r = spc.xmr(values, dates, rebase_dates=[rebase])
        assert r.segment_starts == (0,) and list(r.upper) == list(plain.upper)
        assert r.unused_rebase_dates == (rebase,)
        assert (f"The rebase date {rebase.day} {rebase.strftime('%b %Y')} (spc_rebase.csv) {words}, "
                "so it changes nothing.") in spc.spc_sentence(r)
    inside = spc.xmr(values, dates, rebase_dates=[dates[5]])
    assert inside.unused_rebase_dates == () and "changes nothing" not in spc.spc_sentence(inside)


# --- Neutral in words ---------------------------------------------------------------------------
def test_neutral_words():
    d = spc.describe_variation(spc.SPECIAL_CAUSE_NEUTRAL)
    assert d.label == "Special cause variation (neither direction is better)"
    r = spc.xmr([9, 11] * 6 + [20], month_ends(13), polarity=spc.NEUTRAL, target=15)
    text = spc.spc_sentence(r)
    assert text.startswith("Special cause variation (neither direction is better): the latest point "
                           "(Jan 2020, 20.0) is above the upper limit of 17.6.")
    assert "target" not in text and r.assurance is None


# --- Plan input --------------------------------------------------------------------------------
MEASURES_WITH_BASELINE = (
    "measure_id,name,unit,polarity,rec_id,definition,tolerance,spc_baseline_points\n"
    "assessment_timeliness,Assessments,percent,higher_better,R1,,2,{a}\n"
    "care_proceedings_weeks,Care proceedings duration,weeks,lower_better,R1;R2,,,{b}\n"
    "supervision,Supervision,percent,{pol},R2,,,\n"
)


def plan_problems(tmp_path, measures, targets=None):
    overrides = {"measures.csv": measures}
    if targets is not None:
        overrides["targets.csv"] = targets
    plan_dir, _ = write_plan(tmp_path, overrides)
    problems = Problems()
    plan = read_plan(plan_dir, problems)
    return plan, [str(p) for p in problems.all()]


@pytest.mark.parametrize("cell, message", [
    ("0", "a baseline of 0 points cannot set limits"),
    ("1", "a baseline of 1 point cannot set limits"),
    ("twelve", "'twelve' is not a whole number of points"),
    ("12.5", "'12.5' is not a whole number of points"),
    ("-4", "'-4' is not a whole number of points"),
])
def test_bad_baseline_cells_are_file_line_column_errors(tmp_path, cell, message):
    _, problems = plan_problems(tmp_path, MEASURES_WITH_BASELINE.format(a=cell, b="", pol="higher_better"))
    assert len(problems) == 1
    assert "/cip_data/measures.csv:2:8: column 'spc_baseline_points': " + message in problems[0]


def test_good_baseline_and_neutral_are_read(tmp_path):
    plan, problems = plan_problems(tmp_path, MEASURES_WITH_BASELINE.format(a="12", b="", pol="neutral"))
    assert problems == []
    m = plan.measures.set_index("measure_id")
    assert m.loc["assessment_timeliness", "spc_baseline_points"] == 12
    assert pd.isna(m.loc["care_proceedings_weeks", "spc_baseline_points"])
    assert m.loc["supervision", "polarity"] == "neutral"


def test_neutral_measure_with_a_target_is_an_error_in_targets_csv(tmp_path):
    targets = ("measure_id,target_date,target,applies_to,note\n"
               "assessment_timeliness,2021-03-31,90,authority,\n"
               "supervision,2021-03-31,80,each_team,\n")
    _, problems = plan_problems(tmp_path, MEASURES_WITH_BASELINE.format(a="", b="", pol="neutral"), targets)
    assert len(problems) == 1
    assert ("/cip_data/targets.csv:3:1: column 'measure_id': measure 'supervision' is "
            "neutral in measures.csv (neither direction is better), so it cannot have "
            "a target") in problems[0]


def test_unknown_polarity_still_refused(tmp_path):
    _, problems = plan_problems(tmp_path, MEASURES_WITH_BASELINE.format(a="", b="", pol="sideways"))
    assert len(problems) == 1 and "measures.csv:4:4" in problems[0] and "neutral" in problems[0]


# --- Through a load: summary --json --------------------------------------------------------------
def extract_rows():
    rows = ["measure_id,period_end,period_type,team_id,value,numerator,denominator"]
    # care_proceedings_weeks (lower_better): the STEP series, Jan 2019 to Aug 2020.
    for d, v in zip(STEP_DATES, STEP):
        rows.append(f"care_proceedings_weeks,{d},month,ALL,{v},,")
    # assessment_timeliness: monthly to Oct 2019, then nothing (stale a year later).
    for d, v in zip(month_ends(10), [70, 72, 71, 73, 72, 74, 73, 72, 73, 73.6]):
        rows.append(f"assessment_timeliness,{d},month,ALL,{v},,")
    # supervision (neutral in this plan): 12 steady months then a jump.
    for d, v in zip(month_ends(13, 2019, 8), [9, 11] * 6 + [20]):
        rows.append(f"supervision,{d},month,ALL,{v},,")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("honest")
    measures = ("measure_id,name,unit,polarity,rec_id,definition,tolerance,spc_baseline_points\n"
                "assessment_timeliness,Assessments,percent,higher_better,R1,,2,\n"
                "care_proceedings_weeks,Care proceedings duration,weeks,lower_better,R1;R2,,,\n"
                "supervision,Supervision,count,neutral,R2,,,12\n")
    targets = ("measure_id,target_date,target,applies_to,note\n"
               "assessment_timeliness,2020-03-31,85,authority,\n"
               "assessment_timeliness,2021-03-31,95,authority,\n"
               "care_proceedings_weeks,2021-03-31,18,authority,\n")
    plan_dir, data_dir = write_plan(root, {"measures.csv": measures, "targets.csv": targets},
                                    {"extract.csv": extract_rows()})
    db = root / "cip.duckdb"
    load(plan_dir, data_dir, db)
    return plan_dir, data_dir, db


def summary_at(db, as_at):
    snap = open_snapshot(db)
    try:
        return {m["measure_id"]: m for m in build_summary(snap, as_at)["measures"]}
    finally:
        snap.close()


def test_summary_carries_the_contract_keys(loaded):
    _, _, db = loaded
    s = summary_at(db, date(2020, 10, 31))
    stale = s["assessment_timeliness"]
    assert stale["latest_period_end"] == "2019-10-31"
    assert (stale["stale"], stale["age_months"]) == (True, 12)
    assert stale["target_date"] == "2020-03-31"
    assert stale["passed_targets"] == [{"target_date": "2020-03-31", "target": 85.0, "outturn": 73.6,
                                        "outturn_period_end": "2019-10-31", "outturn_period_type": "month",
                                        "met": False}]
    care = s["care_proceedings_weeks"]
    assert care["stale"] is False and care["target_met"] is True
    assert care["assurance_withheld"] == "process_changed" and care["assurance"] is None
    assert care["suggested_rebase_date"] == "2020-01-31"
    assert "will not be met" not in care["narrative"]
    neutral = s["supervision"]
    assert neutral["variation"] == "special_cause_neutral" and neutral["assurance"] is None
    assert neutral["baseline_note"] == "limits fixed from the first 12 points (Aug 2019 to Jul 2020)"
    # Each key is present on every entry (null where it does not apply).
    for m in s.values():
        assert {"stale", "assurance_withheld", "suggested_rebase_date"} <= set(m)


def test_summary_cli_json_has_the_keys(loaded):
    _, _, db = loaded
    out = subprocess.run([sys.executable, "-m", "cipdash", "summary", "--db", str(db), "--json",
                          "--as-at", "2020-10"], cwd=PROJECT, capture_output=True, text=True, check=True)
    found = {m["measure_id"]: m for m in json.loads(out.stdout)["measures"]}
    assert found["care_proceedings_weeks"]["assurance_withheld"] == "process_changed"
    assert found["assessment_timeliness"]["stale"] is True


def test_card_reading_matches_the_live_reading_with_a_baseline(loaded):
    # The overview's card reading uses the plan's baseline, as the live reading does.
    _, _, db = loaded
    snap = open_snapshot(db)
    try:
        card = queries.card_readings(snap, date(2020, 8, 31))["supervision"]
        live = analysis.read_all(snap, date(2020, 8, 31), "ALL",
                                 snap.query("latest_figures", as_at=date(2020, 8, 31), teams=["ALL"]))
    finally:
        snap.close()
    assert card.narrative == live["supervision"].narrative
    assert "The limits are fixed from the first 12 points" in live["supervision"].narrative


def test_a_load_refuses_a_neutral_measure_with_targets(tmp_path):
    measures = ("measure_id,name,unit,polarity,rec_id,definition,tolerance\n"
                "assessment_timeliness,Assessments,percent,neutral,R1,,,\n"
                "care_proceedings_weeks,Care proceedings duration,weeks,lower_better,R1;R2,,,\n"
                "supervision,Supervision,percent,higher_better,R2,,,\n")
    plan_dir, data_dir = write_plan(tmp_path, {"measures.csv": measures})
    with pytest.raises(LoadFailed) as caught:
        load(plan_dir, data_dir, tmp_path / "x.duckdb")
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "targets.csv:2:1" in text and "cannot have a target" in text
    assert not (tmp_path / "x.duckdb").exists()


def test_rebase_file_unreadable_date_is_an_error_and_outside_dates_load(tmp_path):
    # An unreadable rebase date is an input error at its cell; a readable one outside the
    # data loads, and the reading says it changes nothing (test above).
    bad = "measure_id,rebase_date,reason\nassessment_timeliness,31/13/2020,new process\n"
    plan_dir, data_dir = write_plan(tmp_path / "bad", {"spc_rebase.csv": bad})
    with pytest.raises(LoadFailed) as caught:
        load(plan_dir, data_dir, tmp_path / "bad.duckdb")
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "spc_rebase.csv:2:2: column 'rebase_date'" in text
    outside = "measure_id,rebase_date,reason\nassessment_timeliness,2030-01-01,not yet\n"
    plan_dir, data_dir = write_plan(tmp_path / "ok", {"spc_rebase.csv": outside})
    load(plan_dir, data_dir, tmp_path / "ok.duckdb")
    snap = open_snapshot(tmp_path / "ok.duckdb")
    try:
        reading = analysis.read_all(snap, date(2020, 9, 30), "ALL",
                                    snap.query("latest_figures", as_at=date(2020, 9, 30), teams=["ALL"]))
    finally:
        snap.close()
    assert reading["assessment_timeliness"].spc.unused_rebase_dates == (date(2030, 1, 1),)
    assert ("The rebase date 1 Jan 2030 (spc_rebase.csv) is after the latest point, so it changes nothing."
            in reading["assessment_timeliness"].narrative)

"""The reading rules of the data contract, through a real load and `summary --json`.

- the rating at a date D is the row with the latest as_at <= D (nulls before any rating);
- the next target for period end P is the earliest target_date >= P, else the latest;
- `each_team` targets apply to teams and to the authority figure; on a shared date the
  each_team one wins for teams and the authority one for the authority figure;
- met means >= (higher_better) or <= (lower_better);
- at a shared latest period end the shortest period type wins;
- team_min / team_max are the team range for the same period end;
- CIPDASH_DB names the database; --db wins over it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cipdash.db import open_snapshot
from cipdash.store import load
from cipdash.summary import build_summary
from plan_builder import PLAN, write_plan

PROJECT = Path(__file__).resolve().parent.parent
HEADER = "measure_id,period_end,period_type,team_id,value,numerator,denominator\n"

TARGETS = (
    "measure_id,target_date,target,applies_to,note\n"
    "assessment_timeliness,2020-03-31,85,authority,\n"
    "assessment_timeliness,2021-03-31,90,authority,\n"
    "assessment_timeliness,2021-03-31,95,each_team,at least 95% all teams\n"
    "supervision,2021-03-31,80,each_team,\n"
    "care_proceedings_weeks,2020-12-31,28,authority,\n"
    "care_proceedings_weeks,2021-03-31,26,each_team,\n"
)

EXTRACT = HEADER + "".join(f"{r}\n" for r in [
    # assessment_timeliness: authority and two teams at several period ends
    "assessment_timeliness,2020-02-29,month,ALL,84,,",
    "assessment_timeliness,2020-02-29,month,north,96,,",
    "assessment_timeliness,2020-03-31,month,ALL,85,,",
    "assessment_timeliness,2020-04-30,month,ALL,89.9,,",
    "assessment_timeliness,2020-08-31,month,ALL,,170,200",
    "assessment_timeliness,2020-08-31,month,north,,90,100",
    "assessment_timeliness,2020-08-31,month,south,,80,100",
    "assessment_timeliness,2020-09-30,month,ALL,94.0,188,200",
    "assessment_timeliness,2020-09-30,month,north,97.0,97,100",
    "assessment_timeliness,2020-09-30,month,south,91.0,91,100",
    "assessment_timeliness,2021-03-31,month,ALL,90,,",
    "assessment_timeliness,2021-03-31,month,north,95,,",
    "assessment_timeliness,2021-04-30,month,ALL,89,,",
    "assessment_timeliness,2021-04-30,month,north,94.9,,",
    "assessment_timeliness,2021-04-30,month,south,99,,",
    # care_proceedings_weeks (lower is better): several period types
    "care_proceedings_weeks,2020-06-30,quarter,ALL,31.0,,",
    "care_proceedings_weeks,2020-06-30,year,ALL,32.0,,",
    "care_proceedings_weeks,2020-08-31,month,ALL,29.0,,",
    "care_proceedings_weeks,2020-09-30,month,ALL,28,,",
    "care_proceedings_weeks,2020-09-30,quarter,ALL,31.5,,",
    "care_proceedings_weeks,2020-09-30,year,ALL,33.0,,",
    "care_proceedings_weeks,2020-09-30,month,north,26,,",
    "care_proceedings_weeks,2020-09-30,quarter,north,99,,",
    "care_proceedings_weeks,2020-12-31,quarter,ALL,28.5,,",
    "care_proceedings_weeks,2021-03-31,year,ALL,27.0,,",
    # supervision: only an each_team target
    "supervision,2020-09-30,month,ALL,80,,",
    "supervision,2020-09-30,month,south,79.9,,",
])


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rules")
    plan_dir, data_dir = write_plan(root, {"targets.csv": TARGETS}, {"extract.csv": EXTRACT})
    path = root / "cip.duckdb"
    load(plan_dir, data_dir, path)
    return path


def summary(db: Path, as_at: str | None = None, team: str | None = None) -> dict:
    snap = open_snapshot(db)
    try:
        return build_summary(snap, date.fromisoformat(as_at) if as_at else None, team)
    finally:
        snap.close()


def measure(s: dict, measure_id: str) -> dict | None:
    found = [m for m in s["measures"] if m["measure_id"] == measure_id]
    assert len(found) <= 1
    return found[0] if found else None


def ratings(s: dict) -> dict:
    return {r["rec_id"]: (r["implementation"], r["impact"], r["rated_at"]) for r in s["recommendations"]}


# --------------------------------------------------------------------------- ratings at a date

def test_before_any_rating_every_rating_is_null(db):
    s = summary(db, "2020-06-29")
    assert ratings(s) == {"R1": (None, None, None), "R2": (None, None, None)}
    assert s["rag_counts"] == {"implementation": {"R": 0, "A": 0, "G": 0}, "impact": {"R": 0, "A": 0, "G": 0}}


@pytest.mark.parametrize("as_at", ["2020-06-30", "2020-07-15", "2020-09-29"])
def test_the_rating_at_a_date_is_the_latest_on_or_before_it(db, as_at):
    s = summary(db, as_at)
    assert ratings(s) == {"R1": ("A", None, "2020-06-30"), "R2": ("R", "R", "2020-06-30")}
    # a blank impact is "not yet judged": not counted
    assert s["rag_counts"] == {"implementation": {"R": 1, "A": 1, "G": 0}, "impact": {"R": 1, "A": 0, "G": 0}}


@pytest.mark.parametrize("as_at", ["2020-09-30", "2025-01-01"])
def test_a_rating_dated_on_the_as_at_date_counts(db, as_at):
    s = summary(db, as_at)
    assert ratings(s) == {"R1": ("G", "A", "2020-09-30"), "R2": ("A", "R", "2020-09-30")}
    assert s["rag_counts"] == {"implementation": {"R": 0, "A": 1, "G": 1}, "impact": {"R": 1, "A": 1, "G": 0}}


def test_the_default_as_at_is_the_latest_data(db):
    s = summary(db)
    assert s["as_at"] == "2021-04-30"
    assert measure(s, "assessment_timeliness")["latest_period_end"] == "2021-04-30"


def test_recommendations_come_in_plan_order_with_titles(db):
    s = summary(db, "2020-09-30")
    assert [r["rec_id"] for r in s["recommendations"]] == ["R1", "R2"]
    assert s["recommendations"][0]["title"] == "Improve the timeliness of assessments"


# --------------------------------------------------------------------------- next target

@pytest.mark.parametrize("as_at, period_end, target_date, target", [
    ("2020-03-15", "2020-02-29", "2020-03-31", 85.0),   # the earliest target on or after P
    ("2020-03-31", "2020-03-31", "2020-03-31", 85.0),   # a target dated P counts
    ("2020-04-30", "2020-04-30", "2021-03-31", 90.0),   # next one; authority beats each_team for ALL
    ("2021-03-31", "2021-03-31", "2021-03-31", 90.0),
    ("2021-04-30", "2021-04-30", "2021-03-31", 90.0),   # none on or after P: the latest
])
def test_the_next_target_for_the_authority_figure(db, as_at, period_end, target_date, target):
    m = measure(summary(db, as_at), "assessment_timeliness")
    assert (m["latest_period_end"], m["target_date"], m["target"]) == (period_end, target_date, target)


@pytest.mark.parametrize("as_at, period_end, value, target_date, target", [
    # teams read each_team targets only: the 2020 authority target is not theirs
    ("2020-03-15", "2020-02-29", 96.0, "2021-03-31", 95.0),
    ("2020-09-30", "2020-09-30", 97.0, "2021-03-31", 95.0),   # each_team wins for teams on the shared date
    ("2021-04-30", "2021-04-30", 94.9, "2021-03-31", 95.0),   # none on or after P: the latest
])
def test_the_next_target_for_a_team_figure(db, as_at, period_end, value, target_date, target):
    m = measure(summary(db, as_at, "north"), "assessment_timeliness")
    assert m["team_id"] == "north"
    assert (m["latest_period_end"], m["latest_value"], m["target_date"], m["target"]) == \
        (period_end, value, target_date, target)


def test_an_each_team_target_also_applies_to_the_authority_figure(db):
    auth = measure(summary(db, "2020-09-30"), "supervision")
    team = measure(summary(db, "2020-09-30", "south"), "supervision")
    assert (auth["target_date"], auth["target"], auth["target_met"]) == ("2021-03-31", 80.0, True)
    assert (team["target_date"], team["target"], team["target_met"]) == ("2021-03-31", 80.0, False)


def test_an_earlier_authority_target_comes_before_a_later_each_team_one(db):
    auth = measure(summary(db, "2020-09-30"), "care_proceedings_weeks")
    team = measure(summary(db, "2020-09-30", "north"), "care_proceedings_weeks")
    assert (auth["target_date"], auth["target"]) == ("2020-12-31", 28.0)
    assert (team["target_date"], team["target"]) == ("2021-03-31", 26.0)


def test_a_measure_without_targets_has_null_target_fields(tmp_path):
    plan_dir, data_dir = write_plan(tmp_path)  # the builder's supervision has no target
    load(plan_dir, data_dir, tmp_path / "db.duckdb")
    m = measure(summary(tmp_path / "db.duckdb"), "supervision")
    assert (m["target"], m["target_date"], m["target_met"]) == (None, None, None)
    assert m["latest_value"] == pytest.approx(80.0)


def test_a_team_figure_has_no_target_when_only_authority_targets_exist(tmp_path):
    targets = "measure_id,target_date,target,applies_to\nsupervision,2021-03-31,70,authority\n"
    extract = HEADER + "supervision,2020-09-30,month,ALL,80,,\nsupervision,2020-09-30,month,south,75,,\n"
    plan_dir, data_dir = write_plan(tmp_path, {"targets.csv": targets}, {"extract.csv": extract})
    load(plan_dir, data_dir, tmp_path / "db.duckdb")
    auth = measure(summary(tmp_path / "db.duckdb"), "supervision")
    team = measure(summary(tmp_path / "db.duckdb", team="south"), "supervision")
    assert (auth["target"], auth["target_met"]) == (70.0, True)
    assert (team["target"], team["target_date"], team["target_met"]) == (None, None, None)


# --------------------------------------------------------------------------- met by polarity

@pytest.mark.parametrize("as_at, team, value, met", [
    ("2020-03-31", None, 85.0, True),      # equal to the target: met
    ("2020-04-30", None, 89.9, False),     # below, higher is better
    ("2020-09-30", None, 94.0, True),
    ("2021-03-31", "north", 95.0, True),
    ("2021-04-30", "north", 94.9, False),
])
def test_met_when_at_or_above_for_higher_better(db, as_at, team, value, met):
    m = measure(summary(db, as_at, team), "assessment_timeliness")
    assert (m["latest_value"], m["target_met"]) == (value, met)


@pytest.mark.parametrize("as_at, team, value, target, met", [
    ("2020-08-31", None, 29.0, 28.0, False),  # above, lower is better
    ("2020-09-30", None, 28.0, 28.0, True),   # equal: met
    ("2020-09-30", "north", 26.0, 26.0, True),
    # at 2021-03-31 the only target on or after P is the each_team one: it binds ALL too
    ("2021-03-31", None, 27.0, 26.0, False),
])
def test_met_when_at_or_below_for_lower_better(db, as_at, team, value, target, met):
    m = measure(summary(db, as_at, team), "care_proceedings_weeks")
    assert (m["latest_value"], m["target"], m["target_met"]) == (value, target, met)


def test_a_worked_out_percentage_exactly_on_target_is_met(tmp_path):
    targets = PLAN["targets.csv"] + "supervision,2021-03-31,70,authority,\n"
    extract = HEADER + "supervision,2020-09-30,month,ALL,,7,10\n"
    plan_dir, data_dir = write_plan(tmp_path, {"targets.csv": targets}, {"extract.csv": extract})
    load(plan_dir, data_dir, tmp_path / "db.duckdb")
    m = measure(summary(tmp_path / "db.duckdb"), "supervision")
    assert m["latest_value"] == pytest.approx(70.0) and m["target_met"] is True  # 100 * 7 / 10 = 70.00000000000001


# --------------------------------------------------------------------------- period types

@pytest.mark.parametrize("as_at, period_end, period_type, value", [
    ("2020-07-31", "2020-06-30", "quarter", 31.0),  # quarter and year on the same date: quarter
    ("2020-09-30", "2020-09-30", "month", 28.0),    # month, quarter and year: month
    ("2021-01-15", "2020-12-31", "quarter", 28.5),  # a later quarter beats an earlier month
    ("2021-06-30", "2021-03-31", "year", 27.0),     # only a year: the year
])
def test_the_shortest_period_wins_at_the_latest_period_end(db, as_at, period_end, period_type, value):
    m = measure(summary(db, as_at), "care_proceedings_weeks")
    assert (m["latest_period_end"], m["period_type"], m["latest_value"]) == (period_end, period_type, value)


# --------------------------------------------------------------------------- team range

def test_team_min_and_max_are_for_the_same_period_end(db):
    assert (lambda m: (m["team_min"], m["team_max"]))(measure(summary(db, "2020-09-30"), "assessment_timeliness")) \
        == (91.0, 97.0)
    m = measure(summary(db, "2020-08-31"), "assessment_timeliness")
    assert (m["latest_period_end"], m["team_min"], m["team_max"]) == ("2020-08-31", 80.0, 90.0)
    m = measure(summary(db, "2021-04-30"), "assessment_timeliness")
    assert (m["team_min"], m["team_max"]) == (94.9, 99.0)


def test_team_range_is_null_without_team_rows(db):
    m = measure(summary(db, "2020-04-30"), "assessment_timeliness")  # only ALL at 2020-04-30
    assert (m["team_min"], m["team_max"]) == (None, None)


def test_team_range_is_of_the_period_type_shown(db):
    m = measure(summary(db, "2020-09-30"), "care_proceedings_weeks")
    # north's quarterly 99 at the same date is not a monthly figure
    assert (m["period_type"], m["team_min"], m["team_max"]) == ("month", 26.0, 26.0)


def test_a_team_summary_shows_that_teams_figures_with_the_same_range(db):
    m = measure(summary(db, "2020-09-30", "south"), "assessment_timeliness")
    assert (m["team_id"], m["latest_value"], m["team_min"], m["team_max"]) == ("south", 91.0, 91.0, 97.0)


def test_only_measures_with_data_on_or_before_the_date_are_listed(db):
    assert [m["measure_id"] for m in summary(db, "2020-08-31")["measures"]] == \
        ["assessment_timeliness", "care_proceedings_weeks"]
    assert summary(db, "2019-12-31")["measures"] == []
    # a team with no figures for a measure has no entry for it
    assert [m["measure_id"] for m in summary(db, "2020-09-30", "south")["measures"]] == \
        ["assessment_timeliness", "supervision"]


# --------------------------------------------------------------------------- the command line

def cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "CIPDASH_DB"}
    full_env["PYTHONPATH"] = str(PROJECT)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "cipdash", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or PROJECT, timeout=120)


def test_summary_json_through_the_command_line(db):
    out = cli("summary", "--db", str(db), "--json", "--as-at", "2020-09-30")
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert s["as_at"] == "2020-09-30"
    first = {"rec_id": "R1", "title": "Improve the timeliness of assessments", "implementation": "G",
             "impact": "A", "rated_at": "2020-09-30"}
    assert {k: s["recommendations"][0][k] for k in first} == first
    assert s["rag_counts"] == {"implementation": {"R": 0, "A": 1, "G": 1}, "impact": {"R": 1, "A": 1, "G": 0}}
    m = measure(s, "assessment_timeliness")
    expected = {"measure_id": "assessment_timeliness", "team_id": "ALL", "latest_period_end": "2020-09-30",
                "latest_value": 94.0, "target_date": "2021-03-31", "target": 90.0, "target_met": True,
                "team_min": 91.0, "team_max": 97.0}
    assert {k: m[k] for k in expected} == expected


def test_summary_json_for_a_team_with_a_uk_as_at_date(db):
    out = cli("summary", "--db", str(db), "--json", "--as-at", "31/08/2020", "--team", "north")
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert s["as_at"] == "2020-08-31"
    m = measure(s, "assessment_timeliness")
    expected = {"team_id": "north", "latest_period_end": "2020-08-31", "latest_value": 90.0,
                "target_date": "2021-03-31", "target": 95.0, "target_met": False, "team_min": 80.0, "team_max": 90.0}
    assert {k: m[k] for k in expected} == expected


def test_summary_json_at_a_month(db):
    s = json.loads(cli("summary", "--db", str(db), "--json", "--as-at", "2020-08").stdout)
    assert s["as_at"] == "2020-08-31"


def test_cipdash_db_names_the_database_and_db_wins_over_it(tmp_path):
    plan_dir, data_dir = write_plan(tmp_path / "a")
    extract_b = HEADER + "supervision,2020-09-30,month,ALL,60,,\n"
    plan_b, data_b = write_plan(tmp_path / "b", extracts={"extract.csv": extract_b})
    env_db, option_db = tmp_path / "env.duckdb", tmp_path / "option.duckdb"

    out = cli("load", "--plan", str(plan_dir), "--data", str(data_dir), env={"CIPDASH_DB": str(env_db)})
    assert out.returncode == 0, out.stderr
    assert env_db.exists() and not option_db.exists()
    out = cli("load", "--plan", str(plan_b), "--data", str(data_b), "--db", str(option_db),
              env={"CIPDASH_DB": str(env_db)})
    assert out.returncode == 0, out.stderr
    assert option_db.exists()

    def supervision(*args):
        out = cli("summary", "--json", *args, env={"CIPDASH_DB": str(env_db)})
        assert out.returncode == 0, out.stderr
        return measure(json.loads(out.stdout), "supervision")["latest_value"]

    assert supervision() == pytest.approx(80.0)                       # $CIPDASH_DB
    assert supervision("--db", str(option_db)) == pytest.approx(60.0)  # --db wins

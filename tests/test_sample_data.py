"""The committed sample data is exactly what tools/make_sample_data.py writes,
and it keeps the data contract's invariants (docs: /work/shared/data-contract.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / "tools" / "make_sample_data.py"

# The files the generator owns (relative to the repository root).
PLAN_FILES = ["cip_data/plan.toml", "cip_data/recommendations.csv",
              "cip_data/ratings.csv", "cip_data/measures.csv",
              "cip_data/targets.csv", "cip_data/teams.csv",
              "cip_data/inspections.csv"]
EXTRACT_FILES = ["data/mosaic_2018-19.csv", "data/mosaic_2019-20.csv",
                 "data/mosaic_2020-21.csv", "data/audits.csv",
                 "data/plo_tracker.csv", "data/workforce.csv",
                 "data/annual_returns.csv"]
BENCHMARK_FILES = ["data/benchmarks/england.csv"]
ALL_FILES = PLAN_FILES + EXTRACT_FILES + BENCHMARK_FILES

EXTRACT_COLUMNS = ["measure_id", "period_end", "period_type", "team_id",
                   "value", "numerator", "denominator"]


def run_generator(out_dir: Path) -> set[str]:
    subprocess.run([sys.executable, str(GENERATOR), str(out_dir)], check=True,
                   capture_output=True, text=True)
    return {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    run_generator(out)
    return out


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


def load(name: str) -> list[dict]:
    return read_csv(REPO / name)[1]


def extract_rows() -> list[dict]:
    rows = []
    for name in EXTRACT_FILES:
        for r in load(name):
            rows.append(dict(r, _file=name))
    return rows


def month_ends() -> list[str]:
    out, year, month = [], 2018, 4
    while (year, month) <= (2021, 3):
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        out.append((nxt - dt.timedelta(days=1)).isoformat())
        year, month = nxt.year, nxt.month
    return out


# --- the committed files are the generator's output ------------------------

def test_generator_writes_exactly_the_expected_files(generated):
    written = {p.relative_to(generated).as_posix() for p in generated.rglob("*") if p.is_file()}
    assert written == set(ALL_FILES)


@pytest.mark.parametrize("name", ALL_FILES)
def test_committed_file_matches_generator(generated, name):
    committed = REPO / name
    assert committed.exists(), f"{name} is not committed; run tools/make_sample_data.py"
    assert committed.read_bytes() == (generated / name).read_bytes(), (
        f"{name} differs from the generator's output; rerun tools/make_sample_data.py")


def test_generator_is_deterministic(generated, tmp_path):
    run_generator(tmp_path)
    for name in ALL_FILES:
        assert (tmp_path / name).read_bytes() == (generated / name).read_bytes(), name


# --- format ----------------------------------------------------------------

@pytest.mark.parametrize("name", ALL_FILES)
def test_utf8_no_bom_lf(name):
    raw = (REPO / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")
    assert b"\r" not in raw


def test_plan_toml_names_a_fictional_authority():
    plan = tomllib.loads((REPO / "cip_data/plan.toml").read_text(encoding="utf-8"))
    assert plan["name"] and plan["authority"] == "Wessexshire County Council"


def test_plan_file_columns():
    expected = {
        "cip_data/recommendations.csv": ["rec_id", "title", "source", "aim", "lead", "sort_order"],
        "cip_data/ratings.csv": ["rec_id", "as_at", "implementation", "impact", "evidence", "further_actions"],
        "cip_data/measures.csv": ["measure_id", "name", "unit", "polarity", "rec_id", "definition", "tolerance"],
        "cip_data/targets.csv": ["measure_id", "target_date", "target", "applies_to", "note"],
        "cip_data/teams.csv": ["team_id", "team_name", "service_area", "head_of_service"],
        "cip_data/inspections.csv": ["date", "framework", "area", "grade"],
        "data/benchmarks/england.csv": ["measure_id", "period_end", "period_type", "comparator", "value"],
    }
    for name, columns in expected.items():
        assert read_csv(REPO / name)[0] == columns, name
    for name in EXTRACT_FILES:
        assert read_csv(REPO / name)[0] == EXTRACT_COLUMNS, name


def test_dates_are_iso():
    def iso(text):
        assert dt.date.fromisoformat(text).isoformat() == text
    for r in load("cip_data/ratings.csv"):
        iso(r["as_at"])
    for r in load("cip_data/targets.csv"):
        iso(r["target_date"])
    for r in load("cip_data/inspections.csv"):
        iso(r["date"])
    for r in extract_rows() + load("data/benchmarks/england.csv"):
        iso(r["period_end"])


# --- the plan --------------------------------------------------------------

def test_recommendations_and_ratings():
    recs = load("cip_data/recommendations.csv")
    assert len(recs) == 6
    rec_ids = {r["rec_id"] for r in recs}
    assert len(rec_ids) == 6
    assert all(r["title"] and r["source"] and r["aim"] and r["lead"] for r in recs)

    ratings = load("cip_data/ratings.csv")
    quarter_ends = ["2019-06-30", "2019-09-30", "2019-12-31", "2020-03-31",
                    "2020-06-30", "2020-09-30", "2020-12-31", "2021-03-31"]
    keys = [(r["rec_id"], r["as_at"]) for r in ratings]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(rec, d) for rec in rec_ids for d in quarter_ends}
    for r in ratings:
        assert r["implementation"] in {"R", "A", "G"}
        assert r["impact"] in {"R", "A", "G", ""}
        assert r["evidence"] and r["further_actions"]
        if r["as_at"] >= "2019-12-31":
            assert r["impact"], "impact is judged from the third quarter"
    # Text that exercises CSV quoting: a line break, and a comma with quotes.
    assert any("\n" in r["evidence"] for r in ratings)
    assert any("," in r["evidence"] and '"' in r["evidence"] for r in ratings)
    # At least one rating gets worse between quarters.
    order = {"R": 0, "A": 1, "G": 2}
    by_rec = defaultdict(list)
    for r in sorted(ratings, key=lambda r: r["as_at"]):
        by_rec[r["rec_id"]].append(order[r["implementation"]])
    assert any(b < a for seq in by_rec.values() for a, b in zip(seq, seq[1:]))


def test_measures():
    measures = load("cip_data/measures.csv")
    ids = [m["measure_id"] for m in measures]
    assert len(ids) == len(set(ids))
    for required in ["assessment_timeliness", "seen_within_5_days", "contacts_3_days",
                     "supervision_compliance", "pre_proceedings_weeks",
                     "care_proceedings_weeks", "audit_good_or_better", "audit_inadequate",
                     "cic_up_to_date_plan", "pathway_plans_16plus",
                     "permanence_by_second_review", "statutory_visits_timescale",
                     "sw_vacancy_rate", "vacant_posts", "agency_rate", "average_caseload"]:
        assert required in ids
    rec_ids = {r["rec_id"] for r in load("cip_data/recommendations.csv")}
    for m in measures:
        assert m["unit"] in {"percent", "weeks", "days", "count", "rate", "number"}
        assert m["polarity"] in {"higher_better", "lower_better"}
        assert set(m["rec_id"].split(";")) <= rec_ids
        if m["tolerance"]:
            assert float(m["tolerance"]) > 0
    assert any(";" in m["rec_id"] for m in measures)


def test_targets():
    measure_ids = {m["measure_id"] for m in load("cip_data/measures.csv")}
    targets = load("cip_data/targets.csv")
    keys = [(t["measure_id"], t["target_date"], t["applies_to"]) for t in targets]
    assert len(keys) == len(set(keys))
    for t in targets:
        assert t["measure_id"] in measure_ids
        assert t["applies_to"] in {"authority", "each_team"}
        float(t["target"])
    assert any(t["target_date"] == "2020-07-31" for t in targets)
    assert any(t["applies_to"] == "each_team" for t in targets)
    kinds = defaultdict(set)
    for t in targets:
        kinds[(t["measure_id"], t["target_date"])].add(t["applies_to"])
    assert any(k == {"authority", "each_team"} for k in kinds.values())


def test_teams_and_inspections():
    teams = load("cip_data/teams.csv")
    assert len(teams) == 12
    assert len({t["team_id"] for t in teams}) == 12
    assert "ALL" not in {t["team_id"] for t in teams}
    assert len({t["service_area"] for t in teams}) >= 4
    inspections = load("cip_data/inspections.csv")
    assert {i["framework"] for i in inspections} >= {"SIF", "ILACS"}


# --- the extracts ----------------------------------------------------------

def test_no_duplicate_keys_across_extracts():
    keys = Counter((r["measure_id"], r["team_id"], r["period_end"], r["period_type"])
                   for r in extract_rows())
    assert [k for k, n in keys.items() if n > 1] == []


def test_extract_ids_exist_in_plan():
    measure_ids = {m["measure_id"] for m in load("cip_data/measures.csv")}
    team_ids = {t["team_id"] for t in load("cip_data/teams.csv")}
    for r in extract_rows() + load("data/benchmarks/england.csv"):
        assert r["measure_id"] in measure_ids
    for r in extract_rows():
        assert r["team_id"] == "ALL" or r["team_id"] in team_ids
        assert r["period_type"] in {"month", "quarter", "year"}


def test_values_in_range_and_consistent():
    units = {m["measure_id"]: m["unit"] for m in load("cip_data/measures.csv")}
    for r in extract_rows():
        where = (r["_file"], r["measure_id"], r["team_id"], r["period_end"])
        assert r["value"] != "" or (r["numerator"] != "" and r["denominator"] != ""), where
        if r["value"] != "":
            value = float(r["value"])
            assert value >= 0, where
            if units[r["measure_id"]] == "percent":
                assert value <= 100, where
            if units[r["measure_id"]] == "count":
                assert r["value"] == str(int(r["value"])), where
        if r["numerator"] != "" or r["denominator"] != "":
            num, den = int(r["numerator"]), int(r["denominator"])
            assert 0 <= num <= den and den > 0, where
            assert abs(float(r["value"]) - 100.0 * num / den) <= 0.05 + 1e-9, where
    for r in load("data/benchmarks/england.csv"):
        assert 0 <= float(r["value"]) <= (100 if units[r["measure_id"]] == "percent" else 1e6)


def test_all_row_is_sum_of_teams():
    totals = defaultdict(lambda: [0, 0])
    alls = {}
    for r in extract_rows():
        if r["numerator"] == "":
            continue
        key = (r["measure_id"], r["period_end"], r["period_type"])
        if r["team_id"] == "ALL":
            alls[key] = (int(r["numerator"]), int(r["denominator"]))
        else:
            totals[key][0] += int(r["numerator"])
            totals[key][1] += int(r["denominator"])
    assert totals, "expected team-level numerators"
    for key, (num, den) in totals.items():
        assert alls[key] == (num, den), key


def test_36_months_of_monthly_data():
    expected = month_ends()
    assert len(expected) == 36 and expected[0] == "2018-04-30" and expected[-1] == "2021-03-31"
    by_measure = defaultdict(set)
    for r in extract_rows():
        if r["period_type"] == "month" and r["team_id"] == "ALL":
            by_measure[r["measure_id"]].add(r["period_end"])
    assert len(by_measure) >= 14
    for measure_id, periods in by_measure.items():
        assert sorted(periods) == expected, measure_id


def test_quarterly_and_annual_series():
    rows = extract_rows()
    quarters = {r["period_end"] for r in rows if r["period_type"] == "quarter"}
    assert quarters and all(d[5:7] in {"03", "06", "09", "12"} for d in quarters)
    assert any(r["period_type"] == "year" for r in rows)


def test_small_counts_present_for_suppression():
    assert any(1 <= int(r["denominator"]) <= 5 for r in extract_rows()
               if r["denominator"] != "" and r["team_id"] != "ALL")


def test_teams_spread():
    # The committee papers' "teams range from 71.4% to 97.2%": keep a real spread.
    values = [float(r["value"]) for r in extract_rows()
              if r["measure_id"] == "assessment_timeliness" and r["team_id"] != "ALL"
              and r["period_end"] == "2020-09-30"]
    assert max(values) - min(values) >= 15

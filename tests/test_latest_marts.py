"""The latest-figure rule, written once in the latest_by_month mart (marts/06_latest_by_month.sql,
built at load so that an as-at change reads one month's rows), and what reads it.

The reference here is written independently, in pandas, from the figures as loaded: for
each measure and team, the figures with a value on or before the as-at date; in each
period type the newest and the one before it; the series with the newest period end, the
shortest period type on a tie. It is compared with latest_figures.sql (what summary --json
and the Teams page read) on random plans with gaps, quarterly and annual
figures sharing period ends with monthly ones, at every month end, at dates inside months,
before the first figure and after the last; and with the pack's sentences (narrative.latest_of).
Target status and ratings at a date are checked against their rules here too.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from cipdash import queries
from cipdash.exports import narrative
from cipdash.db import open_snapshot
from cipdash.store import load
from cipdash.targets import meets, status, statuses
from plan_builder import PLAN, write_plan

HEADER = "measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
TEAMS = ["north", "south", "east", "west"]
MEASURES = ["assessment_timeliness", "care_proceedings_weeks", "supervision"]
TYPE_RANK = {"month": 1, "quarter": 2, "year": 3}
COMPARED = ["measure_id", "team_id", "latest_period_end", "period_type", "latest_value", "previous_value",
            "previous_period_end", "numerator", "denominator"]


def month_ends(first: date, count: int) -> list[date]:
    out, y, m = [], first.year, first.month
    for _ in range(count):
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        out.append(nxt - timedelta(days=1))
        y, m = nxt.year, nxt.month
    return out


def random_extract(seed: int) -> str:
    rng = random.Random(seed)
    ends = month_ends(date(2019, 4, 1), 24)
    rows = []
    for measure in MEASURES:
        for team in ["ALL"] + TEAMS:
            start = rng.randrange(0, 6)
            for i, end in enumerate(ends[start:], start):
                if rng.random() < 0.2:
                    continue  # a month not sent
                num = rng.randrange(50, 100)
                rows.append(f"{measure},{end.isoformat()},month,{team},,{num},100")
                if end.month in (3, 6, 9, 12) and team != "west" and rng.random() < 0.6:
                    rows.append(f"{measure},{end.isoformat()},quarter,{team},{rng.randrange(50, 100)},,")
                if end.month == 3 and rng.random() < 0.7:
                    rows.append(f"{measure},{end.isoformat()},year,{team},{rng.randrange(50, 100)},,")
        # west's quarterly figures stop a year before its monthly ones
        for end in ends[2:14:3]:
            rows.append(f"{measure},{end.isoformat()},quarter,west,{rng.randrange(50, 100)},,")
    return HEADER + "".join(r + "\n" for r in rows)


TEAMS_CSV = "team_id,team_name,service_area,head_of_service\n" + "".join(
    f"{t},{t.title()} Team,{'First Response' if t in ('north', 'south') else 'Localities'},Head\n" for t in TEAMS)


@contextmanager
def loaded(tmp_path, seed: int, plan: dict[str, str] | None = None):
    """A snapshot of a random plan's database: random_extract(seed), TEAMS_CSV, and any
    other plan files given in `plan` (file name -> text)."""
    plan_dir, data_dir = write_plan(tmp_path, {"teams.csv": TEAMS_CSV} | (plan or {}),
                                    {"extract.csv": random_extract(seed)})
    db = tmp_path / "db.duckdb"
    load(plan_dir, data_dir, db)
    snap = open_snapshot(db)
    try:
        yield snap
    finally:
        snap.close()


def reference(figures: pd.DataFrame, as_at: date, teams: list[str]) -> pd.DataFrame:
    rows = []
    seen = figures[(figures["period_end"] <= pd.Timestamp(as_at)) & figures["value"].notna()
                   & figures["team_id"].isin(teams)]
    for (measure, team), group in seen.groupby(["measure_id", "team_id"]):
        best = None
        for period_type, series in group.groupby("period_type"):
            series = series.sort_values("period_end")
            last = series.iloc[-1]
            prev = series.iloc[-2] if len(series) > 1 else None
            key = (last["period_end"], -TYPE_RANK[period_type])
            if best is None or key > best[0]:
                best = (key, {"measure_id": measure, "team_id": team, "latest_period_end": last["period_end"],
                              "period_type": period_type, "latest_value": last["value"],
                              "previous_value": None if prev is None else prev["value"],
                              "previous_period_end": None if prev is None else prev["period_end"],
                              "numerator": last["numerator"], "denominator": last["denominator"]})
        rows.append(best[1])
    return pd.DataFrame(rows, columns=COMPARED)


def _comparable(frame: pd.DataFrame) -> list[tuple]:
    out = []
    for r in frame[COMPARED].itertuples(index=False):
        out.append(tuple(None if (v is None or (not isinstance(v, str) and pd.isna(v))) else
                         (pd.Timestamp(v).date() if isinstance(v, (pd.Timestamp, np.datetime64, date)) else
                          round(float(v), 9) if isinstance(v, (float, int, np.floating, np.integer)) else v)
                         for v in r))
    return sorted(out, key=repr)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_marts_give_what_reading_each_series_gives(tmp_path, seed):
    with loaded(tmp_path, seed, {"measures.csv": PLAN["measures.csv"]}) as snap:
        figures = snap.execute("select measure_id, team_id, period_end, period_type, value, numerator, "
                               "denominator from observations")
        ends = month_ends(date(2019, 1, 1), 34)  # from before the first figure to after the last
        dates = ends + [e - timedelta(days=10) for e in ends[::3]]
        scopes = [["ALL"], ["north"], ["west"], TEAMS, ["ALL"] + TEAMS]
        checked = 0
        for as_at in dates:
            for scope in scopes:
                got = snap.query("latest_figures", as_at=as_at, teams=scope)
                want = reference(figures, as_at, scope)
                assert _comparable(got) == _comparable(want), (as_at, scope)
                checked += len(want)
        assert checked > 1000  # the comparison covered real rows, not empty frames


def test_the_pages_latest_figures_are_the_querys(tmp_path):
    """queries.latest_figures_for (with the status and worsening the pages add) reads the
    same rows as the SQL, for teams and for the whole authority (its per-version copy)."""
    with loaded(tmp_path, 7) as snap:
        for as_at in month_ends(date(2019, 3, 1), 26):
            for scope in (("ALL",), ("north", "east"), tuple(TEAMS)):
                got = queries.latest_figures_for(snap, as_at, scope)
                sql = snap.query("latest_figures", as_at=as_at, teams=list(scope))
                assert _comparable(got) == _comparable(sql)
                want = [status(v, t, p, tol) for v, t, p, tol in
                        zip(sql["latest_value"], sql["target"], sql["polarity"], sql["tolerance"])]
                words = [None if not isinstance(v, str) else v for v in got["status"]]  # NaN or None
                assert sorted(map(repr, words)) == sorted(map(repr, want))


@pytest.mark.parametrize("value, target, polarity, tolerance, want", [
    (95.0, 95.0, "higher_better", None, "met"),
    (95.00000000000001, 95.0, "higher_better", None, "met"),
    (94.999999999999, 95.0, "higher_better", None, "met"),      # float noise counts as on it
    (94.9, 95.0, "higher_better", None, "not_met"),
    (93.0, 95.0, "higher_better", 2.0, "within_tolerance"),
    (92.9, 95.0, "higher_better", 2.0, "not_met"),
    (93.0, 95.0, "higher_better", 0.0, "not_met"),             # no amber band
    (93.0, 95.0, "higher_better", -1.0, "not_met"),
    (20.0, 26.0, "lower_better", None, "met"),
    (27.0, 26.0, "lower_better", 1.0, "within_tolerance"),
    (27.5, 26.0, "lower_better", 1.0, "not_met"),
    (12.0, 10.0, "neutral", None, "met"),
    (None, 95.0, "higher_better", 2.0, None),
    (95.0, None, "higher_better", 2.0, None),
    (float("nan"), 95.0, "higher_better", None, None),
])
def test_target_status_one_rule_for_one_figure_and_for_columns(value, target, polarity, tolerance, want):
    assert status(value, target, polarity, tolerance) == want
    def three(x):
        return np.array([float("nan") if x is None else x] * 3)

    column = statuses(three(value), three(target), np.array([polarity] * 3, dtype=object), three(tolerance))
    assert column == [want] * 3
    assert meets(value, target, polarity) == (None if want is None else want == "met")


@pytest.mark.parametrize("seed", [4, 11])
def test_the_lean_team_rows_are_the_full_querys_columns(tmp_path, seed):
    """queries.team_latest_rows (the Teams page's table and a team's SPC readings) reads a
    few columns of latest_by_month and joins the plan in memory: the same rows, values, order
    and status as latest_figures.sql with the status the pages add, at month ends, dates
    inside months, before the first figure and after the last."""
    with loaded(tmp_path, seed) as snap:
        ends = month_ends(date(2019, 1, 1), 34)
        checked = 0
        for as_at in ends + [e - timedelta(days=9) for e in ends[::2]]:
            for scope in (("north",), ("west",), ("south", "east"), tuple(TEAMS), ()):
                got = queries.team_latest_rows(snap, as_at, scope)
                full = snap.query("latest_figures", as_at=as_at, teams=list(scope))
                full["status"] = statuses(full["latest_value"].to_numpy(float), full["target"].to_numpy(float),
                                          full["polarity"].to_numpy(object), full["tolerance"].to_numpy(float))
                want = full[queries.TEAM_ROW_COLUMNS].reset_index(drop=True)
                assert list(got.columns) == queries.TEAM_ROW_COLUMNS
                # the same values in the same order (the Teams table takes the last team's target)
                pd.testing.assert_frame_equal(got, want, check_dtype=False, check_index_type=False)
                checked += len(want)
        assert checked > 500  # real rows were compared, not empty frames


def _live_card_readings(snap, as_at):
    """The SPC read for that very date (not its month end)."""
    readings = queries._readings(snap, as_at, "ALL")  # the authority's series up to as_at
    return {m: queries.CardReading.of(r) for m, r in readings.items()}


@pytest.mark.parametrize("seed", [2, 9])
def test_the_card_readings_are_the_live_reading_at_every_date(tmp_path, seed):
    """The cards' readings (worked out once per month end, queries.card_readings) give each
    card the variation, assurance and narrative that reading the series for the very date
    gives, at every month end, dates inside months, before the first figure and after the
    last; with a rebase date."""
    rebase = "measure_id,rebase_date,reason\nassessment_timeliness,2020-03-31,New process\n"
    with loaded(tmp_path, seed, {"spc_rebase.csv": rebase}) as snap:
        ends = month_ends(date(2019, 1, 1), 34)
        compared = 0
        for as_at in ends + [e - timedelta(days=12) for e in ends[::2]]:
            got = queries.card_readings(snap, as_at)
            want = _live_card_readings(snap, as_at)
            assert got == want, as_at
            compared += sum(r.variation is not None for r in want.values())
        assert compared > 50  # real readings with a variation were compared
        assert len(snap.query("spc_rebase")) == 1  # the rebase date was read


def stepped_extract(seed: int) -> str:
    """random_extract(seed) with assessment timeliness stepping up from ~60% to ~95% in April
    2020: whether limits restarted there are read changes the variation."""
    rng = random.Random(seed)
    lines = random_extract(seed).splitlines()
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == "assessment_timeliness" and cells[2] == "month":
            cells[4], cells[5] = "", str(rng.randrange(55, 66) if cells[1] < "2020-04" else rng.randrange(90, 99))
            lines[i] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [2, 9])
def test_a_teams_variations_are_its_readings_variations(tmp_path, seed):
    """The Teams table's variation for one team (analysis.variations, without forecasts and
    words) is the full reading's, for every team and month, with limits restarted."""
    from cipdash import analysis

    rebase = "measure_id,rebase_date,reason\nassessment_timeliness,2020-03-31,New process\n"
    plan_dir, data_dir = write_plan(tmp_path, {"teams.csv": TEAMS_CSV, "spc_rebase.csv": rebase},
                                    {"extract.csv": stepped_extract(seed)})
    load(plan_dir, data_dir, tmp_path / "db.duckdb")
    snap = open_snapshot(tmp_path / "db.duckdb")
    try:
        compared = 0
        for as_at in month_ends(date(2019, 1, 1), 34):
            for team in TEAMS + ["ALL"]:
                figures = snap.query("latest_figures", as_at=as_at, teams=[team])
                want = {m: r.variation for m, r in analysis.read_all(snap, as_at, team, figures).items()}
                assert analysis.variations(snap, as_at, team, figures) == want, (as_at, team)
                if team != "ALL":
                    assert queries._variations(snap, as_at, team) == want, (as_at, team)
                compared += sum(v is not None for v in want.values())
        assert compared > 100
    finally:
        snap.close()


@pytest.mark.parametrize("seed", [5])
def test_the_packs_sentence_reads_the_marts_latest_figure(tmp_path, seed):
    """narrative.latest_of finds, in a series' rows, the figure the mart chose (the pack's
    sentences quote it), the one before it and the one a year before it (same period type),
    as the independent reference picks them."""
    with loaded(tmp_path, seed) as snap:
        figures = snap.execute("select measure_id, team_id, period_end, period_type, value, numerator, "
                               "denominator from observations")
        checked = 0
        for as_at in month_ends(date(2019, 2, 1), 27)[::4] + [date(2021, 6, 30)]:
            chosen = queries.latest_figures_for(snap, as_at, ("ALL", *TEAMS))
            want = reference(figures, as_at, ["ALL", *TEAMS]).set_index(["measure_id", "team_id"])
            assert len(chosen) == len(want)
            for r in chosen.itertuples(index=False):
                series = queries.measure_series(snap, r.measure_id, as_at)
                points = series[series["team_id"] == r.team_id]
                got = narrative.latest_of(points, r.latest_period_end, r.period_type)
                ref = want.loc[(r.measure_id, r.team_id)]
                assert got.row["value"] == ref["latest_value"] and got.row["period_type"] == ref["period_type"]
                assert pd.Timestamp(got.row["period_end"]) == pd.Timestamp(ref["latest_period_end"])
                assert (got.previous is None) == pd.isna(ref["previous_value"])
                if got.previous is not None:
                    assert pd.Timestamp(got.previous["period_end"]) == pd.Timestamp(ref["previous_period_end"])
                    assert got.previous["period_type"] == r.period_type
                    assert got.previous["value"] == ref["previous_value"]
                if got.year_earlier is not None:
                    end = pd.Timestamp(got.row["period_end"]).date()
                    assert pd.Timestamp(got.year_earlier["period_end"]).date() == narrative.year_before(end)
                    assert got.year_earlier["period_type"] == r.period_type
                checked += 1
            assert narrative.latest_of(figures.iloc[0:0], None, None) is None
        assert checked > 50


def test_the_sentence_compares_a_quarterly_figure_with_quarters_only():
    """A quarter's figure chosen as the latest is compared with the quarter before it and the
    same quarter a year before, never with a month between them."""
    ends = pd.to_datetime(["2019-06-30", "2020-03-31", "2020-05-31", "2020-06-30", "2020-04-30"])
    points = pd.DataFrame({"period_end": ends, "period_type": ["quarter", "quarter", "month", "quarter", "month"],
                           "value": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=[10, 11, 12, 13, 14])
    got = narrative.latest_of(points, date(2020, 6, 30), "quarter")
    assert got.row.name == 13 and got.previous.name == 11 and got.year_earlier.name == 10
    assert narrative.latest_of(points, date(2020, 6, 30), "month") is None  # not a figure it holds


def test_ratings_at_a_date_are_each_recommendations_latest_two(sample_snap):
    """queries.ratings_at (ratings_at.sql) gives each recommendation its latest rating on or
    before the date and the one before it, with the movement, against a reference in pandas,
    on every day a rating changes, the day before, and before the first (the sample plan)."""
    snap = sample_snap
    ratings = snap.execute("select rec_id, as_at, implementation, impact from ratings")
    days = sorted(set(ratings["as_at"]))
    score = {"R": 0, "A": 1, "G": 2}
    compared = 0
    for day in [days[0] - pd.Timedelta(days=1)] + days + [d - pd.Timedelta(days=1) for d in days]:
        got = queries.ratings_at(snap, day.date()).set_index("rec_id")
        for rec_id, mine in ratings[ratings["as_at"] <= day].sort_values("as_at").groupby("rec_id"):
            cur, prev = mine.iloc[-1], (mine.iloc[-2] if len(mine) > 1 else None)
            row = got.loc[rec_id]
            word = (lambda v: None if pd.isna(v) else v)  # not yet judged: None on the page
            assert (pd.Timestamp(row["rated_at"]), row["implementation"], row["impact"]) == \
                (pd.Timestamp(cur["as_at"]), word(cur["implementation"]), word(cur["impact"]))
            if prev is None:
                assert pd.isna(row["previous_rated_at"]) and row["implementation_movement"] is None
                continue
            diff = score[cur["implementation"]] - score[prev["implementation"]]
            assert row["implementation_movement"] == ("improved" if diff > 0 else "worsened" if diff < 0
                                                      else "same")
            compared += 1
        unrated = set(got.index) - set(ratings.loc[ratings["as_at"] <= day, "rec_id"])
        assert all(got.loc[r, "implementation"] is None for r in unrated)  # None, never NaN
    assert compared > 20


def test_a_rating_not_yet_judged_reads_as_none_beside_judged_ones(tmp_path):
    """R1's impact is blank at 2020-06-30 while R2's is judged: the page reads None (never a
    NaN, which is truthy), and no movement from it."""
    with loaded(tmp_path, 3) as snap:
        got = queries.ratings_at(snap, date(2020, 7, 15)).set_index("rec_id")
        assert got.loc["R1", "impact"] is None and got.loc["R2", "impact"] == "R"
        later = queries.ratings_at(snap, date(2020, 9, 30)).set_index("rec_id")
        assert later.loc["R1", "previous_impact"] is None and later.loc["R1", "impact_movement"] is None
        assert later.loc["R2", "impact_movement"] == "same"

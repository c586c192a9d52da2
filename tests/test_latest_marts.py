"""The latest-figures marts (team_latest, authority_latest: built at load so that an as-at
change reads one month's rows) give exactly what reading each series' history gives.

The reference here is written independently, in pandas, from the figures as loaded: for
each measure and team, the figures with a value on or before the as-at date; in each
period type the newest and the one before it; the series with the newest period end, the
shortest period type on a tie. It is compared with latest_figures.sql (what summary --json
and the Teams page read) on random plans with gaps, quarterly and annual
figures sharing period ends with monthly ones, at every month end, at dates inside months,
before the first figure and after the last.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from cipdash import queries
from cipdash.db import open_snapshot
from cipdash.store import load
from cipdash.targets import status, statuses
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


def test_statuses_for_columns_are_status_for_each_figure():
    rng = np.random.default_rng(5)
    n = 4000
    values = rng.choice([np.nan, 80.0, 84.999999999, 85.0, 85.0000000001, 86.5, 90.0, 92.0], n)
    targets = rng.choice([np.nan, 85.0, 90.0, 87.0], n)
    polarities = rng.choice(np.array(["higher_better", "lower_better"], dtype=object), n)
    tolerances = rng.choice([np.nan, 0.0, 2.0, 5.0, -1.0], n)
    got = statuses(values, targets, polarities, tolerances)
    want = [status(None if np.isnan(v) else float(v), None if np.isnan(t) else float(t), p,
                   None if np.isnan(tol) else float(tol))
            for v, t, p, tol in zip(values, targets, polarities, tolerances)]
    assert got == want
    assert {"met", "within_tolerance", "not_met", None} <= set(got)


@pytest.mark.parametrize("seed", [4, 11])
def test_the_lean_team_rows_are_the_full_querys_columns(tmp_path, seed):
    """queries.team_latest_rows (the Teams page's table and a team's SPC readings) reads a
    few columns of team_latest and joins the plan in memory: the same rows, values, order
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
    """What the cards showed before the mart: the SPC read on the page for that date."""
    readings = queries._readings(snap, as_at, "ALL", queries.authority_series(snap, as_at))
    return {m: queries.CardReading.of(r) for m, r in readings.items()}


@pytest.mark.parametrize("seed", [2, 9])
def test_the_card_readings_mart_is_the_live_reading_at_every_date(tmp_path, seed):
    """The authority_card_readings mart (built at load) gives each card the variation,
    assurance and narrative that reading the series on the page gives, at every month end,
    dates inside months, before the first figure and after the last; with a rebase date."""
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
        assert snap.query("authority_card_readings")["as_at_month"].nunique() > 12
        assert len(snap.query("spc_rebase")) == 1  # the rebase date was read

"""The shortcuts the pages still take for speed give exactly what the plain way gives.

Each fast path (bisection instead of a mask, numpy runs instead of a Python loop, a
grid filled by hand instead of a pivot) is checked here against a plain reference
written in the test, on random inputs and on the sample data.
"""
from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cipdash import charts, queries, spc

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def snap(sample_snap):
    return sample_snap  # the session's sample database (tests/conftest.py)


def _month_end(k: int) -> pd.Timestamp:
    return pd.Timestamp(2020, 1, 31) + pd.offsets.MonthEnd(k)


def test_up_to_is_the_mask_in_every_order():
    rng = random.Random(3)
    for _ in range(1500):
        ends = sorted(_month_end(rng.randint(0, 30)) for _ in range(rng.randint(0, 9)))
        order = rng.choice(["up", "down", "mixed"])
        if order == "down":
            ends.reverse()
        elif order == "mixed":
            rng.shuffle(ends)
        frame = pd.DataFrame({"period_end": pd.Series(ends, dtype="datetime64[us]"),
                              "value": [rng.random() for _ in ends], "label": [str(i) for i in range(len(ends))]})
        for cut in [_month_end(-2), _month_end(15), _month_end(40)] + ends[:2]:
            plain = frame[(frame["period_end"] <= cut).to_numpy()].reset_index(drop=True)
            assert_frame_equal(queries._up_to(frame, cut.date()), plain)


def test_runs_at_least_a_length_are_the_long_ones_of_all_runs():
    def every_run(codes):
        out, start = [], 0
        for i in range(1, len(codes) + 1):
            if i == len(codes) or codes[i] != codes[start]:
                if codes[start] != 0:
                    out.append((int(codes[start]), start, i))
                start = i
        return out

    rng = np.random.default_rng(5)
    for _ in range(2000):
        codes = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=int(rng.integers(0, 40)),
                           p=[0.4, 0.2, 0.4])
        for k in (1, 6, 7):
            assert list(spc._runs(codes, k)) == [r for r in every_run(codes.tolist()) if r[2] - r[1] >= k]


def test_dates_are_read_and_checked_as_before():
    days = [date(2020, m, 28) for m in range(1, 7)]
    assert spc._as_dates(days, 6) == tuple(days)
    # datetimes, Timestamps, numpy dates and text still become dates
    mixed = [datetime(2020, 1, 28, 9), pd.Timestamp("2020-02-28"), np.datetime64("2020-03-28"), "2020-04-28"]
    assert spc._as_dates(mixed, 4) == tuple(days[:4])
    for bad in ([days[0], days[0]], [days[1], days[0]]):
        with pytest.raises(ValueError, match="strictly increasing"):
            spc._as_dates(bad, 2)
    with pytest.raises(ValueError, match="2 dates for 3 values"):
        spc._as_dates(days[:2], 3)


def _plain_heatmap_grid(series, team_names, months=12):
    df = series[(series["team_id"] != "ALL") & (series["period_type"] == "month")
                & series["team_id"].isin(list(team_names)) & series["value"].notna()].copy()
    df["period_end"] = pd.to_datetime(df["period_end"])
    recent = sorted(df["period_end"].unique())[-months:]
    grid = df[df["period_end"].isin(recent)].pivot(index="team_id", columns="period_end", values="value")
    return grid.reindex([t for t in team_names if t in grid.index])


def test_heat_map_grid_is_the_pivot(snap):
    teams = queries.teams(snap)
    names = dict(zip(teams["team_id"], teams["team_name"]))
    months = queries.available_months(snap)
    for measure_id in queries.measures(snap)["measure_id"]:
        m = queries._measure(snap, measure_id)
        for as_at in months[::4]:
            series = queries.measure_series(snap, measure_id, as_at)
            chart = charts.heatmap_chart(m, series, names, as_at)
            grid = _plain_heatmap_grid(series, names)
            if grid.empty:
                assert chart is None
                continue
            assert list(chart.data["team"]) == [names[t] for t in grid.index]
            np.testing.assert_array_equal(chart.data.drop(columns="team").to_numpy(float), grid.to_numpy(float))
            assert len(chart.data.columns) == len(grid.columns) + 1


def test_rating_history_is_the_filter_of_every_rating(snap):
    every = snap.query("all_ratings")
    months = queries.available_months(snap)
    for rec_id in list(queries.recommendations(snap)["rec_id"]) + ["no-such-recommendation"]:
        for as_at in months + [date(2000, 1, 31), date(2040, 1, 31), date(2020, 6, 15)]:
            plain = every[(every["rec_id"] == rec_id) & (every["as_at"] <= pd.Timestamp(as_at))]
            got = queries.rating_history(snap, rec_id, as_at)
            assert list(got.columns) == [c for c in every.columns if c != "rec_id"]
            assert len(got) == len(plain)
            assert list(got["as_at"]) == list(plain["as_at"])
            for kind in ("implementation", "impact"):
                assert [None if pd.isna(v) else v for v in got[kind]] == \
                       [None if pd.isna(v) else v for v in plain[kind]]
            # the timeline plots every rating of the history once, by date
            timeline = queries.chart_ratings(snap, rec_id, as_at)
            rated = sum(plain[k].notna().sum() for k in ("implementation", "impact"))
            assert len(timeline.data) == rated
            assert list(timeline.data["as_at"]) == sorted(timeline.data["as_at"])


def test_rows_of_a_frame_are_its_records():
    """speed.rows_of, on the frames a trend chart reads (text, dates, numbers, missing)."""
    from cipdash import speed

    rng = random.Random(8)
    for _ in range(300):
        n = rng.randint(0, 6)
        frame = pd.DataFrame({
            "team_id": pd.Series([rng.choice([None, "t1", "t2"]) for _ in range(n)], dtype="str"),
            "period_end": pd.Series([pd.Timestamp(2020, 1, 31) + pd.offsets.MonthEnd(rng.randint(0, 30))
                                     for _ in range(n)], dtype="datetime64[us]"),
            "value": [rng.choice([1.5, 2.0, float("nan")]) for _ in range(n)],
            "label": pd.Series([rng.choice(["a", "b", None]) for _ in range(n)], dtype=object),
        })
        got, want = speed.rows_of(frame), frame.to_dict("records")
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert list(g) == list(w)
            for k in w:
                same = (g[k] is w[k] or g[k] == w[k] or (pd.isna(g[k]) and pd.isna(w[k])))
                assert same and type(g[k]) is type(w[k]), (k, g[k], w[k])

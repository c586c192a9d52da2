"""The shortcuts the pages take for speed give exactly what the plain way gives.

Each fast path (bisection instead of a mask, numpy runs instead of a Python loop, a
grid filled by hand instead of a pivot, a frame built column by column, Arrow tables
made once, the garbage collector's settings) is checked here against a plain reference
written in the test, on random inputs and on the sample data.
"""
from __future__ import annotations

import gc
import random
from datetime import date, datetime, timedelta
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


def test_frame_by_columns_is_the_frame_of_records():
    rng = random.Random(8)
    columns = ["series", "team_id", "period_end", "value", "numerator"]
    for _ in range(500):
        rows = []
        for _ in range(rng.randint(1, 6)):
            row = {"series": rng.choice(["A", "B"]), "team_id": rng.choice([None, "t1"]),
                   "period_end": date(2020, 1, 1) + timedelta(days=rng.randint(0, 900)),
                   "value": rng.choice([1.5, 2.0, float("nan")])}
            if rng.random() < 0.5:
                row["numerator"] = rng.choice([None, 3.0, 4.0])
            rows.append(row)
        assert_frame_equal(charts._frame(rows, columns), pd.DataFrame(rows, columns=columns))
    assert_frame_equal(charts._frame([], columns), pd.DataFrame([], columns=columns))


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


def test_a_shown_table_is_converted_once_and_shows_the_same_values():
    pytest.importorskip("streamlit")
    from cipdash import webapp

    frame = pd.DataFrame({"Measure": ["a", "b"], "Value": [1.5, None], "When": [date(2020, 1, 31), None]})
    first = webapp._arrow_table(frame)
    assert webapp._arrow_table(frame) is first  # made once per frame
    # The table as shown: the same values, with dates as UK dates (cipdash/headings.py).
    shown = frame.astype({"Measure": object}).assign(When=["31 Jan 2020", ""])
    assert_frame_equal(first.to_pandas(), shown, check_dtype=False)
    key = id(frame)
    del frame
    gc.collect()
    assert key not in webapp._ARROW_TABLES  # forgotten with its frame


def test_the_dashboard_process_collects_garbage_less_often_but_still_collects():
    pytest.importorskip("streamlit")
    from cipdash import webapp

    assert gc.get_threshold()[0] >= webapp.GC_GEN0_THRESHOLD
    assert gc.isenabled()

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a reference cycle, garbage once dropped
    probe = [a]
    import weakref

    gone = weakref.ref(a)
    del a, b, probe
    gc.collect()
    assert gone() is None


def test_columns_fetched_as_arrays_read_nulls_as_the_frames_do(snap):
    from cipdash.db import unmasked

    ints = np.ma.MaskedArray(np.array([1, 2], dtype=np.int32), mask=[False, True])
    assert unmasked(ints).tolist() == [1, None]
    floats = np.ma.MaskedArray(np.array([1.5, 0.0]), mask=[False, True])
    assert np.isnan(unmasked(floats)[1]) and unmasked(floats)[0] == 1.5
    days = np.ma.MaskedArray(np.array(["2020-01-31", "2020-02-29"], dtype="datetime64[us]"), mask=[True, False])
    assert np.isnat(unmasked(days)[0]) and unmasked(days).dtype == np.dtype("datetime64[us]")
    text = np.ma.MaskedArray(np.array(["a", "b"], dtype=object), mask=[False, True])
    assert unmasked(text).tolist() == ["a", None]

    def missing(v):
        return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or \
            (isinstance(v, np.datetime64) and np.isnat(v))

    teams = list(queries.teams(snap)["team_id"])
    compared = nulls = 0
    for month in queries.available_months(snap)[::3]:
        arrays = snap.fetch_columns("team_latest_rows", month=month, teams=teams)
        frame = snap.query("team_latest_rows", month=month, teams=teams)
        assert list(arrays) == list(frame.columns)
        for c in frame.columns:
            for a, b in zip(arrays[c].tolist(), frame[c].tolist()):
                if missing(b):
                    assert missing(a), (c, a, b)
                    nulls += 1
                else:
                    assert pd.Timestamp(a) == pd.Timestamp(b) if c.endswith(("_end", "_date")) else a == b
                compared += 1
    assert compared > 1000 and nulls > 0

"""Every chart builder on the sample data: a valid plotly figure (the builders skip
plotly's per-property validation for speed, so it is checked here), a text alternative,
and data that is exactly what is plotted."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from cipdash import charts, queries

ROOT = Path(__file__).resolve().parent.parent
AS_AT = date(2021, 3, 31)


@pytest.fixture(scope="module")
def snap(sample_snap):
    return sample_snap  # the session's sample database (tests/conftest.py)


def valid(chart: charts.Chart) -> go.Figure:
    # Raises on any property plotly does not know or any value of the wrong type.
    fig = go.Figure(chart.figure.to_dict())
    assert chart.alt and chart.title
    return fig


def measure(snap, measure_id):
    m = queries.measures(snap).set_index("measure_id").loc[measure_id].to_dict()
    return m | {"measure_id": measure_id}


@pytest.mark.parametrize("measure_id", ["assessment_timeliness", "care_proceedings_weeks", "audit_good_or_better",
                                        "vacant_posts", "care_leavers_in_touch"])
def test_trend_chart_is_valid_and_plots_exactly_its_data(snap, measure_id):
    series = queries.measure_series(snap, measure_id, AS_AT)
    teams = ["fr_north", "loc_west"]
    chart = charts.trend_chart(measure(snap, measure_id), series, queries.measure_targets(snap, measure_id),
                               queries.measure_benchmarks(snap, measure_id, AS_AT), teams, AS_AT)
    fig = valid(chart)
    # (a None in a line is a gap left open over missing months, not a figure)
    plotted = sum(sum(y is not None for y in t.y) for t in fig.data if not (t.name or "").startswith("Trajectory"))
    assert plotted == len(chart.data)
    shown = series[series["team_id"].isin(["ALL"] + teams) & series["value"].notna()]
    assert (chart.data["period_type"] != "target").sum() - len(
        queries.measure_benchmarks(snap, measure_id, AS_AT)) == len(shown)


def test_every_target_is_a_labelled_marker(snap):
    targets = queries.measure_targets(snap, "assessment_timeliness")
    chart = charts.trend_chart(measure(snap, "assessment_timeliness"),
                               queries.measure_series(snap, "assessment_timeliness", AS_AT), targets,
                               queries.measure_benchmarks(snap, "assessment_timeliness", AS_AT), [], AS_AT)
    fig = valid(chart)
    marks = [t for t in fig.data if t.name == "Targets"]
    assert len(marks) == 1  # one legend entry
    labels = list(marks[0].text)
    assert len(labels) == len(targets) == len(marks[0].x)
    assert "Target Mar 2021: 95.0% (each team)" in labels
    # Each marker is labelled on the chart, on a white box (so no data line strikes through
    # it), at its own target's date and value.
    boxes = [(pd.Timestamp(a.x), a.y, a.text) for a in fig.layout.annotations if a.text.startswith("Target ")]
    assert len(boxes) == len(labels)
    assert all(a.bgcolor and a.bgcolor.startswith("rgba(255,255,255") for a in fig.layout.annotations
               if a.text.startswith("Target "))
    for x, y, label in zip(marks[0].x, marks[0].y, labels):
        row = targets[pd.to_datetime(targets["target_date"]) == pd.Timestamp(x)]
        assert y in list(row["target"]) and label.startswith(f"Target {pd.Timestamp(x):%b %Y}")
        assert (pd.Timestamp(x), y, label) in boxes
    # Trajectories: one trace, segments separated by gaps, each ending at a target.
    paths = [t for t in fig.data if t.name == "Trajectory"]
    assert len(paths) == 1
    ends = [(x, y) for x, y, nxt in zip(paths[0].x, paths[0].y, list(paths[0].x[1:]) + [None])
            if x is not None and nxt is None]
    assert ends and all((x, y) in set(zip(marks[0].x, marks[0].y)) for x, y in ends)


def test_league_heatmap_timeline_and_spc_are_valid(snap):
    m = measure(snap, "assessment_timeliness")
    league = queries.league(snap, "assessment_timeliness", date(2021, 3, 31), "month", m["polarity"])
    chart = charts.league_chart(m, league, "Mar 2021", AS_AT)
    valid(chart)
    assert chart.data["value"].is_monotonic_decreasing
    teams = queries.teams(snap)
    names = dict(zip(teams["team_id"], teams["team_name"]))
    heat = charts.heatmap_chart(m, queries.measure_series(snap, "assessment_timeliness", AS_AT), names, AS_AT)
    valid(heat)
    assert len(heat.data.columns) == 13  # team + 12 months
    assert not any("<br>" in str(x) for x in heat.figure.data[0].x)  # plotly turns a year's names if need be
    half = charts.heatmap_chart(m, queries.measure_series(snap, "assessment_timeliness", AS_AT), names, AS_AT,
                                charts.HEATMAP_MONTHS_ON_A_PHONE)
    valid(half)
    assert list(half.data.columns[1:]) == list(heat.data.columns[-6:])  # the last six months, named in words
    # Oct 2020 .. Mar 2021: the year under the first month and under January only.
    assert [str(x) for x in half.figure.data[0].x] == ["Oct<br>2020", "Nov", "Dec", "Jan<br>2021", "Feb", "Mar"]
    assert "over 6 months" in half.alt
    history = queries.rating_history(snap, "2019-1", AS_AT)
    timeline = charts.rating_timeline_chart("2019-1", history, AS_AT)
    valid(timeline)
    assert set(timeline.data["rag"]) <= {"Red", "Amber", "Green"}
    reading = queries.measure_reading(snap, "assessment_timeliness", AS_AT, "ALL", "xmr")
    spc_view = charts.spc_chart(m, reading.spc, AS_AT, reading.spc.target)
    valid(spc_view)
    assert len(spc_view.data) == reading.spc.n_points


def test_text_from_csvs_cannot_become_markup_in_a_chart():
    assert charts.plot_text('<a href="x">Team</a>') == '&lt;a href="x"&gt;Team&lt;/a&gt;'

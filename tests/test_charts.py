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


def test_league_prints_each_figure_beside_its_name_and_nothing_on_the_bars(snap):
    # On the bars, a figure was crossed by the target line wherever a bar ended near it.
    m = measure(snap, "assessment_timeliness")
    league = queries.league(snap, "assessment_timeliness", date(2021, 3, 31), "month", m["polarity"])
    chart = charts.league_chart(m, league, "Mar 2021", AS_AT, chosen=("loc_east",))
    fig = valid(chart)
    bars = fig.data[0]
    assert not bars.text and not bars.texttemplate
    yaxis = fig.layout.yaxis
    assert list(yaxis.tickvals) == list(bars.y) and len(yaxis.ticktext) == len(bars.y)
    target = league["target"].dropna().iloc[0]
    for name, tick, value in zip(bars.y, yaxis.ticktext, bars.x):
        met = "met" if value >= target else "not met"
        assert tick.startswith(name) and tick.endswith(f"<b>{charts.fmt_value(value, 'percent')} – {met}</b>"), tick
    # The target's label above the plot area, where no bar or the line reaches.
    label = next(a for a in fig.layout.annotations if a.text.startswith("Target "))
    assert label.yref == "paper" and label.y == 1 and label.yanchor == "bottom" and label.yshift > 0
    line = fig.layout.shapes[0]
    assert (line.y0, line.y1, line.x0) == (0, 1, target)


def test_a_phones_heat_map_has_readable_figures_and_whole_names(snap):
    m = measure(snap, "assessment_timeliness")
    long_names = {"a": "First Response North", "b": "First Response South", "c": "Disabled Children East"}
    series = pd.DataFrame({"team_id": ["a", "b", "c"] * 2, "period_end": pd.to_datetime(["2021-02-28"] * 3 +
                                                                                       ["2021-03-31"] * 3),
                           "period_type": "month", "value": [100.0, 88.5, 91.25, 75.0, 99.9, 60.0]})
    phone = charts.heatmap_chart(m, series, long_names, AS_AT, charts.HEATMAP_MONTHS_ON_A_PHONE)
    fig = valid(phone)
    cells = fig.data[0]
    # Set, not left to plotly, which shrank the figures to fit narrow cells (~6 px).
    assert cells.textfont.size >= 12
    # Short figures: the unit is the colour scale's title, not repeated in every cell.
    assert [list(r) for r in cells.text] == [["100.0", "75.0"], ["88.5", "99.9"], ["91.3", "60.0"]]
    assert cells.colorbar.title.text == "%" and cells.colorbar.orientation == "h"
    assert cells.hovertemplate.endswith("%{text}%<extra></extra>")
    # Two names alike but for their last word stay told apart, on lines of their own.
    shown = [str(y).replace(" <br>", " ") for y in cells.y]
    assert shown == list(long_names.values())
    assert fig.layout.yaxis.tickangle == 0 and fig.layout.xaxis.tickangle == 0
    # A year (a desktop) keeps figures with their unit, beside a colour scale of the usual kind.
    year = valid(charts.heatmap_chart(m, series, long_names, AS_AT))
    assert year.data[0].text[0][0] == "100.0%" and year.data[0].colorbar.orientation is None

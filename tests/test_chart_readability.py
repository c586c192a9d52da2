"""Charts read the same without colour and never join or invent what is not there: gaps
left open and named, comparators told apart by dash and marker, complete rating legends,
ticks that do not repeat a month, the chosen teams marked in a league, and one figure said
in words rather than drawn."""
from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from cipdash import charts

MEASURE = {"measure_id": "assessment_timeliness", "name": "Assessments within 45 days", "unit": "percent",
           "polarity": "higher_better"}
NO_TARGETS = pd.DataFrame(columns=["target_date", "target", "applies_to", "note"])
NO_BENCHMARKS = pd.DataFrame(columns=["comparator", "period_end", "period_type", "value"])


def series(points: list[tuple[str, float]], team: str = "ALL") -> pd.DataFrame:
    return pd.DataFrame({"team_id": team, "period_end": pd.to_datetime([d for d, _ in points]),
                         "period_type": "month", "value": [v for _, v in points],
                         "numerator": None, "denominator": None})


def test_missing_months_break_the_line_and_are_named():
    chart = charts.trend_chart(MEASURE, series([("2019-09-30", 80.0), ("2019-10-31", 81.0), ("2020-09-30", 90.0),
                                                ("2020-10-31", 91.0)]),
                               NO_TARGETS, NO_BENCHMARKS, [], date(2020, 10, 31))
    fig = go.Figure(chart.figure.to_dict())
    line = next(t for t in fig.data if t.name == "Whole authority")
    assert list(line.y) == [80.0, 81.0, None, 90.0, 91.0]  # the line stops at Oct 2019, starts again Sep 2020
    assert "no figures Nov 2019 to Aug 2020" in chart.alt
    assert len(chart.data) == 4  # the table holds the figures only


def test_gap_words_name_each_run_and_single_months():
    ends = [date(2020, 1, 31), date(2020, 3, 31), date(2020, 7, 31)]
    assert charts.gap_words(ends) == "no figures Feb 2020; no figures Apr 2020 to Jun 2020"
    assert charts.gap_words([date(2020, 1, 31), date(2020, 2, 29)]) == ""


def test_comparators_differ_in_dash_and_marker_not_only_colour():
    bench = pd.DataFrame({"comparator": ["England", "England", "Statistical neighbours", "Statistical neighbours"],
                          "period_end": pd.to_datetime(["2019-03-31", "2020-03-31"] * 2), "period_type": "year",
                          "value": [84.0, 85.0, 88.0, 89.0]})
    chart = charts.trend_chart(MEASURE, series([("2020-01-31", 80.0), ("2020-02-29", 82.0)]), NO_TARGETS, bench, [],
                               date(2020, 3, 31))
    fig = go.Figure(chart.figure.to_dict())
    england, neighbours = (next(t for t in fig.data if t.name == n) for n in ("England", "Statistical neighbours"))
    assert england.line.dash != neighbours.line.dash
    assert england.marker.symbol != neighbours.marker.symbol


def test_rating_timeline_legend_is_complete_and_ticks_do_not_repeat_a_month():
    # Amber appears only as an impact rating: it must still be in the legend.
    history = pd.DataFrame({"as_at": pd.to_datetime(["2020-10-31"]), "implementation": ["G"], "impact": ["A"],
                            "evidence": [""], "further_actions": [""]})
    chart = charts.rating_timeline_chart("2019-1", history, date(2020, 10, 31))
    fig = go.Figure(chart.figure.to_dict())
    legend = {t.name for t in fig.data if t.showlegend is not False}
    assert legend == {"Green (●)", "Amber (▲)"}
    assert fig.layout.xaxis.dtick == "M1"  # a tick a month at most: never five ticks all "Oct 2020"
    assert fig.layout.yaxis.automargin  # "Implementation" is never cut to "ementation"


def test_league_marks_the_chosen_teams_without_colour():
    league = pd.DataFrame({"rank": [1, 2, 3], "team_id": ["a", "b", "c"], "team_name": ["Alpha", "Beta", "Gamma"],
                           "service_area": "X", "value": [90.0, 80.0, 70.0], "numerator": None, "denominator": None,
                           "target_date": pd.to_datetime(["2021-03-31"] * 3), "target": [85.0] * 3})
    chart = charts.league_chart(MEASURE, league, "Mar 2021", date(2021, 3, 31), chosen=("b",))
    fig = go.Figure(chart.figure.to_dict())
    bars = fig.data[0]
    labels = list(bars.y)
    assert "▶ Beta" in labels and "Alpha" in labels
    widths = dict(zip(labels, bars.marker.line.width))
    assert widths["▶ Beta"] >= 3 and widths["Alpha"] == 0
    assert "Beta ranked 2 of 3" in chart.alt
    assert list(chart.data["chosen"]) == ["", "yes", ""]
    assert fig.layout.yaxis.automargin  # long team names are not cut off at the left


def test_one_figure_is_a_sentence_not_a_chart():
    one = charts.trend_chart(MEASURE, series([("2020-01-31", 80.0)]), NO_TARGETS, NO_BENCHMARKS, [],
                             date(2020, 1, 31))
    two = charts.trend_chart(MEASURE, series([("2020-01-31", 80.0), ("2020-02-29", 81.0)]), NO_TARGETS,
                             NO_BENCHMARKS, [], date(2020, 2, 29))
    assert not one.worth_drawing and two.worth_drawing

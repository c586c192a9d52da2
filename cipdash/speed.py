"""The shortcuts kept for speed, each with the measurement that keeps it.

Everything else is done the plain way. A shortcut earns its place here only while the
plain way misses a target of the dashboard (at 1M extract rows, on the 2-core machine:
every page's median rerun after a new choice <= 100 ms and >= 4x a pandas peer; first
render <= 2 s; benchmarks/dashboard_benchmark.py). Each one has a test that holds it to
the plain way's result (tests/test_charts.py validates every chart it builds).

Measured 5 Dec 2026 with the 1M data set (200 teams x 40 measures x 120 months), medians,
before and after side by side in the same window (the full table is in the issue-12 note).
Removed after measuring, as not paying against the targets:
- the frame built column by column: 126 ms against pd.DataFrame(rows)'s 127 ms (8 charts);
- the SPC bitmask tables: 40 readings in 21.6 / 8.6 / 25.8 ms with them, 20.6 / 11.3 /
  27.6 ms plainly (three alternating runs), and read once per database version and month;
- the numpy fetch of a service area's latest rows: 4-12 ms against 6-13 ms as a frame,
  once per version, month and area;
- the garbage-collector tuning, the Arrow tables cached by id() and query results shared
  as objects (st.cache_resource): with all three gone, every page's median rerun after a
  new choice stayed within a few ms of before in a quiet window (worst page 102 ms against
  95-115 ms before; the pandas peer 514 ms); reruns back to a value already seen cost
  5-20 ms more (each run now copies its data and converts its tables), still under 75 ms.
"""
from __future__ import annotations

import functools

import pandas as pd
import plotly.graph_objects as go

from .formatting import format_value


def remembered_format(value, unit: str) -> str:
    """formatting.format_value(value, unit), remembered for plain numbers.

    Why kept: a service area's table on the Teams page, and its heat map, format every
    team's figure on each new choice, and most figures repeat (a percentage to one decimal
    place has 1,001 values). Measured on the 1M data set, the 1,360 figures of one service
    area's table took a median 3.9 ms to format plainly and 0.28 ms remembered (15 runs,
    alternating, 5 Dec 2026).

    What keeps it honest: the answer is format_value's own, keyed on the value's type as
    well as the value (1 and 1.0 are equal keys but may read differently); missing values
    (NaN equals nothing) and anything not a plain number go straight to format_value.
    """
    if not isinstance(value, (float, int)) or value != value:
        return format_value(value, unit)
    return _format_remembered(type(value), value, unit)


@functools.lru_cache(maxsize=1 << 16)
def _format_remembered(kind: type, value, unit: str) -> str:
    return format_value(value, unit)


def rows_of(frame: pd.DataFrame) -> list[dict]:
    """frame.to_dict("records"), read column by column: the same values and types.

    Why kept: pandas 3 keeps text in Arrow-backed columns, and to_dict("records") boxes
    every cell on its own. Measured on the 1M data set, the rows of eight trend charts
    (a measure's authority and three teams, 456 rows each) took a median 370 ms with
    to_dict and 273 ms column by column, in the same process, alternating (the machine
    was shared, so the absolute times are high; the ratio held). A trend chart reads its
    series, targets and comparators this way, and the Recommendation page builds one per
    linked measure: it is the page nearest its rerun budget.

    What keeps it honest: tests/test_fast_paths.py checks it against to_dict("records").
    """
    columns = list(frame.columns)
    return [dict(zip(columns, row)) for row in zip(*(frame[c].tolist() for c in columns))]


class UnvalidatedFigure:
    """A plotly figure collected as plain dicts and built once, without plotly's validation.

    Why kept: plotly validates every property of every trace and of the layout as a figure
    is built. Measured on the 1M data set, eight trend charts of a measure with three teams
    took 55 ms built unvalidated and 466 ms as validated go.Figure objects built from the
    very same dicts (about 58 ms a chart; 330 ms a chart when built with add_trace and
    update_layout calls, which validate again on each call). A Measures page rerun after a
    new measure builds two charts and a Recommendation page one per linked measure, so the
    validated way alone is over the 100 ms budget.

    What keeps it honest: the figure is the one plotly would build; tests/test_charts.py
    builds every chart and validates it (go.Figure(chart.figure.to_dict())), so a property
    plotly would refuse fails the tests, not a person's page. The methods are go.Figure's,
    with the same arguments, for the few that the chart builders use.
    """

    def __init__(self, *traces: dict):
        self.data: list[dict] = list(traces)
        self.layout: dict = {"xaxis": {}, "yaxis": {}, "shapes": [], "annotations": []}

    def add_trace(self, trace: dict) -> None:
        self.data.append(trace)

    def update_layout(self, **props) -> None:
        _merge(self.layout, props)

    def update_xaxes(self, **props) -> None:
        _merge(self.layout["xaxis"], _magic_underscores(props))

    def update_yaxes(self, **props) -> None:
        _merge(self.layout["yaxis"], _magic_underscores(props))

    def add_shape(self, **props) -> None:
        self.layout["shapes"].append(props)

    def add_annotation(self, **props) -> None:
        self.layout["annotations"].append(props)

    def build(self) -> go.Figure:
        return go.Figure(data=self.data, layout=self.layout, _validate=False)


def _merge(into: dict, more: dict) -> None:
    """Nested dicts merged as plotly's update_layout merges them."""
    for k, v in more.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


def _magic_underscores(props: dict) -> dict:
    """plotly's `title_text=...` shorthand, as the one nested property the builders use."""
    props = dict(props)
    if "title_text" in props:
        props["title"] = {"text": props.pop("title_text")}
    return props

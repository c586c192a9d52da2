"""Chart builders: each returns a `Chart` — the plotly figure, its text alternative and
exactly the data it plots — so pages, exports and tests all use the same thing.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies); lines also differ by dash, and RAG marks differ by shape and carry the word.
"""
from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import units
from .cells import AUTHORITY_TEAM, RAG_NAMES
from .formatting import format_figure, format_value, month_label, period_label, target_label
from .speed import UnvalidatedFigure, remembered_format as fmt_value, rows_of
from .trajectory import enough_for_trajectory, no_trajectory_words


# Okabe-Ito and Tol hues, without the pale ones (too faint on white for lines).
AUTHORITY_COLOUR = "#000000"
# Each at least 3:1 against white (WCAG 1.4.11), hues told apart with colour-vision deficiencies.
TEAM_COLOURS = ("#0072B2", "#D55E00", "#117733", "#882255", "#332288", "#AA4499", "#7F7F7F")
TEAM_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
TARGET_COLOUR = "#C00000"
MET_COLOUR, NOT_MET_COLOUR = "#0072B2", "#D55E00"  # bars also say "met" / "not met"
# Comparators (England, statistical neighbours, region): each its own dash, marker and shade,
# so two are told apart without colour and in a black-and-white print.
COMPARATOR_STYLES = (("dash", "x", "#5F5F5F"), ("dot", "square-open", "#444444"),
                     ("dashdot", "triangle-up-open", "#767676"), ("longdash", "diamond-open", "#333333"))
CHOSEN_OUTLINE = "#111111"  # the scope's teams in a league: a heavy near-black outline and "▶"
# RAG marks: colour-blind-safe hues, and always a distinct shape and the word as well.
RAG_COLOURS = {"R": "#D55E00", "A": "#E69F00", "G": "#009E73"}
RAG_SYMBOLS = {"R": "square", "A": "triangle-up", "G": "circle"}
RAG_SHAPES = {"R": "■", "A": "▲", "G": "●"}
HEATMAP_SCALE = "Cividis"  # perceptually uniform and colour-blind safe
# A year of months; on a phone half a year, so that a cell has room for its figure and a
# month its name, level (twelve columns at 390 px left ~19 px each: tiny figures, rotated months).
HEATMAP_MONTHS = 12
HEATMAP_MONTHS_ON_A_PHONE = 6
# Half a year's grid (a phone) is made wide enough for its figures at a readable size: team
# names on lines of at most this many characters, figures without their unit (the colour
# scale's title says it), the colour scale under the grid rather than beside it. Even so
# "100.0" at 12 px needs ~31 px; with auto-sized text plotly shrank the figures to ~6 px.
# (Three lines at most: "First Response North" and "First Response South" cut to two lines
# of 12 characters both read "First Response…".)
HEATMAP_PHONE_NAME_CHARS = 14
HEATMAP_PHONE_NAME_LINES = 3
HEATMAP_PHONE_FONT_PX = 12
_HEATMAP_PHONE_ROW_PX = {1: 34, 2: 44, 3: 54}  # a row for a name on one line, on two, on three
_HEATMAP_PHONE_SCALE_GAP_PX = 50  # the months' two lines between the grid and its colour scale
FONT = dict(family="Arial, Helvetica, sans-serif", size=13, color="#1f1f1f")
CHART_HEIGHT = 440
GRID_COLOUR = "#e6e6e6"
MONTH_TICKS = "%b %Y"  # never a time of day, even for a single point
AXIS_COLOUR = "#8c8c8c"

PERIOD_NAMES = {"month": "monthly", "quarter": "quarterly", "year": "annual"}


@dataclass
class Chart:
    figure: go.Figure
    title: str
    alt: str
    data: pd.DataFrame
    unit: str = "number"
    as_at: date | None = None
    slug: str = "chart"
    notes: list[str] = field(default_factory=list)
    # Figures drawn (targets and comparators aside). One figure is said in a sentence, not
    # drawn: a lone dot on an axis suggests a trend that is not there.
    figures_drawn: int | None = None

    @property
    def worth_drawing(self) -> bool:
        return self.figures_drawn is None or self.figures_drawn > 1

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """The chart's figures as a reader sees them (headings.in_words), worked out once per
        chart: a page draws the same cached Chart on every rerun, and rewording its table
        each time cost ~2 ms a chart (six charts on a Recommendation page)."""
        from .headings import in_words

        return in_words(self.data)


def _plain(value):
    """Plain JSON-ready values: lists, ISO dates, None for missing numbers."""
    if isinstance(value, (pd.Series, pd.Index, np.ndarray, list, tuple)):
        return [_plain(v) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def _trace(kind: str, **props) -> dict:
    return {"type": kind, **{k: (_plain(v) if k in ("x", "y", "z", "text") else v) for k, v in props.items()}}


def plot_text(text: object) -> str:
    """Plotly reads <b>, <a href> and other tags in labels: show CSV text literally."""
    return html.escape(str(text), quote=False)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "chart"


# Plotly never wraps text: a title or team name longer than the chart is cut at its edge. On
# a phone (390 px) a chart is ~358 px wide: about 40 characters of the 16 px title font.
TITLE_CHARS = 40
TITLE_LINE_PX = 21  # one more line of the 16 px title
TITLE_TOP_PX = 60  # the top margin for a one-line title
# A team name on a league's axis: at most two lines of this many characters (12 px font),
# so the bars keep most of a phone's width. The full name is in the hover and the table.
NAME_CHARS = 22
NAME_LINES = 2


def wrap_label(text: str, width: int, max_lines: int | None = None) -> str:
    """Plotly text broken at spaces into lines of at most `width` characters (a longer word
    is a line of its own), joined by <br>. Each line keeps its space, so the label reads the
    same to a screen reader or when copied. Beyond `max_lines`, the last line ends in "…".
    `text` is already plot_text-escaped: breaking only at spaces never splits an entity."""
    lines: list[str] = []
    for word in str(text).split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[:width - 1].rstrip() if len(last) >= width else last) + "…"
    return " <br>".join(lines)


def title_lines(figure_title: str) -> int:
    return figure_title.count("<br>") + 1


def _layout(fig: UnvalidatedFigure, title: str, unit: str, height: int = CHART_HEIGHT) -> int:
    """The common layout. Returns the pixels the title's extra lines add to the top margin
    (a chart that sets its own margin adds them too)."""
    shown = wrap_label(title, TITLE_CHARS)
    extra = TITLE_LINE_PX * (title_lines(shown) - 1)
    fig.update_layout(
        # Anchored at the top of the chart, so a wrapped title grows downwards into the margin.
        title=dict(text=shown, x=0, xanchor="left", font=dict(size=16), yref="container", y=1, yanchor="top",
                   pad=dict(t=16)),
        # A plain layout rather than the "plotly_white" template: the template costs ~30 ms
        # a chart to apply, most of a page rerun's budget.
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
        font=FONT,
        height=height + extra,
        margin=dict(l=60, r=30, t=TITLE_TOP_PX + extra, b=40),
        legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0),
        hovermode="closest",
    )
    # Tick labels in the body text colour: grey ticks fail contrast for small text.
    ticks = dict(color=FONT["color"], size=12)
    # automargin: axis titles and long tick labels get the room they need rather than being cut.
    fig.update_xaxes(showgrid=True, gridcolor=GRID_COLOUR, linecolor=AXIS_COLOUR, zeroline=False, tickfont=ticks,
                     automargin=True)
    fig.update_yaxes(showgrid=True, gridcolor=GRID_COLOUR, linecolor=AXIS_COLOUR, zeroline=False, tickfont=ticks,
                     automargin=True)
    u = units.find(unit)
    if u and u.tick_suffix:
        fig.update_yaxes(ticksuffix=u.tick_suffix)
    fig.update_yaxes(title_text=u.axis_title if u else "")
    return extra


def _colour_scale_title(unit: str) -> str:
    u = units.find(unit)
    return u.colour_scale_title if u else unit


def _hover(unit: str) -> str:
    u = units.find(unit)
    return "%{fullData.name}<br>%{x|%b %Y}: %{y:.1f}" + (u.suffix if u else "") + "<extra></extra>"


def _baseline(authority: list[tuple[date, float]], before: date | None) -> tuple[date, float] | None:
    """The authority figure a trajectory starts from: the latest at or before `before`,
    else the first figure held. `authority` is (date, value) pairs, oldest first."""
    if not authority:
        return None
    if before is not None:
        earlier = [p for p in authority if p[0] <= before]
        if earlier:
            return earlier[-1]
    return authority[0]


def trend_chart(measure: dict, series: pd.DataFrame, targets: pd.DataFrame, benchmarks: pd.DataFrame,
                teams: list[str], as_at: date, team_names: dict[str, str] | None = None,
                show_authority: bool = True) -> Chart:
    """A measure over time: the authority line, chosen teams, every target as a labelled
    marker with the trajectory to it, and comparator lines. Quarterly and annual figures
    are their own traces, never joined into a monthly line."""
    unit, name = measure["unit"], measure["name"]
    team_names = team_names or {}
    fig = UnvalidatedFigure()
    plotted: list[dict] = []
    shown = ([AUTHORITY_TEAM] if show_authority else []) + [t for t in teams if t != AUTHORITY_TEAM]
    # Only the rows drawn or described (the teams shown and the authority, whose line the
    # trajectories start from): the pack passes every team's figures, and turning 24,000
    # rows into dicts to keep a few hundred cost seconds per chart.
    if len(series) and not series["team_id"].isin(shown + [AUTHORITY_TEAM]).all():
        series = series[series["team_id"].isin(shown + [AUTHORITY_TEAM])]
    # Plain Python from here on: a chart has at most a few hundred points, and pandas
    # filtering per trace would cost more than the chart itself.
    records = [r for r in rows_of(series) if r["value"] is not None and r["value"] == r["value"]]
    for r in records:
        r["period_end"] = pd.Timestamp(r["period_end"]).date()
    records.sort(key=lambda r: r["period_end"])

    for i, team_id in enumerate(shown):
        raw_label = "Whole authority" if team_id == AUTHORITY_TEAM else str(team_names.get(team_id, team_id))
        label = plot_text(raw_label)  # plotly reads tags; the figures table shows the name as it is
        colour = AUTHORITY_COLOUR if team_id == AUTHORITY_TEAM else TEAM_COLOURS[(i - 1) % len(TEAM_COLOURS)]
        dash = "solid" if team_id == AUTHORITY_TEAM else TEAM_DASHES[(i - 1) % len(TEAM_DASHES)]
        width = 3.5 if team_id == AUTHORITY_TEAM else 2
        by_type: dict[str, list[dict]] = {}
        for r in records:
            if r["team_id"] == team_id:
                by_type.setdefault(r["period_type"], []).append(r)
        for period_type, pts in by_type.items():
            monthly = period_type == "month"
            trace_name = label if monthly else f"{label} ({PERIOD_NAMES[period_type]})"
            series_name = raw_label if monthly else f"{raw_label} ({PERIOD_NAMES[period_type]})"
            xs, ys = _broken_at_gaps(pts) if monthly else ([p["period_end"] for p in pts], [p["value"] for p in pts])
            fig.add_trace(_trace(
                "scatter", x=xs, y=ys, name=trace_name,
                mode="lines+markers",
                line=dict(color=colour, width=width, dash=dash if monthly else "dot"),
                marker=dict(size=5 if monthly else 10, symbol="circle" if monthly else "diamond-open"),
                hovertemplate=_hover(unit)))
            plotted.extend({"series": series_name, "team_id": team_id, "period_end": p["period_end"],
                            "period": period_label(p["period_end"], period_type), "period_type": period_type,
                            "value": p["value"], "numerator": p.get("numerator"),
                            "denominator": p.get("denominator")} for p in pts)

    authority = [(r["period_end"], float(r["value"])) for r in records
                 if r["team_id"] == AUTHORITY_TEAM and r["period_type"] == "month"]
    target_rows = sorted(rows_of(targets), key=lambda t: pd.Timestamp(t["target_date"]))
    authority_dates = {pd.Timestamp(t["target_date"]).date() for t in target_rows if t["applies_to"] == "authority"}
    previous_target_date = None
    target_notes = []
    # Every target is one point of a single "Targets" trace (each labelled at its marker),
    # and every trajectory one segment of a single "Trajectory" trace, broken by gaps: a
    # trace per target made a ten-year plan's chart ~20 traces, a legend of twenty entries
    # and most of the chart's cost to build and to send.
    marks: dict[str, list] = {"x": [], "y": [], "text": []}
    paths: dict[str, list] = {"x": [], "y": [], "text": []}
    # Too short a series for a trajectory (trajectory.py): none drawn, and the chart says why.
    trajectories = enough_for_trajectory(len(authority))
    for t in target_rows:
        tdate = pd.Timestamp(t["target_date"]).date()
        label = target_label(t["target"], unit, tdate) + (" (each team)" if t["applies_to"] == "each_team" else "")
        marks["x"].append(tdate)
        marks["y"].append(t["target"])
        marks["text"].append(label)
        plotted.append({"series": label, "team_id": None, "period_end": tdate, "period": month_label(tdate),
                        "period_type": "target", "value": t["target"]})
        target_notes.append(label)
        # One trajectory per target date, to the target the authority figure is held to.
        if t["applies_to"] == "authority" or tdate not in authority_dates:
            base = _baseline(authority, previous_target_date) if trajectories else None
            if base and base[0] < tdate:
                if paths["x"]:
                    for k in paths:
                        paths[k].append(None)  # a gap: plotly does not join across it
                words = f"Trajectory to {month_label(tdate)}"
                paths["x"] += [base[0], tdate]
                paths["y"] += [base[1], t["target"]]
                paths["text"] += [words, words]
            previous_target_date = tdate
    if marks["x"]:
        fig.add_trace(_trace(
            "scatter", **marks, name="Targets", mode="markers",
            marker=dict(symbol="diamond", size=13, color=TARGET_COLOUR, line=dict(color="white", width=1)),
            hovertemplate="%{text}<extra></extra>"))
        # Each label on a white box above and to the left of its marker, so a data line
        # that passes behind it cannot strike through the words.
        for x, y, text in zip(marks["x"], marks["y"], marks["text"]):
            fig.add_annotation(x=x, y=y, text=plot_text(text), showarrow=False, xanchor="right", yanchor="bottom",
                               xshift=-4, yshift=6, font=dict(color=TARGET_COLOUR, size=12),
                               bgcolor="rgba(255,255,255,0.92)", borderpad=2)
    if paths["x"]:
        fig.add_trace(_trace(
            "scatter", **paths, name="Trajectory", mode="lines", connectgaps=False,
            line=dict(color=TARGET_COLOUR, width=1.5, dash="dot"),
            hovertemplate="%{text}<extra></extra>"))

    comparators: dict[str, list[dict]] = {}
    for b in sorted(rows_of(benchmarks), key=lambda b: pd.Timestamp(b["period_end"])):
        comparators.setdefault(str(b["comparator"]), []).append(b)
    for k, comparator in enumerate(sorted(comparators)):
        pts = comparators[comparator]
        dash, symbol, colour = COMPARATOR_STYLES[k % len(COMPARATOR_STYLES)]
        ends = [pd.Timestamp(b["period_end"]).date() for b in pts]
        labels = [f"{comparator} {period_label(d, b['period_type'])}" for d, b in zip(ends, pts)]
        fig.add_trace(_trace(
            "scatter", x=ends, y=[b["value"] for b in pts], name=plot_text(comparator), mode="lines+markers",
            line=dict(color=colour, width=1.5, dash=dash), marker=dict(symbol=symbol, size=8, color=colour),
            text=[plot_text(x) for x in labels], hovertemplate="%{text}: %{y:.1f}<extra></extra>"))
        plotted.extend({"series": comparator, "team_id": None, "period_end": d, "period": lab,
                        "period_type": b["period_type"], "value": b["value"]} for d, lab, b in zip(ends, labels, pts))

    title = f"{plot_text(name)}, to {month_label(as_at)}"
    _layout(fig, title, unit)
    fig.update_xaxes(type="date", tickformat=MONTH_TICKS)
    data = pd.DataFrame(plotted, columns=["series", "team_id", "period_end", "period", "period_type", "value",
                                          "numerator", "denominator"])
    alt = describe_trend(name, unit, records, shown, team_names, target_notes, sorted(comparators))
    if target_rows and not trajectories:
        alt += " " + no_trajectory_words(len(authority))
    drawn = sum(1 for r in records if r["team_id"] in shown)
    return Chart(fig.build(), title, alt, data, unit, as_at, slugify(measure["measure_id"]), figures_drawn=drawn)


def _month_number(d: date) -> int:
    return d.year * 12 + d.month - 1


def _from_month_number(n: int) -> date:
    year, month = divmod(n, 12)
    return date(year, month + 1, 1)


def missing_months(ends: list[date]) -> list[tuple[date, date]]:
    """The runs of months with no figure between monthly figures, as (first missing month,
    last missing month), each as the 1st of its month."""
    numbers = sorted({_month_number(d) for d in ends})
    return [(_from_month_number(a + 1), _from_month_number(b - 1)) for a, b in zip(numbers, numbers[1:]) if b - a > 1]


def _broken_at_gaps(pts: list[dict]) -> tuple[list, list]:
    """A monthly line's x and y with a None between figures more than a month apart, so
    plotly leaves the gap open rather than drawing a line across the missing months."""
    xs, ys = [], []
    for i, p in enumerate(pts):
        if i and _month_number(p["period_end"]) - _month_number(pts[i - 1]["period_end"]) > 1:
            xs.append(None)
            ys.append(None)
        xs.append(p["period_end"])
        ys.append(p["value"])
    return xs, ys


def gap_words(ends: list[date]) -> str:
    """"no figures Nov 2019 to Aug 2020" (and more, joined), or "" when there is no gap."""
    runs = missing_months(ends)
    return "; ".join(f"no figures {month_label(a)}" + (f" to {month_label(b)}" if b != a else "") for a, b in runs)


def describe_trend(name: str, unit: str, records: list[dict], shown: list[str], team_names: dict[str, str],
                   target_notes: list[str], comparators: list[str]) -> str:
    """The chart in words, for screen readers and the pack's alt text. `records` are the
    plotted figures, oldest first."""
    parts = [f"Line chart of {name}."]
    auth = [r for r in records if r["team_id"] == AUTHORITY_TEAM]
    if auth:
        first, last = auth[0], auth[-1]
        values = [r["value"] for r in auth]
        parts.append(
            f"Whole authority: {format_value(first['value'], unit)} in "
            f"{period_label(first['period_end'], first['period_type'])}, "
            f"{format_value(last['value'], unit)} in {period_label(last['period_end'], last['period_type'])}"
            f" (lowest {format_value(min(values), unit)}, highest {format_value(max(values), unit)}).")
        gaps = gap_words([r["period_end"] for r in auth if r["period_type"] == "month"])
        if gaps:
            parts.append(f"The line is broken where figures are missing: {gaps}.")
    latest = []
    for t in shown:
        if t == AUTHORITY_TEAM:
            continue
        rows = [r for r in records if r["team_id"] == t]
        if rows:
            latest.append(f"{team_names.get(t, t)} {format_value(rows[-1]['value'], unit)}")
    if latest:
        parts.append("Teams shown, latest figure: " + "; ".join(latest) + ".")
    if target_notes:
        parts.append("Targets: " + "; ".join(target_notes) + ".")
    if comparators:
        parts.append("Comparators: " + ", ".join(comparators) + ".")
    return " ".join(parts)


def league_chart(measure: dict, league: pd.DataFrame, period: str, as_at: date,
                 chosen: tuple[str, ...] = ()) -> Chart:
    """Teams ranked for one period, with the team target as a line. Each team's figure and
    met / not met are printed under its name, so the colour is never the only signal. The
    chosen teams (the scope) get a heavy outline and a "▶" before their name, so they stand
    out without colour.

    No text is drawn inside the plot area: a figure printed in or beside a bar was crossed by
    the target line wherever the bar ended near the target, and where that happens depends
    on the chart's width in pixels, which is not known here (a phone or a desktop). Beside
    the name the figure is clear of the bars and the line at every width, and it costs the
    bars no width: "92.9% – not met" is shorter than most team names."""
    unit = measure["unit"]
    df = league.iloc[::-1]  # best at the top of a horizontal bar chart
    target = df["target"].dropna().iloc[0] if df["target"].notna().any() else None
    from .targets import meets

    met = [meets(v, target, measure["polarity"]) for v in df["value"]]
    words = ["" if m is None else (" – met" if m else " – not met") for m in met]
    colours = [MET_COLOUR if m in (True, None) else NOT_MET_COLOUR for m in met]
    picked = [t in chosen for t in df["team_id"]]
    full = [("▶ " if p else "") + plot_text(n) for n, p in zip(df["team_name"], picked)]
    # Long names wrap onto two lines (then "…"), so that on a phone the bars keep the width.
    names = [wrap_label(n, NAME_CHARS, NAME_LINES) for n in full]
    figures = [fmt_value(v, unit) + w for v, w in zip(df["value"].tolist(), words)]
    # The axis label: the name's lines, then the figure in bold on a line of its own.
    ticks = [f"{n} <br><b>{f}</b>" for n, f in zip(names, figures)]
    fig = UnvalidatedFigure(_trace("bar",
        x=df["value"], y=names, customdata=[f"{n}: {f}" for n, f in zip(full, figures)],
        orientation="h",
        marker=dict(color=colours, line=dict(color=[CHOSEN_OUTLINE if p else colours[i] for i, p in enumerate(picked)],
                                             width=[3 if p else 0 for p in picked])),
        hovertemplate="%{customdata}<extra></extra>", name=plot_text(measure["name"])))
    u = units.find(unit)
    # A bounded scale (0-100%) drawn whole.
    axis_max = round(u.highest * 1.15) if u and u.highest is not None else None
    if target is not None:
        tdate = df["target_date"].dropna().iloc[0]
        label = target_label(target, unit, pd.Timestamp(tdate).date())
        # The line spans the plot area only; its label sits above it, so neither a bar nor
        # the line runs through the label.
        fig.add_shape(type="line", x0=target, x1=target, y0=0, y1=1, yref="paper",
                      line=dict(color=TARGET_COLOUR, dash="dash", width=2))
        # Ending at the line when it is in the right-hand part of the chart, starting at it
        # in the left-hand part: centred near an edge, the label ran off a phone's screen.
        widest = axis_max if axis_max is not None else max([float(v) for v in df["value"] if v == v] + [target])
        side = target / widest if widest else 0.5
        fig.add_annotation(x=target, y=1.0, yref="paper", yanchor="bottom", text=label, showarrow=False,
                           font=dict(color=TARGET_COLOUR),
                           xanchor="right" if side > 0.6 else ("left" if side < 0.3 else "center"), yshift=6)
    title = f"{plot_text(measure['name'])}: teams ranked, {period}"
    # Each row holds its label's lines (the name's and the figure's): the chart grows with
    # the number of teams and with the longest label.
    lines = max(title_lines(t) for t in ticks) if ticks else 1
    row = 18 + 16 * lines
    extra = _layout(fig, title, unit, height=max(300, 90 + row * len(df)))
    # automargin: the left margin grows to the longest team name rather than cutting it off.
    fig.update_layout(showlegend=False, margin=dict(l=8, r=16, t=90 + extra, b=40), bargap=0.35)
    # A gap between each label and its bar (a chosen team's bar has a 3 px outline).
    fig.update_yaxes(automargin=True, tickmode="array", tickvals=names, ticktext=ticks, ticklabelstandoff=6)
    if axis_max is not None:
        fig.update_xaxes(ticksuffix=u.tick_suffix, range=[0, axis_max])
    fig.update_yaxes(title_text="", ticksuffix="")
    data = league[["rank", "team_id", "team_name", "service_area", "value", "numerator", "denominator",
                   "target_date", "target"]].copy()
    data["met_target"] = [meets(v, target, measure["polarity"]) for v in league["value"]]
    best, worst = league.iloc[0], league.iloc[-1]
    alt = (f"Bar chart ranking {len(league)} teams on {measure['name']} for {period}. Best: {best['team_name']} "
           f"{format_value(best['value'], unit)}; lowest ranked: {worst['team_name']} "
           f"{format_value(worst['value'], unit)}."
           + (f" {sum(1 for m in data['met_target'] if m)} of {len(league)} teams meet the target "
              f"{format_value(target, unit)}." if target is not None else "")
           + _chosen_words(league, chosen, unit))
    data["chosen"] = ["yes" if t in chosen else "" for t in league["team_id"]]
    return Chart(fig.build(), title, alt, data, unit, as_at, slugify(f"{measure['measure_id']}-league"))


def _chosen_words(league: pd.DataFrame, chosen: tuple[str, ...], unit: str) -> str:
    """The chosen teams' places, for the league's text alternative (marked ▶ on the chart)."""
    mine = [f"{n} ranked {r} of {len(league)} ({format_value(v, unit)})"
            for t, n, r, v in zip(league["team_id"], league["team_name"], league["rank"], league["value"]) if t in chosen]
    return (" Chosen teams (marked ▶): " + "; ".join(mine) + ".") if mine else ""


def heatmap_chart(measure: dict, series: pd.DataFrame, team_names: dict[str, str], as_at: date,
                  months: int = HEATMAP_MONTHS) -> Chart | None:
    """Teams by month: each cell shows its figure as text as well as a colour. None when
    these teams have no monthly figures for the measure (an empty grid says nothing)."""
    unit = measure["unit"]
    # The grid filled with numpy from the rows' columns (a pandas filter, pivot and reindex
    # cost ~5 ms a heat map, most of a Teams page rerun's chart time).
    team_col = series["team_id"].to_numpy(object)
    values = series["value"].to_numpy(float)
    keep = ((team_col != AUTHORITY_TEAM) & (series["period_type"].to_numpy(object) == "month")
            & np.isin(team_col, list(team_names)) & ~np.isnan(values))
    if not keep.any():
        return None
    ends = pd.to_datetime(series["period_end"]).to_numpy()[keep]
    recent = np.unique(ends)[-months:]
    shown = np.isin(ends, recent)
    team_col, ends, values = team_col[keep][shown], ends[shown], values[keep][shown]
    present = set(team_col.tolist())
    order = [t for t in team_names if t in present]
    row_of, col_of = {t: i for i, t in enumerate(order)}, {e: j for j, e in enumerate(recent.tolist())}
    cells = np.full((len(order), len(recent)), np.nan)
    for t, e, v in zip(team_col.tolist(), ends.tolist(), values.tolist()):
        cells[row_of[t], col_of[e]] = v
    labels = [month_label(pd.Timestamp(c).date()) for c in recent]
    names = [plot_text(team_names.get(t, t)) for t in order]
    reverse = measure["polarity"] == "lower_better"  # the bright end is always "better"
    u = units.find(unit)
    # Up to half a year: month names, level, with the year under the first month and under
    # January only (six years side by side ran into one another); a year's labels are left
    # to plotly, which turns them when they do not fit.
    columns, rows = labels, names
    if len(labels) <= HEATMAP_MONTHS_ON_A_PHONE:
        columns = [label.replace(" ", "<br>") if k == 0 or label.startswith("Jan") else label.split(" ")[0]
                   for k, label in enumerate(labels)]
    # Half a year is what a phone is given: its grid is laid out for a narrow screen.
    compact = months <= HEATMAP_MONTHS_ON_A_PHONE
    if compact:
        rows = [wrap_label(n, HEATMAP_PHONE_NAME_CHARS, HEATMAP_PHONE_NAME_LINES) for n in names]
        row_px = _HEATMAP_PHONE_ROW_PX[max(title_lines(r) for r in rows)]
        text = [[format_figure(v, unit) for v in row] for row in cells.tolist()]
        hover = "%{y}, %{x}: %{text}" + (u.suffix if u else "") + "<extra></extra>"
        textfont = dict(size=HEATMAP_PHONE_FONT_PX)
        # Under the grid and as wide as it (beside it, the scale took a fifth of a phone's
        # width), below the months' two lines: placed in pixels under the grid, whose height is
        # known. (Placed from the chart's bottom edge instead, plotly drew its title over it.)
        grid_px = row_px * len(rows)
        colorbar = dict(title=dict(text=_colour_scale_title(unit), side="top"), orientation="h", thickness=12,
                        xref="paper", x=0, xanchor="left", xpad=0, len=1,
                        yref="paper", y=-_HEATMAP_PHONE_SCALE_GAP_PX / grid_px, yanchor="top")
    else:
        text = [[fmt_value(v, unit) for v in row] for row in cells.tolist()]
        hover, textfont = "%{y}, %{x}: %{text}<extra></extra>", {}
        colorbar = dict(title=dict(text=_colour_scale_title(unit)))
    fig = UnvalidatedFigure(_trace("heatmap", z=cells, x=columns, y=rows, text=text, texttemplate="%{text}",
                               textfont=textfont, colorscale=HEATMAP_SCALE, reversescale=reverse,
                               hoverongaps=False, hovertemplate=hover, colorbar=colorbar))
    title = f"{plot_text(measure['name'])}: teams by month"
    if compact:
        # Rows tall enough for the longest name's lines; the bottom margin holds the months (two
        # lines) and the colour scale under them.
        bottom = _HEATMAP_PHONE_SCALE_GAP_PX + 60
        height = TITLE_TOP_PX + row_px * len(rows) + bottom
    else:
        height, bottom = max(320, 90 + 34 * len(rows)), 60
    extra = _layout(fig, title, unit, height=height)
    fig.update_yaxes(autorange="reversed", title_text="", ticksuffix="")
    # automargin sizes the left margin to the team names: a fixed 200 px left a phone's grid
    # about 90 px wide.
    if len(labels) <= HEATMAP_MONTHS_ON_A_PHONE:
        fig.update_xaxes(tickangle=0)  # two short lines each: they fit level
    if compact:
        fig.update_yaxes(tickangle=0)
        fig.update_layout(margin=dict(l=8, r=8, t=TITLE_TOP_PX + extra, b=bottom))
    else:
        fig.update_layout(margin=dict(l=20, r=30, t=TITLE_TOP_PX + extra, b=bottom))
    data = pd.DataFrame(cells, columns=labels)
    data.insert(0, "team", [team_names.get(t, t) for t in order])
    alt = (f"Heat map of {measure['name']} for {len(names)} teams over {len(labels)} months"
           + (f" ({labels[0]} to {labels[-1]})" if labels else "") + ". Each cell is labelled with its figure"
           + (f" ({_colour_scale_title(unit)})." if compact else "."))
    return Chart(fig.build(), title, alt, data, unit, as_at, slugify(f"{measure['measure_id']}-heatmap"))


def rating_timeline_chart(rec_id: str, history: pd.DataFrame, as_at: date) -> Chart:
    """Implementation and impact ratings over time: shape, colour and the word."""
    fig = UnvalidatedFigure()
    rows = []
    # Plain lists, not a pandas filter per rating kind and colour (~8 ms a timeline).
    dates = history["as_at"].tolist()
    in_legend: set[str] = set()  # each RAG once, whichever row first draws it (Amber may be impact only)
    for kind in ("implementation", "impact"):
        pts = [(d, c) for d, c in zip(dates, history[kind].tolist()) if c is not None and c == c]  # rated
        for code in ("R", "A", "G"):
            when = [d for d, c in pts if c == code]
            if not when:
                continue
            fig.add_trace(_trace("scatter", 
                x=[pd.Timestamp(d) for d in when], y=[kind.capitalize()] * len(when), mode="markers+text",
                name=f"{RAG_NAMES[code]} ({RAG_SHAPES[code]})", legendgroup=code, showlegend=code not in in_legend,
                text=[RAG_NAMES[code]] * len(when), textposition="bottom center",
                marker=dict(symbol=RAG_SYMBOLS[code], size=18, color=RAG_COLOURS[code],
                            line=dict(color="#1f1f1f", width=1)),
                hovertemplate=f"{kind.capitalize()} %{{x|%b %Y}}: {RAG_NAMES[code]}<extra></extra>"))
            in_legend.add(code)
        for d, c in pts:
            day = pd.Timestamp(d).date()
            rows.append({"rating": kind, "as_at": day, "month": month_label(day), "rag": RAG_NAMES[c]})
    title = f"Recommendation {plot_text(rec_id)}: ratings over time"
    _layout(fig, title, "number", height=320)
    # Ticks a whole month apart at least, over a range padded by two months: with one or two
    # ratings plotly otherwise ticked days, each labelled with the same month.
    fig.update_xaxes(type="date", tickformat=MONTH_TICKS, dtick="M1" if _months_spanned(dates) <= 12 else None)
    if dates:
        first, last = pd.Timestamp(min(dates)), pd.Timestamp(max(dates))
        fig.update_xaxes(range=[first - pd.DateOffset(months=2), last + pd.DateOffset(months=2)])
    # Room below each row for the word under its mark; the row names never cut ("ementation").
    fig.update_yaxes(categoryorder="array", categoryarray=["Impact", "Implementation"], title_text="",
                     range=[-0.7, 1.5], automargin=True)
    rows.sort(key=lambda r: (r["as_at"], r["rating"]))  # stable, as pandas' sort by the two columns
    data = pd.DataFrame(rows, columns=["rating", "as_at", "month", "rag"])
    if history.empty:
        alt = f"No ratings for recommendation {rec_id} yet."
    else:
        last = history.iloc[-1]
        alt = (f"Timeline of {len(history)} ratings for recommendation {rec_id} from "
               f"{month_label(pd.Timestamp(history.iloc[0]['as_at']).date())} to "
               f"{month_label(pd.Timestamp(last['as_at']).date())}. Latest: implementation "
               f"{RAG_NAMES.get(last['implementation'], 'not rated')}, impact "
               f"{RAG_NAMES.get(last['impact'], 'not yet judged') if isinstance(last['impact'], str) else 'not yet judged'}.")
    return Chart(fig.build(), title, alt, data, "number", as_at, slugify(f"{rec_id}-ratings"))


def _months_spanned(dates) -> int:
    if not dates:
        return 0
    first, last = pd.Timestamp(min(dates)), pd.Timestamp(max(dates))
    return (last.year - first.year) * 12 + last.month - first.month


# Making Data Count point marks: colour AND shape, so the reading never rests on colour.
# Neutral measures (neither direction is better): MDC's purple, and a shape of their own.
SPC_SYMBOLS = {"special_cause_improvement": "circle", "special_cause_concern": "diamond",
               "special_cause_neutral": "square", "common_cause": "circle-open"}
SPC_NAMES = {"special_cause_improvement": "Special cause improvement", "special_cause_concern":
             "Special cause concern", "special_cause_neutral": "Special cause (neither direction is better)",
             "common_cause": "Common cause"}


def spc_chart(measure: dict, result, as_at: date, target: float | None = None, target_date: date | None = None,
              method_label: str = "XmR") -> Chart:
    """An SPC chart: points marked by their reading, the centre line and process limits (per
    segment after a rebase), the two-thirds lines faint, and the target."""
    from .spc import POINT_COLOURS, TARGET_RED

    unit = measure["unit"]
    dates = pd.to_datetime(list(result.dates))
    fig = UnvalidatedFigure()
    fig.add_trace(_trace("scatter", x=dates, y=result.values, mode="lines", name="Monthly figure",
                             line=dict(color="#7f7f7f", width=1.5), hoverinfo="skip", showlegend=False))
    for label, values, dash, width in (("Upper process limit", result.upper, "dash", 1.5),
                                       ("Average", result.centre, "solid", 1.5),
                                       ("Lower process limit", result.lower, "dash", 1.5)):
        fig.add_trace(_trace("scatter", x=dates, y=values, mode="lines", name=label,
                                 line=dict(color="#404040", width=width, dash=dash, shape="hv"), hovertemplate=_hover(unit)))
    for code, name in SPC_NAMES.items():
        idx = [i for i, t in enumerate(result.point_type) if t == code]
        if not idx:
            continue
        fig.add_trace(_trace("scatter", 
            x=dates[idx], y=result.values[idx], mode="markers", name=name,
            marker=dict(symbol=SPC_SYMBOLS[code], size=9, color=POINT_COLOURS[code],
                        line=dict(color=POINT_COLOURS[code], width=2)),
            hovertemplate=name + "<br>%{x|%b %Y}: %{y:.1f}<extra></extra>"))
    if target is not None:
        label = target_label(target, unit, target_date)
        fig.add_trace(_trace("scatter", x=[dates[0], dates[-1]], y=[target, target], mode="lines", name=label,
                                 line=dict(color=TARGET_RED, width=2, dash="dot"), hovertemplate=label + "<extra></extra>"))
    title = f"{plot_text(measure['name'])}: SPC ({method_label}), to {month_label(as_at)}"
    _layout(fig, title, unit)
    fig.update_xaxes(type="date", tickformat=MONTH_TICKS)
    records = pd.DataFrame(result.to_records())
    records["reading"] = records["point_type"].map(SPC_NAMES)
    records["rules"] = records["rules"].map(lambda r: ", ".join(r))
    data = records[["date", "value", "centre", "lower", "upper", "segment", "reading", "rules"]]
    special = sum(1 for t in result.point_type if t != "common_cause")
    alt = (f"SPC chart ({method_label}) of {measure['name']}: {result.n_points} monthly points, average "
           f"{format_value(float(result.centre[-1]), unit)}, process limits {format_value(float(result.lower[-1]), unit)}"
           f" to {format_value(float(result.upper[-1]), unit)}; {special} points show special cause."
           + (" Trial limits: fewer than 12 points." if result.trial_limits else ""))
    return Chart(fig.build(), title, alt, data, unit, as_at, slugify(f"{measure['measure_id']}-spc"))

"""The pack's short sentence for a series: the latest figure, the year before, the target.

    "94.0% in Sep 2020, up from 90.1% in Sep 2019 (better); target 95.0% by Mar 2021,
     not yet met."

The analysis narrative (SPC and forecast, cipdash.analysis) follows it in the pack; this
sentence is the one a committee member reads first. Suppressed figures are never quoted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..analysis import age_in_months, is_stale
from ..dates import month_end
from ..formatting import format_value, month_label, period_label
from ..targets import MET, NOT_MET, WITHIN_TOLERANCE, status

@dataclass
class Latest:
    """A series' latest figure and what it is compared with (rows of the series)."""

    row: pd.Series
    previous: pd.Series | None
    year_earlier: pd.Series | None


def _d(value) -> date:
    return pd.Timestamp(value).date()


def year_before(d: date) -> date:
    """The same period end a year earlier (month ends stay month ends: 29 Feb -> 28 Feb)."""
    return month_end(d.year - 1, d.month) if d == month_end(d.year, d.month) else d.replace(year=d.year - 1)


def latest_of(points: pd.DataFrame, period_end, period_type: str | None) -> Latest | None:
    """One team's series' latest figure, with the figure before it and the one a year before
    it of the same period type. Which figure is the latest is the latest_by_month mart's to
    say (marts/06_latest_by_month.sql; the caller reads it with queries.latest_figures_for):
    `period_end` and `period_type` name it, and this finds its row in `points` (one team's
    rows). None when there is no latest figure or `points` does not hold it."""
    if period_end is None or pd.isna(period_end):
        return None
    pts = points[points["value"].notna()]
    ends = pd.to_datetime(pts["period_end"]).to_numpy(dtype="datetime64[ns]")
    types = pts["period_type"].to_numpy(dtype=object)
    end = np.datetime64(pd.Timestamp(period_end), "ns")
    found = np.flatnonzero((ends == end) & (types == period_type))
    if not len(found):
        return None
    i = int(found[0])
    same = np.flatnonzero((types == period_type) & (ends < end))
    previous = int(same[np.argmax(ends[same])]) if len(same) else None
    earlier = same[ends[same] == np.datetime64(year_before(pd.Timestamp(end).date()), "ns")]
    return Latest(pts.iloc[i], pts.iloc[previous] if previous is not None else None,
                  pts.iloc[int(earlier[0])] if len(earlier) else None)


def _when(row: pd.Series) -> str:
    return period_label(_d(row["period_end"]), row["period_type"])


def target_clause(value: float, unit: str, polarity: str, target, target_date, tolerance,
                  period_end: date) -> str:
    if target is None or pd.isna(target):
        return ""
    when = f" by {month_label(_d(target_date))}" if target_date is not None and not pd.isna(target_date) else ""
    state = status(value, float(target), polarity, tolerance)
    if state == MET:
        word = "met"
    elif state == WITHIN_TOLERANCE:
        word = "not met but within tolerance"
    elif state == NOT_MET:
        passed = target_date is not None and not pd.isna(target_date) and _d(target_date) < period_end
        word = "not met" if passed else "not yet met"
    else:
        return ""
    return f"target {format_value(float(target), unit)}{when}, {word}"


def headline(latest: Latest | None, unit: str, polarity: str, tolerance=None, label: str | None = None,
             hidden: pd.Series | None = None, as_at: date | None = None) -> str:
    """One sentence for one team's series, from its latest figure (latest_of; None: no
    figures). `hidden` (bool, index of the series' rows) marks suppressed figures: a
    suppressed latest figure is said to be suppressed, a suppressed earlier one is not
    compared with. With `as_at`, a stale latest figure says its age ("73.6% in Oct 2019 (12
    months old)"), so "met" / "not met" is never read as current."""
    prefix = f"{label}: " if label else ""
    if latest is None:
        return f"{prefix}no figures yet."
    is_hidden = (lambda r: bool(hidden.loc[r.name])) if hidden is not None else (lambda r: False)
    row = latest.row
    if is_hidden(row):
        return (f"{prefix}the {_when(row)} figure is not shown: it is based on a small number "
                f"(1 to 5) and is suppressed.")
    value = float(row["value"])
    text = f"{prefix}{format_value(value, unit)} in {_when(row)}"
    if as_at is not None and is_stale(row["period_end"], row["period_type"], as_at):
        age = age_in_months(row["period_end"], as_at)
        text += f" ({age} month{'s' if age != 1 else ''} old)"
    before = latest.year_earlier if latest.year_earlier is not None else latest.previous
    if before is not None and not is_hidden(before):
        old = float(before["value"])
        shown_new, shown_old = format_value(value, unit), format_value(old, unit)
        if shown_new == shown_old:
            text += f", the same as in {_when(before)}"
        else:
            up = value > old
            text += f", {'up' if up else 'down'} from {shown_old} in {_when(before)}"
            if polarity != "neutral":  # neither direction is better: a move is not judged
                better = up == (polarity == "higher_better")
                text += f" ({'better' if better else 'worse'})"
    clause = target_clause(value, unit, polarity, row.get("target"), row.get("target_date"), tolerance,
                           _d(row["period_end"]))
    if clause:
        text += f"; {clause}"
    return text + "."

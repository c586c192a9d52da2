"""Small-number suppression for a published (public) pack, on one measure's series.

The rules are cipdash.suppression's (DfE convention). Here they are applied to a measure's
whole series — every team and the whole authority, every period — so the same cells are
hidden wherever a figure appears in the pack (summary, tables, charts, narrative):

- groups are one period (period_end, period_type); the whole-authority row (team ALL) is
  each group's total, so secondary suppression stops "authority minus the visible teams"
  giving a hidden team figure back;
- counts are the numerator and the denominator, and the value itself when the measure's
  unit is `count`; a column is treated as counts only when every figure in it is a whole
  number (a full-time-equivalent denominator such as 12.5 is not a count of people);
- a figure (the value) is hidden when any count in its row is hidden, or its
  denominator is 1–5: a visible percentage and denominator would give the numerator back.

Figures supplied without any counts (averages such as weeks, rates, percentages whose
extract holds no numerator or denominator) cannot be judged and are published as given;
the pack's note says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import units
from ..cells import AUTHORITY_TEAM
from ..suppression import NOT_AVAILABLE, SUPPRESSED, suppression_mask

GROUP = ["period_end", "period_type"]
KEY = ["team_id", "period_end", "period_type"]


def _is_count_column(values: pd.Series) -> bool:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    v = v[~np.isnan(v)]
    return len(v) > 0 and bool(np.all(np.isfinite(v)) and np.all(v >= 0) and np.all(v == np.round(v)))


@dataclass
class SeriesMask:
    """Which cells of a measure's series are hidden: per row, the value and each count."""

    value: pd.Series        # bool, index of the series
    numerator: pd.Series
    denominator: pd.Series

    @classmethod
    def none(cls, series: pd.DataFrame) -> "SeriesMask":
        false = pd.Series(False, index=series.index)
        return cls(false, false.copy(), false.copy())

    def hidden_keys(self, series: pd.DataFrame) -> pd.DataFrame:
        """(team_id, period_end, period_type) of every hidden value."""
        return series.loc[self.value, KEY]

    def any_hidden(self) -> bool:
        return bool(self.value.any())


def series_mask(series: pd.DataFrame, unit: str, public: bool) -> SeriesMask:
    """The suppression mask of a measure's series (all teams and ALL); nothing hidden
    unless `public`."""
    if not public or series.empty:
        return SeriesMask.none(series)
    df = series.reset_index(drop=True).copy()
    df["period_end"] = pd.to_datetime(df["period_end"])
    for col in ("value", "numerator", "denominator"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    counts = [c for c in ("numerator", "denominator") if _is_count_column(df[c])]
    known = units.find(unit)
    if known is not None and known.is_count and _is_count_column(df["value"]):
        counts.append("value")
    false = np.zeros(len(df), dtype=bool)
    if not counts:
        return SeriesMask.none(series)
    total = ("team_id", AUTHORITY_TEAM) if (df["team_id"] == AUTHORITY_TEAM).any() else None
    mask = suppression_mask(df, counts, None, total, GROUP)
    num = mask["numerator"].to_numpy() if "numerator" in mask else false
    den = mask["denominator"].to_numpy() if "denominator" in mask else false
    value = num | den | (mask["value"].to_numpy() if "value" in mask else false)
    index = series.index
    return SeriesMask(pd.Series(value, index=index), pd.Series(num, index=index), pd.Series(den, index=index))


def visible(series: pd.DataFrame, mask: SeriesMask) -> pd.DataFrame:
    """The rows that may be plotted: hidden values left out."""
    return series.loc[~mask.value]


def mark(value, hidden: bool):
    """A cell for a published table: "c" when hidden, ":" when missing, else the value."""
    if hidden:
        return SUPPRESSED
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return NOT_AVAILABLE
    return value

"""Reading a measure's series: SPC variation and assurance, the forecast to the next
target, and the plain-English narrative — one place, so the overview cards, the charts,
the pack and `summary --json` all say the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from . import spc, trajectory
from .cells import AUTHORITY_TEAM
from .db import Snapshot

# XmR is what the data contract (and summary --json) specify. The p′ chart is offered
# beside it for percentages that come with numerators and denominators.
METHOD_XMR = "xmr"
METHOD_P_PRIME = "p_prime"
FORECAST_STATUS_WORDS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}


@dataclass
class MeasureReading:
    measure_id: str
    team_id: str
    spc: spc.SpcResult | None
    forecast: trajectory.Forecast | None
    narrative: str

    @property
    def variation(self) -> str | None:
        return self.spc.variation if self.spc is not None else None

    @property
    def assurance(self) -> str | None:
        return self.spc.assurance if self.spc is not None else None


def monthly_points(points: pd.DataFrame) -> pd.DataFrame:
    """The monthly points of one series, oldest first, without gaps in value."""
    p = points[(points["period_type"] == "month") & points["value"].notna()] if "period_type" in points else points
    return p.sort_values("period_end")


def spc_for(points: pd.DataFrame, polarity: str, target: float | None, rebase_dates=(),
            method: str = METHOD_XMR) -> spc.SpcResult | None:
    """SPC on monthly points (columns period_end, value[, numerator, denominator])."""
    p = monthly_points(points)
    if p.empty:
        return None
    dates = [pd.Timestamp(d).date() for d in p["period_end"]]
    rebase = [pd.Timestamp(d).date() for d in rebase_dates]
    if method == METHOD_P_PRIME:
        if p["numerator"].isna().any() or p["denominator"].isna().any() or (p["denominator"] <= 0).any():
            return None
        return spc.laney_p_prime(p["numerator"].to_numpy(float), p["denominator"].to_numpy(float), dates,
                                 polarity, rebase, target)
    return spc.xmr(p["value"].to_numpy(float), dates, polarity, rebase, target)


def forecast_for(points: pd.DataFrame, polarity: str, target: float | None,
                 target_date: date | None) -> trajectory.Forecast | None:
    p = monthly_points(points)
    if p.empty or target_date is None:
        return None
    dates = [pd.Timestamp(d).date() for d in p["period_end"]]
    return trajectory.forecast(dates, p["value"].to_numpy(float), target_date, target, polarity)


def narrative(result: spc.SpcResult | None, fc: trajectory.Forecast | None, unit: str, polarity: str,
              target: float | None, target_date: date | None) -> str:
    parts = []
    if result is not None and result.n_points:
        parts.append(spc.spc_sentence(result, unit, polarity, target, target_date))
    if fc is not None and fc.status is not None:
        parts.append(trajectory.forecast_sentence(fc, unit))
    return " ".join(parts)


def read_measure(measure: dict, points: pd.DataFrame, target: float | None, target_date: date | None,
                 rebase_dates=(), team_id: str = AUTHORITY_TEAM, method: str = METHOD_XMR) -> MeasureReading:
    target = None if target is None or (isinstance(target, float) and np.isnan(target)) else float(target)
    result = spc_for(points, measure["polarity"], target, rebase_dates, method)
    fc = forecast_for(points, measure["polarity"], target, target_date)
    text = narrative(result, fc, measure["unit"], measure["polarity"], target, target_date)
    return MeasureReading(measure["measure_id"], team_id, result, fc, text)


def rebase_dates(snap: Snapshot) -> dict[str, list[date]]:
    """measure_id -> its SPC rebase dates (spc_rebase.csv), oldest first."""
    return rebase_by_measure(snap.query("spc_rebase"))


def rebase_by_measure(rebase: pd.DataFrame) -> dict[str, list[date]]:
    """The rows of queries/spc_rebase.sql as measure_id -> its rebase dates, oldest first."""
    out: dict[str, list[date]] = {}
    for m, d in zip(rebase["measure_id"], rebase["rebase_date"]):
        out.setdefault(m, []).append(pd.Timestamp(d).date())
    return out


def _monthly_by_measure(points: pd.DataFrame) -> dict[str, tuple[np.ndarray, tuple[date, ...]]]:
    """measure_id -> (values, dates) of its monthly points, oldest first: one pass over the
    frame with numpy rather than a pandas filter per measure (40 filters cost ~10 ms)."""
    p = points
    if "period_type" in p:
        p = p[p["period_type"] == "month"]
    p = p[p["value"].notna()]
    if p.empty:
        return {}
    p = p.sort_values(["measure_id", "period_end"], kind="stable")
    ids = p["measure_id"].to_numpy()
    values = p["value"].to_numpy(float)
    days = pd.to_datetime(p["period_end"]).to_numpy().astype("datetime64[D]").tolist()  # dates, made in C
    cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    bounds = zip(np.concatenate(([0], cuts)).tolist(), np.concatenate((cuts, [len(ids)])).tolist())
    return {ids[a]: (values[a:b], tuple(days[a:b])) for a, b in bounds}


def read_all(snap: Snapshot, as_at: date, team: str, figures: pd.DataFrame,
             points: pd.DataFrame | None = None,
             rebase: dict[str, list[date]] | None = None) -> dict[str, MeasureReading]:
    """A reading for each measure in `figures` (latest_figures rows), from its monthly points
    up to as_at, against the next target of its latest figure. `points`: the team's figures
    up to as_at when the caller has them already (any period types; only monthly points
    with a value are read); `rebase`: rebase_dates(snap), when the caller keeps it."""
    if points is None:
        points = snap.query("monthly_points", teams=[team], as_at=as_at, measure_id=None)
    series = _monthly_by_measure(points)
    rebase = rebase_dates(snap) if rebase is None else rebase
    readings = {}
    # Column by column: to_dict("records") boxes every cell and cost more than the loop.
    columns = (figures[c].tolist() for c in ("measure_id", "target", "target_date", "polarity", "unit"))
    for mid, target, target_date, polarity, unit in zip(*columns):
        target = None if target is None or pd.isna(target) else float(target)
        target_date = None if pd.isna(target_date) else pd.Timestamp(target_date).date()
        values, dates = series.get(mid, (None, ()))
        result = fc = None
        if values is not None:
            # As spc_for and forecast_for, on arrays already in date order.
            result = spc.xmr(values, dates, polarity, rebase.get(mid, ()), target)
            if target_date is not None:
                # Only the points the forecast fits (xmr above has checked the whole series).
                window = trajectory.DEFAULT_WINDOW
                fc = trajectory.forecast(dates[-window:], values[-window:], target_date, target, polarity)
        text = narrative(result, fc, unit, polarity, target, target_date)
        readings[mid] = MeasureReading(mid, team, result, fc, text)
    return readings


CARD_READING_COLUMNS = ["as_at_month", "measure_id", "variation", "assurance", "narrative"]


def card_readings_by_month(figures: pd.DataFrame, points: pd.DataFrame,
                           rebase: dict[str, list[date]]) -> pd.DataFrame:
    """The whole authority's reading of every measure at every month end, as read_all
    gives it on that date, kept to what an overview card shows (variation, assurance,
    narrative): built at load into the authority_card_readings table, so that moving the
    as-at month runs no SPC (40 readings were ~13 ms of the overview's rerun at 1m).

    figures: the authority_latest mart (its as_at_month, measure_id, target, target_date,
    polarity, unit); points: the authority's figures with a value (measure_id, period_end,
    period_type, value)."""
    rows: list[tuple] = []
    if figures.empty:
        return pd.DataFrame(rows, columns=CARD_READING_COLUMNS)
    points = points.sort_values("period_end", kind="stable").reset_index(drop=True)
    ends = pd.to_datetime(points["period_end"]).to_numpy()
    months = pd.to_datetime(figures["as_at_month"]).to_numpy()
    for month in np.unique(months):
        upto = points.iloc[:int(np.searchsorted(ends, month, side="right"))]  # on or before it
        these = figures[months == month].reset_index(drop=True)
        day = pd.Timestamp(month).date()
        for mid, reading in read_all(None, day, AUTHORITY_TEAM, these, upto, rebase).items():
            rows.append((day, mid, reading.variation, reading.assurance, reading.narrative))
    return pd.DataFrame(rows, columns=CARD_READING_COLUMNS)

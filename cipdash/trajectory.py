"""Trajectories to a target and straight-line forecasts of monthly series.

Pure Python + numpy; no Streamlit, no database.

Time axis
    Dates are turned into a month number: ``year × 12 + (month − 1) +
    day / days_in_month``. The last day of every month is a whole number, so
    month-end period dates are exactly one apart and a slope is "per month".

Forecast (``forecast``)
    An ordinary least-squares line through the last ``window`` points
    (default 12) of the series given, projected to the target date, with an
    approximate 80% prediction interval for a single future month:
    ŷ ± t × s × √(1 + 1/n + (x₀ − x̄)² / Σ(x − x̄)²), where s² = SSE / (n − 2)
    and t is the 0.90 quantile of Student's t with n − 2 degrees of freedom.
    scipy is not a dependency, so t comes from a table (``T_QUANTILE_90``);
    degrees of freedom between table rows use the next lower row (a slightly
    wider, more cautious interval) and beyond 120 the normal value 1.2816.
    The interval assumes the straight line holds and the residuals are
    independent and roughly normal — it is a guide, not a guarantee.

Status (against the target, read with polarity)
    ``on_track``  — the whole 80% interval meets the target
                    (lower end >= target for higher_better,
                     upper end <= target for lower_better);
    ``off_track`` — the whole interval misses it;
    ``at_risk``   — the interval straddles the target.
    A value equal to the target meets it, so a zero-width interval exactly on
    the target is ``on_track``. Status is None, with a ``reason``, when fewer
    than 6 points are available (``MIN_FORECAST_POINTS``), when there is no
    target, when the target date is not after the latest point (compare
    the actual value instead), or for a ``neutral`` measure (no better
    direction to be on track in). Whether a past target was met is not a
    forecast status.

Baseline trajectory (``baseline_trajectory``)
    The straight line, on the same month axis, from (baseline date, baseline
    value) to (target date, target); NaN for dates outside that span.
    Charts draw trajectories only where the whole authority has at least
    ``MIN_TRAJECTORY_POINTS`` (6) monthly figures, the forecast's minimum: a
    baseline is one figure of a series, and with fewer figures there is no
    telling whether it is typical, nor anything yet to read against the line
    (a "trajectory" from two points says more than the figures do). Below
    that, the chart draws none and says why in its text
    (``no_trajectory_words``).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date
from typing import Sequence

import numpy as np

from .spc import HIGHER_BETTER, NEUTRAL, POLARITIES, format_month, format_value, to_date

MIN_FORECAST_POINTS = 6
MIN_TRAJECTORY_POINTS = MIN_FORECAST_POINTS  # see "Baseline trajectory" above
DEFAULT_WINDOW = 12
PREDICTION_COVERAGE = 0.80

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK)

# One-sided 0.90 quantiles of Student's t (two-sided 80%), by degrees of freedom.
T_QUANTILE_90 = {
    1: 3.0777, 2: 1.8856, 3: 1.6377, 4: 1.5332, 5: 1.4759, 6: 1.4398,
    7: 1.4149, 8: 1.3968, 9: 1.3830, 10: 1.3722, 11: 1.3634, 12: 1.3562,
    13: 1.3502, 14: 1.3450, 15: 1.3406, 16: 1.3368, 17: 1.3334, 18: 1.3304,
    19: 1.3277, 20: 1.3253, 21: 1.3232, 22: 1.3212, 23: 1.3195, 24: 1.3178,
    25: 1.3163, 26: 1.3150, 27: 1.3137, 28: 1.3125, 29: 1.3114, 30: 1.3104,
    40: 1.3031, 60: 1.2958, 120: 1.2886,
}
NORMAL_QUANTILE_90 = 1.2816


def t_quantile_90(df: int) -> float:
    """0.90 quantile of Student's t (table; next lower row between rows)."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df > 120:
        return NORMAL_QUANTILE_90
    return T_QUANTILE_90[max(k for k in T_QUANTILE_90 if k <= df)]


def month_number(d) -> float:
    """Months since year 0; the last day of a month is a whole number."""
    return _month_number(to_date(d))


def _month_number(d: date) -> float:
    return (d.year * 12 + (d.month - 1)
            + d.day / calendar.monthrange(d.year, d.month)[1])


@dataclass(frozen=True)
class Forecast:
    """A straight-line projection to a target date, and what it means."""

    status: str | None            # ON_TRACK, AT_RISK, OFF_TRACK or None
    reason: str | None            # why status is None
    target: float | None
    target_date: date | None
    polarity: str
    projected: float | None       # fitted line at target_date
    lower: float | None           # 80% prediction interval
    upper: float | None
    slope_per_month: float | None
    n_points: int                 # points in the fit
    window_start: date | None     # first and last date of the fitted points
    window_end: date | None
    residual_sd: float | None     # s, in the measure's unit
    t_quantile: float | None
    coverage: float = PREDICTION_COVERAGE
    intercept: float | None = None    # line value at month number 0

    def value_at(self, d) -> float | None:
        """The fitted line at a date (for drawing it on a chart)."""
        if self.slope_per_month is None:
            return None
        return self.intercept + self.slope_per_month * month_number(d)


def forecast(dates: Sequence, values: Sequence[float], target_date,
             target: float | None, polarity: str = HIGHER_BETTER,
             window: int = DEFAULT_WINDOW) -> Forecast:
    """Project the last ``window`` monthly points to ``target_date``."""
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    ds = [to_date(d) for d in dates]
    y = np.array(values, dtype=float)
    if y.ndim != 1 or len(ds) != y.size:
        raise ValueError(f"{len(ds)} dates for {y.size} values")
    if not np.all(np.isfinite(y)):
        raise ValueError("values contain missing or infinite numbers; filter them out first")
    for a, b in zip(ds, ds[1:]):
        if b <= a:
            raise ValueError(f"dates must be strictly increasing: {b} follows {a}")
    if window < 1:
        raise ValueError("window must be at least 1")
    if target is not None:
        target = float(target)
        if math.isnan(target):
            target = None
    tdate = to_date(target_date) if target_date is not None else None

    ds, y = ds[-window:], y[-window:]
    n = y.size
    empty = dict(target=target, target_date=tdate, polarity=polarity,
                 projected=None, lower=None, upper=None, slope_per_month=None,
                 n_points=n, window_start=ds[0] if ds else None,
                 window_end=ds[-1] if ds else None, residual_sd=None,
                 t_quantile=None)
    if n < MIN_FORECAST_POINTS:
        return Forecast(status=None, reason=(
            f"Only {n} monthly point{'s' if n != 1 else ''}; a forecast needs "
            f"at least {MIN_FORECAST_POINTS}."), **empty)
    if tdate is None:
        return Forecast(status=None, reason="No target date to project to.", **empty)

    x = np.array([month_number(d) for d in ds])
    x_bar, y_bar = float(x.mean()), float(y.mean())
    sxx = float(((x - x_bar) ** 2).sum())
    slope = float(((x - x_bar) * (y - y_bar)).sum()) / sxx
    intercept = y_bar - slope * x_bar
    residuals = y - (intercept + slope * x)
    s = math.sqrt(float((residuals ** 2).sum()) / (n - 2))
    x0 = month_number(tdate)
    projected = intercept + slope * x0
    t = t_quantile_90(n - 2)
    half = t * s * math.sqrt(1.0 + 1.0 / n + (x0 - x_bar) ** 2 / sxx)
    lower, upper = projected - half, projected + half

    status, reason = None, None
    if target is None:
        reason = "No target to compare with."
    elif tdate <= ds[-1]:
        reason = "The target date is not after the latest point; compare the actual value."
    elif polarity == NEUTRAL:
        # No better direction: a projection can be drawn, but not judged against a target.
        reason = "Neither direction is better for this measure, so the projection is not judged against a target."
    elif polarity == HIGHER_BETTER:
        status = ON_TRACK if lower >= target else OFF_TRACK if upper < target else AT_RISK
    else:
        status = ON_TRACK if upper <= target else OFF_TRACK if lower > target else AT_RISK

    return Forecast(status=status, reason=reason, target=target, target_date=tdate,
                    polarity=polarity, projected=projected, lower=lower, upper=upper,
                    slope_per_month=slope, n_points=n, window_start=ds[0],
                    window_end=ds[-1], residual_sd=s, t_quantile=t,
                    intercept=intercept)


def baseline_trajectory(baseline_date, baseline_value: float, target_date,
                        target: float, dates: Sequence) -> np.ndarray:
    """Straight line from the baseline to the target, at each date (NaN outside)."""
    x0, x1 = month_number(baseline_date), month_number(target_date)
    if x1 <= x0:
        raise ValueError("the target date must be after the baseline date")
    x = np.array([month_number(d) for d in dates], dtype=float)
    frac = (x - x0) / (x1 - x0)
    line = float(baseline_value) + (float(target) - float(baseline_value)) * frac
    return np.where((frac >= 0) & (frac <= 1), line, np.nan)


def enough_for_trajectory(monthly_points: int) -> bool:
    """Whether a series of this many monthly figures gets trajectories drawn."""
    return monthly_points >= MIN_TRAJECTORY_POINTS


def no_trajectory_words(monthly_points: int) -> str:
    """Why a chart draws no trajectory to its targets."""
    return (f"No trajectory is drawn: the whole authority has {monthly_points} monthly "
            f"figure{'s' if monthly_points != 1 else ''}, and a trajectory needs at least "
            f"{MIN_TRAJECTORY_POINTS}.")


def forecast_sentence(fc: Forecast, unit: str | None = "", beyond_the_limits: bool = False) -> str:
    """Plain-English reading of a forecast. `beyond_the_limits`: the SPC assurance has just
    said the target will (or will not) be met while the process stays as it is, and the
    trend says otherwise; the trend carrying on would itself be that change, so the
    sentence is put as a condition rather than as a second verdict."""
    if fc.status is None and fc.projected is None:
        return fc.reason or "No forecast."

    def fmt(v):
        return format_value(v, unit)

    when = format_month(fc.target_date)
    text = (f"On the trend of the last {fc.n_points} months the value is projected "
            f"to be {fmt(fc.projected)} in {when} (80% range {fmt(fc.lower)} to "
            f"{fmt(fc.upper)})")
    if fc.status is None:
        return f"{text}. {fc.reason}"
    if beyond_the_limits:
        then = {ON_TRACK: "would then be met", AT_RISK: "would then be at risk",
                OFF_TRACK: "would then be missed"}
        return (f"That holds while the process stays as it is: if the trend of the last {fc.n_points} months "
                f"carries on, which would itself be such a change, the value would be {fmt(fc.projected)} in "
                f"{when} (80% range {fmt(fc.lower)} to {fmt(fc.upper)}) and the target of {fmt(fc.target)} "
                f"{then[fc.status]}.")
    words = {ON_TRACK: "on track to be met", AT_RISK: "at risk",
             OFF_TRACK: "off track: on this trend it will not be met"}
    return f"{text}, so the target of {fmt(fc.target)} is {words[fc.status]}."


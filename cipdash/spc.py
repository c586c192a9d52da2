"""Statistical process control: NHS "Making Data Count" XmR and Laney p′ charts.

Pure Python + numpy; no Streamlit, no database. Callers pass the monthly points
of one series in date order (period_type ``month`` only, NaN already removed).

Definitions (these are the rules the dashboard applies):

XmR chart (``xmr``)
    centre = mean of the points; moving range = |x_i - x_(i-1)|;
    mMR = mean moving range; limits = centre ± 2.66 × mMR. No outlier
    screening. A series of one point has mMR = 0.

Laney p′ chart (``laney_p_prime``), for percentages with varying denominators
    p̄ = Σ numerators / Σ denominators; σ_i = √(p̄(1 − p̄)/n_i);
    z_i = (p_i − p̄)/σ_i; σ_z = (mean moving range of z)/1.128;
    limits_i = p̄ ± 3 σ_i σ_z, shown in percent (0–100) and clipped to 0..100.
    When p̄ is exactly 0 or 1 every point equals it and the limits equal p̄.

Rebasing
    With ``rebase_dates`` the series is split into segments: the first point
    dated on or after a rebase date starts a new segment. Each segment has its
    own centre, limits and moving ranges (no moving range across a boundary),
    and every rule below looks only inside one segment. A rebase date on or
    before the first point, or after the last, changes nothing: the result
    lists it in ``unused_rebase_dates`` and the sentence says so.

Fixed baseline (``baseline_points`` = N, NHSRplotthedots' fix_after_n_points)
    Each segment's centre and limits (and, on a p′ chart, p̄ and σ_z) come
    from its first N points only and are applied to the rest of the segment;
    the rules then read every point against those limits. A segment with
    fewer than N points falls back to limits from all of its points, and the
    reading says so (``baseline_note``). N is a whole number of at least 2.

Special-cause rules (each flagged point gets a direction, ``high`` or ``low``)
    1. ``beyond_limit`` — a point strictly above the upper limit (high) or
       strictly below the lower limit (low).
    2. ``shift`` — 7 or more consecutive points strictly on the same side of
       the centre; a point exactly on the centre breaks the run. Every point
       of the run is flagged (above = high, below = low).
    3. ``trend`` — 7 or more consecutive points each strictly higher than the
       one before (high), or each strictly lower (low): the MDC convention of
       7 points, i.e. 6 consecutive increases. An equal pair breaks the run.
       Every point of the run is flagged.
    4. ``two_of_three`` — 3 consecutive points all strictly on one side of
       the centre, 2 or 3 of which lie strictly beyond two-thirds of the way
       from the centre to the limit on that side (beyond centre ± ⅔ × the
       limit distance, each point's own distance on a p′ chart; a point
       beyond the limit itself counts). The points of such a window that are
       beyond the line are flagged; a point of the window short of the line
       is not. A middle point across (or on) the centre breaks the rule: this
       is how the MDC tool and NHSRplotthedots read it (NHSRplotthedots
       issue 194, answered by the MDC team).
    "Exactly" means within a relative tolerance of 1e-10 of the segment's
    largest absolute value, so floating-point noise cannot invent a signal.

Reading with polarity
    ``high`` is improvement for ``higher_better`` and concern for
    ``lower_better``; ``low`` the reverse. A point flagged in both directions
    (say, rising for 7 months while still below the centre) is
    ``special_cause_improvement``, as the MDC tool shows it; its direction is
    ``both`` and the sentence names the sign of concern too. For ``neutral``
    (neither direction is better) every flagged point is
    ``special_cause_neutral`` (purple in MDC; its direction, high or low, is
    kept for the words) and there is never an assurance.
    Unflagged points are ``common_cause``.

Constant series
    mMR = 0, so both limits equal the centre. Points on the centre are on
    neither side and not beyond any limit, so they are common cause.

Variation (the icon for the series)
    The classification of the latest point; None when the series has fewer
    than 12 points (``MIN_POINTS``) in total.

Trial limits
    ``trial_limits`` is True when the latest segment's limits come from fewer
    than 12 points (its size, or its fixed baseline): the limits are
    provisional and the dashboard says so.

Assurance (target against the latest point's limits)
    higher_better: target > upper = ``consistent_fail``; target < lower =
    ``consistent_pass``; otherwise ``hit_or_miss``. lower_better: target <
    lower = ``consistent_fail``; target > upper = ``consistent_pass``;
    otherwise ``hit_or_miss``. None when there is no target, fewer than
    12 points in total, or the polarity is ``neutral``. A target exactly on a
    limit is ``hit_or_miss``.

Suggested rebase (``suggested_rebase``)
    When the latest point ends a run of 7 or more consecutive points strictly
    on one side of the centre and no rebase date falls on or after the run's
    first point, that first point's date: the process has probably changed
    there and the limits should restart from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, NamedTuple, Sequence

import numpy as np

from .formatting import format_value
from .formatting import month_label as format_month

# --- Method constants -------------------------------------------------------
MIN_POINTS = 12            # fewer than this: no variation/assurance; trial limits
LIMIT_FACTOR = 2.66        # XmR: limits = mean ± 2.66 × mean moving range
RUN_LENGTH = 7             # shift and trend runs: 7 points
TWO_OF_THREE_FRACTION = 2.0 / 3.0   # rule 4 line: ⅔ of the way to a limit
LANEY_D2 = 1.128           # bias constant for a moving range of 2 (σ_z = mMR/d2)
LANEY_SIGMAS = 3.0         # p′ limits are ±3 σ_i σ_z
REL_TOL = 1e-10            # "exactly equal" tolerance, relative to segment scale

# --- Making Data Count colours ---------------------------------------------
COMMON_CAUSE_GREY = "#a6a6a6"
IMPROVEMENT_BLUE = "#00b0f0"
CONCERN_ORANGE = "#e46c0a"
TARGET_RED = "#c00000"
NEUTRAL_PURPLE = "#490092"   # special cause where neither direction is better (as NHSRplotthedots)

# --- Codes ------------------------------------------------------------------
HIGHER_BETTER = "higher_better"
LOWER_BETTER = "lower_better"
NEUTRAL = "neutral"          # neither direction is better: no improvement, concern or assurance
POLARITIES = (HIGHER_BETTER, LOWER_BETTER, NEUTRAL)

SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
SPECIAL_CAUSE_CONCERN = "special_cause_concern"
SPECIAL_CAUSE_NEUTRAL = "special_cause_neutral"
COMMON_CAUSE = "common_cause"
VARIATION_CODES = (SPECIAL_CAUSE_IMPROVEMENT, SPECIAL_CAUSE_CONCERN, SPECIAL_CAUSE_NEUTRAL, COMMON_CAUSE)

CONSISTENT_PASS = "consistent_pass"
CONSISTENT_FAIL = "consistent_fail"
HIT_OR_MISS = "hit_or_miss"
ASSURANCE_CODES = (CONSISTENT_PASS, CONSISTENT_FAIL, HIT_OR_MISS)

RULE_BEYOND_LIMIT = "beyond_limit"
RULE_SHIFT = "shift"
RULE_TREND = "trend"
RULE_TWO_OF_THREE = "two_of_three"
RULES = (RULE_BEYOND_LIMIT, RULE_SHIFT, RULE_TREND, RULE_TWO_OF_THREE)

HIGH = "high"
LOW = "low"
BOTH = "both"

METHOD_XMR = "xmr"
METHOD_LANEY = "laney_p_prime"

POINT_COLOURS = {
    SPECIAL_CAUSE_IMPROVEMENT: IMPROVEMENT_BLUE,
    SPECIAL_CAUSE_CONCERN: CONCERN_ORANGE,
    SPECIAL_CAUSE_NEUTRAL: NEUTRAL_PURPLE,
    COMMON_CAUSE: COMMON_CAUSE_GREY,
}



# --- Results ----------------------------------------------------------------
@dataclass(frozen=True)
class Signal:
    """One special-cause episode: a rule, its direction and the points it flags."""

    rule: str
    direction: str            # HIGH or LOW
    indices: tuple[int, ...]  # flagged point positions, ascending

    @property
    def start(self) -> int:
        return self.indices[0]

    @property
    def end(self) -> int:
        return self.indices[-1]


@dataclass(frozen=True, eq=False)
class SpcResult:
    """Per-point chart lines and classifications, plus the series-level reading.

    Arrays are read-only numpy float arrays of the same length as ``values``.
    Percent scale (0–100) for a p′ chart.
    """

    method: str                       # METHOD_XMR or METHOD_LANEY
    polarity: str
    values: np.ndarray
    dates: tuple[date, ...] | None
    centre: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    upper_two_thirds: np.ndarray      # the rule-4 lines
    lower_two_thirds: np.ndarray
    moving_range: np.ndarray          # |x_i - x_(i-1)|, NaN at each segment start
    segment: np.ndarray               # segment number per point (0, 1, ...)
    segment_starts: tuple[int, ...]   # first index of each segment
    point_type: tuple[str, ...]       # VARIATION_CODES per point
    rules: tuple[tuple[str, ...], ...]  # rules that flagged each point, in RULES order
    direction: tuple[str | None, ...]   # HIGH, LOW, BOTH or None per point
    signals: tuple[Signal, ...]
    variation: str | None
    assurance: str | None
    trial_limits: bool
    target: float | None
    numerators: np.ndarray | None = None    # p′ only
    denominators: np.ndarray | None = None  # p′ only
    z_scores: np.ndarray | None = None      # p′ only
    sigma_z: tuple[float, ...] | None = None  # p′ only, one per segment
    baseline_points: int | None = None        # the plan's fixed baseline (N), if any
    limit_points: tuple[int, ...] = ()        # points each segment's limits come from
    rebase_dates: tuple[date, ...] = ()       # the rebase dates asked for
    unused_rebase_dates: tuple[date, ...] = ()  # those on/before the first point or after the last

    @property
    def n_points(self) -> int:
        return int(self.values.size)

    @property
    def baseline_short(self) -> bool:
        """A fixed baseline was asked for but the latest segment is shorter than it,
        so its limits come from all its points (the stated fallback)."""
        return (self.baseline_points is not None and bool(self.limit_points)
                and self.limit_points[-1] < self.baseline_points)

    @property
    def baseline_note(self) -> str | None:
        """The fixed baseline in words: how the latest limits were set, or the fallback."""
        if self.baseline_points is None or not self.n_points:
            return None
        n, k = self.baseline_points, self.limit_points[-1]
        start = self.segment_starts[-1]
        if self.baseline_short:
            return (f"fewer points than the {n}-point baseline; limits use all {k} "
                    f"point{'s' if k != 1 else ''}")
        if self.dates is None:
            return f"limits fixed from the first {n} points"
        return (f"limits fixed from the first {n} points ({format_month(self.dates[start])} "
                f"to {format_month(self.dates[start + n - 1])})")

    @property
    def suggested_rebase(self) -> date | None:
        """See the module docstring: where the limits should probably restart."""
        return suggested_rebase(self)

    @property
    def latest_segment_size(self) -> int:
        return self.n_points - self.segment_starts[-1] if self.n_points else 0

    @property
    def colours(self) -> tuple[str, ...]:
        """MDC colour per point (grey, blue or orange)."""
        return tuple(POINT_COLOURS[t] for t in self.point_type)

    def to_records(self) -> list[dict]:
        """The chart as rows, for a data table beside the chart."""
        rows = []
        for i in range(self.n_points):
            rows.append({
                "date": self.dates[i] if self.dates is not None else None,
                "value": float(self.values[i]),
                "centre": float(self.centre[i]),
                "lower": float(self.lower[i]),
                "upper": float(self.upper[i]),
                "segment": int(self.segment[i]),
                "point_type": self.point_type[i],
                "rules": self.rules[i],
                "direction": self.direction[i],
            })
        return rows


class Description(NamedTuple):
    label: str
    tooltip: str


_VARIATION_WORDS = {
    SPECIAL_CAUSE_IMPROVEMENT: Description(
        "Special cause improvement",
        "The latest point is part of an unusual change in the better direction, "
        "more than normal month-to-month variation would explain."),
    SPECIAL_CAUSE_CONCERN: Description(
        "Special cause concern",
        "The latest point is part of an unusual change in the worse direction "
        "that needs looking into."),
    SPECIAL_CAUSE_NEUTRAL: Description(
        "Special cause variation (neither direction is better)",
        "The latest point is part of an unusual change, more than normal "
        "month-to-month variation would explain; for this measure neither a "
        "rise nor a fall is better in itself, so it is worth understanding "
        "rather than judging."),
    COMMON_CAUSE: Description(
        "Common cause variation",
        "The latest point is within the normal month-to-month variation of "
        "this process, with no sign of real change."),
    None: Description(
        "Not enough data",
        f"Fewer than {MIN_POINTS} monthly points, so variation cannot be "
        "judged yet."),
}

_ASSURANCE_WORDS = {
    CONSISTENT_PASS: Description(
        "Consistently passing the target",
        "The target lies outside the process limits on the good side, so it "
        "will be met month after month unless the process changes."),
    CONSISTENT_FAIL: Description(
        "Consistently failing the target",
        "The target lies outside the process limits on the bad side, so it "
        "will not be met without a change to the system."),
    HIT_OR_MISS: Description(
        "Hit or miss",
        "The target lies within the process limits, so it will be met in some "
        "months and missed in others by chance alone."),
    None: Description(
        "No assurance",
        f"There is no target, or fewer than {MIN_POINTS} monthly points, so "
        "assurance cannot be judged."),
}

# Assurance left out because the latest figures already contradict it (see analysis.py).
PROCESS_CHANGED = "process_changed"
WITHHELD_WORDS = Description(
    "Assurance not assessed",
    "Assurance not assessed: the latest figures lie outside the limits set by "
    "earlier months")


def describe_variation(code: str | None) -> Description:
    """Plain words and a one-sentence tooltip for a variation code (or None)."""
    try:
        return _VARIATION_WORDS[code]
    except KeyError:
        raise ValueError(f"unknown variation code {code!r}") from None


def describe_assurance(code: str | None) -> Description:
    """Plain words and a one-sentence tooltip for an assurance code (or None)."""
    try:
        return _ASSURANCE_WORDS[code]
    except KeyError:
        raise ValueError(f"unknown assurance code {code!r}") from None


def variation_colour(code: str | None) -> str:
    """MDC colour for a variation code; grey when there is none."""
    return POINT_COLOURS.get(code, COMMON_CAUSE_GREY)


# --- Public chart functions -------------------------------------------------
def xmr(values: Sequence[float],
        dates: Sequence | None = None,
        polarity: str = HIGHER_BETTER,
        rebase_dates: Iterable = (),
        target: float | None = None,
        baseline_points: int | None = None) -> SpcResult:
    """XmR chart of monthly points in date order (see the module docstring)."""
    x = _as_values(values, "values")
    date_tuple = _as_dates(dates, x.size)
    _check_polarity(polarity)
    baseline_points = _check_baseline(baseline_points)
    rebases = _rebase_tuple(rebase_dates, date_tuple)
    starts = _segment_starts(date_tuple, rebases, x.size)
    limit_points = []

    centre = np.empty_like(x)
    upper = np.empty_like(x)
    lower = np.empty_like(x)
    upper23 = np.empty_like(x)
    lower23 = np.empty_like(x)
    mr = np.full_like(x, np.nan)
    for a, b in _bounds(starts, x.size):
        seg = x[a:b]
        e = _baseline_end(a, b, baseline_points)
        limit_points.append(e - a)
        base = x[a:e]
        mean = float(base.mean())
        mr[a + 1:b] = np.abs(np.diff(seg))
        base_mr = np.abs(np.diff(base))
        mean_mr = float(base_mr.mean()) if base_mr.size else 0.0
        half = LIMIT_FACTOR * mean_mr
        centre[a:b] = mean
        upper[a:b] = mean + half
        lower[a:b] = mean - half
        upper23[a:b] = mean + TWO_OF_THREE_FRACTION * half
        lower23[a:b] = mean - TWO_OF_THREE_FRACTION * half

    return _finish(METHOD_XMR, polarity, x, date_tuple, centre, upper, lower,
                   upper23, lower23, mr, starts, target,
                   baseline_points=baseline_points, limit_points=tuple(limit_points),
                   rebase_dates=rebases,
                   unused_rebase_dates=_unused_rebases(date_tuple, rebases))


def laney_p_prime(numerators: Sequence[float],
                  denominators: Sequence[float],
                  dates: Sequence | None = None,
                  polarity: str = HIGHER_BETTER,
                  rebase_dates: Iterable = (),
                  target: float | None = None,
                  baseline_points: int | None = None) -> SpcResult:
    """Laney p′ chart, in percent (0–100); target in percent too.

    Every denominator must be positive: filter empty months out before calling.
    """
    num = _as_values(numerators, "numerators")
    den = _as_values(denominators, "denominators")
    if num.size != den.size:
        raise ValueError(f"{num.size} numerators but {den.size} denominators")
    date_tuple = _as_dates(dates, num.size)
    for i in range(num.size):
        where = _where(i, date_tuple)
        if den[i] <= 0:
            raise ValueError(f"denominator {den[i]:g} at {where} is not positive; "
                             "leave months with no cases out of a p′ chart")
        if num[i] < 0:
            raise ValueError(f"numerator {num[i]:g} at {where} is negative")
        if num[i] > den[i]:
            raise ValueError(f"numerator {num[i]:g} at {where} is above its "
                             f"denominator {den[i]:g}")
    _check_polarity(polarity)
    baseline_points = _check_baseline(baseline_points)
    rebases = _rebase_tuple(rebase_dates, date_tuple)
    starts = _segment_starts(date_tuple, rebases, num.size)
    limit_points = []

    p = num / den if num.size else num.copy()
    centre = np.empty_like(p)
    half = np.empty_like(p)
    z = np.zeros_like(p)
    mr = np.full_like(p, np.nan)
    sigma_zs = []
    for a, b in _bounds(starts, p.size):
        e = _baseline_end(a, b, baseline_points)
        limit_points.append(e - a)
        p_bar = float(num[a:e].sum() / den[a:e].sum())
        centre[a:b] = p_bar
        mr[a + 1:b] = np.abs(np.diff(p[a:b])) * 100.0
        if 0.0 < p_bar < 1.0:
            sigma = np.sqrt(p_bar * (1.0 - p_bar) / den[a:b])
            z[a:b] = (p[a:b] - p_bar) / sigma
            # σ_z from the baseline's z-scores only (all of them without a baseline).
            z_mr = np.abs(np.diff(z[a:e]))
            sigma_z = float(z_mr.mean()) / LANEY_D2 if z_mr.size else 0.0
            half[a:b] = LANEY_SIGMAS * sigma * sigma_z
        else:
            # p̄ of 0 or 1 means every point equals it (of the baseline, at least): no spread.
            sigma_z = 0.0
            half[a:b] = 0.0
        sigma_zs.append(sigma_z)

    def pct(arr):
        return np.clip(arr * 100.0, 0.0, 100.0)

    result = _finish(
        METHOD_LANEY, polarity, p * 100.0, date_tuple, centre * 100.0,
        pct(centre + half), pct(centre - half),
        pct(centre + TWO_OF_THREE_FRACTION * half),
        pct(centre - TWO_OF_THREE_FRACTION * half),
        mr, starts, target,
        numerators=_frozen(num), denominators=_frozen(den),
        z_scores=_frozen(z), sigma_z=tuple(sigma_zs),
        baseline_points=baseline_points, limit_points=tuple(limit_points),
        rebase_dates=rebases, unused_rebase_dates=_unused_rebases(date_tuple, rebases))
    return result


def assurance_code(target: float | None, upper: float, lower: float,
                   polarity: str) -> str | None:
    """Assurance of a target against one pair of limits (None if no target, and always
    None for a neutral measure: with no better direction there is nothing to assure)."""
    _check_polarity(polarity)
    if polarity == NEUTRAL:
        return None
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return None
    target = float(target)
    above, below = target > upper, target < lower
    if polarity == HIGHER_BETTER:
        if above:
            return CONSISTENT_FAIL
        if below:
            return CONSISTENT_PASS
    else:
        if below:
            return CONSISTENT_FAIL
        if above:
            return CONSISTENT_PASS
    return HIT_OR_MISS


def assurance_for(result: SpcResult, target: float | None) -> str | None:
    """Assurance of another target against a result's latest limits."""
    if result.n_points < MIN_POINTS:
        return None
    return assurance_code(target, float(result.upper[-1]),
                          float(result.lower[-1]), result.polarity)


# --- Narrative --------------------------------------------------------------
def spc_sentence(result: SpcResult, unit: str | None = "",
                 polarity: str | None = None, target: float | None = None,
                 target_date: date | None = None,
                 assurance_withheld: str | None = None) -> str:
    """Plain-English reading of a chart, derived only from the result.

    ``polarity`` and ``target`` default to the result's own; a polarity that
    differs from the one the result was computed with is an error. With
    ``assurance_withheld`` (``PROCESS_CHANGED``) the target is not read against
    the limits: the latest figures already lie outside them, so saying the
    target will, or will not, be met would contradict the figures.
    """
    if polarity is not None and polarity != result.polarity:
        raise ValueError(f"the result was computed as {result.polarity}, "
                         f"not {polarity}")
    if target is None:
        target = result.target
    if target is not None and isinstance(target, float) and math.isnan(target):
        target = None
    n = result.n_points
    if n == 0:
        return "No monthly data yet."

    def fmt(v):
        # Limits and averages of counts are rarely whole: keep their decimal place.
        whole = float(v).is_integer()
        return format_value(v, "number" if unit == "count" and not whole else (unit or "number"))

    last = n - 1
    upper, lower = float(result.upper[last]), float(result.lower[last])
    if result.variation is None:
        first = (f"Not enough data to judge variation: {n} monthly "
                 f"point{'s' if n != 1 else ''} ({MIN_POINTS} are needed)")
    elif result.variation == COMMON_CAUSE:
        first = (f"Common cause variation: the latest point ({_when(result, last)}"
                 f"{fmt(result.values[last])}) is within the limits of "
                 f"{fmt(lower)} to {fmt(upper)}, with no unusual pattern")
    else:
        label = describe_variation(result.variation).label
        main, other = _signal_directions(result)
        first = f"{label}: {_signal_words(result, fmt, main)}"
        if other is not None:
            # Flagged both ways: MDC shows the improvement; the other signal is named too.
            kind = ("a signal the other way" if result.polarity == NEUTRAL
                    else "a sign of concern")
            first += f"; there is also {kind}: {_signal_words(result, fmt, other)}"

    parts = [first]
    if target is not None and result.polarity != NEUTRAL:
        when = f"the {format_month(target_date)} target" if target_date else "the target"
        tgt = f"{when} of {fmt(target)}"
        code = assurance_for(result, target)
        higher = result.polarity == HIGHER_BETTER
        if assurance_withheld is not None and code is not None:
            parts.append(f"assurance against {tgt} is not assessed: the latest figures lie "
                         "outside the limits set by earlier months")
        elif code is None:
            parts.append(f"there are too few points to judge {tgt} against the limits")
        elif code == HIT_OR_MISS:
            parts.append(f"{tgt} is within the limits, so it may or may not be met")
        elif code == CONSISTENT_PASS:
            side = (f"below the lower limit of {fmt(lower)}" if higher
                    else f"above the upper limit of {fmt(upper)}")
            parts.append(f"{tgt} is {side}, so it should be met consistently "
                         "unless the process changes")
        else:
            side = (f"above the upper limit of {fmt(upper)}" if higher
                    else f"below the lower limit of {fmt(lower)}")
            parts.append(f"{tgt} is {side}, so it will not be met without a "
                         "change to the system")
    text = "; ".join(parts) + "."

    start = result.segment_starts[-1]
    rebased = ""
    if start > 0:
        rebased = (f"the rebase in {format_month(result.dates[start])}"
                   if result.dates is not None else "the last rebase")
    note = result.baseline_note
    if result.baseline_short:
        text += f" The plan fixes the limits from a baseline, but there are {note}."
    elif note:
        text += f" The limits are {note.removeprefix('limits ')}."
    if result.trial_limits:
        k = result.limit_points[-1] if result.limit_points else result.latest_segment_size
        where = (" in the baseline" if result.baseline_points is not None and not result.baseline_short
                 else f" since {rebased}" if rebased else " in total")
        text += (f" The limits are trial limits: only {k} point"
                 f"{'s' if k != 1 else ''}{where}.")
    elif rebased:
        text += f" The limits were recalculated at {rebased}."
    for r in result.unused_rebase_dates:
        where = ("is on or before the first point" if result.dates and r <= result.dates[0]
                 else "is after the latest point")
        text += (f" The rebase date {r.day} {format_month(r)} (spc_rebase.csv) {where}, "
                 "so it changes nothing.")
    return text


def suggested_rebase(result: SpcResult) -> date | None:
    """The first point of a run of RUN_LENGTH or more, strictly on one side of the centre,
    that the latest point ends, unless a rebase date falls on or after that point (the
    plan has already restarted the limits there, or will). None otherwise."""
    n = result.n_points
    if n == 0 or result.dates is None:
        return None
    start, last = result.segment_starts[-1], n - 1
    seg = result.values[start:]
    tol = REL_TOL * float(np.max(np.abs(seg)))
    side = _sign(seg > result.centre[start:] + tol, seg < result.centre[start:] - tol)
    if side[-1] == 0:
        return None
    other = np.flatnonzero(side != side[-1])
    first = start + (int(other[-1]) + 1 if other.size else 0)
    if last - first + 1 < RUN_LENGTH:
        return None
    begins = result.dates[first]
    if any(r >= begins for r in result.rebase_dates):
        return None
    return begins


def restarted(result: SpcResult, rebase_date) -> SpcResult:
    """The same chart with its limits also restarted at `rebase_date`: the preview of
    accepting a suggested rebase (suggested_rebase), before it is added to the plan."""
    rebases = result.rebase_dates + (to_date(rebase_date),)
    if result.method == METHOD_LANEY:
        return laney_p_prime(result.numerators, result.denominators, result.dates, result.polarity,
                             rebases, result.target, result.baseline_points)
    return xmr(result.values, result.dates, result.polarity, rebases, result.target,
               result.baseline_points)


def _when(result: SpcResult, i: int) -> str:
    return f"{format_month(result.dates[i])}, " if result.dates is not None else ""


def _signal_directions(result: SpcResult) -> tuple[str, str | None]:
    """The direction the latest point's reading rests on, and the other direction when
    the point is flagged both ways: for improvement or concern, the improvement's (or
    concern's) direction; for neutral, the direction of its first-listed signal."""
    last = result.n_points - 1
    flagged = result.direction[last]
    both = flagged == BOTH
    if result.polarity == NEUTRAL:
        if not both:
            return flagged, None
        first = min((s for s in result.signals if last in s.indices),
                    key=lambda s: RULES.index(s.rule))
        return first.direction, (LOW if first.direction == HIGH else HIGH)
    improvement_dir = HIGH if result.polarity == HIGHER_BETTER else LOW
    concern_dir = LOW if improvement_dir == HIGH else HIGH
    if result.variation == SPECIAL_CAUSE_IMPROVEMENT:
        return improvement_dir, (concern_dir if both else None)
    return concern_dir, None


def _signal_words(result: SpcResult, fmt, wanted: str) -> str:
    """Describe the signal in one direction behind the latest point's classification."""
    last = result.n_points - 1
    candidates = [s for s in result.signals
                  if last in s.indices and s.direction == wanted]
    candidates.sort(key=lambda s: RULES.index(s.rule))
    s = candidates[0]
    unit_word = "months" if result.dates is not None else "points"
    since = (f" since {format_month(result.dates[s.start])}"
             if result.dates is not None else "")
    if s.rule == RULE_BEYOND_LIMIT:
        if s.direction == HIGH:
            limit = f"above the upper limit of {fmt(result.upper[last])}"
        else:
            limit = f"below the lower limit of {fmt(result.lower[last])}"
        return (f"the latest point ({_when(result, last)}"
                f"{fmt(result.values[last])}) is {limit}")
    if s.rule == RULE_SHIFT:
        side = "above" if s.direction == HIGH else "below"
        count = last - s.start + 1
        return f"{count} {unit_word} in a row {side} the average{since}"
    if s.rule == RULE_TREND:
        word = "higher" if s.direction == HIGH else "lower"
        count = last - s.start + 1
        return (f"{count} {unit_word} in a row, each {word} than the one "
                f"before{',' if since else ''}{since}")
    recent = [i for i in s.indices if i >= last - 2]
    which = "upper" if s.direction == HIGH else "lower"
    return (f"{len(recent)} of the last 3 points are more than two-thirds of the "
            f"way from the average to the {which} limit")


# --- Internals --------------------------------------------------------------
def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.array(arr, dtype=float)
    arr.setflags(write=False)
    return arr


def _as_values(values, name: str) -> np.ndarray:
    try:
        x = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers: {exc}") from None
    if x.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence of numbers")
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        raise ValueError(f"{name} contain missing or infinite values at "
                         f"position(s) {bad.tolist()}; filter them out first")
    return x


def to_date(d) -> date:
    """A datetime.date from a date, datetime, Timestamp, datetime64 or ISO string."""
    if isinstance(d, datetime):          # includes pandas.Timestamp
        return d.date()
    if isinstance(d, date):
        return d
    if isinstance(d, np.datetime64):
        return d.astype("datetime64[D]").item()
    if isinstance(d, str):
        return date.fromisoformat(d[:10])
    raise ValueError(f"cannot read {d!r} as a date")


def _as_dates(dates, n: int) -> tuple[date, ...] | None:
    if dates is None:
        return None
    out = tuple(dates)
    # Plain dates (what the dashboard passes) need no conversion; checked in C, as is the
    # order below (sorted and without repeats is strictly increasing), since a reading
    # per measure per rerun made a Python loop over every date a tenth of the SPC's cost.
    if set(map(type, out)) - {date}:
        out = tuple(to_date(d) for d in out)
    if len(out) != n:
        raise ValueError(f"{len(out)} dates for {n} values")
    if sorted(set(out)) != list(out):
        for i in range(1, n):
            if out[i] <= out[i - 1]:
                raise ValueError(f"dates must be strictly increasing: {out[i]} "
                                 f"follows {out[i - 1]}")
    return out


def _check_polarity(polarity: str) -> None:
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")


def _check_baseline(n) -> int | None:
    if n is None:
        return None
    if isinstance(n, float) and math.isnan(n):
        return None
    if isinstance(n, bool) or not float(n).is_integer() or n < 2:
        raise ValueError(f"baseline_points must be a whole number of at least 2, not {n!r}")
    return int(n)


def _baseline_end(a: int, b: int, n: int | None) -> int:
    """End (exclusive) of the points segment [a, b) takes its limits from: its first n,
    or all of it when it is shorter than n (the stated fallback) or no baseline is set."""
    return a + n if n is not None and b - a >= n else b


def _rebase_tuple(rebase_dates, dates) -> tuple[date, ...]:
    rebases = tuple(sorted({to_date(d) for d in (rebase_dates or ())}))
    if rebases and dates is None:
        raise ValueError("rebase_dates need the points' dates")
    return rebases


def _unused_rebases(dates, rebases: tuple[date, ...]) -> tuple[date, ...]:
    """Rebase dates that start no segment: on or before the first point, or after the last."""
    if not rebases or not dates:
        return rebases if not dates else ()
    return tuple(r for r in rebases if r <= dates[0] or r > dates[-1])


def _where(i: int, dates) -> str:
    return f"{dates[i].isoformat()} (point {i})" if dates is not None else f"point {i}"


def _segment_starts(dates, rebase_dates, n: int) -> tuple[int, ...]:
    rebases = [to_date(d) for d in (rebase_dates or ())]
    if rebases and dates is None:
        raise ValueError("rebase_dates need the points' dates")
    starts = {0}
    for r in rebases:
        for i, d in enumerate(dates):
            if d >= r:
                if i > 0:
                    starts.add(i)
                break
    return tuple(sorted(starts))


def _bounds(starts: tuple[int, ...], n: int):
    ends = starts[1:] + (n,)
    return [(a, b) for a, b in zip(starts, ends) if b > a]


def _runs(codes: np.ndarray, min_length: int = 1):
    """Maximal runs of equal non-zero codes at least min_length long: (code, start,
    end_exclusive). The runs are found and measured with numpy: a series has dozens of
    short runs and only the long ones are signals, so only those reach Python."""
    if codes.size == 0:
        return
    change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [codes.size]))
    keep = (codes[starts] != 0) & (ends - starts >= min_length)
    for s, e in zip(starts[keep].tolist(), ends[keep].tolist()):
        yield int(codes[s]), s, e


def _cluster(indices: list[int], gap: int) -> list[tuple[int, ...]]:
    groups: list[list[int]] = []
    for i in sorted(indices):
        if groups and i - groups[-1][-1] <= gap:
            groups[-1].append(i)
        else:
            groups.append([i])
    return [tuple(g) for g in groups]


def _sign(above: np.ndarray, below: np.ndarray) -> np.ndarray:
    """1 where above, -1 where below, else 0."""
    return above.astype(np.int8) - below.astype(np.int8)


def _find_signals(x, centre, upper, lower, upper23, lower23, starts) -> list[Signal]:
    # numpy comparisons on whole segments: the same float64 arithmetic, point by point, as
    # the rules read (x[i] > upper[i] + tol, ...), without a Python loop over the points.
    signals: list[Signal] = []
    for a, b in _bounds(starts, x.size):
        seg = x[a:b]
        tol = REL_TOL * float(np.max(np.abs(seg)))

        # Rule 1: beyond a limit.
        for i in np.flatnonzero(seg > upper[a:b] + tol).tolist():
            signals.append(Signal(RULE_BEYOND_LIMIT, HIGH, (a + i,)))
        for i in np.flatnonzero(seg < lower[a:b] - tol).tolist():
            signals.append(Signal(RULE_BEYOND_LIMIT, LOW, (a + i,)))

        # Rule 2: shift — a run on one side of the centre.
        sides = _sign(seg > centre[a:b] + tol, seg < centre[a:b] - tol)
        for code, s, e in _runs(sides, RUN_LENGTH):
            if e - s >= RUN_LENGTH:
                signals.append(Signal(RULE_SHIFT, HIGH if code > 0 else LOW,
                                      tuple(range(a + s, a + e))))

        # Rule 3: trend — steps[k] compares point a+k+1 with a+k.
        steps = _sign(seg[1:] > seg[:-1] + tol, seg[1:] < seg[:-1] - tol)
        for code, s, e in _runs(steps, RUN_LENGTH - 1):
            if e - s >= RUN_LENGTH - 1:   # 6 steps = 7 points
                signals.append(Signal(RULE_TREND, HIGH if code > 0 else LOW,
                                      tuple(range(a + s, a + e + 1))))

        # Rule 4: 2 of 3 beyond the two-thirds line, all three on that side of the centre
        # (NHSRplotthedots issue 194: a point across the centre breaks the window).
        n = b - a
        if n < 3:
            continue
        for direction, beyond, side in ((HIGH, seg > upper23[a:b] + tol, sides > 0),
                                        (LOW, seg < lower23[a:b] - tol, sides < 0)):
            counts = beyond[:-2].astype(np.int8) + beyond[1:-1] + beyond[2:]
            same_side = side[:-2] & side[1:-1] & side[2:]
            windows = (counts >= 2) & same_side    # window w covers points w, w+1, w+2
            if not windows.any():
                continue
            flagged = np.zeros(n, dtype=bool)
            for k in range(3):
                flagged[k:k + n - 2] |= windows & beyond[k:k + n - 2]
            for group in _cluster((a + np.flatnonzero(flagged)).tolist(), gap=2):
                signals.append(Signal(RULE_TWO_OF_THREE, direction, group))
    signals.sort(key=lambda s: (s.start, RULES.index(s.rule), s.direction))
    return signals


def _point_type(direction: str | None, polarity: str) -> str:
    """No flag: common cause; one direction: improvement or concern by polarity; both
    directions: improvement, as the MDC tool shows it (the sentence names the concern);
    neutral: special cause without a better direction, whichever way."""
    if direction is None:
        return COMMON_CAUSE
    if polarity == NEUTRAL:
        return SPECIAL_CAUSE_NEUTRAL
    if direction == BOTH:
        return SPECIAL_CAUSE_IMPROVEMENT
    improvement = HIGH if polarity == HIGHER_BETTER else LOW
    return SPECIAL_CAUSE_IMPROVEMENT if direction == improvement else SPECIAL_CAUSE_CONCERN


def _finish(method, polarity, x, dates, centre, upper, lower, upper23, lower23,
            mr, starts, target, **extra) -> SpcResult:
    n = x.size
    signals = _find_signals(x, centre, upper, lower, upper23, lower23, starts) if n else []
    # Which rules and directions flagged each point: a loop over the signals' points (the
    # few flagged ones), then every point read from what was found.
    rules_at: dict[int, set] = {}
    high: set[int] = set()
    low: set[int] = set()
    for s in signals:
        for i in s.indices:
            rules_at.setdefault(i, set()).add(s.rule)
        (high if s.direction == HIGH else low).update(s.indices)
    rules = tuple(tuple(r for r in RULES if r in rules_at[i]) if i in rules_at else () for i in range(n))
    direction = [(BOTH if i in low else HIGH) if i in high else (LOW if i in low else None) for i in range(n)]
    types = {d: _point_type(d, polarity) for d in (None, HIGH, LOW, BOTH)}
    point_type = [types[d] for d in direction]

    if target is not None:
        target = float(target)
        if math.isnan(target):
            target = None
    enough = n >= MIN_POINTS
    segment = np.zeros(n, dtype=int)
    for k, s in enumerate(starts):
        segment[s:] = k
    segment.setflags(write=False)
    assurance = (assurance_code(target, float(upper[-1]), float(lower[-1]), polarity)
                 if enough else None)
    return SpcResult(
        method=method, polarity=polarity, values=_frozen(x), dates=dates,
        centre=_frozen(centre), upper=_frozen(upper), lower=_frozen(lower),
        upper_two_thirds=_frozen(upper23), lower_two_thirds=_frozen(lower23),
        moving_range=_frozen(mr), segment=segment, segment_starts=starts,
        point_type=tuple(point_type),
        rules=rules,
        direction=tuple(direction), signals=tuple(signals),
        variation=point_type[-1] if enough else None,
        assurance=assurance,
        trial_limits=(extra["limit_points"][-1] if extra.get("limit_points") else n - starts[-1]) < MIN_POINTS,
        target=target, **extra)

"""Targets: whether a figure meets its next target, read with the measure's polarity."""
from __future__ import annotations

import math

import numpy as np

# Figures worked out from numerator / denominator carry float noise (95.00000000000001);
# a figure this close to its target counts as on it.
EPSILON = 1e-9

MET = "met"
WITHIN_TOLERANCE = "within_tolerance"
NOT_MET = "not_met"
STATUS_WORDS = {MET: "Met", WITHIN_TOLERANCE: "Within tolerance", NOT_MET: "Not met"}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def meets(value: float | None, target: float | None, polarity: str) -> bool | None:
    """>= the target for higher_better, <= for lower_better; None without both numbers."""
    if _missing(value) or _missing(target):
        return None
    if polarity == "lower_better":
        return value <= target + EPSILON
    return value >= target - EPSILON


def status(value: float | None, target: float | None, polarity: str, tolerance: float | None) -> str | None:
    """met / within_tolerance (short by no more than the amber band) / not_met."""
    ok = meets(value, target, polarity)
    if ok is None:
        return None
    if ok:
        return MET
    if not _missing(tolerance) and tolerance > 0 and abs(value - target) <= tolerance + EPSILON:
        return WITHIN_TOLERANCE
    return NOT_MET


def statuses(values: np.ndarray, targets: np.ndarray, polarities: np.ndarray,
             tolerances: np.ndarray) -> list[str | None]:
    """status() for whole columns at once (float arrays with NaN for missing): the same
    comparisons, without a Python call per figure (a service area is ~1,400 figures)."""
    with np.errstate(invalid="ignore"):
        known = ~np.isnan(values) & ~np.isnan(targets)
        lower = polarities == "lower_better"
        ok = np.where(lower, values <= targets + EPSILON, values >= targets - EPSILON)
        near = (~np.isnan(tolerances) & (tolerances > 0)
                & (np.abs(values - targets) <= tolerances + EPSILON))
    codes = np.where(~known, 0, np.where(ok, 1, np.where(near, 2, 3))).tolist()
    words = (None, MET, WITHIN_TOLERANCE, NOT_MET)
    return [words[c] for c in codes]

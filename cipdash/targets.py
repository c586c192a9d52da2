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


def _number(x) -> float:
    return math.nan if x is None else float(x)


def _codes(values, targets, lower, tolerances):
    """The rule, on numpy arrays or single numbers alike: 0 = no status, 1 = met,
    2 = within tolerance, 3 = not met. (Comparisons with NaN are simply false.)"""
    known = ~(np.isnan(values) | np.isnan(targets))
    ok = np.where(lower, values <= targets + EPSILON, values >= targets - EPSILON)
    near = (tolerances > 0) & (np.abs(values - targets) <= tolerances + EPSILON)
    return np.where(known, np.where(ok, 1, np.where(near, 2, 3)), 0)


WORDS = (None, MET, WITHIN_TOLERANCE, NOT_MET)


def statuses(values: np.ndarray, targets: np.ndarray, polarities: np.ndarray,
             tolerances: np.ndarray) -> list[str | None]:
    """The status of each figure against its target (float arrays, NaN for missing; the
    rule is written only here, in _codes): met when >= the target for higher_better, <= for
    lower_better; within_tolerance when short by no more than the measure's amber band (a
    tolerance > 0); else not_met; None without both a figure and a target."""
    lower = np.asarray(polarities, dtype=object) == "lower_better"
    with np.errstate(invalid="ignore"):
        codes = _codes(np.asarray(values, dtype=float), np.asarray(targets, dtype=float), lower,
                       np.asarray(tolerances, dtype=float))
    return [WORDS[c] for c in codes.tolist()]


def status(value: float | None, target: float | None, polarity: str, tolerance: float | None) -> str | None:
    """statuses() for one figure."""
    return WORDS[int(_codes(_number(value), _number(target), polarity == "lower_better", _number(tolerance)))]


def meets(value: float | None, target: float | None, polarity: str) -> bool | None:
    """Whether a figure meets its target (statuses' met, the amber band aside); None without
    both numbers."""
    found = status(value, target, polarity, None)
    return None if found is None else found == MET

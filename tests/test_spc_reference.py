"""Reference cases for cipdash.spc, worked from NHSRplotthedots' own tests, source and
issues (github.com/nhs-r-community/NHSRplotthedots) and the Making Data Count team's
answer there. Each test names its source. Only the facts and figures are taken from
them; the series below are written here.

The rules these cases pin down (see the spc.py docstring):
- limits = mean ± 2.66 × mean moving range (R/ptd_spc_standard.R: limit <- 2.66);
- 2 of 3 beyond the two-thirds line needs all three points on the same side of the mean,
  and a point beyond the limit itself counts (issue 194, the MDC team's change; issue 143);
- a point flagged both ways reads as improvement (the MDC tool); neutral measures get
  special_cause_neutral (R/ptd_calculate_point_type.R) in purple #490092
  (R/ptd_spc_colours.R) and no assurance (tests/testthat/test-ptd_calculate_assurance_type.R);
- a fixed baseline: each rebase group's first N points set the mean and the moving
  ranges (R/ptd_spc_standard.R: fix_y <- y for row_number() <= fix_after_n_points).
"""
from __future__ import annotations


import numpy as np
import pytest

from cipdash import spc
from cipdash.spc import (
    COMMON_CAUSE, CONSISTENT_FAIL, CONSISTENT_PASS, HIGHER_BETTER, HIT_OR_MISS, LOWER_BETTER, NEUTRAL,
    SPECIAL_CAUSE_IMPROVEMENT, SPECIAL_CAUSE_NEUTRAL, assurance_code, xmr,
)
from support import month_ends

CC, IMP, NEU = COMMON_CAUSE, SPECIAL_CAUSE_IMPROVEMENT, SPECIAL_CAUSE_NEUTRAL


def two_of_three_points(r) -> list[int]:
    return [i for i, rules in enumerate(r.rules) if "two_of_three" in rules]


# --- Limits: tests/testthat/test-ptd_spc_standard.R and its snapshot ------------------------
# R's rnorm(20) after set.seed(123), the series that test builds; the snapshot
# (tests/testthat/_snaps/ptd_spc_standard.md) prints each y to 3 significant figures and
# mean 0.142, lpl -3.01, upl 3.29 on every row.
RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499,
             0.46091621, -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383,
             0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
             0.70135590, -0.47279141]
SNAPSHOT_Y = [-0.560, -0.230, 1.56, 0.0705, 0.129, 1.72, 0.461, -1.27, -0.687, -0.446, 1.22,
              0.360, 0.401, 0.111, -0.556, 1.79, 0.498, -1.97, 0.701, -0.473]


def test_limits_match_the_ptd_spc_standard_snapshot():
    # The series is the snapshot's y, to the 3 figures it prints.
    assert [float(f"{v:.3g}") for v in RNORM_123] == SNAPSHOT_Y
    r = xmr(RNORM_123)
    assert float(f"{r.centre[0]:.3g}") == 0.142
    assert float(f"{r.lower[0]:.3g}") == -3.01
    assert float(f"{r.upper[0]:.3g}") == 3.29
    assert np.all(r.centre == r.centre[0]) and np.all(r.upper == r.upper[0])
    # (the snapshot's options screen outliers; no moving range here is 3.267 × the mean
    # moving range or more, so screening removes none and the limits are ours.)
    mr = np.abs(np.diff(RNORM_123))
    assert mr.max() < 3.267 * mr.mean()
    assert r.point_type == (CC,) * 20


def test_fixing_after_12_points_changes_the_limits_as_ptd_spc_standard_does():
    # test-ptd_spc_standard.R "setting fix_after_n_points changes the calculations"
    # (fix_after_n_points = 12 on the same series), and R/ptd_spc_standard.R: the mean
    # and the moving ranges come from the first 12 points only.
    whole = xmr(RNORM_123)
    fixed = xmr(RNORM_123, baseline_points=12)
    assert fixed.lower[0] != whole.lower[0] and fixed.upper[0] != whole.upper[0]
    first12 = np.array(RNORM_123[:12])
    mean, amr = first12.mean(), np.abs(np.diff(first12)).mean()
    assert fixed.centre == pytest.approx(np.full(20, mean))
    assert fixed.upper == pytest.approx(np.full(20, mean + 2.66 * amr))
    assert fixed.lower == pytest.approx(np.full(20, mean - 2.66 * amr))
    assert fixed.limit_points == (12,)


def test_fixed_baseline_restarts_in_each_rebase_group():
    # R/ptd_spc_standard.R groups by rebase_group before taking row_number() <= N: each
    # segment's own first N points.
    values = [10, 12] * 6 + [30, 34] * 6          # 12 + 12 points, rebase at the 13th
    dates = month_ends(24)
    r = xmr(values, dates, rebase_dates=[dates[12]], baseline_points=4)
    assert r.centre[0] == pytest.approx(11.0) and r.centre[12] == pytest.approx(32.0)
    assert r.upper[0] == pytest.approx(11 + 2.66 * 2) and r.upper[12] == pytest.approx(32 + 2.66 * 4)
    assert r.limit_points == (4, 4)


# --- 2 of 3: issue 143, issue 194 and test-ptd_spc_standard.R -----------------------------
# Limits fixed by a 12-point baseline alternating 9 and 11: mean 10, every moving range
# 2, so limits 10 ± 5.32 (4.68 .. 15.32) and two-thirds lines 10 ± 3.5467 (6.45 .. 13.55).
BASELINE = [9, 11] * 6


def fixed(tail, polarity=HIGHER_BETTER):
    return xmr(BASELINE + tail, baseline_points=12, polarity=polarity)


def test_opposite_sides_close_to_the_limits_are_common_cause():
    # test-ptd_spc_standard.R "it only reports special cause for 2 of 3 points close to
    # limits when they are on the same side of the mean": 1, -1 alternating for 16 points,
    # the 15th set to 5.5 and the 16th to -5.5 -> the last two are common cause.
    data = [1, -1] * 8
    data[14], data[15] = 5.5, -5.5
    r = xmr(data)
    assert r.point_type[-2:] == (CC, CC)
    assert r.upper_two_thirds[0] < 5.5 < r.upper[0]       # both are beyond their lines


def test_a_middle_point_across_the_mean_breaks_two_of_three():
    # Issue 194 (the MDC team): "all three points still need to be on the same side of the
    # mean"; issue 143 reported the opposite-sides case as a bug. 14, 9, 14: two points
    # beyond the upper two-thirds line with the middle one below the mean.
    r = fixed([11, 14, 9, 14, 11])
    assert two_of_three_points(r) == []
    assert r.point_type[12:] == (CC,) * 5
    # The middle point on the mean is on neither side: it breaks the window too.
    assert two_of_three_points(fixed([11, 14, 10, 14, 11])) == []
    # The same two points with the middle point above the mean (but short of the line):
    # flagged, and only the two beyond the line.
    r = fixed([11, 14, 11, 14, 11])
    assert two_of_three_points(r) == [13, 15]
    assert [r.point_type[i] for i in (13, 14, 15)] == [IMP, CC, IMP]


@pytest.mark.parametrize("close, expected", [
    # tests/testthat/test-ptd_calculate_point_type.R, ptd_two_in_three and
    # ptd_part_of_two_in_three: flags of points close to the limits (all on one side of
    # the mean) -> the points flagged.
    ([1, 0, 1], [1, 0, 1]),
    ([0, 1, 1], [0, 1, 1]),
    ([1, 1, 0], [1, 1, 0]),
    ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0]),
    ([1, 0, 0, 1], [0, 0, 0, 0]),
    ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
])
def test_two_in_three_flag_patterns(close, expected):
    # A close point is 14 (beyond 13.55, inside 15.32); the others 11 (above the mean).
    tail = [14 if c else 11 for c in close]
    r = fixed(tail)
    got = [1 if "two_of_three" in rules else 0 for rules in r.rules[12:]]
    assert got == expected
    # The mirror image below the mean flags the same points, low.
    low = fixed([20 - v for v in tail], polarity=LOWER_BETTER)
    assert [1 if "two_of_three" in rules else 0 for rules in low.rules[12:]] == expected
    assert all(low.direction[12 + i] == "low" for i, e in enumerate(expected) if e)


def test_a_point_beyond_the_limit_counts_towards_two_of_three():
    # Issue 194: "all points beyond two-sigma are counted": one point between the line and
    # the limit, then one beyond the limit, then one short of the line on the same side ->
    # the first two are both flagged (the second by the limit too), the third not.
    r = fixed([11, 14, 16, 11, 11])
    assert r.rules[13] == ("two_of_three",)
    assert set(r.rules[14]) == {"beyond_limit", "two_of_three"}
    assert r.rules[15] == ()
    # Issue 153's pattern (beyond, beyond, between the line and the limit): under the rule
    # of issue 194 the third point is special cause too (it was not before the change).
    r = fixed([11, 16, 16, 14, 11])
    assert "two_of_three" in r.rules[15] and r.point_type[15] == IMP


# --- Point types ---------------------------------------------------------------------------
def test_neutral_special_cause_either_way_and_purple():
    # R/ptd_calculate_point_type.R: improvement_direction 0 -> special_cause_neutral (its
    # high/low kept); R/ptd_spc_colours.R: special_cause_neutral = "#490092" (purple).
    up = xmr(BASELINE + [20], baseline_points=12, polarity=NEUTRAL)
    down = xmr(BASELINE + [0], baseline_points=12, polarity=NEUTRAL)
    assert up.point_type[-1] == down.point_type[-1] == NEU
    assert (up.direction[-1], down.direction[-1]) == ("high", "low")
    assert up.variation == NEU and up.colours[-1] == spc.NEUTRAL_PURPLE == "#490092"


def test_flagged_both_ways_reads_as_improvement():
    # The MDC tool shows a point flagged both ways as improvement (issue 13 of this project,
    # from the MDC tool); a rise of 7 below a mean dragged up by an earlier block.
    r = xmr([90, 91] * 5 + [40, 41, 42, 43, 44, 45, 46], polarity=HIGHER_BETTER)
    assert r.direction[-1] == "both" and r.point_type[-1] == IMP


# --- Assurance: tests/testthat/test-ptd_calculate_assurance_type.R -------------------------
# Three (lpl, mean, upl) rows, target 4: (1, 2, 3), (5, 6, 7), (1, 4, 5).
ROWS = [(1, 3), (5, 7), (1, 5)]


@pytest.mark.parametrize("polarity, expected", [
    (HIGHER_BETTER, [CONSISTENT_FAIL, CONSISTENT_PASS, HIT_OR_MISS]),   # "increase"
    (LOWER_BETTER, [CONSISTENT_PASS, CONSISTENT_FAIL, HIT_OR_MISS]),    # "decrease"
    (NEUTRAL, [None, None, None]),                                      # "neutral": NA
])
def test_assurance_types(polarity, expected):
    # NHSRplotthedots' "inconsistent" is MDC's hit or miss.
    assert [assurance_code(4, upper, lower, polarity) for lower, upper in ROWS] == expected


def test_neutral_series_has_no_assurance_even_with_a_target():
    r = xmr(RNORM_123, polarity=NEUTRAL, target=10)
    assert r.assurance is None

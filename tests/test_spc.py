"""Tests for cipdash.spc: XmR and Laney p′ charts, variation, assurance, words.

Hand-worked series carry their arithmetic in comments. Each rule is checked
on an "upward" series and on its mirror image (100 − x), which has the same
moving ranges and a mirrored mean, so the signal flips from high to low.
"""

import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cipdash import spc
from cipdash.spc import (
    COMMON_CAUSE, CONSISTENT_FAIL, CONSISTENT_PASS, HIGHER_BETTER, HIT_OR_MISS,
    LOWER_BETTER, SPECIAL_CAUSE_CONCERN, SPECIAL_CAUSE_IMPROVEMENT,
    assurance_code, describe_assurance, describe_variation,
    laney_p_prime, spc_sentence, xmr,
)
from support import month_ends

CC, IMP, CON = COMMON_CAUSE, SPECIAL_CAUSE_IMPROVEMENT, SPECIAL_CAUSE_CONCERN


def mirror(values):
    return [100 - v for v in values]


def flagged(result):
    return [i for i, r in enumerate(result.rules) if r]


# --- Rule 1: a point beyond a limit ----------------------------------------
# 10,20 alternating for 11 points, then 80 (12 points).
# sum = 6×10 + 5×20 + 80 = 240, mean = 20.
# moving ranges: ten of 10, then |80 − 10| = 70 → mMR = 170/11 = 15.4545.
# limits = 20 ± 2.66 × 15.4545 = 20 ± 41.109 → −21.109 .. 61.109.
# 80 > 61.109: beyond the upper limit. The 20s sit exactly on the mean, so no
# run on one side; the two-thirds line is 47.41 and only 80 passes it.
BEYOND = [10, 20] * 5 + [10, 80]


def test_beyond_limit_hand_worked():
    r = xmr(BEYOND)
    assert r.centre[0] == pytest.approx(20.0)
    assert r.upper[0] == pytest.approx(20 + 2.66 * 170 / 11)
    assert r.lower[0] == pytest.approx(20 - 2.66 * 170 / 11)
    assert flagged(r) == [11]
    assert r.rules[11] == ("beyond_limit",)
    assert r.direction[11] == "high"


@pytest.mark.parametrize("series, polarity, expected", [
    (BEYOND, HIGHER_BETTER, IMP),
    (BEYOND, LOWER_BETTER, CON),
    (mirror(BEYOND), HIGHER_BETTER, CON),   # 20 < lower limit 100 − 61.109
    (mirror(BEYOND), LOWER_BETTER, IMP),
])
def test_beyond_limit_both_polarities(series, polarity, expected):
    r = xmr(series, polarity=polarity)
    assert r.point_type == (CC,) * 11 + (expected,)
    assert r.variation == expected


# --- Rule 2: a shift of 7 on one side of the mean ----------------------------
# 5,15,5,15,5 then 11,12,11,12,11,12,11 (12 points).
# sum = 45 + 80 = 125, mean = 10.4167. The last 7 points are all above it and
# the point before (5) is below, so the run is exactly 7 long.
# moving ranges: four of 10, |11 − 5| = 6, six of 1 → 52/11 = 4.7273;
# limits = 10.4167 ± 12.5745 (no point beyond); two-thirds line = 18.80 > 15.
# Alternating at the start, ±1 wobble at the end: no trend.
SHIFT = [5, 15, 5, 15, 5, 11, 12, 11, 12, 11, 12, 11]


def test_shift_hand_worked():
    r = xmr(SHIFT)
    assert r.centre[0] == pytest.approx(125 / 12)
    assert r.upper[0] == pytest.approx(125 / 12 + 2.66 * 52 / 11)
    assert flagged(r) == list(range(5, 12))
    assert all(r.rules[i] == ("shift",) for i in range(5, 12))


@pytest.mark.parametrize("series, polarity, expected", [
    (SHIFT, HIGHER_BETTER, IMP),
    (SHIFT, LOWER_BETTER, CON),
    (mirror(SHIFT), HIGHER_BETTER, CON),
    (mirror(SHIFT), LOWER_BETTER, IMP),
])
def test_shift_both_polarities(series, polarity, expected):
    r = xmr(series, polarity=polarity)
    assert r.point_type == (CC,) * 5 + (expected,) * 7
    assert r.variation == expected


def test_shift_of_six_is_not_enough():
    # 5,15 ×3, 5, then six points 11,12,... above the mean (134/13 = 10.31).
    r = xmr([5, 15, 5, 15, 5, 15, 5, 11, 12, 11, 12, 11, 12])
    assert flagged(r) == []


def test_point_on_the_mean_breaks_a_run():
    # 1 ×7 then 3 ×7: mean exactly 2, two runs of 7 → shift fires.
    assert "shift" in xmr([1] * 7 + [3] * 7).rules[0]
    # Put a point exactly on the mean (2) in the middle of each run, keeping
    # the mean at 28/14 = 2: the runs are now 3 + 3, and shift never fires.
    values = [1, 1, 1, 2, 1, 1, 1, 3, 3, 3, 2, 3, 3, 3]
    assert sum(values) / len(values) == 2.0
    r = xmr(values)
    assert "shift" not in {rule for rules in r.rules for rule in rules}


# --- Rule 3: a trend of 7 rising or falling ------------------------------------
# 10,14,10,14,10 then 9,10,11,12,13,14,15 (12 points): 7 points each higher
# than the one before (6 increases), MDC convention.
# sum = 58 + 84 = 142, mean = 11.833: runs on one side are at most 4 long.
# moving ranges: four of 4, |9 − 10| = 1, six of 1 → 23/11 = 2.0909;
# limits = 11.833 ± 5.5618 = 6.272 .. 17.395; two-thirds lines 8.126 and
# 15.541, so 9 and 15 are inside them.
TREND = [10, 14, 10, 14, 10, 9, 10, 11, 12, 13, 14, 15]


def test_trend_hand_worked():
    r = xmr(TREND)
    assert r.centre[0] == pytest.approx(142 / 12)
    assert r.upper[0] == pytest.approx(142 / 12 + 2.66 * 23 / 11)
    assert r.lower_two_thirds[0] == pytest.approx(142 / 12 - 2 / 3 * 2.66 * 23 / 11)
    assert flagged(r) == list(range(5, 12))
    assert all(r.rules[i] == ("trend",) for i in range(5, 12))
    assert r.direction[11] == "high"


@pytest.mark.parametrize("series, polarity, expected", [
    (TREND, HIGHER_BETTER, IMP),       # rising
    (TREND, LOWER_BETTER, CON),
    (mirror(TREND), HIGHER_BETTER, CON),  # falling
    (mirror(TREND), LOWER_BETTER, IMP),
])
def test_trend_both_polarities(series, polarity, expected):
    r = xmr(series, polarity=polarity)
    assert r.point_type == (CC,) * 5 + (expected,) * 7
    assert r.variation == expected


def test_six_rising_points_are_not_a_trend():
    # 10,14 ×3 then 10..15 (6 points, 5 increases). mean 147/12 = 12.25,
    # mMR = 29/11, two-thirds lines 7.575 and 16.925: nothing fires.
    r = xmr([10, 14, 10, 14, 10, 14, 10, 11, 12, 13, 14, 15])
    assert flagged(r) == []


def test_equal_neighbours_break_a_trend():
    r = xmr([10, 14, 10, 14, 10, 9, 10, 11, 11, 12, 13, 14, 15])
    assert "trend" not in {rule for rules in r.rules for rule in rules}


# --- Rule 4: 2 of 3 beyond two-thirds of the way to a limit -------------------
# 50,60 alternating for 10 points, then 80,70,80 (13 points).
# sum = 550 + 230 = 780, mean = 60 exactly (the 60s are on the mean).
# moving ranges: nine of 10, 20, 10, 10 → 130/12 = 10.8333;
# limits = 60 ± 28.817 = 31.18 .. 88.82 (80 is inside);
# two-thirds line = 60 + ⅔ × 28.817 = 79.21: both 80s beyond it, 70 not.
TWO_OF_THREE = [50, 60] * 5 + [80, 70, 80]


def test_two_of_three_hand_worked():
    r = xmr(TWO_OF_THREE)
    assert r.centre[0] == pytest.approx(60.0)
    assert r.upper[0] == pytest.approx(60 + 2.66 * 130 / 12)
    assert r.upper_two_thirds[0] == pytest.approx(60 + 2 / 3 * 2.66 * 130 / 12)
    assert flagged(r) == [10, 12]
    assert r.rules[10] == r.rules[12] == ("two_of_three",)
    assert r.point_type[11] == CC


@pytest.mark.parametrize("series, polarity, expected", [
    (TWO_OF_THREE, HIGHER_BETTER, IMP),
    (TWO_OF_THREE, LOWER_BETTER, CON),
    (mirror(TWO_OF_THREE), HIGHER_BETTER, CON),
    (mirror(TWO_OF_THREE), LOWER_BETTER, IMP),
])
def test_two_of_three_both_polarities(series, polarity, expected):
    r = xmr(series, polarity=polarity)
    types = [CC] * 13
    types[10] = types[12] = expected
    assert list(r.point_type) == types
    assert r.variation == expected


def test_two_of_three_needs_same_side():
    # One high and one low beyond their two-thirds lines in a window: no signal.
    r = xmr([50, 60] * 5 + [80, 60, 40])
    assert "two_of_three" not in {rule for rules in r.rules for rule in rules}


# --- Both directions at one point: improvement, the concern named -------------
def test_point_flagged_both_ways_is_improvement():
    # Changed with issue 13 (this test used to expect concern): the MDC tool shows a
    # point flagged both ways as improvement, and the sentence names the concern too.
    # A steady rise of 7 that stays below the mean (the mean is dragged up by a
    # high block first): shift low and trend high on the same points.
    values = [90, 91] * 5 + [40, 41, 42, 43, 44, 45, 46]
    for polarity in (HIGHER_BETTER, LOWER_BETTER):
        r = xmr(values, polarity=polarity)
        assert r.direction[-1] == "both"
        assert set(r.rules[-1]) >= {"shift", "trend"}
        assert r.point_type[-1] == IMP
        assert r.variation == IMP
        text = spc_sentence(r)
        assert text.startswith("Special cause improvement: ")
        assert "; there is also a sign of concern: " in text
    up = spc_sentence(xmr(values, polarity=HIGHER_BETTER))
    down = spc_sentence(xmr(values, polarity=LOWER_BETTER))
    # higher_better: the rise is the improvement, the low point the concern (the first
    # rule in RULES order of that direction: beyond the lower limit); lower_better the reverse.
    assert up == ("Special cause improvement: 7 points in a row, each higher than the one before; "
                  "there is also a sign of concern: the latest point (46.0) is below the lower limit of 60.0.")
    assert down == ("Special cause improvement: the latest point (46.0) is below the lower limit of 60.0; "
                    "there is also a sign of concern: 7 points in a row, each higher than the one before.")


# --- Constant series ---------------------------------------------------------
def test_constant_series():
    r = xmr([7.5] * 15, target=7.5)
    assert np.all(r.centre == 7.5) and np.all(r.upper == 7.5) and np.all(r.lower == 7.5)
    assert r.point_type == (CC,) * 15
    assert r.variation == CC
    assert r.assurance == HIT_OR_MISS
    assert xmr([7.5] * 15, target=8).assurance == CONSISTENT_FAIL
    assert xmr([7.5] * 15, target=7, polarity=LOWER_BETTER).assurance == CONSISTENT_FAIL


def test_constant_then_step_is_beyond_limit():
    # 11 × 5 then 6: mean 5.0833, mMR 1/11, upper 5.325: 6 is beyond.
    r = xmr([5] * 11 + [6])
    assert r.rules[-1][0] == "beyond_limit" and r.direction[-1] == "high"


# --- Assurance ---------------------------------------------------------------
# 10,20 alternating ×6: mean 15, mMR 10, limits 15 ± 26.6 = −11.6 .. 41.6.
ALTERNATING = [10, 20] * 6


@pytest.mark.parametrize("polarity, target, expected", [
    (HIGHER_BETTER, 50, CONSISTENT_FAIL),   # above the upper limit
    (HIGHER_BETTER, -20, CONSISTENT_PASS),  # below the lower limit
    (HIGHER_BETTER, 30, HIT_OR_MISS),
    (HIGHER_BETTER, 41.6, HIT_OR_MISS),     # on the limit
    (LOWER_BETTER, -20, CONSISTENT_FAIL),   # below the lower limit
    (LOWER_BETTER, 50, CONSISTENT_PASS),    # above the upper limit
    (LOWER_BETTER, 0, HIT_OR_MISS),
    (HIGHER_BETTER, None, None),
    (LOWER_BETTER, None, None),
])
def test_assurance(polarity, target, expected):
    r = xmr(ALTERNATING, polarity=polarity, target=target)
    assert r.upper[-1] == pytest.approx(41.6)
    assert r.lower[-1] == pytest.approx(-11.6)
    assert r.assurance == expected
    assert r.variation == CC


def test_assurance_code_directly():
    assert assurance_code(5, upper=4, lower=1, polarity=HIGHER_BETTER) == CONSISTENT_FAIL
    assert assurance_code(0, upper=4, lower=1, polarity=LOWER_BETTER) == CONSISTENT_FAIL
    assert assurance_code(float("nan"), upper=4, lower=1, polarity=LOWER_BETTER) is None


# --- Trial limits and the 12-point minimum -------------------------------------
def test_fewer_than_twelve_points():
    r = xmr(ALTERNATING[:11], target=50)
    assert r.trial_limits is True
    assert r.variation is None
    assert r.assurance is None
    # the per-point classification is still there
    assert r.point_type == (CC,) * 11


def test_twelve_points_are_enough():
    r = xmr(ALTERNATING, target=50)
    assert r.trial_limits is False
    assert r.variation == CC and r.assurance == CONSISTENT_FAIL


def test_empty_and_single_point():
    r = xmr([])
    assert r.n_points == 0 and r.variation is None and r.trial_limits
    assert spc_sentence(r) == "No monthly data yet."
    r = xmr([4.0])
    assert r.upper[0] == r.lower[0] == 4.0 and r.point_type == (CC,)


# --- Rebasing ----------------------------------------------------------------
DATES24 = month_ends(24, 2019, 4)          # Apr 2019 .. Mar 2021
STEP = [10, 20] * 6 + [40, 50] * 6


def test_without_rebase_a_step_change_is_two_shifts():
    r = xmr(STEP, DATES24)   # mean 30: first 12 below, last 12 above
    assert r.point_type == (CON,) * 12 + (IMP,) * 12
    assert r.segment_starts == (0,)


def test_rebase_gives_each_segment_its_own_limits():
    r = xmr(STEP, DATES24, rebase_dates=[DATES24[12]], target=60)
    assert r.segment_starts == (0, 12)
    assert list(r.segment) == [0] * 12 + [1] * 12
    # segment 1: mean 15, mMR 10; segment 2: mean 45, mMR 10 (no 20→40 range)
    assert np.allclose(r.centre, [15] * 12 + [45] * 12)
    assert np.allclose(r.upper, [41.6] * 12 + [71.6] * 12)
    assert np.isnan(r.moving_range[0]) and np.isnan(r.moving_range[12])
    assert r.moving_range[13] == 10
    assert r.point_type == (CC,) * 24
    assert r.trial_limits is False
    assert r.assurance == HIT_OR_MISS       # 60 within 18.4 .. 71.6


def test_rebase_date_between_points_starts_at_the_next_point():
    r = xmr(STEP, DATES24, rebase_dates=[date(2020, 4, 15)])
    assert r.segment_starts == (0, 12)     # 2020-04-30 is the first on/after


def test_rebase_with_a_short_last_segment_is_trial():
    r = xmr(STEP, DATES24, rebase_dates=["2020-11-30"])
    assert r.segment_starts == (0, 19)     # Nov 2020 .. Mar 2021: 5 points
    assert r.trial_limits is True
    assert r.variation is not None          # 24 points in total
    assert "trial limits" in spc_sentence(r, "percent")
    assert "since the rebase in Nov 2020" in spc_sentence(r, "percent")


def test_rebase_outside_the_series_changes_nothing():
    r = xmr(STEP, DATES24, rebase_dates=[date(2000, 1, 1), date(2030, 1, 1)])
    assert r.segment_starts == (0,)


def test_rebase_needs_dates():
    with pytest.raises(ValueError, match="dates"):
        xmr(STEP, rebase_dates=[date(2020, 1, 1)])


def test_rules_do_not_cross_a_rebase():
    # 4 rising before and 4 rising after the boundary: 8 in a row overall,
    # but only 4 in each segment.
    values = [20, 10] * 4 + [1, 2, 3, 4] + [5, 6, 7, 8] + [20, 10] * 4
    d = month_ends(len(values), 2019, 1)
    assert "trend" in {x for r in xmr(values, d).rules for x in r}
    rebased = xmr(values, d, rebase_dates=[d[12]])
    assert "trend" not in {x for r in rebased.rules for x in r}


# --- Input checks ----------------------------------------------------------------
def test_nan_raises():
    with pytest.raises(ValueError, match="missing"):
        xmr([1.0, float("nan"), 2.0])


def test_bad_polarity_and_dates():
    with pytest.raises(ValueError, match="polarity"):
        xmr([1, 2, 3], polarity="up")
    with pytest.raises(ValueError, match="increasing"):
        xmr([1, 2], dates=[date(2020, 2, 29), date(2020, 1, 31)])
    with pytest.raises(ValueError, match="dates for"):
        xmr([1, 2], dates=[date(2020, 1, 31)])


def test_dates_accept_timestamps_and_strings():
    import pandas as pd
    r = xmr([1, 2, 3], dates=pd.to_datetime(["2020-01-31", "2020-02-29", "2020-03-31"]))
    assert r.dates == (date(2020, 1, 31), date(2020, 2, 29), date(2020, 3, 31))
    r = xmr([1, 2], dates=["2020-01-31", "2020-02-29"])
    assert r.dates[1] == date(2020, 2, 29)


def test_result_arrays_are_read_only():
    r = xmr(ALTERNATING)
    with pytest.raises(ValueError):
        r.values[0] = 99


# --- Laney p′ ---------------------------------------------------------------------
def test_laney_hand_calculation():
    # numerators 10, 20, 15, 30 of 100, 200, 100, 200.
    # p̄ = 75/600 = 0.125; p = 0.10, 0.10, 0.15, 0.15.
    # σ(n=100) = √(0.125 × 0.875 / 100) = 0.0330719; σ(n=200) = 0.0233854.
    # z = −0.755929, −1.069045, +0.755929, +1.069045.
    # moving ranges of z: 0.313116, 1.824975, 0.313116 → mean 0.817069;
    # σ_z = 0.817069 / 1.128 = 0.724352.
    # limits(n=100) = 12.5% ± 300 × 0.0330719 × 0.724352 = 12.5 ± 7.18670
    # limits(n=200) = 12.5% ± 300 × 0.0233854 × 0.724352 = 12.5 ± 5.08177
    r = laney_p_prime([10, 20, 15, 30], [100, 200, 100, 200])
    assert np.allclose(r.values, [10, 10, 15, 15])
    assert np.allclose(r.centre, 12.5)
    assert np.allclose(r.z_scores, [-0.755929, -1.069045, 0.755929, 1.069045], atol=1e-6)
    assert r.sigma_z[0] == pytest.approx(0.724352, abs=1e-6)
    assert np.allclose(r.upper, [19.68670, 17.58177, 19.68670, 17.58177], atol=1e-5)
    assert np.allclose(r.lower, [5.31330, 7.41823, 5.31330, 7.41823], atol=1e-5)
    assert r.point_type == (CC,) * 4
    assert r.trial_limits and r.variation is None
    assert r.method == "laney_p_prime"


def test_laney_with_equal_denominators_matches_xmr():
    # With equal n, σ_i is one σ and the p′ half-width is 3/1.128 × mMR(p),
    # i.e. the XmR chart with 2.6596 in place of 2.66.
    num = [40, 45, 42, 50, 38, 47, 44, 41, 49, 43, 46, 40, 48]
    r = laney_p_prime(num, [100] * len(num))
    x = xmr(num)
    assert np.allclose(r.centre, x.centre)
    assert np.allclose(r.upper - r.centre, (x.upper - x.centre) * (3 / 1.128) / 2.66)
    assert r.point_type == x.point_type


def test_laney_signals_and_variation():
    # Month 13 jumps to 90% on a big denominator: beyond the upper limit.
    num = [50, 52, 48, 51, 49, 50, 53, 47, 50, 52, 48, 51, 450]
    den = [100] * 12 + [500]
    r = laney_p_prime(num, den, polarity=HIGHER_BETTER, target=99)
    assert r.rules[-1][0] == "beyond_limit"
    assert r.variation == IMP
    assert r.assurance == CONSISTENT_FAIL
    r = laney_p_prime(num, den, polarity=LOWER_BETTER, target=99)
    assert r.variation == CON and r.assurance == CONSISTENT_PASS


def test_laney_limits_clipped_to_0_100():
    num = [9, 10, 10, 8, 10, 10, 9, 10, 10, 10, 9, 10]
    r = laney_p_prime(num, [10] * 12)
    assert np.all(r.upper <= 100) and np.all(r.lower >= 0)
    assert r.upper.max() == 100.0


def test_laney_all_zero():
    r = laney_p_prime([0] * 12, [5, 7, 9] * 4)
    assert np.all(r.centre == 0) and np.all(r.upper == 0)
    assert r.point_type == (CC,) * 12


def test_laney_rebase():
    d = month_ends(24, 2020, 1)
    num = [10, 12] * 6 + [60, 62] * 6
    r = laney_p_prime(num, [100] * 24, d, rebase_dates=[d[12]])
    assert r.centre[0] == pytest.approx(11) and r.centre[-1] == pytest.approx(61)
    assert len(r.sigma_z) == 2
    assert r.point_type == (CC,) * 24


@pytest.mark.parametrize("num, den, message", [
    ([1, 2], [10, 0], "not positive"),
    ([1, 2], [10, -3], "not positive"),
    ([1, 12], [10, 10], "above its denominator"),
    ([-1, 2], [10, 10], "negative"),
    ([1, 2], [10], "numerators but"),
    ([1, float("nan")], [10, 10], "missing"),
])
def test_laney_rejects_bad_input(num, den, message):
    with pytest.raises(ValueError, match=message):
        laney_p_prime(num, den)


def test_laney_zero_denominator_message_names_the_date():
    with pytest.raises(ValueError, match="2020-02-29"):
        laney_p_prime([1, 0], [10, 0], dates=month_ends(2, 2020, 1))


# --- Words ----------------------------------------------------------------------------
def test_descriptions():
    assert describe_variation(IMP).label == "Special cause improvement"
    assert describe_variation(CON).label == "Special cause concern"
    assert describe_variation(CC).label == "Common cause variation"
    assert describe_assurance(CONSISTENT_PASS).label == "Consistently passing the target"
    assert describe_assurance(CONSISTENT_FAIL).label == "Consistently failing the target"
    assert describe_assurance(HIT_OR_MISS).label == "Hit or miss"
    label, tooltip = describe_assurance(None)
    assert label and tooltip.endswith(".")
    for code in (IMP, CON, CC, None):
        assert describe_variation(code).tooltip.endswith(".")
    with pytest.raises(ValueError):
        describe_variation("nonsense")


def test_sentence_shift_with_target():
    # 94,90 ×6 then 93,94,93,94,93,94,93 from Oct 2018: mean 92.53,
    # mMR 53/18; the last 7 (Oct 2019 on) are above the mean.
    values = [94, 90] * 6 + [93, 94, 93, 94, 93, 94, 93]
    r = xmr(values, month_ends(19, 2018, 10), target=95.0)
    assert spc_sentence(r, "percent", HIGHER_BETTER, 95.0, date(2021, 3, 31)) == (
        "Special cause improvement: 7 months in a row above the average since "
        "Oct 2019; the Mar 2021 target of 95.0% is within the limits, so it may "
        "or may not be met.")


def test_sentence_trend_lower_better_weeks():
    # Mirror of TREND: falling 7 months; for weeks (lower is better) that is good.
    values = [v + 10 for v in mirror(TREND)]
    r = xmr(values, month_ends(12, 2019, 4), polarity=LOWER_BETTER)
    s = spc_sentence(r, "weeks")
    assert s.startswith("Special cause improvement: 7 months in a row, each lower "
                        "than the one before, since Sep 2019")
    assert s.endswith(".")


def test_sentence_beyond_limit_and_assurance_words():
    r = xmr(BEYOND, month_ends(12, 2020, 1), target=100)
    s = spc_sentence(r, "count", target_date=date(2021, 3, 31))
    assert s == ("Special cause improvement: the latest point (Dec 2020, 80) is "
                 "above the upper limit of 61.1; the Mar 2021 target of 100 is "
                 "above the upper limit of 61.1, so it will not be met without a "
                 "change to the system.")
    r = xmr(BEYOND, polarity=LOWER_BETTER, target=100)
    s = spc_sentence(r, "count")
    assert s.startswith("Special cause concern: the latest point (80) is above")
    assert "should be met consistently" in s


def test_sentence_two_of_three_and_common_cause():
    s = spc_sentence(xmr(TWO_OF_THREE), "percent")
    assert "2 of the last 3 points are more than two-thirds of the way from the " \
           "average to the upper limit" in s
    s = spc_sentence(xmr(ALTERNATING, month_ends(12, 2020, 1)), "percent")
    assert s == ("Common cause variation: the latest point (Dec 2020, 20.0%) is "
                 "within the limits of -11.6% to 41.6%, with no unusual pattern.")


def test_sentence_not_enough_data():
    r = xmr([1, 2, 3], target=5)
    s = spc_sentence(r, "percent")
    assert s.startswith("Not enough data to judge variation: 3 monthly points")
    assert "too few points to judge the target of 5.0%" in s
    assert "trial limits: only 3 points in total" in s


def test_sentence_rejects_other_polarity():
    with pytest.raises(ValueError):
        spc_sentence(xmr(ALTERNATING), "percent", polarity=LOWER_BETTER)


# --- Properties -------------------------------------------------------------------------
ints = st.integers(min_value=-1000, max_value=1000)
series = st.lists(ints, min_size=1, max_size=60)
polarities = st.sampled_from([HIGHER_BETTER, LOWER_BETTER])


@settings(max_examples=200, deadline=None)
@given(st.lists(ints, min_size=11, max_size=59), st.booleans())
def test_far_outlier_is_special_cause_in_its_direction(values, high):
    spread = max(values) - min(values) + 1
    mean = sum(values) / len(values)
    outlier = mean + 10 * spread if high else mean - 10 * spread
    for polarity in (HIGHER_BETTER, LOWER_BETTER):
        r = xmr(values + [outlier], polarity=polarity)
        assert "beyond_limit" in r.rules[-1]
        assert r.direction[-1] == ("high" if high else "low")
        good = (high == (polarity == HIGHER_BETTER))
        assert r.variation == (IMP if good else CON)


@settings(max_examples=200, deadline=None)
@given(series)
def test_reversing_polarity_swaps_improvement_and_concern(values):
    up = xmr(values, polarity=HIGHER_BETTER)
    down = xmr(values, polarity=LOWER_BETTER)
    swap = {IMP: CON, CON: IMP, CC: CC}
    for i, (a, b) in enumerate(zip(up.point_type, down.point_type)):
        if up.direction[i] == "both":
            # improvement either way (issue 13: as the MDC tool shows it; was concern)
            assert a == b == IMP
        else:
            assert b == swap[a]


@settings(max_examples=200, deadline=None)
@given(series, st.integers(min_value=-10_000, max_value=10_000), polarities)
def test_adding_a_constant_shifts_lines_and_keeps_classes(values, c, polarity):
    a = xmr(values, polarity=polarity)
    b = xmr([v + c for v in values], polarity=polarity)
    assert np.allclose(b.centre, a.centre + c)
    assert np.allclose(b.upper, a.upper + c)
    assert np.allclose(b.lower, a.lower + c)
    assert a.point_type == b.point_type and a.rules == b.rules


@settings(max_examples=200, deadline=None)
@given(series, st.floats(min_value=1e-3, max_value=1e3), polarities)
def test_scaling_keeps_classes(values, k, polarity):
    a = xmr(values, polarity=polarity)
    b = xmr([v * k for v in values], polarity=polarity)
    assert a.point_type == b.point_type and a.rules == b.rules


@settings(max_examples=200, deadline=None)
@given(ints, ints, st.integers(min_value=12, max_value=60))
def test_alternating_series_is_common_cause(a, b, n):
    values = [a if i % 2 == 0 else b for i in range(n)]
    r = xmr(values)
    assert r.point_type == (CC,) * n
    assert r.variation == CC


@settings(max_examples=200, deadline=None)
@given(series, polarities)
def test_general_invariants(values, polarity):
    r = xmr(values, polarity=polarity)
    n = len(values)
    assert (r.variation is None) == (n < spc.MIN_POINTS)
    assert r.trial_limits == (n < spc.MIN_POINTS)
    for i in range(n):
        assert (r.point_type[i] == CC) == (r.rules[i] == ())
        assert r.lower[i] <= r.centre[i] <= r.upper[i]
        if r.values[i] > r.upper[i] + 1e-6 or r.values[i] < r.lower[i] - 1e-6:
            assert "beyond_limit" in r.rules[i]
    for s in r.signals:
        if s.rule in ("shift", "trend"):
            assert len(s.indices) >= spc.RUN_LENGTH
            assert list(s.indices) == list(range(s.start, s.end + 1))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 200)), min_size=1, max_size=40),
       polarities)
def test_laney_properties(pairs, polarity):
    num = [min(a, b) for a, b in pairs]
    den = [b for _, b in pairs]
    r = laney_p_prime(num, den, polarity=polarity)
    assert np.all(r.lower >= 0) and np.all(r.upper <= 100)
    assert np.all(r.lower <= r.centre + 1e-9) and np.all(r.centre <= r.upper + 1e-9)
    assert r.centre[0] == pytest.approx(100 * sum(num) / sum(den))
    assert all(math.isfinite(v) for v in r.z_scores)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False),
       st.lists(st.floats(min_value=0.5, max_value=1.0), min_size=12, max_size=60),
       st.booleans(), polarities)
def test_a_constant_plus_noise_is_common_cause(level, noise, up_first, polarity):
    """A level with noise of random size (0.5 to 1) that goes up and down in turn: every
    moving range is at least 1, so the limits are at least 2.66 from the mean and the
    two-thirds lines 1.77, while no point is more than 1.25 from it; the points alternate
    about the mean, so no run and no trend. Common cause throughout, either polarity."""
    sign = 1 if up_first else -1
    values = [level + sign * (-1) ** i * e for i, e in enumerate(noise)]
    r = xmr(values, polarity=polarity)
    assert r.point_type == (CC,) * len(values)
    assert r.variation == CC

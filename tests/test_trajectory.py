"""Tests for cipdash.trajectory: straight-line forecasts and baseline trajectories."""

import math
from datetime import date

import numpy as np
import pytest

from cipdash.spc import HIGHER_BETTER, LOWER_BETTER
from cipdash.trajectory import (
    AT_RISK, OFF_TRACK, ON_TRACK, T_QUANTILE_90, baseline_trajectory, forecast,
    forecast_sentence, month_number, t_quantile_90,
)
from support import month_ends

DATES = month_ends(12, 2020, 1)            # Jan .. Dec 2020
LINEAR = [80.0 + k for k in range(12)]     # 80 .. 91, +1 a month
MARCH_2021 = date(2021, 3, 31)             # 3 months after Dec 2020 → 94


def test_month_number_month_ends_are_whole_and_one_apart():
    xs = [month_number(d) for d in month_ends(6, 2019, 11)]
    assert all(x == int(x) for x in xs)
    assert np.allclose(np.diff(xs), 1.0)
    assert month_number(date(2020, 1, 31)) < month_number(date(2020, 2, 1))


def test_perfect_line_projects_exactly():
    fc = forecast(DATES, LINEAR, MARCH_2021, 93.0, HIGHER_BETTER)
    assert fc.projected == pytest.approx(94.0)
    assert fc.slope_per_month == pytest.approx(1.0)
    assert fc.upper - fc.lower == pytest.approx(0.0, abs=1e-9)
    assert fc.value_at(date(2020, 12, 31)) == pytest.approx(91.0)
    assert fc.n_points == 12
    assert (fc.window_start, fc.window_end) == (DATES[0], DATES[-1])


@pytest.mark.parametrize("polarity, target, status", [
    (HIGHER_BETTER, 93.0, ON_TRACK),    # 94 >= 93
    (HIGHER_BETTER, 95.0, OFF_TRACK),   # 94 < 95
    (LOWER_BETTER, 95.0, ON_TRACK),     # 94 <= 95
    (LOWER_BETTER, 93.0, OFF_TRACK),    # 94 > 93
])
def test_perfect_line_status(polarity, target, status):
    fc = forecast(DATES, LINEAR, MARCH_2021, target, polarity)
    assert fc.status == status
    assert fc.reason is None


def test_noisy_series_straddling_the_target_is_at_risk():
    noisy = [v + (2 if k % 2 else -2) for k, v in enumerate(LINEAR)]
    for polarity in (HIGHER_BETTER, LOWER_BETTER):
        fc = forecast(DATES, noisy, MARCH_2021, 94.0, polarity)
        assert fc.lower < 94.0 < fc.upper
        assert fc.status == AT_RISK


def test_noisy_series_far_from_target():
    noisy = [v + (2 if k % 2 else -2) for k, v in enumerate(LINEAR)]
    assert forecast(DATES, noisy, MARCH_2021, 80.0, HIGHER_BETTER).status == ON_TRACK
    assert forecast(DATES, noisy, MARCH_2021, 110.0, HIGHER_BETTER).status == OFF_TRACK
    assert forecast(DATES, noisy, MARCH_2021, 80.0, LOWER_BETTER).status == OFF_TRACK


def test_prediction_interval_hand_calculation():
    # x = months 1..6 (Jan–Jun 2020), y = 1,3,2,4,3,5.
    # x̄ = 3.5, ȳ = 3, Sxx = 17.5, Sxy = 11 → slope 0.628571.
    # residuals −0.428571, 0.942857, −0.685714, 0.685714, −0.942857, 0.428571
    # SSE = 3.085714, s = √(3.085714/4) = 0.878310.
    # Sep 2020 is x₀ = 9: ŷ = 3 + 0.628571 × 5.5 = 6.457143.
    # half-width = t(0.90, 4 df) 1.5332 × 0.878310 × √(1 + 1/6 + 5.5²/17.5)
    #            = 1.346625 × 1.701540 = 2.291336.
    fc = forecast(month_ends(6, 2020, 1), [1, 3, 2, 4, 3, 5], date(2020, 9, 30),
                  6.0, HIGHER_BETTER)
    assert fc.slope_per_month == pytest.approx(0.628571, abs=1e-6)
    assert fc.residual_sd == pytest.approx(0.878310, abs=1e-6)
    assert fc.t_quantile == 1.5332
    assert fc.projected == pytest.approx(6.457143, abs=1e-6)
    assert fc.upper - fc.projected == pytest.approx(2.291336, abs=1e-5)
    assert fc.status == AT_RISK


def test_only_the_last_window_points_are_used():
    wild = [500.0, -300.0, 12.0, 999.0, 0.0]
    dates = month_ends(5, 2019, 8) + DATES
    fc = forecast(dates, wild + LINEAR, MARCH_2021, 93.0, HIGHER_BETTER)
    assert fc.projected == pytest.approx(94.0)
    assert fc.n_points == 12 and fc.window_start == date(2020, 1, 31)
    fc6 = forecast(dates, wild + LINEAR, MARCH_2021, 93.0, HIGHER_BETTER, window=6)
    assert fc6.n_points == 6 and fc6.projected == pytest.approx(94.0)


def test_interval_widens_with_the_horizon():
    noisy = [v + (1 if k % 3 else -1) for k, v in enumerate(LINEAR)]
    near = forecast(DATES, noisy, date(2021, 1, 31), 90, HIGHER_BETTER)
    far = forecast(DATES, noisy, date(2022, 1, 31), 90, HIGHER_BETTER)
    assert far.upper - far.lower > near.upper - near.lower


def test_fewer_than_six_points_has_no_status():
    fc = forecast(DATES[:5], LINEAR[:5], MARCH_2021, 93.0, HIGHER_BETTER)
    assert fc.status is None and fc.projected is None
    assert "at least 6" in fc.reason
    assert forecast_sentence(fc) == fc.reason
    fc = forecast([], [], MARCH_2021, 93.0, HIGHER_BETTER)
    assert fc.status is None and fc.n_points == 0


def test_no_target_or_past_target_date():
    fc = forecast(DATES, LINEAR, MARCH_2021, None, HIGHER_BETTER)
    assert fc.status is None and fc.projected == pytest.approx(94.0)
    assert "No target" in fc.reason
    fc = forecast(DATES, LINEAR, date(2020, 6, 30), 50.0, HIGHER_BETTER)
    assert fc.status is None and "not after the latest point" in fc.reason
    fc = forecast(DATES, LINEAR, None, 50.0, HIGHER_BETTER)
    assert fc.status is None and fc.projected is None


def test_neutral_measure_is_projected_but_never_judged():
    # Issue 13: a neutral measure has no better direction, so no on/off-track status even
    # if a target were passed (the plan refuses targets for it).
    for target in (93.0, 95.0):
        fc = forecast(DATES, LINEAR, MARCH_2021, target, "neutral")
        assert fc.status is None and fc.projected == pytest.approx(94.0)
        assert "Neither direction is better" in fc.reason
        text = forecast_sentence(fc, "percent")
        assert "on track" not in text and "off track" not in text and "Neither direction" in text


def test_bad_input():
    with pytest.raises(ValueError, match="missing"):
        forecast(DATES, LINEAR[:-1] + [math.nan], MARCH_2021, 1, HIGHER_BETTER)
    with pytest.raises(ValueError, match="increasing"):
        forecast(DATES[::-1], LINEAR, MARCH_2021, 1, HIGHER_BETTER)
    with pytest.raises(ValueError, match="polarity"):
        forecast(DATES, LINEAR, MARCH_2021, 1, "up")
    with pytest.raises(ValueError, match="dates for"):
        forecast(DATES, LINEAR[:3], MARCH_2021, 1, HIGHER_BETTER)


def test_forecast_sentence():
    fc = forecast(DATES, LINEAR, MARCH_2021, 93.0, HIGHER_BETTER)
    assert forecast_sentence(fc, "percent") == (
        "On the trend of the last 12 months the value is projected to be 94.0% "
        "in Mar 2021 (80% range 94.0% to 94.0%), so the target of 93.0% is on "
        "track to be met.")


def _t_cdf(q, df):
    """Student's t CDF at q > 0 by the trapezium rule on the density."""
    t = np.linspace(0.0, q, 200_001)
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    return 0.5 + np.trapezoid(c * (1 + t * t / df) ** (-(df + 1) / 2), t)


@pytest.mark.parametrize("df", sorted(T_QUANTILE_90))
def test_t_table_is_the_0_90_quantile(df):
    assert _t_cdf(T_QUANTILE_90[df], df) == pytest.approx(0.90, abs=5e-5)


def test_t_quantile_lookup():
    assert t_quantile_90(10) == 1.3722
    assert t_quantile_90(35) == T_QUANTILE_90[30]     # next lower row: wider
    assert t_quantile_90(500) == pytest.approx(1.2816)
    with pytest.raises(ValueError):
        t_quantile_90(0)


def test_baseline_trajectory():
    # Mar 2019 at 70% to Mar 2021 at 94%: 24 months, +1 a month.
    dates = [date(2019, 1, 31), date(2019, 3, 31), date(2020, 3, 31),
             date(2021, 3, 31), date(2021, 4, 30)]
    line = baseline_trajectory(date(2019, 3, 31), 70.0, date(2021, 3, 31), 94.0, dates)
    assert math.isnan(line[0]) and math.isnan(line[-1])
    assert line[1:4] == pytest.approx([70.0, 82.0, 94.0])


def test_baseline_trajectory_needs_a_later_target():
    with pytest.raises(ValueError):
        baseline_trajectory(date(2021, 3, 31), 70.0, date(2021, 3, 31), 94.0, [])

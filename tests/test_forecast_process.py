"""A forecast reads the process as it is now: fitted to the points since the process last
changed (a sustained shift or the plan's rebase), and kept within what the unit can be."""
from __future__ import annotations

from datetime import date

import pandas as pd

from cipdash.analysis import process_start, read_measure

WEEKS = {"measure_id": "care_proceedings_weeks", "name": "Care proceedings", "unit": "weeks",
         "polarity": "lower_better"}


def months(n: int, start=(2019, 1)) -> list[date]:
    out, (y, m) = [], start
    for _ in range(n):
        out.append((pd.Timestamp(year=y, month=m, day=1) + pd.offsets.MonthEnd(0)).date())
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def points(values) -> pd.DataFrame:
    return pd.DataFrame({"period_end": pd.to_datetime(months(len(values))), "period_type": "month",
                         "value": values})


def test_the_forecast_after_a_step_change_fits_only_the_new_process():
    # 12 months near 30 weeks, then 8 near 17: the sample's care proceedings shape.
    before = [30, 31, 29, 30, 31, 30, 29, 30, 31, 30, 29, 30]
    after = [17, 17.5, 17, 16.5, 17, 17.5, 17, 16.5]
    reading = read_measure(WEEKS, points(before + after), 18.0, date(2021, 3, 31))
    fc = reading.forecast
    assert process_start(reading.spc) == months(20)[12]  # Jan 2020, where the shift began
    assert fc.n_points == 8 and fc.window_start == months(20)[12]
    assert 15.0 < fc.projected < 19.0 and fc.lower >= 0  # not the -4.8 to 10.4 weeks of a fit across the step
    assert "-" not in reading.narrative.split("projected", 1)[1]


def test_too_few_points_since_the_change_gives_no_forecast_and_says_why():
    before = [30, 31, 29, 30, 31, 30, 29, 30, 31, 30, 29, 30, 30, 31]
    after = [17, 17.5, 17, 16.5, 17, 17.5, 17]  # 7 in a row below: the shift is the 7 points
    reading = read_measure(WEEKS, points(before + after), 18.0, date(2021, 6, 30),
                           rebase_dates=[months(21)[16]])  # the plan restarted the limits 2 points ago
    fc = reading.forecast
    assert fc.status is None and fc.n_points < 6
    assert "since the process changed in" in fc.reason


def test_a_projection_stays_within_what_a_percentage_can_be():
    rising = [80 + 1.5 * i for i in range(12)]  # 96.5% by the 12th month, rising
    measure = {"measure_id": "m", "name": "m", "unit": "percent", "polarity": "higher_better"}
    reading = read_measure(measure, points(rising), 95.0, date(2021, 3, 31))
    fc = reading.forecast
    assert fc.projected <= 100.0 and fc.upper <= 100.0 and fc.lower >= 0.0


def test_a_trend_that_disagrees_with_the_assurance_is_put_as_a_condition(sample_db_file):
    """Sample, Oct 2020: the Mar 2021 target of 95% is above the upper limit ("will not be met
    without a change to the system") while the rising trend puts it "at risk". The trend
    carrying on would itself be that change, so the narrative says so rather than giving
    two verdicts."""
    from cipdash.db import open_snapshot
    from cipdash.summary import build_summary

    snap = open_snapshot(sample_db_file)
    try:
        measures = {m["measure_id"]: m for m in build_summary(snap, date(2020, 10, 31))["measures"]}
    finally:
        snap.close()
    text = measures["assessment_timeliness"]["narrative"]
    assert measures["assessment_timeliness"]["assurance"] == "consistent_fail"
    assert "will not be met without a change to the system" in text
    assert "That holds while the process stays as it is: if the trend of the last 12 months carries on" in text
    assert "would then be at risk" in text and "so the target of 95.0% is at risk" not in text
    # Where the assurance and the trend agree, or there is none, the forecast is a plain verdict.
    plain = measures["contacts_3_days"]["narrative"]
    assert measures["contacts_3_days"]["assurance"] == "hit_or_miss"
    assert "so the target of 92.0% is at risk" in plain and "That holds while" not in plain

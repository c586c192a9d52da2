"""UK display conventions: months, financial years, quarters, values and changes."""

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from cipdash.formatting import (
    MISSING,
    financial_year,
    format_change,
    format_value,
    month_label,
    period_label,
    quarter_label,
    target_label,
)

D = dt.date
MISSING_VALUES = [None, float("nan"), np.nan, pd.NA, pd.NaT, math.inf, -math.inf, np.float64("nan")]


def test_missing_marker_is_en_dash():
    assert MISSING == "\u2013"


# --- dates and periods ---------------------------------------------------------

def test_month_label():
    assert month_label(D(2020, 9, 1)) == "Sep 2020"
    assert month_label(D(2020, 9, 30)) == "Sep 2020"
    assert month_label(dt.datetime(2021, 3, 31, 23, 0)) == "Mar 2021"
    assert month_label(pd.Timestamp("2019-06-15")) == "Jun 2019"
    assert month_label(None) == MISSING
    assert month_label(pd.NaT) == MISSING


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2020, 4, 1), "2020/21"),  # first day of the year
        (D(2021, 3, 31), "2020/21"),  # last day
        (D(2020, 3, 31), "2019/20"),
        (D(2020, 1, 15), "2019/20"),
        (D(1999, 6, 1), "1999/00"),  # century turn keeps two digits
        (D(2009, 12, 1), "2009/10"),
    ],
)
def test_financial_year(day, expected):
    assert financial_year(day) == expected


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2020, 4, 1), "Q1 2020/21"),
        (D(2020, 6, 30), "Q1 2020/21"),
        (D(2020, 7, 1), "Q2 2020/21"),
        (D(2020, 9, 30), "Q2 2020/21"),
        (D(2020, 12, 31), "Q3 2020/21"),
        (D(2021, 1, 1), "Q4 2020/21"),
        (D(2021, 3, 31), "Q4 2020/21"),
    ],
)
def test_quarter_label(day, expected):
    assert quarter_label(day) == expected


def test_period_label():
    assert period_label(D(2020, 9, 30), "month") == "Sep 2020"
    assert period_label(D(2020, 9, 30), "quarter") == "Q2 2020/21"
    assert period_label(D(2020, 3, 31), "year") == "2019/20"
    assert period_label(D(2020, 3, 31), "financial_year") == "2019/20"
    assert period_label(D(2020, 9, 30), "year") == "Year to Sep 2020"  # rolling 12 months
    assert period_label(pd.Timestamp("2020-09-30"), "Month") == "Sep 2020"
    assert period_label(None, "month") == MISSING
    with pytest.raises(ValueError):
        period_label(D(2020, 9, 30), "fortnight")


# --- values -------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (94, "percent", "94.0%"),
        (94.04, "percent", "94.0%"),
        (94.05, "percent", "94.1%"),  # half up on the decimal, not the binary float
        (0.25, "number", "0.3"),  # Python's round(0.25, 1) would give 0.2
        (100, "%", "100.0%"),
        (21.44, "weeks", "21.4 weeks"),
        (12, "days", "12.0 days"),
        (12, "count", "12"),
        (12.0, "count", "12"),
        (1234, "count", "1,234"),
        (648830, "count", "648,830"),
        (0, "count", "0"),
        (431.2, "rate", "431.2 per 10,000"),
        (1234.56, "rate", "1,234.6 per 10,000"),
        (3.14159, "number", "3.1"),
        (-0.5, "weeks", "-0.5 weeks"),
        (-0.04, "percent", "0.0%"),  # never "-0.0%"
        (np.int64(7), "count", "7"),
        (np.float64(85.66), "percent", "85.7%"),
        (Decimal("2.25"), "number", "2.3"),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


@pytest.mark.parametrize("missing", MISSING_VALUES)
@pytest.mark.parametrize("unit", ["percent", "weeks", "days", "count", "rate", "number"])
def test_missing_values_are_en_dash_everywhere(missing, unit):
    assert format_value(missing, unit) == MISSING
    assert format_change(missing, unit) == MISSING
    assert target_label(missing, unit, D(2021, 3, 31)) == MISSING


def test_bad_inputs_fail_loudly():
    with pytest.raises(ValueError):
        format_value(1, "furlongs")
    with pytest.raises(TypeError):
        format_value("94", "percent")
    with pytest.raises(TypeError):
        format_value(True, "count")


# --- targets and changes --------------------------------------------------------------

def test_target_label():
    assert target_label(95, "percent", D(2021, 3, 31)) == "Target Mar 2021: 95.0%"
    assert target_label(20, "weeks", D(2020, 7, 31)) == "Target Jul 2020: 20.0 weeks"
    assert target_label(95, "percent") == "Target: 95.0%"
    assert target_label(95, "percent", pd.NaT) == "Target: 95.0%"


@pytest.mark.parametrize(
    "delta, unit, expected",
    [
        (1.2, "percent", "+1.2 pts"),
        (-3.45, "percent", "-3.5 pts"),  # half away from zero
        (0, "percent", "0.0 pts"),
        (-0.01, "percent", "0.0 pts"),
        (-0.5, "weeks", "-0.5 weeks"),
        (2, "days", "+2.0 days"),
        (3, "count", "+3"),
        (-1500, "count", "-1,500"),
        (12.34, "rate", "+12.3 per 10,000"),
        (0.26, "number", "+0.3"),
    ],
)
def test_format_change(delta, unit, expected):
    assert format_change(delta, unit) == expected


def test_plural():
    from cipdash.formatting import plural

    assert plural(1, "new figure") == "1 new figure"
    assert plural(0, "new figure") == "0 new figures"
    assert plural(2345, "file") == "2,345 files"

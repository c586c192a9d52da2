"""UK display conventions for dates, periods and measure values.

* Financial year April–March: "2020/21"; Q1 = April–June ("Q1 2020/21").
* Figures to their unit's decimal places with its suffix (cipdash.units: percentages,
  rates, weeks and days to 1 decimal place, counts as whole numbers), with thousands
  separators ("1,234").
* Rounding is half away from zero on the decimal value shown (94.05 -> "94.1"),
  as in published statistics, not Python's round-half-to-even on the float.
* Missing values (None, NaN, NaT, pandas NA, ±inf) show as an en dash "–".
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from decimal import ROUND_HALF_UP, Decimal

from . import units

MISSING = "–"  # en dash, U+2013
MINUS = "-"  # hyphen-minus in changes ("-0.5 weeks"), so text pastes into Excel cleanly

# Locale-independent month abbreviations (strftime("%b") follows the OS locale).
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

FINANCIAL_YEAR_START_MONTH = 4  # April
MONTHS_PER_QUARTER = 3

PERIOD_TYPES = {
    "month": "month",
    "quarter": "quarter",
    "year": "year",
    "financial_year": "year",
}

__all__ = [
    "MISSING",
    "month_label",
    "financial_year",
    "quarter_label",
    "period_label",
    "format_value",
    "target_label",
    "format_change",
    "format_figure",
]


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        # float() covers numpy scalars and Decimal; pandas NA/NaT raise TypeError.
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        pass
    try:
        import pandas as pd  # local: keep the module importable without pandas

        return bool(pd.isna(value))
    except (ImportError, TypeError, ValueError):
        return False


def _as_date(d) -> dt.date | None:
    if _is_missing(d):
        return None
    if isinstance(d, dt.datetime):  # also pandas.Timestamp
        return d.date()
    if isinstance(d, dt.date):
        return d
    raise TypeError(f"expected a date, got {type(d).__name__}: {d!r}")


def _financial_year_start(d: dt.date) -> int:
    return d.year if d.month >= FINANCIAL_YEAR_START_MONTH else d.year - 1


def month_label(d) -> str:
    """'Sep 2020' for any date in September 2020."""
    d = _as_date(d)
    if d is None:
        return MISSING
    return f"{MONTH_ABBR[d.month - 1]} {d.year}"


def financial_year(d) -> str:
    """Financial year (April–March) containing `d`: '2020/21'."""
    d = _as_date(d)
    if d is None:
        return MISSING
    start = _financial_year_start(d)
    return f"{start}/{(start + 1) % 100:02d}"


def quarter_label(d) -> str:
    """Financial quarter containing `d`: 'Q2 2020/21' (Q1 = April–June)."""
    d = _as_date(d)
    if d is None:
        return MISSING
    quarter = (d.month - FINANCIAL_YEAR_START_MONTH) % 12 // MONTHS_PER_QUARTER + 1
    return f"Q{quarter} {financial_year(d)}"


def period_label(d, period_type: str) -> str:
    """Label a period by its end date: 'Sep 2020', 'Q2 2020/21', '2019/20'.

    period_type is 'month', 'quarter' or 'year'. A year ending 31 March is a
    financial year ('2019/20'); any other 12 months is 'Year to Sep 2020'.
    """
    kind = PERIOD_TYPES.get(str(period_type).lower())
    if kind is None:
        raise ValueError(f"unknown period_type {period_type!r}; expected one of {sorted(PERIOD_TYPES)}")
    d = _as_date(d)
    if d is None:
        return MISSING
    if kind == "month":
        return month_label(d)
    if kind == "quarter":
        return quarter_label(d)
    if d.month == FINANCIAL_YEAR_START_MONTH - 1:  # ends in March
        return financial_year(d)
    return f"Year to {month_label(d)}"


def _rounded(value, places: int) -> Decimal:
    """Round half away from zero on the value's shortest decimal form."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        raise TypeError(f"expected a number, got {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        exact = value
    elif isinstance(value, numbers.Integral):
        exact = Decimal(int(value))
    else:
        # repr(float) is the shortest round-tripping form: 94.05 -> '94.05', not 94.0499...
        exact = Decimal(repr(float(value)))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _number(value, places: int, signed: bool = False) -> str:
    r = _rounded(value, places)
    text = f"{abs(r):,.{places}f}"
    if r < 0:  # a value that rounds to zero is "0.0", never "-0.0"
        return MINUS + text
    if signed and r > 0:
        return "+" + text
    return text


def format_value(value, unit: str) -> str:
    """'94.0%', '21.4 weeks', '12.0 days', '1,234', '431.2 per 10,000', '3.5'; missing -> '–'."""
    u = units.unit(unit)
    if _is_missing(value):
        return MISSING
    return _number(value, u.decimals) + u.suffix


def format_figure(value, unit: str) -> str:
    """The figure alone, for a table whose heading carries the unit: '94.0', '1,234'; missing -> '–'."""
    u = units.unit(unit)
    if _is_missing(value):
        return MISSING
    return _number(value, u.decimals)


def target_label(target, unit: str, target_date=None) -> str:
    """'Target Mar 2021: 95.0%' ('Target: 95.0%' without a date); missing target -> '–'."""
    if _is_missing(target):
        return MISSING
    when = month_label(target_date) if not _is_missing(target_date) else None
    prefix = f"Target {when}" if when else "Target"
    return f"{prefix}: {format_value(target, unit)}"


def format_change(delta, unit: str) -> str:
    """Signed change: '+1.2 pts' (percentage points), '-0.5 weeks', '+3'; zero unsigned."""
    u = units.unit(unit)
    if _is_missing(delta):
        return MISSING
    return _number(delta, u.decimals, signed=True) + u.change_suffix


def plural(n: int, noun: str) -> str:
    """"1 new figure", "2,345 new figures"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")

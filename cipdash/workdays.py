"""Working days for statutory timescales (England).

A working day is Monday to Friday, excluding England and Wales bank holidays,
including substitute ("observed") days and one-off days such as the 2020 VE
Day move (Fri 8 May 2020), the 2022 Platinum Jubilee, the Queen's funeral
(19 Sep 2022) and the 2023 coronation. Holidays come from the `holidays`
package, which holds the full history offline; nothing is fetched at run time.

Counting rule (the one used everywhere in the dashboard):

* The start day is day 0 (the day of referral). An assessment completed on the
  next working day took 1 working day; one completed on the referral day
  itself took 0.
* ``working_days_between(start, end)`` counts the working days in the
  half-open interval (start, end]: the start day never counts, the end day
  counts if it is a working day.
* "Within 45 working days" means ``working_days_between(referral, completion)
  <= 45``; the last compliant date is ``add_working_days(referral, 45)``.
* A start on a weekend or bank holiday is still day 0, so a referral on
  Saturday completed on Monday took 1 working day.
* If ``end`` is before ``start`` the result is negative:
  ``working_days_between(a, b) == -working_days_between(b, a)``, so the count
  is additive (between(a, b) + between(b, c) == between(a, c)).

Future years use the package's regular rules; one-off holidays are only known
once the package (pinned in requirements.txt) has them.
"""

from __future__ import annotations

import bisect
import datetime as dt
from functools import lru_cache

import holidays

# England and Wales bank holidays: the package's GB calendar, England subdivision.
COUNTRY = "GB"
SUBDIVISION = "ENG"

SATURDAY = 5  # date.weekday(): Monday = 0 ... Sunday = 6
DAYS_PER_WEEK = 7
WORKING_DAYS_PER_WEEK = 5

__all__ = [
    "bank_holidays",
    "is_working_day",
    "add_working_days",
    "working_days_between",
]


def _as_date(d: dt.date) -> dt.date:
    """Accept date, datetime or pandas Timestamp; return a plain date."""
    if isinstance(d, dt.datetime):  # also pandas.Timestamp (a datetime subclass)
        return d.date()
    if isinstance(d, dt.date):
        return d
    raise TypeError(f"expected a date, got {type(d).__name__}: {d!r}")


@lru_cache(maxsize=None)
def bank_holidays(year: int) -> frozenset[dt.date]:
    """All England and Wales bank holidays of `year`, incl. substitute days (cached per year)."""
    # observed=True (the default) adds substitute days, e.g. Mon 28 Dec 2020.
    calendar = holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=year, observed=True)
    return frozenset(d for d in calendar if d.year == year)


@lru_cache(maxsize=None)
def _weekday_holidays(year: int) -> tuple[dt.date, ...]:
    """Sorted bank holidays of `year` that fall Monday–Friday (cached per year)."""
    # Only weekday holidays remove a working day; 25 Dec on a Saturday is
    # replaced by its substitute Monday, which is in the calendar already.
    return tuple(sorted(d for d in bank_holidays(year) if d.weekday() < SATURDAY))


def is_working_day(d: dt.date) -> bool:
    """True if `d` is Monday–Friday and not an England and Wales bank holiday."""
    d = _as_date(d)
    return d.weekday() < SATURDAY and d not in bank_holidays(d.year)


def _weekdays_to(d: dt.date) -> int:
    """Number of Mondays–Fridays from 1 Jan year 1 (a Monday) up to and including `d`."""
    ordinal = d.toordinal()  # 1 = Monday 1 January year 1
    full_weeks, rest = divmod(ordinal, DAYS_PER_WEEK)
    return full_weeks * WORKING_DAYS_PER_WEEK + min(rest, WORKING_DAYS_PER_WEEK)


def _holidays_in(after: dt.date, upto: dt.date) -> int:
    """Weekday bank holidays h with after < h <= upto (after <= upto)."""
    total = 0
    for year in range(after.year, upto.year + 1):
        days = _weekday_holidays(year)
        lo = bisect.bisect_right(days, after) if year == after.year else 0
        hi = bisect.bisect_right(days, upto) if year == upto.year else len(days)
        total += hi - lo
    return total


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: start is day 0; negative if end < start."""
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start)
    return _weekdays_to(end) - _weekdays_to(start) - _holidays_in(start, end)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (before it if n < 0); n == 0 returns `start`.

    For a working-day start, ``working_days_between(start, add_working_days(start, n)) == n``
    for every integer n; for any start this holds when n >= 0.
    """
    start = _as_date(start)
    if isinstance(n, bool) or int(n) != n:
        raise TypeError(f"n must be a whole number of working days, got {n!r}")
    n = int(n)
    step = dt.timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    d = start
    # Day-by-day walk: statutory timescales are tens of days, so this is cheap.
    while remaining:
        d += step
        if is_working_day(d):
            remaining -= 1
    return d

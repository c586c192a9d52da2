"""Working days: England and Wales bank holidays and the day-0 counting rule."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipdash.workdays import (
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)

D = dt.date


# --- the calendar -----------------------------------------------------------

@pytest.mark.parametrize(
    "day, why",
    [
        (D(2020, 12, 25), "Christmas Day, Friday"),
        (D(2020, 12, 28), "Boxing Day substitute: 26 Dec 2020 was a Saturday"),
        (D(2021, 12, 27), "Christmas substitute: 25 Dec 2021 was a Saturday"),
        (D(2021, 12, 28), "Boxing Day substitute: 26 Dec 2021 was a Sunday"),
        (D(2021, 4, 2), "Good Friday 2021"),
        (D(2021, 4, 5), "Easter Monday 2021"),
        (D(2020, 5, 8), "Early May bank holiday moved to Friday for VE Day 75"),
        (D(2022, 6, 2), "Spring bank holiday moved for the Platinum Jubilee"),
        (D(2022, 6, 3), "Platinum Jubilee bank holiday"),
        (D(2022, 9, 19), "State funeral of Queen Elizabeth II"),
        (D(2023, 5, 8), "Coronation of King Charles III"),
        (D(2023, 1, 2), "New Year substitute: 1 Jan 2023 was a Sunday"),
    ],
)
def test_bank_holidays_are_not_working_days(day, why):
    assert day.weekday() < 5, "the case must be a weekday to mean anything"
    assert not is_working_day(day), why
    assert day in bank_holidays(day.year)


@pytest.mark.parametrize(
    "day, why",
    [
        (D(2020, 5, 4), "first Monday in May 2020 was NOT a holiday (moved to 8 May)"),
        (D(2022, 5, 30), "last Monday in May 2022 was NOT a holiday (moved to 2 June)"),
        (D(2020, 12, 24), "Christmas Eve is a working day"),
        (D(2020, 12, 29), "between Christmas and New Year is working"),
        (D(2021, 4, 1), "Maundy Thursday is a working day"),
    ],
)
def test_ordinary_weekdays_are_working_days(day, why):
    assert is_working_day(day), why


def test_weekends_are_not_working_days():
    assert not is_working_day(D(2020, 12, 26))  # Saturday (and Boxing Day)
    assert not is_working_day(D(2024, 6, 1))  # Saturday
    assert not is_working_day(D(2024, 6, 2))  # Sunday
    assert is_working_day(D(2024, 6, 3))  # Monday


def test_accepts_datetime_and_timestamp():
    pd = pytest.importorskip("pandas")
    assert not is_working_day(dt.datetime(2020, 5, 8, 14, 30))
    assert not is_working_day(pd.Timestamp("2020-05-08 09:00"))
    assert working_days_between(pd.Timestamp("2020-05-07"), dt.datetime(2020, 5, 11, 23, 59)) == 1


def test_rejects_non_dates():
    with pytest.raises(TypeError):
        is_working_day("2020-05-08")
    with pytest.raises(TypeError):
        add_working_days(D(2020, 5, 8), 1.5)


# --- the counting rule: start day is day 0, (start, end] --------------------

def test_same_day_is_zero_and_next_working_day_is_one():
    assert working_days_between(D(2024, 6, 3), D(2024, 6, 3)) == 0
    assert working_days_between(D(2024, 6, 3), D(2024, 6, 4)) == 1
    assert working_days_between(D(2024, 6, 7), D(2024, 6, 10)) == 1  # Fri -> Mon
    assert add_working_days(D(2024, 6, 7), 1) == D(2024, 6, 10)
    assert add_working_days(D(2024, 6, 3), 0) == D(2024, 6, 3)


def test_across_christmas_2020():
    # Thu 24 Dec; Fri 25 holiday; Sat, Sun; Mon 28 substitute; Tue 29 = day 1.
    assert add_working_days(D(2020, 12, 24), 1) == D(2020, 12, 29)
    assert working_days_between(D(2020, 12, 24), D(2020, 12, 29)) == 1
    assert working_days_between(D(2020, 12, 24), D(2020, 12, 28)) == 0
    # Wed 23 Dec -> Thu 24 (1), Tue 29 (2), Wed 30 (3), Thu 31 (4), Mon 4 Jan (5).
    assert add_working_days(D(2020, 12, 23), 5) == D(2021, 1, 4)


def test_across_easter_2021():
    # Thu 1 Apr; Good Friday 2, weekend, Easter Monday 5; Tue 6 Apr is day 1.
    assert add_working_days(D(2021, 4, 1), 1) == D(2021, 4, 6)
    assert working_days_between(D(2021, 4, 1), D(2021, 4, 6)) == 1
    assert working_days_between(D(2021, 3, 29), D(2021, 4, 9)) == 7  # 2 weeks minus 2 holidays, minus day 0


def test_across_ve_day_2020():
    # Thu 7 May -> Mon 11 May: Fri 8 May is the holiday, so Monday is day 1.
    assert working_days_between(D(2020, 5, 7), D(2020, 5, 11)) == 1
    # Fri 1 May -> Tue 5 May: Mon 4 May is an ordinary working day this year.
    assert working_days_between(D(2020, 5, 1), D(2020, 5, 5)) == 2
    assert add_working_days(D(2020, 5, 1), 1) == D(2020, 5, 4)


def test_45_working_days_worked_by_hand():
    # Referral Mon 2 Nov 2020 (day 0).
    # Nov 3-30: 20 weekdays, no holidays                        -> 20
    # Dec 2020: 23 weekdays minus Fri 25 and Mon 28 (substitute) -> 21 (total 41)
    # Jan 2021: Fri 1 holiday; Mon 4 = 42, Tue 5 = 43, Wed 6 = 44, Thu 7 = 45.
    referral = D(2020, 11, 2)
    assert add_working_days(referral, 45) == D(2021, 1, 7)
    assert working_days_between(referral, D(2021, 1, 7)) == 45  # within 45: yes
    assert working_days_between(referral, D(2021, 1, 8)) == 46  # within 45: no
    assert working_days_between(referral, D(2020, 12, 31)) == 41


def test_weekend_start_is_day_zero():
    # Referral Saturday 19 Dec 2020: completion on Monday 21 Dec took 1 working day.
    assert working_days_between(D(2020, 12, 19), D(2020, 12, 21)) == 1
    assert working_days_between(D(2020, 12, 19), D(2020, 12, 20)) == 0
    assert add_working_days(D(2020, 12, 19), 1) == D(2020, 12, 21)
    # A weekend end adds nothing beyond the Friday.
    assert working_days_between(D(2024, 6, 3), D(2024, 6, 9)) == 4


def test_reversed_range_is_negative_and_antisymmetric():
    a, b = D(2020, 12, 24), D(2021, 1, 7)
    assert working_days_between(b, a) == -working_days_between(a, b) == -7
    # add_working_days with negative n walks backwards over holidays.
    assert add_working_days(D(2020, 12, 29), -1) == D(2020, 12, 24)
    assert add_working_days(D(2020, 5, 11), -1) == D(2020, 5, 7)
    assert working_days_between(D(2020, 12, 29), D(2020, 12, 24)) == -1


def test_long_range_spanning_years():
    # 2021 had 253 working days in England: 261 weekdays minus 8 weekday bank holidays
    # (1 Jan, 2 and 5 Apr, 3 and 31 May, 30 Aug, 27 and 28 Dec). Day 0 = 31 Dec 2020.
    assert working_days_between(D(2020, 12, 31), D(2021, 12, 31)) == 261 - 8
    assert working_days_between(D(2019, 12, 31), D(2020, 12, 31)) == 262 - 8


# --- properties ---------------------------------------------------------------

dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(d=dates, n=st.integers(min_value=-400, max_value=400))
def test_add_then_count_round_trips_for_working_day_start(d, n):
    while not is_working_day(d):
        d += dt.timedelta(days=1)
    end = add_working_days(d, n)
    assert working_days_between(d, end) == n
    assert is_working_day(end)


@settings(max_examples=200, deadline=None)
@given(d=dates, n=st.integers(min_value=0, max_value=400))
def test_add_then_count_round_trips_for_any_start_forwards(d, n):
    assert working_days_between(d, add_working_days(d, n)) == n


@settings(max_examples=200, deadline=None)
@given(a=dates, b=dates, c=dates)
def test_count_is_additive_and_matches_day_by_day(a, b, c):
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)
    lo, hi = sorted((a, b))
    if (hi - lo).days <= 800:
        slow = sum(
            is_working_day(lo + dt.timedelta(days=k)) for k in range(1, (hi - lo).days + 1)
        )
        assert working_days_between(lo, hi) == slow

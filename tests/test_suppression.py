"""Small-number suppression: primary, secondary and percentages, worked by hand."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cipdash.suppression import (
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SMALL_MAX,
    SMALL_MIN,
    SUPPRESSED,
    is_small,
    suppress_count,
    suppress_long_table,
    suppress_table,
    suppression_mask,
)

P1 = dt.date(2020, 9, 30)
P2 = dt.date(2020, 10, 31)
COLS = ["numerator", "denominator", "value"]


def long_table(rows):
    """rows: (team_id, period_end, numerator, denominator); value = % (NaN if den is 0)."""
    df = pd.DataFrame(rows, columns=["team_id", "period_end", "numerator", "denominator"])
    with np.errstate(divide="ignore", invalid="ignore"):
        df["value"] = np.where(df["denominator"] > 0, 100 * df["numerator"] / df["denominator"], np.nan)
    return df


def shown(out, team, period=P1):
    row = out[(out["team_id"] == team) & (out["period_end"] == period)]
    assert len(row) == 1
    return tuple(row[COLS].iloc[0])


def test_constants():
    assert (SUPPRESSED, NOT_APPLICABLE, NOT_AVAILABLE) == ("c", "z", ":")
    assert (SMALL_MIN, SMALL_MAX) == (1, 5)


# --- single counts ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "n, expected",
    [(0, 0), (1, "c"), (5, "c"), (6, 6), (1234, 1234), (3.0, "c"), (np.int64(4), "c"),
     (np.int64(7), 7), (None, ":"), (float("nan"), ":"), (pd.NA, ":")],
)
def test_suppress_count(n, expected):
    result = suppress_count(n)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("bad", [-1, 2.5, float("inf")])
def test_suppress_count_rejects_non_counts(bad):
    with pytest.raises(ValueError):
        suppress_count(bad)
    with pytest.raises(TypeError):
        suppress_count("3")


def test_is_small():
    assert [is_small(n) for n in (0, 1, 5, 6, None)] == [False, True, True, False, False]


# --- hand-worked long tables -------------------------------------------------------------

def test_secondary_suppression_needed():
    # Numerators A=3 (primary). Total 33 shown, so A = 33 - 12 - 18 would be recoverable:
    # the next smallest non-zero numerator, B=12, is suppressed too, with both percentages.
    df = long_table([
        ("A", P1, 3, 20),
        ("B", P1, 12, 15),
        ("C", P1, 18, 25),
        ("ALL", P1, 33, 60),
    ])
    out = suppress_long_table(
        df, group_cols=["period_end"], total_key=("team_id", "ALL"),
        count_cols=["numerator", "denominator"], percent_col="value", denominator_col="denominator",
    )
    assert shown(out, "A") == ("c", "20", "c")
    assert shown(out, "B") == ("c", "15", "c")
    assert shown(out, "C") == ("18", "25", "72.0")
    assert shown(out, "ALL") == ("33", "60", "55.0")


def test_two_primary_suppressions_protect_each_other():
    # A and B are both small in numerator and denominator: no secondary needed.
    df = long_table([
        ("A", P1, 2, 4),
        ("B", P1, 3, 5),
        ("C", P1, 40, 50),
        ("ALL", P1, 45, 59),
    ])
    out = suppress_long_table(df)
    assert shown(out, "A") == ("c", "c", "c")
    assert shown(out, "B") == ("c", "c", "c")
    assert shown(out, "C") == ("40", "50", "80.0")
    assert shown(out, "ALL") == ("45", "59", "76.3")  # 76.27 to 1 dp


def test_zero_is_a_true_zero_and_never_a_secondary():
    df = long_table([
        ("A", P1, 0, 10),
        ("B", P1, 4, 10),
        ("C", P1, 9, 12),
        ("ALL", P1, 13, 32),
    ])
    out = suppress_long_table(df)
    assert shown(out, "A") == ("0", "10", "0.0")
    assert shown(out, "B") == ("c", "10", "c")
    assert shown(out, "C") == ("c", "12", "c")  # 9 is the smallest non-zero, not A's 0
    assert shown(out, "ALL") == ("13", "32", "40.6")


def test_small_total_is_suppressed_and_needs_no_secondary():
    df = long_table([
        ("A", P1, 2, 3),
        ("B", P1, 0, 2),
        ("ALL", P1, 2, 5),
    ])
    out = suppress_long_table(df)
    assert shown(out, "A") == ("c", "c", "c")
    assert shown(out, "B") == ("0", "c", "c")  # 0% of a denominator of 2 is still hidden
    assert shown(out, "ALL") == ("c", "c", "c")


def test_secondary_on_denominator_hides_that_rows_percentage():
    # Only A's denominator is small; B's denominator (8) is the next smallest.
    df = long_table([
        ("A", P1, 0, 4),
        ("B", P1, 6, 8),
        ("C", P1, 30, 40),
        ("ALL", P1, 36, 52),
    ])
    out = suppress_long_table(df)
    assert shown(out, "A") == ("0", "c", "c")
    assert shown(out, "B") == ("6", "c", "c")
    assert shown(out, "C") == ("30", "40", "75.0")


def test_groups_are_independent_and_ties_go_to_first_row():
    df = long_table([
        ("A", P1, 3, 20),
        ("B", P1, 10, 20),
        ("C", P1, 10, 20),
        ("ALL", P1, 23, 60),
        ("A", P2, 13, 20),
        ("B", P2, 10, 20),
        ("C", P2, 10, 20),
        ("ALL", P2, 33, 60),
    ])
    out = suppress_long_table(df)
    assert shown(out, "B")[0] == "c" and shown(out, "C")[0] == "10"  # tie at 10: first row
    assert [shown(out, t, P2)[0] for t in ("A", "B", "C", "ALL")] == ["13", "10", "10", "33"]


def test_group_without_total_gets_primary_only():
    df = long_table([("A", P1, 3, 20), ("B", P1, 12, 15)])
    out = suppress_long_table(df)
    assert shown(out, "A") == ("c", "20", "c")
    assert shown(out, "B") == ("12", "15", "80.0")


def test_total_larger_than_members_with_no_candidate_hides_the_total():
    # ALL includes children not allocated to a team, so it is not the sum of A and B.
    df = long_table([("A", P1, 3, 20), ("B", P1, 0, 20), ("ALL", P1, 10, 50)])
    out = suppress_long_table(df)
    assert shown(out, "A") == ("c", "20", "c")
    assert shown(out, "ALL") == ("c", "50", "c")


def test_missing_and_not_applicable():
    df = long_table([("A", P1, 0, 0), ("B", P1, 40, 50), ("ALL", P1, 40, 50)])
    df["numerator"] = df["numerator"].astype("Float64")
    df.loc[1, "numerator"] = pd.NA
    df.loc[1, "value"] = np.nan
    out = suppress_long_table(df)
    assert shown(out, "A") == ("0", "0", NOT_APPLICABLE)  # no denominator: not applicable
    assert shown(out, "B") == (NOT_AVAILABLE, "50", NOT_AVAILABLE)


def test_thousands_separator_other_columns_and_input_untouched():
    df = long_table([("A", P1, 1200, 1500), ("B", P1, 300, 400), ("ALL", P1, 1500, 1900)])
    before = df.copy()
    out = suppress_long_table(df)
    pd.testing.assert_frame_equal(df, before)
    assert shown(out, "ALL") == ("1,500", "1,900", "78.9")
    assert list(out.columns) == list(df.columns)
    assert list(out["period_end"]) == [P1, P1, P1]


def test_bad_tables_fail_loudly():
    with pytest.raises(ValueError):
        suppress_long_table(long_table([("A", P1, -1, 20), ("ALL", P1, -1, 20)]))
    with pytest.raises(ValueError):
        suppress_long_table(long_table([("ALL", P1, 10, 20), ("ALL", P1, 10, 20)]))
    with pytest.raises(KeyError):
        suppress_long_table(long_table([("A", P1, 1, 2)]), count_cols=["missing"])


# --- the wide API --------------------------------------------------------------------------

def test_wide_table_with_total_row_and_numerator_link():
    df = pd.DataFrame({
        "team": ["North", "South", "East", "ALL"],
        "referrals": [40, 25, 30, 95],
        "rereferrals": [4, 7, 9, 20],
        "pct_rereferral": [10.0, 28.0, 30.0, 21.05],
    })
    out = suppress_table(
        df, count_columns=["referrals", "rereferrals"],
        percent_columns_with_denominator={"pct_rereferral": ("rereferrals", "referrals")},
        total_row=("team", "ALL"),
    )
    assert list(out["referrals"]) == ["40", "25", "30", "95"]
    assert list(out["rereferrals"]) == ["c", "c", "9", "20"]  # 4 primary, 7 secondary
    assert list(out["pct_rereferral"]) == ["c", "c", "30.0", "21.1"]
    mask = suppression_mask(
        df, ["referrals", "rereferrals"], {"pct_rereferral": ("rereferrals", "referrals")},
        total_row=("team", "ALL"),
    )
    assert mask["rereferrals"].tolist() == [True, True, False, False]


def test_wide_table_denominator_only_link_and_no_total():
    df = pd.DataFrame({"team": ["North", "South"], "children": [4, 30], "pct_seen": [75.0, 90.0]})
    out = suppress_table(df, ["children"], {"pct_seen": "children"})
    assert list(out["children"]) == ["c", "30"]
    assert list(out["pct_seen"]) == ["c", "90.0"]


# --- property: nothing recoverable by subtraction -----------------------------------------

small_or_any = st.one_of(st.integers(0, 8), st.integers(0, 80))


@st.composite
def team_tables(draw):
    rows = []
    n_periods = draw(st.integers(1, 3))
    n_teams = draw(st.integers(1, 6))
    for p in range(n_periods):
        period = dt.date(2020, 4 + p, 28)
        nums, dens = [], []
        for t in range(n_teams):
            den = draw(small_or_any)
            num = draw(st.integers(0, den))
            rows.append((f"T{t}", period, num, den))
            nums.append(num)
            dens.append(den)
        rows.append(("ALL", period, sum(nums), sum(dens)))
    return long_table(rows)


@settings(max_examples=400, deadline=None)
@given(df=team_tables())
def test_no_suppressed_count_is_recoverable(df):
    out = suppress_long_table(df)
    for _, group in out.groupby("period_end"):
        is_total = group["team_id"] == "ALL"
        for col in ["numerator", "denominator"]:
            hidden_members = int((group.loc[~is_total, col] == SUPPRESSED).sum())
            total_hidden = bool((group.loc[is_total, col] == SUPPRESSED).all())
            assert total_hidden or hidden_members != 1, (col, group)

    for i in df.index:
        num, den = df.at[i, "numerator"], df.at[i, "denominator"]
        # Primary: every 1-5 is hidden; a true zero is shown.
        for col, v in (("numerator", num), ("denominator", den)):
            if 1 <= v <= 5:
                assert out.at[i, col] == SUPPRESSED
            if v == 0:
                assert out.at[i, col] == "0"
            if out.at[i, col] != SUPPRESSED:
                assert out.at[i, col] == f"{v:,}"
        # A visible percentage never gives a hidden count back.
        counts_hidden = SUPPRESSED in (out.at[i, "numerator"], out.at[i, "denominator"])
        assert (out.at[i, "value"] == SUPPRESSED) == counts_hidden
        if den == 0:
            assert out.at[i, "value"] == NOT_APPLICABLE

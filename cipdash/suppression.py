"""Small-number suppression for published tables (DfE children's social care convention).

Symbols: "c" = suppressed (confidential), "z" = not applicable, ":" = not
available. 0 is a true zero and is always shown.

The rule, applied to a table whose rows are split into groups (e.g. one group
per period_end) and, optionally, one *total row* per group (e.g. team_id ==
"ALL") that is the sum of the group's other rows (the *member rows*):

1. Primary: every count cell with 1 <= value <= 5 is suppressed. Counts must be
   whole numbers >= 0; missing counts show ":".
2. Secondary, per count column and per group, only when the group's total cell
   is shown (not suppressed, not missing): if exactly one member cell is
   suppressed, the visible member cell with the smallest non-zero value is also
   suppressed (ties: the first row in table order), so the suppressed value
   cannot be recovered as total minus the visible cells. If there is no such
   cell (only when the total is not the sum of its members), the total is
   suppressed instead. Zeros are never used for secondary suppression. After
   this, each group has 0 or >= 2 suppressed member cells, or a hidden total.
   One pass suffices: suppression in one count column never un-protects
   another.
3. Percentages: a percentage cell is suppressed when its denominator is
   1–5 or when any count it is linked to (its numerator and denominator) is
   suppressed in the same row, by rule 1 or 2; otherwise it could give the
   hidden count back (numerator = percentage x denominator / 100). A missing
   percentage shows "z" if its denominator is 0, else ":".

Only one additive structure is protected: member rows summing to the total row
within a group. Tables that also add up another way (e.g. a total column, or
quarters summing to a year shown in the same table) need their own review.

Visible counts show as whole numbers with thousands separators ("1,234");
visible percentages to 1 decimal place without a "%" sign ("94.0"), as in
DfE tables, where the column heading carries the unit.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cipdash.formatting import format_value

SUPPRESSED = "c"
NOT_APPLICABLE = "z"
NOT_AVAILABLE = ":"
SMALL_MIN = 1  # smallest count that is suppressed (0 is a true zero)
SMALL_MAX = 5  # largest count that is suppressed

__all__ = [
    "SUPPRESSED",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "SMALL_MIN",
    "SMALL_MAX",
    "is_small",
    "suppress_count",
    "suppression_mask",
    "suppress_table",
    "suppress_long_table",
]


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _check_count(value) -> int:
    """A count must be a whole number >= 0; return it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"a count must be a number, got {type(value).__name__}: {value!r}")
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise ValueError(f"a count must be a whole number >= 0, got {value!r}")
    return int(value)


def is_small(n) -> bool:
    """True if `n` is a count that must be suppressed (1–5); False for 0, larger or missing."""
    if _missing(n):
        return False
    return SMALL_MIN <= _check_count(n) <= SMALL_MAX


def suppress_count(n) -> int | str:
    """One count for publication: 1–5 -> "c", missing -> ":", else the count as int (0 stays 0)."""
    if _missing(n):
        return NOT_AVAILABLE
    count = _check_count(n)
    return SUPPRESSED if SMALL_MIN <= count <= SMALL_MAX else count


# --- table engine -------------------------------------------------------------------

# pct column -> (denominator column, columns whose suppression the pct inherits)
_Links = dict[str, tuple[str, tuple[str, ...]]]


def _count_array(df: pd.DataFrame, col: str) -> np.ndarray:
    """Column as float array (NaN = missing), validated as whole counts >= 0."""
    values = pd.to_numeric(df[col], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    present = values[~np.isnan(values)]
    if np.any(present < 0) or np.any(present != np.round(present)) or np.any(np.isinf(present)):
        raise ValueError(f"column {col!r} must hold whole counts >= 0 (or missing)")
    return values


def _group_positions(df: pd.DataFrame, group_cols: Sequence[str]) -> list[np.ndarray]:
    if not group_cols:
        return [np.arange(len(df))]
    grouped = df.groupby(list(group_cols), dropna=False, sort=False)
    return [np.asarray(pos) for pos in grouped.indices.values()]


def _mask(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    links: _Links,
    group_cols: Sequence[str],
    total_key: tuple[str, object] | None,
) -> pd.DataFrame:
    counts = {col: _count_array(df, col) for col in count_cols}
    mask = {col: (values >= SMALL_MIN) & (values <= SMALL_MAX) for col, values in counts.items()}

    if total_key is not None:
        key_col, key_value = total_key
        is_total = (df[key_col] == key_value).to_numpy(dtype=bool, na_value=False)
        for positions in _group_positions(df, group_cols):
            totals = positions[is_total[positions]]
            if len(totals) == 0:
                continue  # no total shown for this group: nothing to subtract from
            if len(totals) > 1:
                raise ValueError(f"more than one total row {total_key!r} in a group")
            total = totals[0]
            members = positions[~is_total[positions]]
            for col in count_cols:
                values, hidden = counts[col], mask[col]
                if hidden[total] or np.isnan(values[total]):
                    continue  # total not shown: subtraction reveals nothing
                if np.count_nonzero(hidden[members]) != 1:
                    continue  # none hidden, or two or more protect each other
                candidates = members[~hidden[members] & (values[members] > 0)]
                if len(candidates) == 0:
                    hidden[total] = True
                else:
                    # stable sort: ties go to the first row in table order
                    order = np.argsort(values[candidates], kind="stable")
                    hidden[candidates[order[0]]] = True

    for pct_col, (den_col, linked) in links.items():
        den = _count_array(df, den_col)
        hidden = (den >= SMALL_MIN) & (den <= SMALL_MAX)
        for col in linked:
            if col in mask:
                hidden = hidden | mask[col]
        mask[pct_col] = hidden

    return pd.DataFrame(mask, index=df.index)


def _render(df: pd.DataFrame, mask: pd.DataFrame, count_cols: Sequence[str], links: _Links) -> pd.DataFrame:
    out = df.copy()
    for col in count_cols:
        values = df[col].tolist()
        out[col] = pd.Series(
            [
                SUPPRESSED if hidden else NOT_AVAILABLE if _missing(v) else format_value(v, "count")
                for v, hidden in zip(values, mask[col])
            ],
            index=df.index,
            dtype=object,
        )
    for pct_col, (den_col, _linked) in links.items():
        cells = []
        for v, den, hidden in zip(df[pct_col].tolist(), df[den_col].tolist(), mask[pct_col]):
            if hidden:
                cells.append(SUPPRESSED)
            elif _missing(v):
                # 0% of nothing is not a percentage: "z"; otherwise the figure is missing.
                cells.append(NOT_APPLICABLE if not _missing(den) and den == 0 else NOT_AVAILABLE)
            else:
                cells.append(format_value(v, "number"))  # 1 dp, no "%": the heading carries it
        out[pct_col] = pd.Series(cells, index=df.index, dtype=object)
    return out


def _check_columns(df: pd.DataFrame, cols) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"columns not in the table: {missing}")


def _wide_links(percent_columns: Mapping[str, str | tuple[str, str]] | None) -> _Links:
    links: _Links = {}
    for pct_col, spec in (percent_columns or {}).items():
        if isinstance(spec, str):
            links[pct_col] = (spec, (spec,))
        else:
            numerator, denominator = spec
            links[pct_col] = (denominator, (numerator, denominator))
    return links


# --- public table API -----------------------------------------------------------------

def suppression_mask(
    df: pd.DataFrame,
    count_columns: Sequence[str],
    percent_columns_with_denominator: Mapping[str, str | tuple[str, str]] | None = None,
    total_row: tuple[str, object] | None = None,
    group_cols: Sequence[str] = (),
) -> pd.DataFrame:
    """Boolean frame (same index; count and percentage columns): True where the cell is "c".

    Use it to keep suppressed points out of published charts. Arguments as
    for `suppress_table`.
    """
    links = _wide_links(percent_columns_with_denominator)
    _check_columns(df, [*count_columns, *links, *(d for d, _ in links.values()), *group_cols])
    if total_row is not None:
        _check_columns(df, [total_row[0]])
    return _mask(df, list(count_columns), links, list(group_cols), total_row)


def suppress_table(
    df: pd.DataFrame,
    count_columns: Sequence[str],
    percent_columns_with_denominator: Mapping[str, str | tuple[str, str]] | None = None,
    total_row: tuple[str, object] | None = None,
    group_cols: Sequence[str] = (),
) -> pd.DataFrame:
    """New frame with count and percentage columns as display strings, suppressed per the module rule.

    percent_columns_with_denominator maps a percentage column to its
    denominator column, or to (numerator column, denominator column) so the
    percentage is also hidden when its numerator is. total_row is
    (column, value) picking each group's total row, e.g. ("team_id", "ALL");
    None means no totals (primary suppression only). group_cols split the
    rows into groups (default: the whole table is one group). Other columns
    are returned unchanged.
    """
    links = _wide_links(percent_columns_with_denominator)
    mask = suppression_mask(df, count_columns, percent_columns_with_denominator, total_row, group_cols)
    return _render(df, mask, list(count_columns), links)


def suppress_long_table(
    df: pd.DataFrame,
    group_cols: Sequence[str] = ("period_end",),
    total_key: tuple[str, object] | None = ("team_id", "ALL"),
    count_cols: Sequence[str] = ("numerator", "denominator"),
    percent_col: str | None = "value",
    denominator_col: str = "denominator",
) -> pd.DataFrame:
    """Long table (team_id, period_end, numerator, denominator, value) ready to publish.

    The total_key row in each group (e.g. team "ALL" for one period_end) is the
    sum of the other rows. The percentage in percent_col is hidden when any
    of the row's count_cols is hidden or its denominator is 1–5.
    """
    count_cols = list(count_cols)
    percents: dict[str, tuple[str, tuple[str, ...]]] = {}
    if percent_col is not None:
        percents[percent_col] = (denominator_col, tuple(dict.fromkeys([*count_cols, denominator_col])))
    _check_columns(df, [*count_cols, *percents, denominator_col, *group_cols])
    if total_key is not None:
        _check_columns(df, [total_key[0]])
    mask = _mask(df, count_cols, percents, list(group_cols), total_key)
    return _render(df, mask, count_cols, percents)

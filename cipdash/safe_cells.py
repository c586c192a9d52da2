"""Neutralise spreadsheet formula injection in exported text (OWASP "CSV injection").

Free text typed by users (evidence, actions, measure names) ends up in CSV and
Excel exports. A cell starting with = + - @ tab or carriage return can be run
as a formula by Excel or LibreOffice, so such strings get a leading single
quote. Numbers (including negative numbers) are left as numbers, so they stay
numeric in the spreadsheet.

The quote makes the spreadsheet read the cell as text. In an .xlsx written by
openpyxl or xlsxwriter the value is stored as a plain string and the quote is
shown; that visible marker is intended.
"""

from __future__ import annotations

import pandas as pd

# OWASP CSV injection guidance: characters that start a formula or DDE payload.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_PREFIX = "'"

__all__ = ["FORMULA_TRIGGERS", "ESCAPE_PREFIX", "neutralise", "neutralise_frame"]


def neutralise(value):
    """Prefix "'" to a string starting with = + - @ tab or CR; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return ESCAPE_PREFIX + value
    return value  # numbers (int, float, numpy, Decimal), dates, None: not text, not a formula


def _is_text_column(series: pd.Series) -> bool:
    dtype = series.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.StringDtype)
        or (isinstance(dtype, pd.CategoricalDtype) and not pd.api.types.is_numeric_dtype(dtype.categories))
    )


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of `df` with `neutralise` applied to object, string and text-category columns only.

    Numeric, boolean and date columns are untouched. Column labels are not
    changed (they come from code, not from users).
    """
    columns = []
    # Positional, so duplicate column labels are handled too.
    for i in range(df.shape[1]):
        series = df.iloc[:, i]
        if _is_text_column(series):
            if isinstance(series.dtype, pd.CategoricalDtype):
                series = series.astype(object)  # categories could collide after prefixing
            # missing values (None, NaN, pd.NA) are skipped, so they stay missing
            series = series.map(neutralise, na_action="ignore")
        columns.append(series)
    out = pd.concat(columns, axis=1) if columns else df.copy()
    out.columns = df.columns
    return out

"""Tables as people read them: column headings in words and dates as UK dates.

Every table a person sees or downloads (the figures under a chart on a page, a chart's
CSV and Excel files) goes through `in_words`, so nobody meets `team_id`, `period_end` or
"2016-12-20 00:00:00". The frames the code works with keep their short names: only what
leaves for a reader is renamed, here, in one place.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .formatting import MONTH_ABBR

# column name in the code -> heading a reader sees
COLUMN_WORDS = {
    "series": "Series", "team_id": "Team code", "team_name": "Team", "service_area": "Service area",
    "period_end": "Period end", "period": "Period", "period_type": "Period type",
    "value": "Figure", "numerator": "Numerator", "denominator": "Denominator",
    "rank": "Rank", "target_date": "Target date", "target": "Target", "met_target": "Meets the target",
    "chosen": "Chosen in the sidebar", "rating": "Rating", "as_at": "As at", "month": "Month", "rag": "RAG rating",
    "date": "Date", "framework": "Framework", "area": "Judgement area", "grade": "Grade",
    "centre": "Average", "lower": "Lower process limit", "upper": "Upper process limit", "segment": "Limits from",
    "point_type": "Reading", "rules": "Rules met", "direction": "Direction",
    "chart": "Chart", "unit": "Unit", "measure_id": "Measure code", "name": "Measure",
}
# values of a few coded columns, in words
VALUE_WORDS = {
    "period_type": {"month": "Month", "quarter": "Quarter", "year": "Year", "target": "Target"},
    "point_type": {"special_cause_improvement": "Special cause improvement",
                   "special_cause_concern": "Special cause concern",
                   "special_cause_neutral": "Special cause (neither better nor worse)",
                   "common_cause": "Common cause"},
}


def heading(column: str) -> str:
    """The heading a reader sees for a column (its own name when it has no other)."""
    return COLUMN_WORDS.get(column, column)


def uk_date(value) -> str:
    """"20 Dec 2016" (locale-independent); "" for a missing date."""
    # pandas' NaT is a datetime too, so it is asked for by name (a league table's target
    # date where no team target is set).
    if value is None or value is pd.NaT or (not isinstance(value, (dt.date, str)) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    day = pd.Timestamp(value)
    return f"{day.day} {MONTH_ABBR[day.month - 1]} {day.year}"


def _is_dates(column: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(column):
        return True
    if column.dtype == object:
        present = column.dropna()
        return len(present) > 0 and all(isinstance(v, (dt.date, pd.Timestamp)) for v in present)
    return False


def in_words(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with headings in words, dates as "31 Mar 2021", true/false as yes/no and coded
    values in words. Columns it does not know keep their names."""
    out: dict[str, pd.Series] = {}
    taken = set(frame.columns)
    for name in frame.columns:
        column = frame[name]
        if name in VALUE_WORDS:
            words = VALUE_WORDS[name]
            column = column.map(lambda v, w=words: w.get(v, v))
        elif _is_dates(column):
            column = column.map(uk_date)
        elif pd.api.types.is_bool_dtype(column) or (
                column.dtype == object and len(column.dropna()) and column.dropna().map(type).eq(bool).all()):
            column = column.map(lambda v: "" if v is None or v != v else ("yes" if v else "no"))
        heading = COLUMN_WORDS.get(name, name)
        if heading != name and (heading in taken or heading in out):
            heading = name  # a table that already has that heading keeps both apart
        out[heading] = column.reset_index(drop=True)
    return pd.DataFrame(out) if out else frame.iloc[:, :0].reset_index(drop=True)

"""Data: what is loaded, the load log and the revisions; and the problems an upload found,
as a table."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import queries

NO_REVISIONS = "No figure has been restated or withdrawn by a later load yet."
REVISIONS_NOTE = ("Figures a later extract restated, or withdrew because their rows left every file: the "
                  "earlier value, its file, when it was loaded and what happened to it.")


@dataclass(frozen=True)
class DataView:
    coverage: pd.DataFrame
    load_log: pd.DataFrame
    revisions: pd.DataFrame | None  # None when nothing has been revised
    revisions_note: str


def data_view(reader) -> DataView:
    coverage = reader.get(queries.coverage_table)
    load_log = reader.get(queries.load_log_table)
    revisions = reader.get(queries.revisions_table)
    if revisions.empty:
        return DataView(coverage, load_log, None, NO_REVISIONS)
    return DataView(coverage, load_log, revisions, REVISIONS_NOTE)


def problems_table(problems) -> pd.DataFrame:
    """Problems (cipdash.errors.Problem) one row each: file, line, column, what is wrong."""
    return pd.DataFrame([p.as_row() for p in problems])

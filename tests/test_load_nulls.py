"""A blank cell is stored as NULL, never NaN: SQL reads NaN as a number (it sorts above
every value and is not `is null`), and a NaN stored by one version of the loader would
look like a restated figure to the next."""
from __future__ import annotations

from cipdash.db import open_snapshot
from cipdash.store import load
from plan_builder import write_plan


def test_blank_numerators_and_values_are_null(tmp_path):
    plan_dir, data_dir = write_plan(tmp_path)
    db = tmp_path / "db.duckdb"
    load(plan_dir, data_dir, db)
    snap = open_snapshot(db)
    counts = snap.execute(
        "select count(*) filter (where isnan(value) or isnan(numerator) or isnan(denominator)) as nans, "
        "count(*) filter (where numerator is null) as null_numerators from observations")
    snap.close()
    assert counts["nans"][0] == 0
    assert counts["null_numerators"][0] > 0  # the plan builder's weeks rows have no counts

"""The overview's card readings are worked out when read, and a database is tied to the
stored schema only (schema.sql, marts.sql, views.sql), never to the Python that reads it.

- The read-time readings are the ones the load used to store in the authority_card_readings
  mart, for every month end of the sample (and of the sample with a fixed baseline and a
  rebase date), and for the days inside each month.
- A copy of the package with a comment appended to every Python module (and comments
  added to the SQL that defines the schema: schema.sql, sql/marts/, views.sql) opens the database the original built and gives the same
  `summary --json`; a copy whose schema.sql adds a column is refused with the clear
  "built by another version" message.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from cipdash import analysis, queries
from cipdash.cells import AUTHORITY_TEAM
from cipdash.db import open_snapshot
from cipdash.store import load

ROOT = Path(__file__).resolve().parent.parent

# The two queries the load ran to build the mart (cipdash/sql/load/card_reading_figures.sql
# and card_reading_points.sql as they were when the readings were stored), kept here as the
# reference the read-time readings are held to.
OLD_FIGURES = """
select a.as_at_month, a.measure_id, a.target, a.target_date, a.polarity, a.unit,
    a.latest_value, a.latest_period_end, a.period_type, m.spc_baseline_points
from authority_latest as a
inner join measures as m on m.measure_id = a.measure_id
"""
OLD_POINTS = """
select measure_id, period_end, period_type, value
from authority_observations
where value is not null
"""


def stored_readings(snap) -> dict[date, dict[str, queries.CardReading]]:
    """Every month end's card readings worked out as the load did for the mart (the loop of
    analysis.card_readings_by_month), all months at once."""
    figures, points = snap.execute(OLD_FIGURES), snap.execute(OLD_POINTS)
    rebase = analysis.rebase_by_measure(snap.query("spc_rebase"))
    points = points.sort_values("period_end", kind="stable").reset_index(drop=True)
    ends = pd.to_datetime(points["period_end"]).to_numpy()
    months = pd.to_datetime(figures["as_at_month"]).to_numpy()
    out: dict[date, dict[str, queries.CardReading]] = {}
    for month in np.unique(months):
        upto = points.iloc[:int(np.searchsorted(ends, month, side="right"))]
        these = figures[months == month].reset_index(drop=True)
        day = pd.Timestamp(month).date()
        out[day] = {m: queries.CardReading.of(r)
                    for m, r in analysis.read_all(None, day, AUTHORITY_TEAM, these, upto, rebase).items()}
    return out


def assert_read_time_matches_stored(snap) -> dict[date, dict]:
    stored = stored_readings(snap)
    assert len(stored) > 24  # every month of the sample, not a handful
    months = sorted(stored)
    for i, month in enumerate(months):
        assert queries.card_readings(snap, month) == stored[month], month
        # A day inside the next month reads this month end's reading, as the mart was looked up.
        inside = month + timedelta(days=12)
        if i + 1 == len(months) or inside < months[i + 1]:
            assert queries.card_readings(snap, inside) == stored[month], inside
    return stored


def test_read_time_card_readings_are_the_stored_ones_at_every_month_of_the_sample(sample_snap):
    stored = assert_read_time_matches_stored(sample_snap)
    shown = sum(r.variation is not None for month in stored.values() for r in month.values())
    assert shown > 300  # real SPC readings were compared, not empty ones
    # Before the first month end the reading is the live one at that date (as before).
    first = min(stored)
    assert queries.card_readings(sample_snap, first - timedelta(days=40)) == {
        m: queries.CardReading.of(r)
        for m, r in queries._readings(sample_snap, first - timedelta(days=40), AUTHORITY_TEAM).items()}


def _with_baseline_and_rebase(root: Path) -> Path:
    """The sample plan with a fixed 12-point baseline on two measures and a rebase date."""
    plan = root / "cip_data"
    shutil.copytree(ROOT / "cip_data", plan)
    rows = list(csv.DictReader(io.StringIO((plan / "measures.csv").read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) + ["spc_baseline_points"], lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows):
        writer.writerow(row | {"spc_baseline_points": "12" if i in (0, 2) else ""})
    (plan / "measures.csv").write_text(out.getvalue(), encoding="utf-8")
    (plan / "spc_rebase.csv").write_text(
        f"measure_id,rebase_date,reason\n{rows[1]['measure_id']},2019-10-31,New process\n", encoding="utf-8")
    return plan


def test_read_time_card_readings_keep_the_baseline_and_the_rebase_date(tmp_path):
    db = tmp_path / "db.duckdb"
    load(_with_baseline_and_rebase(tmp_path), ROOT / "data", db)
    snap = open_snapshot(db)
    try:
        stored = assert_read_time_matches_stored(snap)
        assert any(r.baseline_note for month in stored.values() for r in month.values())
        assert len(snap.query("spc_rebase")) == 1
        assert "authority_card_readings" not in set(snap.execute("show tables")["name"])  # no stored copy
    finally:
        snap.close()


# --- The fingerprint: the stored schema, not the code that reads it ----------------------------
def _copy_package(root: Path) -> Path:
    """The package alone, in a folder of its own, to run `python -m cipdash` from."""
    shutil.copytree(ROOT / "cipdash", root / "cipdash", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _summary(cwd: Path, db: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "cipdash", "summary", "--db", str(db), "--json"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _package_used(cwd: Path) -> Path:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", "import cipdash; print(cipdash.__file__)"], cwd=cwd, env=env,
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip()).parent


def test_a_code_change_that_keeps_the_schema_still_opens_the_database(sample_db_file, tmp_path):
    """`bars`: a comment appended to every Python module, and a comment and new line in each
    SQL file that defines the schema: the database the original built opens and says the same."""
    copy = _copy_package(tmp_path / "copy")
    modules = list((copy / "cipdash").rglob("*.py"))
    assert len(modules) > 30
    for module in modules:
        with module.open("a", encoding="utf-8") as f:
            f.write("\n# A comment added by tests/test_fingerprint.py.\n")
    sql = copy / "cipdash" / "sql"
    for path in [sql / "schema.sql", sql / "views.sql", *sorted((sql / "marts").glob("*.sql"))]:
        path.write_text("-- A reworded note, and the layout changed.\n\n" + path.read_text(encoding="utf-8")
                        + "\n-- A note at the end.\n", encoding="utf-8")
    assert _package_used(copy) == copy / "cipdash"  # the copy runs, not the original

    original = _summary(ROOT, sample_db_file)
    changed = _summary(copy, sample_db_file)
    assert original.returncode == 0, original.stderr
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout == original.stdout
    assert len(json.loads(original.stdout)["measures"]) > 10


def test_a_schema_change_makes_the_database_refused_with_the_way_to_update(sample_db_file, tmp_path):
    copy = _copy_package(tmp_path / "copy")
    schema = copy / "cipdash" / "sql" / "schema.sql"
    text = schema.read_text(encoding="utf-8")
    before = "create table if not exists build_info (\n    key varchar,\n"
    assert before in text
    schema.write_text(text.replace(before, before + "    recorded_at timestamp,\n"), encoding="utf-8")
    assert _package_used(copy) == copy / "cipdash"

    refused = _summary(copy, sample_db_file)
    assert refused.returncode != 0
    assert "was built by another version of the dashboard" in refused.stderr
    assert "python -m cipdash load" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert refused.stdout == ""

"""A database built by another version of the stored schema (schema.sql, marts.sql,
views.sql) is noticed by readers, with the way to bring it up to date, rather than failing
later with a missing table. (tests/test_fingerprint.py: a code change that keeps the
schema never makes a database unreadable.)"""
from __future__ import annotations

import duckdb
import pytest

from cipdash.db import open_snapshot
from cipdash.errors import DatabaseUnavailable
from cipdash.store import load
from plan_builder import write_plan


def test_a_database_from_other_sql_says_to_load_again(tmp_path):
    plan_dir, data_dir = write_plan(tmp_path)
    db = tmp_path / "db.duckdb"
    load(plan_dir, data_dir, db)
    open_snapshot(db).close()  # as built: fine
    con = duckdb.connect(str(db))
    con.execute("update build_info set value = 'older' where key = 'sql_sha256'")
    con.close()
    with pytest.raises(DatabaseUnavailable, match="python -m cipdash load"):
        open_snapshot(db)
    load(plan_dir, data_dir, db)  # the same files: marts and views rebuilt, nothing reloaded
    open_snapshot(db).close()


def test_the_next_load_drops_the_card_readings_an_earlier_version_stored(tmp_path):
    """Earlier versions stored the overview's card readings in a mart; they are now worked
    out when read, so the load that brings such a database up to date removes the stale copy."""
    plan_dir, data_dir = write_plan(tmp_path)
    db = tmp_path / "db.duckdb"
    load(plan_dir, data_dir, db)
    con = duckdb.connect(str(db))
    con.execute("create table authority_card_readings (as_at_month date, measure_id varchar, narrative varchar)")
    con.execute("insert into authority_card_readings values ('2020-08-31', 'supervision', 'stale words')")
    con.execute("update build_info set value = 'older' where key = 'sql_sha256'")
    con.close()
    with pytest.raises(DatabaseUnavailable, match="built by another version"):
        open_snapshot(db)
    assert load(plan_dir, data_dir, db).rebuilt
    snap = open_snapshot(db)
    try:
        assert "authority_card_readings" not in set(snap.execute("show tables")["name"])
    finally:
        snap.close()

"""A database built by another version of the SQL is noticed by readers, with the way to
bring it up to date, rather than failing later with a missing table."""
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

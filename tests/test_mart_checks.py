"""The marts' declared keys (cipdash/sql/checks/marts.toml) are checked at load, as dbt tests
a model: every check passes on the sample; a mart broken on purpose (its SQL changed to make a
duplicate key, a missing value, a value not accepted) stops the load with a message naming the
mart, the check and an example key, never a traceback, and the database stays as it was."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cipdash import mart_checks, sqlfiles
from cipdash.db import open_snapshot
from cipdash.store import load

ROOT = Path(__file__).resolve().parent.parent


def _tables(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()


def test_every_mart_has_declared_keys_and_every_check_passes_on_the_sample(sample_db_file):
    built = set()
    for name in sqlfiles.MART_FILES:
        text = sqlfiles.sql(name)
        built |= {line.split()[4] for line in text.splitlines() if line.startswith("create or replace table ")}
    assert set(mart_checks.declarations()) == built  # a mart without declared keys is noticed
    held = _tables(sample_db_file)
    assert built <= held
    kinds = {c.kind for c in mart_checks.checks()}
    assert kinds == {"unique", "not_null", "accepted_values"}
    con = duckdb.connect(str(sample_db_file), read_only=True)
    try:
        mart_checks.run(con)  # raises at the first failing check
        # the checks read real rows, not empty marts
        for mart in built:
            assert con.execute(f'select count(*) from "{mart}"').fetchone()[0] > 0, mart
    finally:
        con.close()


def test_the_marts_are_built_in_their_numbered_order():
    names = [n.split("/")[1] for n in sqlfiles.MART_FILES]
    assert names == sorted(names) and names[0].startswith("00_") and len(names) >= 8
    # latest_by_month reads next_targets, team_ranges and team_keys: they come first
    order = {n.split("_", 1)[1]: i for i, n in enumerate(names)}
    assert order["team_keys"] < order["latest_by_month"] and order["next_targets"] < order["latest_by_month"]
    assert order["team_ranges"] < order["latest_by_month"] < order["authority_latest"]
    # the fingerprint hashes every mart file
    assert all(n in sqlfiles.SCHEMA_FILES for n in sqlfiles.MART_FILES)


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


BREAKS = {
    # a duplicate key: every authority row twice
    "duplicate": ("marts/07_authority_latest", "    where team_key = 0\n",
                  "    where team_key = 0\n    union all\n    select * exclude (team_key) from latest_by_month "
                  "where team_key = 0\n",
                  "mart authority_latest failed its check unique (as_at_month, measure_id): 2 rows share the key "
                  "as_at_month="),
    # a missing value: no team's range has a lowest figure
    "null": ("marts/05_team_ranges", "min(value) as team_min,", "null::double as team_min,",
             "mart team_ranges failed its check not_null (team_min): team_min is missing in the row measure_id="),
    # a value not accepted: an unknown target scope
    "bad value": ("marts/04_next_targets", "else 'team' end as scope", "else 'teams' end as scope",
                  "mart next_targets failed its check accepted_values scope in (authority, team): scope is "
                  "'teams' in the row measure_id="),
}


@pytest.mark.parametrize("how", list(BREAKS))
def test_a_broken_mart_stops_the_load_and_leaves_the_database_as_it_was(tmp_path, monkeypatch, how, sample_db_file):
    name, old, new, message = BREAKS[how]
    db = tmp_path / "cip.duckdb"
    db.write_bytes(sample_db_file.read_bytes())  # the previous database: the sample as loaded
    before = _fingerprint(db)
    text = sqlfiles.sql(name)
    assert old in text
    real_sql = sqlfiles.sql

    def broken(n: str) -> str:
        return real_sql(n).replace(old, new) if n == name else real_sql(n)

    monkeypatch.setattr(sqlfiles, "sql", broken)  # sqlfiles.statements, which the load runs, reads it
    monkeypatch.setattr("cipdash.store.build_fingerprint", lambda: "a newer cipdash")  # so the marts are rebuilt
    with pytest.raises(mart_checks.MartCheckFailed) as failed:
        load(ROOT / "cip_data", ROOT / "data", db)
    text = str(failed.value.problems[0])
    assert message in text, text
    assert text.startswith(f"cipdash/sql/{name}.sql:1:1:")
    assert "the load was stopped and the database is as it was" in text
    assert _fingerprint(db) == before  # not a byte changed
    assert not list(tmp_path.glob("cip.duckdb.tmp-*"))  # no half-built copy left beside it
    snap = open_snapshot(db)  # and it still opens, as the previous load left it
    try:
        assert len(snap.execute("select * from authority_latest")) > 0
    finally:
        snap.close()


def test_the_command_line_says_which_mart_failed_without_a_traceback(tmp_path, sample_db_file):
    """python -m cipdash load with a broken mart: exit 1, the mart, the check and the key on
    standard error, no traceback (the SQL is broken in a copy of the package)."""
    package = tmp_path / "code" / "cipdash"
    package.parent.mkdir()
    subprocess.run(["cp", "-r", str(ROOT / "cipdash"), str(package.parent)], check=True)
    mart = package / "sql" / "marts" / "02_team_keys.sql"
    mart.write_text(mart.read_text().replace("    from teams\n", "    from teams\n    union all\n"
                                             "    select team_id, service_area, 1 from teams\n"))
    db = tmp_path / "cip.duckdb"
    run = subprocess.run([sys.executable, "-m", "cipdash", "load", "--plan", str(ROOT / "cip_data"),
                          "--data", str(ROOT / "data"), "--db", str(db)], cwd=package.parent,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "cipdash/sql/marts/02_team_keys.sql:1:1:" in run.stderr
    assert "mart team_keys failed its check unique (team_id): 2 rows share the key team_id=" in run.stderr
    assert "Nothing was loaded; the database is as it was." in run.stderr
    assert not db.exists()

"""Revisions, the load log and idempotency.

- a later load restating a figure replaces the value shown and keeps the earlier one in
  observation_revisions (value, source file, loaded_at);
- the load log holds each file's name, sha256, rows and loaded-at;
- loading the same files twice leaves the database file byte-identical ("No changes");
- a big load stores every row (DuckDB 2.0 once dropped them silently past 122,880).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cipdash.db import open_snapshot
from cipdash.store import load
from plan_builder import EXTRACT, PLAN, write_plan

PROJECT = Path(__file__).resolve().parent.parent
HEADER = "measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
BENCH_HEADER = "measure_id,period_end,period_type,comparator,value\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(db: Path, sql: str, params=None) -> list[tuple]:
    snap = open_snapshot(db)
    try:
        return [tuple(r) for r in snap.execute(sql, params).itertuples(index=False)]
    finally:
        snap.close()


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CIPDASH_DB"}
    env["PYTHONPATH"] = str(PROJECT)
    return subprocess.run([sys.executable, "-m", "cipdash", *args], capture_output=True, text=True, env=env,
                          cwd=PROJECT, timeout=300)


def shown(db: Path, measure="assessment_timeliness", team="ALL", period="2020-09-30") -> tuple:
    [row] = rows(db, "select value, numerator, denominator, load_id from observations where measure_id = $m "
                     "and team_id = $t and period_end = $p::date and period_type = 'month'",
                 {"m": measure, "t": team, "p": period})
    return row


RESTATED = EXTRACT.replace("assessment_timeliness,2020-09-30,month,ALL,94.0,188,200",
                           "assessment_timeliness,2020-09-30,month,ALL,93.0,186,200")


# --------------------------------------------------------------------------- revisions

def test_a_restated_figure_replaces_the_shown_value_and_keeps_the_old_one(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path)
    first = load(plan_dir, data_dir, db)
    assert (first.load_id, first.rows_added) == (1, 9)
    assert shown(db) == (94.0, 188.0, 200.0, 1)

    (data_dir / "extract.csv").write_text(RESTATED)
    second = load(plan_dir, data_dir, db)
    assert (second.load_id, second.rows_added, second.rows_revised, second.rows_unchanged) == (2, 0, 1, 8)
    assert shown(db) == (93.0, 186.0, 200.0, 2)
    assert shown(db, team="north") == (97.0, 97.0, 100.0, 1)  # the others are untouched

    [(loaded_1,)] = rows(db, "select loaded_at from loads where load_id = 1")
    [(loaded_2,)] = rows(db, "select loaded_at from loads where load_id = 2")
    revisions = rows(db, "select measure_id, team_id, period_end::varchar, period_type, value, numerator, "
                         "denominator, source_file, source_line, load_id, loaded_at, replaced_by_load, replaced_at "
                         "from observation_revisions")
    assert len(revisions) == 1
    r = revisions[0]
    assert r[:7] == ("assessment_timeliness", "ALL", "2020-09-30", "month", 94.0, 188.0, 200.0)
    assert r[7].endswith("data/extract.csv") and r[8] == 5
    assert (r[9], r[10], r[11], r[12]) == (1, loaded_1, 2, loaded_2)

    # the dashboard's reading shows the new figure
    from cipdash.summary import build_summary
    snap = open_snapshot(db)
    try:
        m = [m for m in build_summary(snap)["measures"] if m["measure_id"] == "assessment_timeliness"][0]
    finally:
        snap.close()
    assert m["latest_value"] == 93.0


def test_every_restatement_is_kept_in_order(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path)
    load(plan_dir, data_dir, db)
    for value, num in (("93.0", "186"), ("", "190"), ("94.0", "188")):  # back to the first figure counts too
        (data_dir / "extract.csv").write_text(
            EXTRACT.replace("2020-09-30,month,ALL,94.0,188,200", f"2020-09-30,month,ALL,{value},{num},200"))
        assert load(plan_dir, data_dir, db).rows_revised == 1
    history = rows(db, "select value, load_id, replaced_by_load from observation_revisions order by replaced_by_load")
    assert history == [(94.0, 1, 2), (93.0, 2, 3), (95.0, 3, 4)]
    assert shown(db) == (94.0, 188.0, 200.0, 4)


def test_a_restated_comparator_keeps_the_old_one(tmp_path):
    db = tmp_path / "db.duckdb"
    bench = BENCH_HEADER + "assessment_timeliness,2020-09-30,month,England,88.1\n"
    plan_dir, data_dir = write_plan(tmp_path, extracts={"benchmarks/england.csv": bench})
    load(plan_dir, data_dir, db)
    (data_dir / "benchmarks" / "england.csv").write_text(bench.replace("88.1", "88.4"))
    assert load(plan_dir, data_dir, db).rows_revised == 1
    assert rows(db, "select value, load_id from benchmarks") == [(88.4, 2)]
    assert rows(db, "select value, load_id, replaced_by_load from benchmark_revisions") == [(88.1, 1, 2)]


def test_figures_from_a_file_no_longer_present_are_withdrawn_and_kept_in_the_history(tmp_path):
    # The files are the truth (issue 15): the figure is no longer shown, but not lost.
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path, extracts={"older.csv": HEADER + "supervision,2020-08-31,month,ALL,70,,\n"})
    load(plan_dir, data_dir, db)
    (data_dir / "older.csv").unlink()
    result = load(plan_dir, data_dir, db)  # 1 of 10 figures: not more than a tenth, so no guard
    assert result.changed and result.rows_withdrawn == 1
    assert rows(db, "select count(*) from observations") == [(9,)]
    assert rows(db, "select value, change, replaced_by_load from observation_revisions") == [(70.0, "withdrawn", 2)]


def test_a_plan_change_is_applied_and_the_old_rows_kept(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path)
    load(plan_dir, data_dir, db)
    (plan_dir / "ratings.csv").write_text(PLAN["ratings.csv"].replace("R2,2020-09-30,A,R", "R2,2020-09-30,G,A"))
    result = load(plan_dir, data_dir, db)
    assert result.changed and result.plan_changed and result.rows_added == result.rows_revised == 0
    assert rows(db, "select implementation, impact from ratings where rec_id = 'R2' and as_at = '2020-09-30'") == \
        [("G", "A")]
    [(table, row_json, by)] = rows(db, "select table_name, row_json, replaced_by_load from plan_revisions")
    assert (table, by) == ("ratings", 2) and '"implementation":"A"' in row_json.replace(" ", "")


# --------------------------------------------------------------------------- the load log

def test_the_load_log_names_each_file_with_its_sha256_rows_and_time(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path, extracts={"benchmarks/england.csv":
                                                        BENCH_HEADER + "supervision,2020-09-30,month,England,75\n"})
    load(plan_dir, data_dir, db)
    [(load_id, loaded_at, added)] = rows(db, "select load_id, loaded_at, rows_added from loads")
    assert (load_id, added) == (1, 10)
    logged = {Path(f).name: (s, n, t) for _, f, s, n, t in rows(db, "select * from load_files")}
    expected = {
        "plan.toml": (plan_dir / "plan.toml", 1), "recommendations.csv": (plan_dir / "recommendations.csv", 2),
        "ratings.csv": (plan_dir / "ratings.csv", 4), "measures.csv": (plan_dir / "measures.csv", 3),
        "targets.csv": (plan_dir / "targets.csv", 4), "teams.csv": (plan_dir / "teams.csv", 2),
        "extract.csv": (data_dir / "extract.csv", 9), "england.csv": (data_dir / "benchmarks" / "england.csv", 1),
    }
    assert set(logged) == set(expected)
    for name, (path, n) in expected.items():
        assert logged[name] == (sha256(path), n, loaded_at), name
    # the log names the files as given, with their folder
    files = [f for (f,) in rows(db, "select file from load_files")]
    assert any(f.endswith("data/benchmarks/england.csv") for f in files)
    assert rows(db, "select count(*) from load_log") == [(8,)]


def test_each_load_adds_its_own_log_entries(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path)
    load(plan_dir, data_dir, db)
    (data_dir / "extract.csv").write_text(RESTATED)
    load(plan_dir, data_dir, db)
    by_load = dict(rows(db, "select load_id, count(*) from load_files group by load_id"))
    assert by_load == {1: 7, 2: 7}
    [(old_sha,)] = rows(db, "select sha256 from load_files where load_id = 1 and file like '%extract.csv'")
    [(new_sha,)] = rows(db, "select sha256 from load_files where load_id = 2 and file like '%extract.csv'")
    assert old_sha != new_sha == sha256(data_dir / "extract.csv")


# --------------------------------------------------------------------------- idempotency

def test_loading_the_same_files_twice_leaves_the_database_byte_identical(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path, extracts={"benchmarks/england.csv":
                                                        BENCH_HEADER + "supervision,2020-09-30,month,England,75\n"})
    out = cli("load", "--plan", str(plan_dir), "--data", str(data_dir), "--db", str(db))
    assert out.returncode == 0 and out.stdout.startswith("Loaded"), out.stderr
    before, inode = sha256(db), db.stat().st_ino
    for _ in range(2):
        out = cli("load", "--plan", str(plan_dir), "--data", str(data_dir), "--db", str(db))
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("No changes"), out.stdout
        assert sha256(db) == before
    assert db.stat().st_ino == inode  # not even replaced by a copy
    assert rows(db, "select count(*) from loads") == [(1,)]
    assert not list(tmp_path.glob("db.duckdb.tmp*"))


def test_the_same_figures_written_differently_change_nothing(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path)
    load(plan_dir, data_dir, db)
    before = sha256(db)
    lines = EXTRACT.splitlines()
    rewritten = "\ufeff" + "\r\n".join([lines[0].upper()] + lines[:0:-1]) + "\r\n"  # BOM, CRLF, rows reversed
    rewritten = rewritten.replace("94.0,188", "94,188").replace(",ALL,", ",all,")
    (data_dir / "extract.csv").write_text(rewritten)
    result = load(plan_dir, data_dir, db)
    assert not result.changed and result.rows_unchanged == 9
    assert sha256(db) == before


def test_the_same_files_after_a_code_update_rebuild_the_views(tmp_path):
    """A database built by an older cipdash (other marts, a view missing) gets this
    version's marts and views from a load of unchanged files, without a new load entry."""
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path)
    load(plan_dir, data_dir, db)
    con = duckdb.connect(str(db))
    con.execute("drop view load_log")
    con.execute("update build_info set value = 'an older version'")
    con.close()
    result = load(plan_dir, data_dir, db)
    assert result.changed and result.rebuilt and result.load_id is None
    assert rows(db, "select count(*) from load_log") == [(7,)]
    assert rows(db, "select count(*) from loads") == [(1,)]
    before = sha256(db)
    again = load(plan_dir, data_dir, db)
    assert not again.changed and not again.rebuilt
    assert sha256(db) == before


# --------------------------------------------------------------------------- big loads

def write_big(root: Path, teams: int = 200, months: int = 220, bump: int = 0) -> tuple[Path, Path, int]:
    """The builder's plan with `teams` teams and 3 measures x teams x months figures."""
    team_ids = [f"t{i:03d}" for i in range(teams)]
    teams_csv = "team_id,team_name\n" + "".join(f"{t},Team {t}\n" for t in team_ids)
    ends = []
    year, month = 2000, 1
    for _ in range(months):
        nxt = (year + (month == 12), month % 12 + 1)
        ends.append(f"{year:04d}-{month:02d}")
        year, month = nxt
    lines = [HEADER.rstrip("\n")]
    for m, unit in (("assessment_timeliness", "pct"), ("care_proceedings_weeks", "weeks"), ("supervision", "pct")):
        for k, end in enumerate(ends):
            for j, t in enumerate(team_ids):
                n = (j * 7 + k * 3) % 50 + bump
                if unit == "pct":
                    lines.append(f"{m},{end},month,{t},,{n},60")
                else:
                    lines.append(f"{m},{end},month,{t},{n}.5,,")
    plan_dir, data_dir = write_plan(root, {"teams.csv": teams_csv}, {"extract.csv": "\n".join(lines) + "\n"})
    return plan_dir, data_dir, len(lines) - 1


def test_a_load_bigger_than_a_duckdb_row_group_stores_every_row(tmp_path):
    plan_dir, data_dir, n = write_big(tmp_path)
    assert n > 122_880
    db = tmp_path / "db.duckdb"
    result = load(plan_dir, data_dir, db)
    assert result.rows_added == n
    assert rows(db, "select count(*), count(distinct team_id), sum(value is null::int) from observations") == \
        [(n, 200, 0)]
    [(value,)] = rows(db, "select value from observations where measure_id = 'care_proceedings_weeks' "
                          "and team_id = 't010' and period_end = '2018-01-31'")
    assert value == (10 * 7 + 216 * 3) % 50 + 0.5
    # and a second load of the same big files changes nothing
    before = sha256(db)
    assert not load(plan_dir, data_dir, db).changed
    assert sha256(db) == before

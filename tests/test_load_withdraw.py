"""The files are the truth (issue 15; data-contract.md, loading rules).

- A figure whose row left every file is withdrawn: no longer in the core tables, the
  marts, `summary --json` or the Data page; kept in the revision history as withdrawn with
  the load that withdrew it; the load result and the CLI say how many.
- Loading the same files twice still changes nothing (the file is byte-identical).
- A withdrawn row that comes back is shown again, and its withdrawal records that load.
- Comparator figures are withdrawn the same way.
- The guard: a load that would withdraw more than a tenth of the figures shown stops with
  exit 1, names the counts and --allow-withdraw, and writes nothing; --allow-withdraw loads.
- A period_end after the month of the load is an error naming file:line:column.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cipdash.db import open_snapshot
from cipdash.store import WithdrawalRefused, load, validate
from plan_builder import EXTRACT, write_plan
from support import run_dashboard, use_site

PROJECT = Path(__file__).resolve().parent.parent
HEADER = EXTRACT.splitlines()[0] + "\n"
BENCH = "measure_id,period_end,period_type,comparator,value\n"
DROPPED = "supervision,2020-09-30,month,ALL,,8,10\n"
# Five more figures (14 in all), so that withdrawing one is well under the guard's tenth.
HISTORY = HEADER + "".join(f"assessment_timeliness,2020-0{m}-{d},month,north,80,,\n"
                           for m, d in ((3, 31), (4, 30), (5, 31), (6, 30), (7, 31)))


def project(tmp_path: Path, **extracts) -> tuple[Path, Path]:
    return write_plan(tmp_path, extracts={"history.csv": HISTORY, **extracts})


def rows(db: Path, sql: str, params=None) -> list[tuple]:
    snap = open_snapshot(db)
    try:
        return [tuple(None if v is pd.NA or v is None else v for v in r)
                for r in snap.execute(sql, params).astype(object).itertuples(index=False)]
    finally:
        snap.close()


def cli(*args: str, today: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CIPDASH_DB", "CIPDASH_TODAY")}
    env["PYTHONPATH"] = str(PROJECT)
    if today:
        env["CIPDASH_TODAY"] = today
    return subprocess.run([sys.executable, "-m", "cipdash", *args], capture_output=True, text=True, env=env,
                          cwd=PROJECT, timeout=300)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def supervision_shown(db: Path) -> dict:
    """Where the supervision figure could show: core table, marts, summary."""
    from cipdash.summary import build_summary

    snap = open_snapshot(db)
    try:
        out = {
            "observations": snap.execute("select count(*) as n from observations where measure_id = 'supervision'")
            ["n"].iloc[0],
            "authority_observations": snap.execute(
                "select count(*) as n from authority_observations where measure_id = 'supervision'")["n"].iloc[0],
            "authority_latest": snap.execute(
                "select count(*) as n from authority_latest where measure_id = 'supervision'")["n"].iloc[0],
        }
        summary = build_summary(snap, None, "ALL")
        out["summary"] = sum(m["measure_id"] == "supervision" for m in summary["measures"])
        return out
    finally:
        snap.close()


def test_a_row_that_left_every_file_is_withdrawn_everywhere_and_kept_in_the_history(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = project(tmp_path)
    first = load(plan_dir, data_dir, db)
    assert all(supervision_shown(db).values())
    (data_dir / "extract.csv").write_text(EXTRACT.replace(DROPPED, ""))
    result = load(plan_dir, data_dir, db)
    assert result.changed and result.rows_withdrawn == 1 and result.rows_added == result.rows_revised == 0
    assert supervision_shown(db) == {"observations": 0, "authority_observations": 0, "authority_latest": 0,
                                     "summary": 0}
    assert rows(db, "select value, numerator, denominator, load_id, change, replaced_by_load, returned_by_load "
                    "from observation_revisions") == [(80.0, 8.0, 10.0, first.load_id, "withdrawn",
                                                       result.load_id, None)]
    assert rows(db, "select rows_withdrawn from loads where load_id = $l", {"l": result.load_id}) == [(1,)]


def test_loading_the_same_files_twice_after_a_withdrawal_changes_nothing(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = project(tmp_path)
    load(plan_dir, data_dir, db)
    (data_dir / "extract.csv").write_text(EXTRACT.replace(DROPPED, ""))
    load(plan_dir, data_dir, db)
    before = sha(db)
    again = load(plan_dir, data_dir, db)
    assert not again.changed and again.rows_withdrawn == 0
    assert sha(db) == before


def test_a_withdrawn_row_that_comes_back_is_shown_again_and_that_is_recorded(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = project(tmp_path)
    load(plan_dir, data_dir, db)
    (data_dir / "extract.csv").write_text(EXTRACT.replace(DROPPED, ""))
    withdrew = load(plan_dir, data_dir, db)
    (data_dir / "extract.csv").write_text(EXTRACT)
    back = load(plan_dir, data_dir, db)
    assert back.rows_added == 1 and back.rows_returned == 1 and back.rows_withdrawn == 0
    assert all(supervision_shown(db).values())
    assert rows(db, "select change, replaced_by_load, returned_by_load from observation_revisions") == [
        ("withdrawn", withdrew.load_id, back.load_id)]


def test_comparator_figures_are_withdrawn_too(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = project(tmp_path, **{
        "benchmarks/england.csv": BENCH + "assessment_timeliness,2020-09-30,month,England,88.1\n"
                                          "assessment_timeliness,2020-08-31,month,England,87.0\n"})
    load(plan_dir, data_dir, db)
    (data_dir / "benchmarks" / "england.csv").write_text(BENCH + "assessment_timeliness,2020-09-30,month,England,88.1\n")
    result = load(plan_dir, data_dir, db)
    assert result.rows_withdrawn == 1
    assert rows(db, "select period_end::varchar from benchmarks") == [("2020-09-30",)]
    assert rows(db, "select period_end::varchar, value, change from benchmark_revisions") == [
        ("2020-08-31", 87.0, "withdrawn")]


def test_the_data_page_shows_withdrawn_rows_in_words(tmp_path, monkeypatch):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = project(tmp_path)
    load(plan_dir, data_dir, db)
    (data_dir / "extract.csv").write_text(EXTRACT.replace(DROPPED, ""))
    withdrew = load(plan_dir, data_dir, db)
    use_site(monkeypatch, db, plan_dir, data_dir)
    at = run_dashboard("data")
    table = next(d.value for d in at.dataframe if "What happened" in d.value.columns)
    assert list(table["What happened"]) == [f"withdrawn by load {withdrew.load_id}: its row is in no file"]
    assert list(table["Measure id"]) == ["supervision"] and table["Value now"].isna().all()
    log = next(d.value for d in at.dataframe if "Withdrawn" in d.value.columns)
    # one row per file read; the load's count on each
    assert set(log.loc[log["Load"] == withdrew.load_id, "Withdrawn"]) == {1}
    assert set(log.loc[log["Load"] != withdrew.load_id, "Withdrawn"]) == {0}


# --------------------------------------------------------------------------- the guard

def test_a_load_that_would_withdraw_more_than_a_tenth_stops_and_writes_nothing(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path)
    assert cli("load", "--plan", str(plan_dir), "--data", str(data_dir), "--db", str(db)).returncode == 0
    before = sha(db)
    # 2 of the 9 figures shown: more than a tenth.
    (data_dir / "extract.csv").write_text(EXTRACT.replace(DROPPED, "").replace(
        "care_proceedings_weeks,2020-06-30,quarter,,31.0,,\n", ""))
    refused = cli("load", "--plan", str(plan_dir), "--data", str(data_dir), "--db", str(db))
    assert refused.returncode == 1, refused.stderr
    assert "withdraw 2 of the 9 figures shown" in refused.stderr and "--allow-withdraw" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert sha(db) == before
    with pytest.raises(WithdrawalRefused):
        load(plan_dir, data_dir, db)
    assert sha(db) == before
    allowed = cli("load", "--allow-withdraw", "--plan", str(plan_dir), "--data", str(data_dir), "--db", str(db))
    assert allowed.returncode == 0, allowed.stderr
    assert "2 withdrawn" in allowed.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from observations").fetchall() == [(7,)]


def test_an_emptied_folder_is_refused(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = write_plan(tmp_path)
    load(plan_dir, data_dir, db)
    (data_dir / "extract.csv").unlink()
    before = sha(db)
    refused = cli("load", "--plan", str(plan_dir), "--data", str(data_dir), "--db", str(db))
    assert refused.returncode == 1 and "withdraw 9 of the 9 figures shown" in refused.stderr
    assert sha(db) == before


def test_exactly_a_tenth_is_not_more_than_a_tenth(tmp_path):
    db = tmp_path / "db.duckdb"
    extra = HEADER + "supervision,2020-08-31,month,ALL,70,,\n"
    plan_dir, data_dir = write_plan(tmp_path, extracts={"older.csv": extra})
    load(plan_dir, data_dir, db)  # 10 figures
    (data_dir / "older.csv").unlink()
    assert load(plan_dir, data_dir, db).rows_withdrawn == 1


# --------------------------------------------------------------------------- figures from the future

def test_a_figure_from_the_future_is_an_error_naming_its_place(tmp_path, monkeypatch):
    future = HEADER + "supervision,2030-01-31,month,ALL,70,,\n"
    plan_dir, data_dir = write_plan(tmp_path, extracts={"future.csv": future})
    monkeypatch.setenv("CIPDASH_TODAY", "2026-12-04")
    errors = [str(p) for p in validate(plan_dir, data_dir).errors]
    assert len(errors) == 1 and errors[0].startswith(f"{data_dir / 'future.csv'}:2:2: column 'period_end':".replace(
        str(PROJECT) + os.sep, "")), errors
    assert "period_end 2030-01-31 is after this month (Dec 2026)" in errors[0]
    result = cli("check", "--plan", str(plan_dir), "--data", str(data_dir), today="2026-12-04")
    assert result.returncode == 1 and "period_end 2030-01-31 is after this month (Dec 2026)" in result.stderr


@pytest.mark.parametrize("today, ok", [("2020-09-01", True), ("2020-08-31", False), ("2021-01-15", True)])
def test_this_months_end_is_allowed_and_next_months_is_not(tmp_path, monkeypatch, today, ok):
    plan_dir, data_dir = write_plan(tmp_path)  # latest period end 2020-09-30
    monkeypatch.setenv("CIPDASH_TODAY", today)
    errors = validate(plan_dir, data_dir).errors
    assert (not errors) == ok, [str(e) for e in errors]
    if not ok:
        assert all("is after this month (Aug 2020)" in e.message for e in errors)


def test_a_future_comparator_figure_is_an_error_too(tmp_path, monkeypatch):
    plan_dir, data_dir = write_plan(tmp_path, extracts={
        "benchmarks/england.csv": BENCH + "assessment_timeliness,2031-03-31,year,England,88.1\n"})
    monkeypatch.setenv("CIPDASH_TODAY", "2026-12-04")
    errors = validate(plan_dir, data_dir).errors
    assert [e.message for e in errors] == ["period_end 2031-03-31 is after this month (Dec 2026)"]


def test_the_sample_data_is_not_from_the_future():
    assert not validate(PROJECT / "cip_data", PROJECT / "data").errors


def test_summary_json_after_a_withdrawal(tmp_path):
    db = tmp_path / "db.duckdb"
    plan_dir, data_dir = project(tmp_path)
    folders = ("--plan", str(plan_dir), "--data", str(data_dir), "--db", str(db))
    assert cli("load", *folders).returncode == 0
    (data_dir / "extract.csv").write_text(EXTRACT.replace(DROPPED, ""))
    withdrew = cli("load", *folders)
    assert withdrew.returncode == 0 and "1 withdrawn" in withdrew.stdout, withdrew.stderr
    out = cli("summary", "--db", str(db), "--json")
    assert out.returncode == 0, out.stderr
    assert "supervision" not in [m["measure_id"] for m in json.loads(out.stdout)["measures"]]

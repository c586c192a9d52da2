"""All or nothing: a failed, crashed or killed load leaves the database as it was, and the
dashboard can keep reading while a load runs.

These run the real command in real processes: a load killed with SIGKILL part-way
through, and a reader process holding a snapshot open while another process loads.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cipdash import store
from cipdash.db import open_snapshot
from cipdash.errors import LoadFailed
from cipdash.store import load
from plan_builder import EXTRACT, write_plan

PROJECT = Path(__file__).resolve().parent.parent
HEADER = "measure_id,period_end,period_type,team_id,value,numerator,denominator\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table and view, in a stable order."""
    snap = open_snapshot(db)
    try:
        names = [n for (n,) in snap.execute(
            "select table_name from duckdb_tables() where database_name = 'cip' union all "
            "select view_name from duckdb_views() where database_name = 'cip' and not internal "
            "order by 1").itertuples(index=False)]
        return {n: sorted(map(repr, snap.execute(f'select * from "{n}"').itertuples(index=False))) for n in names}
    finally:
        snap.close()


def fingerprint(db: Path) -> tuple:
    snap = open_snapshot(db)
    try:
        return tuple(snap.execute(
            "select (select count(*) from observations), (select round(sum(value), 6) from observations), "
            "(select max(load_id) from loads), (select count(*) from load_files), "
            "(select count(*) from teams)").iloc[0])
    finally:
        snap.close()


def cli_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "CIPDASH_DB"}
    env["PYTHONPATH"] = str(PROJECT)
    return env


def load_cmd(plan_dir: Path, data_dir: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "cipdash", "load", "--plan", str(plan_dir), "--data", str(data_dir), "--db", str(db)]


def write_big(root: Path, teams: int = 200, months: int = 240) -> tuple[Path, Path]:
    """The builder's plan with many teams and 3 measures x teams x months figures, beside the
    builder's extract (kept, so that none of the old state's figures is withdrawn)."""
    team_ids = [f"t{i:03d}" for i in range(teams)]
    teams_csv = "team_id,team_name\nnorth,North Team\nsouth,South Team\n" + "".join(f"{t},Team {t}\n"
                                                                                   for t in team_ids)
    lines = [HEADER.rstrip("\n")]
    for m in ("assessment_timeliness", "care_proceedings_weeks", "supervision"):
        for k in range(months):
            end = f"{2000 + k // 12:04d}-{k % 12 + 1:02d}"
            for j, t in enumerate(team_ids):
                n = (j * 7 + k * 3) % 50
                lines.append(f"{m},{end},month,{t},,{n},60" if m != "care_proceedings_weeks" else
                             f"{m},{end},month,{t},{n}.5,,")
    return write_plan(root, {"teams.csv": teams_csv}, {"big.csv": "\n".join(lines) + "\n"})


@pytest.fixture
def loaded(tmp_path) -> tuple[Path, Path, Path]:
    """A database holding the builder's plan: the 'old' state."""
    plan_dir, data_dir = write_plan(tmp_path / "old")
    db = tmp_path / "db" / "cip.duckdb"
    load(plan_dir, data_dir, db)
    return plan_dir, data_dir, db


# --------------------------------------------------------------------------- failed loads

@pytest.mark.parametrize("plan, extracts", [
    ({}, {"extract.csv": EXTRACT + "supervision,2020-10-31,month,ALL,180,,\n"}),    # one bad figure
    ({"ratings.csv": "rec_id,as_at,implementation\nR1,2020-12-31,Purple\n"}, {}),   # one bad rating
    ({}, {"extract.csv": EXTRACT.replace("94.0,188", "93.0,186"), "more.csv": b"\xff\xfe"}),  # a good
    # restatement alongside an unreadable file: neither is applied
])
def test_a_failed_load_leaves_every_table_exactly_as_it_was(loaded, tmp_path, plan, extracts):
    _, _, db = loaded
    before, before_sha = dump(db), sha256(db)
    plan_dir, data_dir = write_plan(tmp_path / "new", plan, extracts)
    with pytest.raises(LoadFailed):
        load(plan_dir, data_dir, db)
    assert dump(db) == before
    assert sha256(db) == before_sha
    assert not list(db.parent.glob("*.tmp*"))


def test_a_failure_while_applying_leaves_the_database_as_it_was(loaded, tmp_path, monkeypatch):
    """Validation passed, then something failed half-way through writing."""
    _, _, db = loaded
    before, before_sha = dump(db), sha256(db)
    plan_dir, data_dir = write_plan(tmp_path / "new", extracts={"extract.csv": EXTRACT.replace("94.0,188", "93.0,186")})
    calls = []
    real_run = store._run

    def failing_run(con, statement, params):
        calls.append(statement)
        if len(calls) == 2:  # after the revisions were written, before the new figures
            raise RuntimeError("disk on fire")
        return real_run(con, statement, params)

    monkeypatch.setattr(store, "_run", failing_run)
    with pytest.raises(RuntimeError):
        load(plan_dir, data_dir, db)
    assert len(calls) == 2
    assert dump(db) == before and sha256(db) == before_sha
    assert not list(db.parent.glob("*.tmp*"))
    monkeypatch.setattr(store, "_run", real_run)
    assert load(plan_dir, data_dir, db).rows_revised == 1  # and the next load goes through


def test_a_load_into_a_new_file_that_fails_creates_no_file(tmp_path):
    plan_dir, data_dir = write_plan(tmp_path, extracts={"extract.csv": EXTRACT + "nope,2020-10-31,month,ALL,1,,\n"})
    db = tmp_path / "db" / "cip.duckdb"
    with pytest.raises(LoadFailed):
        load(plan_dir, data_dir, db)
    assert not db.exists()


def test_leftover_temporary_files_are_removed_by_the_next_load(loaded, tmp_path):
    plan_dir, data_dir, db = loaded
    leftovers = [db.with_name(db.name + ".tmp-99999"), db.with_name(db.name + ".tmp-99999.wal")]
    for p in leftovers:
        p.write_bytes(b"half a database")
    spill = db.with_name(db.name + ".tmp-99999.tmp")  # DuckDB's spill folder for that copy
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    leftovers.append(spill)
    unrelated = db.with_name("notes.txt")
    unrelated.write_text("keep me")
    new_plan, new_data = write_plan(tmp_path / "new", extracts={"extract.csv": EXTRACT.replace("94.0,188", "93.0,186")})
    assert load(new_plan, new_data, db).changed
    assert not any(p.exists() for p in leftovers)
    assert unrelated.exists()
    # a no-op load cleans up too
    for p in leftovers[:2]:
        p.write_bytes(b"half a database")
    assert not load(new_plan, new_data, db).changed
    assert not any(p.exists() for p in leftovers)
    assert db.exists() and fingerprint(db)[0] == 9


# --------------------------------------------------------------------------- killed loads

def test_a_load_killed_part_way_leaves_the_old_or_the_new_state(loaded, tmp_path):
    """SIGKILL a real load again and again: at random moments, and at random moments after
    it has started writing its temporary copy. Each time the database opens and holds
    either the whole old state or the whole new one; the next load cleans up and completes."""
    _, _, db = loaded
    old, old_bytes = fingerprint(db), db.read_bytes()
    big_plan, big_data = write_big(tmp_path / "big", teams=120, months=200)
    cmd = load_cmd(big_plan, big_data, db)

    # How long a whole load takes here, into a scratch copy, to spread the kills over it.
    scratch = tmp_path / "scratch" / "cip.duckdb"
    scratch.parent.mkdir()
    scratch.write_bytes(old_bytes)
    start = time.perf_counter()
    done = subprocess.run(load_cmd(big_plan, big_data, scratch), env=cli_env(), capture_output=True, text=True)
    duration = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    new = fingerprint(scratch)
    assert new != old

    rng = random.Random(20201031)
    outcomes = []
    for attempt in range(6):
        while_writing = attempt % 2 == 1
        proc = subprocess.Popen(cmd, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if while_writing:  # wait for the temporary copy to appear, then kill at some point after
            deadline = time.perf_counter() + 60
            while not list(db.parent.glob("*.tmp-*")) and proc.poll() is None and time.perf_counter() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, duration / 3))
        else:
            time.sleep(rng.uniform(0.05, duration))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = fingerprint(db)  # the database still opens ...
        assert state in (old, new), (attempt, state)  # ... and holds one whole state
        left = bool(list(db.parent.glob("*.tmp-*")))
        outcomes.append(("new" if state == new else "old", left))
        if state == new:
            db.write_bytes(old_bytes)  # back to the old state for the next kill
    assert ("old", True) in outcomes, outcomes  # some kill landed while the copy was being written

    # The next load cleans up whatever the killed ones left, and completes.
    done = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert fingerprint(db) == new
    assert not list(db.parent.glob("*.tmp*"))


# --------------------------------------------------------------------------- reading while loading

READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from cipdash.db import open_snapshot

    db, stop = Path(sys.argv[1]), Path(sys.argv[2])
    snap = open_snapshot(db)
    counts, errors, queries = set(), [], 0
    print("ready", flush=True)
    while not stop.exists():
        try:
            counts.add(int(snap.execute("select count(*) as n from observations")["n"].iloc[0]))
            snap.execute("select o.measure_id, max(o.period_end), max(nt.target) from observations as o "
                         "left join next_targets as nt using (measure_id, period_end) group by 1")
            snap.execute("select * from ratings as r join recommendations using (rec_id) order by as_at")
            queries += 1
        except Exception as exc:  # the test fails on any
            errors.append(repr(exc))
        time.sleep(0.01)
    fresh = open_snapshot(db)
    print(json.dumps({
        "counts": sorted(counts), "errors": errors[:5], "queries": queries,
        "old_is_current": snap.is_current(),
        "old_after": int(snap.execute("select count(*) as n from observations")["n"].iloc[0]),
        "new_after": int(fresh.execute("select count(*) as n from observations")["n"].iloc[0]),
    }), flush=True)
""")


def test_a_reader_keeps_reading_while_another_process_loads(loaded, tmp_path):
    _, _, db = loaded
    old_count = fingerprint(db)[0]
    big_plan, big_data = write_big(tmp_path / "big", teams=100, months=120)
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop)], env=cli_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        done = subprocess.run(load_cmd(big_plan, big_data, db), env=cli_env(), capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("Loaded")
        time.sleep(0.3)  # the reader goes on querying the version it opened
        stop.touch()
        out, err = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["queries"] > 5
    assert result["counts"] == [old_count]           # the open snapshot never saw a half load
    assert result["old_after"] == old_count          # and still sees the old version
    assert result["old_is_current"] is False         # but knows a newer one exists
    assert result["new_after"] == 3 * 100 * 120 + old_count  # a new snapshot sees the load


def test_two_loads_at_once_are_serialised(loaded, tmp_path):
    _, _, db = loaded
    a_plan, a_data = write_plan(tmp_path / "a", extracts={"extract.csv": EXTRACT.replace("94.0,188", "93.0,186")})
    b_plan, b_data = write_plan(tmp_path / "b", extracts={"extract.csv": EXTRACT.replace("91.0,91", "92.0,92")})
    procs = [subprocess.Popen(load_cmd(p, d, db), env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for p, d in ((a_plan, a_data), (b_plan, b_data))]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    snap = open_snapshot(db)
    try:
        loads = snap.execute("select load_id from loads order by 1")["load_id"].tolist()
        revised = snap.execute("select count(*) as n from observation_revisions")["n"].iloc[0]
    finally:
        snap.close()
    assert loads == [1, 2, 3]  # neither load lost the other's work
    assert revised == 3  # whichever ran first, the other restated its figures

#!/usr/bin/env python3
"""Kill the loader (SIGKILL) at random moments, many times, and check after each kill that
the database holds exactly the old state or exactly the new one and that the dashboard's
reads work on it (issue 6, point 3). A script, not a test; tests/test_hostile_faults.py
runs a short version.

The data: the sample plan and extracts (cip_data/, data/) are the old state; the new state
adds a generated history file (every measure, the authority and every team, month by
month for 30 years: about 80,000 figures) and renames the plan, so a load does real work
in every stage (checking, staging, revisions, marts, checkpoint, fsync, rename).

Each round restores the old database, starts `python -m cipdash load` and kills it: two
rounds in five at a random moment of a whole load (up to 1.2 times its length, so some
land after it finished), two at a random moment after its temporary copy appears (so that
many kills land while the new file is being written), one at once after the rename.
After each kill the database must open, every table must be exactly the old or the new
contents (row counts and an order-free hash of every row), and the summary the
dashboard's overview is built from must read. Finally one load runs to the end: it
removes what the killed loads left behind and gives the new state.

    .venv/bin/python tools/fault_injection.py [--kills 200] [--years 30] [--seed N]

Prints the counts; exits 1 if any kill left anything but the old or the new state.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from cipdash.db import open_snapshot  # noqa: E402
from cipdash.store import load  # noqa: E402


def write_data(root: Path, years: int) -> tuple[Path, Path, Path, Path]:
    """(old plan, old data, new plan, new data) under root."""
    old_plan, old_data = root / "old" / "cip_data", root / "old" / "data"
    shutil.copytree(PROJECT / "cip_data", old_plan)
    shutil.copytree(PROJECT / "data", old_data, ignore=shutil.ignore_patterns("replaced", ".*"))
    new_plan, new_data = root / "new" / "cip_data", root / "new" / "data"
    shutil.copytree(old_plan, new_plan)
    shutil.copytree(old_data, new_data)
    toml = (new_plan / "plan.toml").read_text(encoding="utf-8")
    (new_plan / "plan.toml").write_text(toml.replace('name = "', 'name = "(history added) ', 1), encoding="utf-8")
    measures = [line.split(",")[0] for line in (old_plan / "measures.csv").read_text().splitlines()[1:] if line]
    teams = ["ALL"] + [line.split(",")[0] for line in (old_plan / "teams.csv").read_text().splitlines()[1:] if line]
    import calendar

    lines = ["measure_id,period_end,period_type,team_id,value"]
    for k in range(years * 12):
        year, month = 2011 - years + k // 12, k % 12 + 1
        end = f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
        for i, m in enumerate(measures):
            for j, t in enumerate(teams):
                lines.append(f"{m},{end},month,{t},{(i * 7 + j * 3 + k) % 90 + 0.5}")
    (new_data / "history.csv").write_text("\n".join(lines) + "\n")
    return old_plan, old_data, new_plan, new_data


def state(db: Path) -> dict:
    """Every table's row count and an order-free hash of its rows; and the overview reads."""
    from cipdash.summary import build_summary

    snap = open_snapshot(db)
    try:
        columns = snap.execute(
            "select table_name, list(column_name order by column_index) as cols from duckdb_columns() "
            "where database_name = 'cip' and schema_name = 'main' and data_type not like 'TIMESTAMP%' "
            "and table_name in (select table_name from duckdb_tables() where database_name = 'cip') "
            "group by 1 order by 1")
        out = {}
        for name, cols in zip(columns["table_name"], columns["cols"]):
            # When a load ran (loaded_at) differs between two loads of the same files; all else must not.
            row = ", ".join(f'"{c}"' for c in cols)
            n, h = snap.execute(f'select count(*) as n, coalesce(sum(hash({row})), 0)::varchar as h '
                                f'from "{name}"').iloc[0]
            out[name] = (int(n), str(h))
        summary = build_summary(snap, None, "ALL")  # what the overview and summary --json show
        out["_summary_measures"] = len(summary["measures"])
        return out
    finally:
        snap.close()


MODES = ("any moment", "while writing the copy", "any moment", "while writing the copy", "just after the rename")


CODE = [PROJECT]  # where the loads run the package from (run() freezes a copy)


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if k != "CIPDASH_DB"}
    e["PYTHONPATH"] = str(CODE[0])
    return e


def freeze_code(root: Path) -> None:
    """Run every load from a copy of the package taken now, so that edits to the working
    tree during a long run cannot change what the new state is. Its .sql files are the
    texts this process reads (and keeps), so the loads and the checks here agree."""
    from cipdash import sqlfiles

    code = root / "code" / "cipdash"
    shutil.copytree(PROJECT / "cipdash", code, ignore=shutil.ignore_patterns("__pycache__"))
    for f in (code / "sql").rglob("*.sql"):
        f.write_text(sqlfiles.sql(f.relative_to(code / "sql").with_suffix("").as_posix()), encoding="utf-8")
    CODE[0] = root / "code"


def load_cmd(plan: Path, data: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "cipdash", "load", "--plan", str(plan), "--data", str(data), "--db", str(db)]


def popen(cmd: list[str], **kwargs) -> subprocess.Popen:
    """The command run from the frozen copy (`python -m` looks in the working folder first,
    so it runs from there, not from the project)."""
    return subprocess.Popen(cmd, env=env(), cwd=CODE[0], **kwargs)


def differences(now: dict, old: dict, new: dict) -> str:
    if "error" in now:
        return now["error"]
    return ", ".join(f"{k}: {now.get(k)} (old {old.get(k)}, new {new.get(k)})" for k in sorted(set(now) | set(new))
                     if now.get(k) not in (old.get(k), new.get(k)))


def leftovers(db: Path) -> list[Path]:
    return list(db.parent.glob(db.name + ".tmp*"))


def restore(db: Path, old_bytes: bytes) -> None:
    tmp = db.with_name("restore.part")
    tmp.write_bytes(old_bytes)
    os.replace(tmp, db)


def run(kills: int = 200, years: int = 30, seed: int = 20201031, workdir: Path | None = None,
        log=print) -> dict:
    """Run the rounds; returns the counts (see the module docstring)."""
    own = workdir is None
    root = Path(tempfile.mkdtemp(prefix="cipdash-faults-")) if own else Path(workdir)
    try:
        freeze_code(root)
        old_plan, old_data, new_plan, new_data = write_data(root, years)
        db = root / "db" / "cipdash.duckdb"
        db.parent.mkdir()
        load(old_plan, old_data, db)
        old_bytes, old = db.read_bytes(), state(db)

        scratch = root / "scratch" / "cipdash.duckdb"
        scratch.parent.mkdir()
        scratch.write_bytes(old_bytes)
        start = time.perf_counter()
        done = subprocess.run(load_cmd(new_plan, new_data, scratch), env=env(), cwd=CODE[0], capture_output=True,
                              text=True)
        duration = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"the new data does not load:\n{done.stderr}")
        new = state(scratch)
        assert new != old
        rows = new["observations"][0]
        log(f"data: {rows:,} figures in the new state ({old['observations'][0]:,} in the old); "
            f"a whole load takes {duration:.1f} s here (interpreter start included)")

        rng = random.Random(seed)
        counts: Counter = Counter()
        bad: list[str] = []
        cmd = load_cmd(new_plan, new_data, db)
        for i in range(kills):
            mode = MODES[i % len(MODES)]
            counts[f"mode: {mode}"] += 1
            inode = db.stat().st_ino
            proc = popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.perf_counter() + 120
            if mode == "any moment":
                time.sleep(rng.uniform(0, duration * 1.2))
            elif mode == "while writing the copy":
                while not leftovers(db) and proc.poll() is None and time.perf_counter() < deadline:
                    time.sleep(0.001)
                time.sleep(rng.uniform(0, duration / 2))
            else:  # at once after the rename (the new file is in place; fsync and exit to come)
                while db.stat().st_ino == inode and proc.poll() is None and time.perf_counter() < deadline:
                    time.sleep(0.0005)
            finished = proc.poll() is not None
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            counts["kills"] += 1
            counts["finished before the kill"] += finished
            try:
                now = state(db)
            except Exception as exc:  # the database does not open or read: the failure this hunts
                now = {"error": repr(exc)}
            left = bool(leftovers(db))
            if now == old:
                counts["old state"] += 1
                counts["old state, temporary file left"] += left
            elif now == new:
                counts["new state"] += 1
                restore(db, old_bytes)  # back to the old state for the next round
            else:
                counts["neither"] += 1
                bad.append(f"kill {i} ({mode}): {differences(now, old, new)}")
                shutil.copyfile(db, root / f"bad-{i}.duckdb")
                restore(db, old_bytes)
            if (i + 1) % 20 == 0:
                log(f"  {i + 1} kills: {dict(counts)}")

        # One more load, to the end: it cleans up and brings the new state.
        done = subprocess.run(cmd, env=env(), cwd=CODE[0], capture_output=True, text=True)
        final_ok = done.returncode == 0 and state(db) == new and not leftovers(db)
        counts["survived"] = counts["old state"] + counts["new state"]
        result = {"counts": dict(counts), "figures_new": rows, "load_seconds": round(duration, 2),
                  "final_load_ok": final_ok, "bad": bad, "db": str(db)}
        return result
    finally:
        CODE[0] = PROJECT
        if own:
            shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--years", type=int, default=30, help="years of generated monthly history (size)")
    parser.add_argument("--seed", type=int, default=20201031)
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args.kills, args.years, args.seed)
    c = result["counts"]
    print(f"\n{c['kills']} kills in {time.perf_counter() - started:.0f} s: {c.get('old state', 0)} left the old state "
          f"({c.get('old state, temporary file left', 0)} with a temporary file left), {c.get('new state', 0)} the "
          f"new state ({c.get('finished before the kill', 0)} had finished), {c.get('neither', 0)} anything else.")
    print(f"survived: {c['survived']} of {c['kills']}; the load after them "
          f"{'cleaned up and gave the new state' if result['final_load_ok'] else 'FAILED'}.")
    for line in result["bad"]:
        print("BAD", line)
    return 0 if not result["bad"] and result["final_load_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

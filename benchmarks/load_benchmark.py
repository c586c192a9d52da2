#!/usr/bin/env python3
"""How long a large load takes and how much memory it needs (a script, not a test).

Generates a plan and about a million extract rows (200 teams x 40 measures x 120 months,
plus the authority-wide rows) into a temporary folder, then runs the real command
`python -m cipdash load` in a subprocess:

  fresh     a load into a new database file, several times (a fresh file each time)
  no-op     the same files loaded again into the loaded database ("No changes")
  restated  one month of every series restated with different figures
  quoted    a fresh load of the same figures with every text cell in double quotes and
            CRLF line ends, as many reporting systems export them

and prints the median wall time and the peak resident memory of each. Memory is read
from /usr/bin/time -v when it is installed, else from getrusage(RUSAGE_CHILDREN).

Targets (a 2-core machine): fresh load at most 10 s and 1 GiB peak, and within 4x of DuckDB's own
read_csv of the same files into a new database file (run side by side, each in a process of its own).

    .venv/bin/python benchmarks/load_benchmark.py [--repeat 3] [--teams 200]
        [--measures 40] [--months 120] [--keep DIR] [--fresh-only]

--keep DIR keeps the generated files and, run again with the same sizes, reuses them (the
files are the same for the same sizes: the generator is seeded). --fresh-only times only the
side-by-side pairs (read_csv, then a fresh load), for the ratio.
"""
from __future__ import annotations

import argparse
import calendar
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
TIME_BIN = "/usr/bin/time"
TARGET_SECONDS = 10.0
TARGET_BYTES = 1024 ** 3
FIRST_YEAR = 2011  # 120 months: April 2011 to March 2021
UNITS = ("percent", "weeks", "count", "rate", "number")


def month_ends(n: int) -> list[str]:
    out = []
    year, month = FIRST_YEAR, 4
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def write_plan(plan_dir: Path, teams: int, measures: int, months: list[str], areas: int = 6) -> list[tuple[str, str]]:
    """The plan files; teams are spread over `areas` service areas (team t in area t % areas)."""
    plan_dir.mkdir(parents=True)
    (plan_dir / "plan.toml").write_text('name = "Benchmark plan"\nauthority = "Benchmarkshire"\n')
    recs = [f"R{i + 1}" for i in range(8)]
    with open(plan_dir / "recommendations.csv", "w") as f:
        f.write("rec_id,title,source,aim,lead\n")
        for r in recs:
            f.write(f"{r},Recommendation {r},ILACS 2019,Aim,Lead\n")
    with open(plan_dir / "ratings.csv", "w") as f:
        f.write("rec_id,as_at,implementation,impact,evidence,further_actions\n")
        for q in [m for m in months if m[5:7] in ("03", "06", "09", "12")][-12:]:
            for i, r in enumerate(recs):
                f.write(f'{r},{q},{"RAG"[i % 3]},{"AGR"[i % 3]},"Evidence for {r}\nsecond line",Actions\n')
    specs = []
    with open(plan_dir / "measures.csv", "w") as f:
        f.write("measure_id,name,unit,polarity,rec_id,definition,tolerance\n")
        for i in range(measures):
            unit = UNITS[i % len(UNITS)]
            mid = f"measure_{i:02d}_{unit}"
            specs.append((mid, unit))
            f.write(f"{mid},Measure {i},{unit},{'lower_better' if i % 4 == 1 else 'higher_better'},"
                    f"{recs[i % len(recs)]},,\n")
    with open(plan_dir / "targets.csv", "w") as f:
        f.write("measure_id,target_date,target,applies_to,note\n")
        for mid, unit in specs:
            for year in range(FIRST_YEAR + 1, FIRST_YEAR + 11):
                f.write(f"{mid},{year}-03-31,{80 if unit == 'percent' else 20},authority,\n")
            if unit == "percent":
                f.write(f"{mid},{FIRST_YEAR + 10}-03-31,85,each_team,\n")
    with open(plan_dir / "teams.csv", "w") as f:
        f.write("team_id,team_name,service_area,head_of_service\n")
        for t in range(teams):
            f.write(f"team_{t:03d},Team {t},Area {t % areas},Head {t % areas}\n")
    return specs


def extract_lines(specs, teams: int, months: list[str], seed: int, restate_last_month: bool = False):
    """Yield (year, csv text of rows) per financial year, one file each."""
    rng = np.random.default_rng(seed)
    team_ids = ["ALL"] + [f"team_{t:03d}" for t in range(teams)]
    by_file: dict[str, list[str]] = {}
    for mid, unit in specs:
        for period in months:
            nums = rng.integers(0, 100, size=len(team_ids))
            dens = nums + rng.integers(1, 20, size=len(team_ids))
            if restate_last_month and period == months[-1]:
                nums = nums + 1
            key = f"{int(period[:4]) - (1 if int(period[5:7]) < 4 else 0)}"
            rows = by_file.setdefault(key, [])
            for team, n, d in zip(team_ids, nums, dens):
                if unit == "percent":
                    rows.append(f"{mid},{period},month,{team},{100 * n / d:.1f},{n},{d}")
                elif unit == "rate":
                    rows.append(f"{mid},{period},month,{team},,{n},{d * 1000}")
                else:
                    rows.append(f"{mid},{period},month,{team},{n / 4:.2f},,")
    return by_file


def write_extracts(data_dir: Path, specs, teams: int, months: list[str], restate: bool = False,
                   quoted: bool = False) -> int:
    """One file per financial year. `quoted`: every text cell in double quotes and CRLF line
    ends, as many reporting systems export."""
    data_dir.mkdir(parents=True, exist_ok=True)
    total = 0
    for year, rows in extract_lines(specs, teams, months, seed=7, restate_last_month=restate).items():
        header = "measure_id,period_end,period_type,team_id,value,numerator,denominator"
        end = "\n"
        if quoted:
            header = ",".join(f'"{h}"' for h in header.split(","))
            rows = [",".join(f'"{c}"' if i < 4 else c for i, c in enumerate(r.split(","))) for r in rows]
            end = "\r\n"
        with open(data_dir / f"extract_{year}.csv", "w", newline="") as f:
            f.write(header + end)
            f.write(end.join(rows))
            f.write(end)
        total += len(rows)
    return total


def run_load(plan_dir: Path, data_dir: Path, db: Path) -> tuple[float, int, str]:
    """(wall seconds, peak RSS bytes, stdout) of one `python -m cipdash load`."""
    cmd = [sys.executable, "-m", "cipdash", "load", "--plan", str(plan_dir), "--data", str(data_dir),
           "--db", str(db)]
    env = dict(os.environ, PYTHONPATH=str(PROJECT))
    use_time = os.access(TIME_BIN, os.X_OK)
    if use_time:
        cmd = [TIME_BIN, "-v"] + cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"load failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}")
    if use_time:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        peak = int(m[1]) * 1024
    else:
        # ru_maxrss of children is the largest so far: only meaningful when it grew.
        peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) * 1024
    return elapsed, peak, proc.stdout.strip()


# The peer: DuckDB itself reading the same extract files into a new database file, in a
# process of its own like the load (python, duckdb imported, the table written and closed).
# Our load also checks every cell, keeps the revision history and builds the marts; the
# target is to stay within TARGET_PEER_RATIO of this.
TARGET_PEER_RATIO = 4.0
PEER = ("import sys, duckdb\n"
        "con = duckdb.connect(sys.argv[2])\n"
        "con.execute(\"create table extracts as select * from read_csv(?, union_by_name = true)\", [sys.argv[1]])\n"
        "con.close()\n")


def run_peer(data_dir: Path, db: Path) -> float:
    """Wall seconds of DuckDB's own read_csv of every extract in data_dir into a new file."""
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", PEER, str(data_dir / "*.csv"), str(db)], check=True)
    elapsed = time.perf_counter() - start
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--teams", type=int, default=200)
    ap.add_argument("--measures", type=int, default=40)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (default: a temp dir)")
    ap.add_argument("--fresh-only", action="store_true", help="only the read_csv / fresh load pairs")
    args = ap.parse_args()

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cipdash-bench-"))
    try:
        months = month_ends(args.months)
        plan_dir, data_dir, restated_dir = root / "cip_data", root / "data", root / "data_restated"
        quoted_dir = root / "data_quoted"
        sizes = {"teams": args.teams, "measures": args.measures, "months": args.months}
        marker = root / "generated.json"
        t0 = time.perf_counter()
        if marker.exists() and json.loads(marker.read_text()) == sizes:
            rows = sum(1 for p in data_dir.glob("*.csv") for _ in open(p)) - len(list(data_dir.glob("*.csv")))
            how = "Reused"
        else:
            marker.unlink(missing_ok=True)
            for d in (plan_dir, data_dir, restated_dir, quoted_dir):
                shutil.rmtree(d, ignore_errors=True)
            specs = write_plan(plan_dir, args.teams, args.measures, months)
            rows = write_extracts(data_dir, specs, args.teams, months)
            write_extracts(restated_dir, specs, args.teams, months, restate=True)
            write_extracts(quoted_dir, specs, args.teams, months, quoted=True)
            marker.write_text(json.dumps(sizes))
            how = "Generated"
        size = sum(p.stat().st_size for p in data_dir.glob("*.csv"))
        # Flush the freshly written files first: otherwise the first load's fsync of the
        # database also waits for these 100 MB to reach the disk.
        os.sync()
        print(f"{how} {rows:,} extract rows in {len(list(data_dir.glob('*.csv')))} files "
              f"({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s under {root}")

        results: dict[str, list[tuple[float, int]]] = {"fresh": [], "no-op": [], "restated": [], "quoted": []}
        peer: list[float] = []
        for i in range(args.repeat):
            db = root / f"bench-{i}.duckdb"
            for p in root.glob(f"bench-{i}.duckdb*"):
                p.unlink()
            peer.append(run_peer(data_dir, root / "peer.duckdb"))  # side by side with the fresh load
            print(f"  DuckDB read_csv #{i + 1}: {peer[-1]:6.2f} s")
            t, peak, out = run_load(plan_dir, data_dir, db)
            results["fresh"].append((t, peak))
            print(f"  fresh    #{i + 1}: {t:6.2f} s  {peak / 2**20:7.0f} MiB  {out[:100]}")
            if args.fresh_only:
                db.unlink()
                continue
            t, peak, out = run_load(plan_dir, data_dir, db)
            results["no-op"].append((t, peak))
            print(f"  no-op    #{i + 1}: {t:6.2f} s  {peak / 2**20:7.0f} MiB  {out[:100]}")
            if not out.startswith("No changes"):
                sys.exit("the second load of the same files changed something")
            t, peak, out = run_load(plan_dir, restated_dir, db)
            results["restated"].append((t, peak))
            print(f"  restated #{i + 1}: {t:6.2f} s  {peak / 2**20:7.0f} MiB  {out[:100]}")
            print(f"             database {db.stat().st_size / 2**20:.0f} MiB")
            db.unlink()
            t, peak, out = run_load(plan_dir, quoted_dir, db)
            results["quoted"].append((t, peak))
            print(f"  quoted   #{i + 1}: {t:6.2f} s  {peak / 2**20:7.0f} MiB  {out[:100]}")
            db.unlink()

        print()
        print(f"{'load':<10} {'median s':>9} {'max s':>7} {'peak MiB':>9}   target")
        ok = True
        for name, runs in results.items():
            if not runs:
                continue
            med = statistics.median(t for t, _ in runs)
            peak = max(p for _, p in runs)
            target = ""
            if name in ("fresh", "quoted"):
                good = med <= TARGET_SECONDS and peak <= TARGET_BYTES
                ok &= good
                target = f"<= {TARGET_SECONDS:.0f} s, <= 1024 MiB: {'met' if good else 'NOT MET'}"
            print(f"{name:<10} {med:9.2f} {max(t for t, _ in runs):7.2f} {peak / 2**20:9.0f}   {target}")
        fresh, read = statistics.median(t for t, _ in results["fresh"]), statistics.median(peer)
        good = fresh <= TARGET_PEER_RATIO * read
        ok &= good
        print(f"{'read_csv':<10} {read:9.2f} {max(peer):7.2f} {'':>9}   DuckDB's own read_csv of the same files")
        print(f"load / read_csv: {fresh / read:.1f}x   target <= {TARGET_PEER_RATIO:.0f}x: {'met' if good else 'NOT MET'}")
        print(f"({rows:,} rows; {os.cpu_count()} CPUs; peak memory from "
              f"{'/usr/bin/time -v' if os.access(TIME_BIN, os.X_OK) else 'getrusage'})")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

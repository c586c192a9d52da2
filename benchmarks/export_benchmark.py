#!/usr/bin/env python3
"""How long the monthly performance pack takes in each format (a script, not a test).

Generates a plan with 10 recommendations of 3 measures each (30 charts), 12 teams in 4
service areas and 36 months of figures with numerators and denominators (small ones
included, so suppression has work to do), loads it into a temporary database, and times
the whole export — build the pack, start Chromium, draw the charts, write the file —
as `python -m cipdash export` does it, in process:

    .venv/bin/python benchmarks/export_benchmark.py [--repeat 3] [--scope area|authority|team]
        [--internal] [--keep DIR]

Prints the median (and each run) per format, with how the time splits between building
the pack, drawing the charts and writing the file. Target: at most 15 s per pack.
"""
from __future__ import annotations

import argparse
import calendar
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from cipdash.db import open_snapshot  # noqa: E402
from cipdash.exports import ImageRenderer, build_pack, write_pack  # noqa: E402
from cipdash.exports.images import chromium_available  # noqa: E402
from cipdash.queries import Scope  # noqa: E402
from cipdash.store import load  # noqa: E402

TARGET_SECONDS = 15.0
RECOMMENDATIONS, MEASURES_PER_REC, MONTHS = 10, 3, 36
AREAS = {"First Response": 3, "Localities": 4, "Children in Care": 3, "Disabled Children": 2}
FORMATS = ("docx", "pptx", "pdf", "xlsx")
EVIDENCE = ("Managers review every case approaching its timescale at a weekly meeting, and the service "
            "manager reports exceptions to the Head of Service. Audits in the quarter found plans clearer "
            "and better focused on the child's needs, though recording of management oversight remains "
            "inconsistent in two teams. ")


def month_ends(n: int, year: int = 2018, month: int = 4) -> list[str]:
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def write_plan(root: Path) -> tuple[Path, Path]:
    rng = random.Random(20210331)
    plan, data = root / "cip_data", root / "data"
    plan.mkdir(parents=True)
    data.mkdir()
    (plan / "plan.toml").write_text('name = "Benchmark Improvement Plan"\nauthority = "Benchmarkshire Council"\n')
    recs = ["rec_id,title,source,aim,lead"]
    ratings = ["rec_id,as_at,implementation,impact,evidence,further_actions"]
    measures = ["measure_id,name,unit,polarity,rec_id,definition,tolerance"]
    targets = ["measure_id,target_date,target,applies_to,note"]
    teams = ["team_id,team_name,service_area,head_of_service"]
    team_ids = []
    for area, n in AREAS.items():
        for i in range(n):
            tid = f"{area.split()[0].lower()}_{i + 1}"
            team_ids.append(tid)
            teams.append(f"{tid},{area} {i + 1},{area},Head of {area}")
    rows = ["measure_id,period_end,period_type,team_id,value,numerator,denominator"]
    ends = month_ends(MONTHS)
    for r in range(RECOMMENDATIONS):
        rid = f"2019-{r + 1}"
        recs.append(f'{rid},"Recommendation {r + 1}: improve the timeliness and quality of practice so that children '
                    f'receive help without delay, consistently across all teams.",ILACS 2019,Aim {r % 3 + 1},'
                    f'"Head of Service {r + 1}"')
        for k, as_at in enumerate(("2019-06-30", "2019-12-31", "2020-06-30", "2020-12-31", "2021-03-31")):
            impl = "RAG"[min(2, k // 2)] if r % 4 else "RAAGG"[k]
            impact = "" if k == 0 else "RAG"[min(2, (k + r) % 3)]
            ratings.append(f'{rid},{as_at},{impl},{impact},"{EVIDENCE * 2}","Keep going: {EVIDENCE}"')
        for m in range(MEASURES_PER_REC):
            mid = f"m{r + 1}_{m + 1}"
            percent = m != 2
            unit, polarity = ("percent", "higher_better") if percent else ("weeks", "lower_better")
            measures.append(f"{mid},Measure {r + 1}.{m + 1} {'completed in timescale' if percent else 'average weeks'},"
                            f"{unit},{polarity},{rid},,{2.0 if percent else ''}")
            targets.append(f"{mid},2020-03-31,{80 if percent else 26},authority,")
            targets.append(f"{mid},2021-03-31,{90 if percent else 20},{'each_team' if percent else 'authority'},")
            for i, end in enumerate(ends):
                trend = i / MONTHS
                num_total = den_total = 0
                values = []
                for t in team_ids:
                    den = rng.randint(2, 40)
                    if percent:
                        num = min(den, round(den * min(1.0, 0.6 + 0.3 * trend + rng.uniform(-0.1, 0.1))))
                        rows.append(f"{mid},{end},month,{t},,{num},{den}")
                        num_total, den_total = num_total + num, den_total + den
                    else:
                        v = round(max(5.0, 32 - 10 * trend + rng.uniform(-4, 4)), 1)
                        values.append(v)
                        rows.append(f"{mid},{end},month,{t},{v},,")
                if percent:
                    rows.append(f"{mid},{end},month,ALL,,{num_total},{den_total}")
                else:
                    rows.append(f"{mid},{end},month,ALL,{round(sum(values) / len(values), 1)},,")
    for name, lines in (("recommendations.csv", recs), ("ratings.csv", ratings), ("measures.csv", measures),
                        ("targets.csv", targets), ("teams.csv", teams)):
        (plan / name).write_text("\n".join(lines) + "\n")
    (data / "extract.csv").write_text("\n".join(rows) + "\n")
    return plan, data


def one_run(db: Path, fmt: str, scope: Scope, public: bool, out: Path) -> dict:
    """The export as `python -m cipdash export` runs it: Chromium starts while the pack is
    built; then the charts are drawn and the file written."""
    t0 = time.perf_counter()
    snap = open_snapshot(db)
    renderer = ImageRenderer().start() if fmt != "xlsx" else None
    try:
        pack = build_pack(snap, None, scope, public)
        t1 = time.perf_counter()
        if renderer is not None:
            from cipdash.exports import render_pack_images
            render_pack_images(pack, renderer)
        t2 = time.perf_counter()
        write_pack(pack, fmt, out, renderer)
        t3 = time.perf_counter()
        starts = renderer.browser_starts if renderer else 0
    finally:
        if renderer is not None:
            renderer.close()
        snap.close()
    return {"total": t3 - t0, "build": t1 - t0, "images": t2 - t1, "write": t3 - t2, "charts": len(pack.charts),
            "browser_starts": starts, "bytes": out.stat().st_size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scope", choices=("area", "authority", "team"), default="area")
    parser.add_argument("--internal", action="store_true", help="an internal pack (default: public)")
    parser.add_argument("--keep", metavar="DIR", help="keep the generated plan, database and packs here")
    args = parser.parse_args()
    if not chromium_available():
        print("Chromium is not installed (sudo apt-get install chromium): only xlsx can be timed.", file=sys.stderr)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cipdash-export-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        plan, data = write_plan(root / "input")
        db = root / "bench.duckdb"
        load(plan, data, db)
        scope = {"area": Scope("service_area", "Localities"), "authority": Scope("authority"),
                 "team": Scope("team", "localities_1")}[args.scope]
        print(f"{RECOMMENDATIONS} recommendations x {MEASURES_PER_REC} measures, {sum(AREAS.values())} teams, "
              f"{MONTHS} months; scope {args.scope}; {'internal' if args.internal else 'public'}; "
              f"{os.cpu_count()} CPUs; median of {args.repeat}")
        print(f"{'format':<7}{'median s':>9}{'runs':>24}{'build':>8}{'images':>8}{'write':>8}{'charts':>8}"
              f"{'browsers':>9}{'MB':>7}")
        worst = 0.0
        for fmt in FORMATS:
            if fmt != "xlsx" and not chromium_available():
                continue
            runs = [one_run(db, fmt, scope, not args.internal, root / f"pack.{fmt}") for _ in range(args.repeat)]
            med = statistics.median(r["total"] for r in runs)
            mid = sorted(runs, key=lambda r: r["total"])[len(runs) // 2]
            worst = max(worst, med)
            each = " ".join(f"{r['total']:.2f}" for r in runs)
            print(f"{fmt:<7}{med:>9.2f}{each:>24}{mid['build']:>8.2f}"
                  f"{mid['images']:>8.2f}{mid['write']:>8.2f}{mid['charts']:>8}{mid['browser_starts']:>9}"
                  f"{mid['bytes'] / 1e6:>7.1f}")
        verdict = "OK" if worst <= TARGET_SECONDS else "TOO SLOW"
        print(f"slowest format median {worst:.2f} s; target {TARGET_SECONDS:.0f} s per pack: {verdict}")
        return 0 if worst <= TARGET_SECONDS else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

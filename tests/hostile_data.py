"""Two versions of the small test plan whose every name and figure says which one it is,
for the tests that read pages while loads alternate between them (issue 6, point 4).

Data set A is tests/plan_builder.py's plan with " [A]" after every title, team name,
measure name and the plan's name; data set B the same with " [B]" and different figures
(and so different latest values on the overview cards). A page whose text holds both
markers, or a card named [A] showing B's figure, mixes two loads.

`loader_process(db, loads)` starts a process that loads A, B, A, B... into db, one load
after another, and prints a line per load.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from plan_builder import EXTRACT, PLAN, write_plan

PROJECT = Path(__file__).resolve().parent.parent

# The latest authority figures (Sep 2020) each data set gives, as the cards show them.
LATEST = {"A": {"assessment_timeliness": "94.0", "care_proceedings_weeks": "30.5", "supervision": "80.0"},
          "B": {"assessment_timeliness": "62.0", "care_proceedings_weeks": "44.5", "supervision": "55.0"}}

EXTRACT_B = (
    "measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
    "assessment_timeliness,2020-08-31,month,ALL,,120,200\n"
    "assessment_timeliness,2020-08-31,month,north,,70,100\n"
    "assessment_timeliness,2020-08-31,month,south,,50,100\n"
    "assessment_timeliness,2020-09-30,month,ALL,62.0,124,200\n"
    "assessment_timeliness,2020-09-30,month,north,63.0,63,100\n"
    "assessment_timeliness,2020-09-30,month,south,61.0,61,100\n"
    "care_proceedings_weeks,2020-09-30,month,,44.5,,\n"
    "care_proceedings_weeks,2020-06-30,quarter,,41.0,,\n"
    "supervision,2020-09-30,month,ALL,,11,20\n"
)


def _marked(which: str) -> dict[str, str]:
    tag = f" [{which}]"
    plan = dict(PLAN)
    plan["plan.toml"] = f'name = "Test Improvement Plan{tag}"\nauthority = "Testshire Council"\n'
    plan["recommendations.csv"] = PLAN["recommendations.csv"].replace(",ILACS 2019", f"{tag},ILACS 2019")
    plan["teams.csv"] = PLAN["teams.csv"].replace("North Team", f"North Team{tag}").replace(
        "South Team", f"South Team{tag}")
    plan["measures.csv"] = (PLAN["measures.csv"]
                            .replace("within 45 working days,percent", f"within 45 working days{tag},percent")
                            .replace("Care proceedings duration,", f"Care proceedings duration{tag},")
                            .replace("in line with policy,", f"in line with policy{tag},"))
    plan["ratings.csv"] = PLAN["ratings.csv"].replace(",Better,", f",Better{tag},").replace(
        ",Some progress,", f",Some progress{tag},")
    return plan


def write_dataset(root: Path, which: str) -> tuple[Path, Path]:
    return write_plan(root / which, _marked(which), {"extract.csv": EXTRACT if which == "A" else EXTRACT_B})


MARKER = re.compile(r"\\?\[([AB])\\?\]")


def markers(text: str) -> set[str]:
    """Which data sets' markers a text holds ("[A]", or "\\[A\\]" as escaped for markdown)."""
    return set(MARKER.findall(text))


_LOOP = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from cipdash.store import load
    db, loads = Path(sys.argv[1]), int(sys.argv[2])
    sets = [(Path(sys.argv[3]), Path(sys.argv[4])), (Path(sys.argv[5]), Path(sys.argv[6]))]
    for i in range(loads):
        plan, data = sets[i % 2]
        start = time.perf_counter()
        result = load(plan, data, db)
        print(f"load {i + 1} {'AB'[i % 2]} changed={result.changed} {time.perf_counter() - start:.2f}s", flush=True)
        time.sleep(float(sys.argv[7]))
""")


def frozen_package(root: Path) -> Path:
    """A copy of the package whose .sql files are the texts this process has read (and
    keeps): loads run from it build the marts and views this process's pages expect, even
    if the working tree's SQL is edited meanwhile. Returns the folder to run it from."""
    import shutil

    from cipdash import sqlfiles

    code = root / "code"
    shutil.copytree(PROJECT / "cipdash", code / "cipdash", ignore=shutil.ignore_patterns("__pycache__"))
    for f in (code / "cipdash" / "sql").rglob("*.sql"):
        f.write_text(sqlfiles.sql(f.relative_to(code / "cipdash" / "sql").with_suffix("").as_posix()),
                     encoding="utf-8")
    return code


def loader_process(db: Path, loads: int, a: tuple[Path, Path], b: tuple[Path, Path],
                   pause: float = 0.05, code: Path = PROJECT) -> subprocess.Popen:
    """Loads A, B, A, B... into db in a process of its own (as the scheduled load runs),
    with the package in `code` (the project's own by default)."""
    return subprocess.Popen([sys.executable, "-c", _LOOP, str(db), str(loads), str(a[0]), str(a[1]), str(b[0]),
                             str(b[1]), str(pause)], cwd=code, env={**os.environ, "PYTHONPATH": str(code)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

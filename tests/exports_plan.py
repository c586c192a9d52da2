"""A small plan for the export tests: plan_builder's plan plus what the exports must cope
with — text that looks like a spreadsheet formula, and team figures small enough to be
suppressed (with the whole authority's total, so secondary suppression is needed)."""
from __future__ import annotations

import shutil
from pathlib import Path

from plan_builder import EXTRACT, PLAN, write_plan

from cipdash.store import load

CHROMIUM = "/usr/bin/chromium"
HAS_CHROMIUM = Path(CHROMIUM).is_file() or bool(shutil.which("chromium"))
NO_CHROMIUM_REASON = f"Debian's chromium is not installed ({CHROMIUM}): apt-get install chromium"

FORMULA_TITLE = '=HYPERLINK("http://evil.example","click") Make the plan safe'
FORMULA_MEASURE = "=Vacant social worker posts"
TITLES = {
    "R1": "Improve the timeliness of assessments",
    "R2": "Strengthen management oversight and supervision",
    "R3": FORMULA_TITLE,
}

RECOMMENDATIONS = PLAN["recommendations.csv"] + (
    '"R3","=HYPERLINK(""http://evil.example"",""click"") Make the plan safe",ILACS 2019,,@Lead officer\n')
RATINGS = PLAN["ratings.csv"] + 'R3,2020-09-30,A,,"+Evidence that starts with a plus","-Actions that start with minus"\n'
MEASURES = PLAN["measures.csv"] + f"vacant_posts,{FORMULA_MEASURE},count,lower_better,R3,,\n"
# Supervision, Sep 2020: North 3 of 4 (denominator 1-5: suppressed), South 5 of 6 (numerator
# 5: suppressed), the authority 8 of 10 (shown). Vacant posts: North 2 (a count of 1-5),
# South 10, which secondary suppression must hide (12 - 10 = 2).
SMALL_ROWS = (
    "supervision,2020-09-30,month,north,,3,4\n"
    "supervision,2020-09-30,month,south,,5,6\n"
    "vacant_posts,2020-08-31,month,ALL,13,,\n"
    "vacant_posts,2020-08-31,month,north,3,,\n"
    "vacant_posts,2020-08-31,month,south,10,,\n"
    "vacant_posts,2020-09-30,month,ALL,12,,\n"
    "vacant_posts,2020-09-30,month,north,2,,\n"
    "vacant_posts,2020-09-30,month,south,10,,\n"
)


def build_db(root: Path) -> Path:
    plan_dir, data_dir = write_plan(root, {"recommendations.csv": RECOMMENDATIONS, "ratings.csv": RATINGS,
                                           "measures.csv": MEASURES}, {"extract.csv": EXTRACT + SMALL_ROWS})
    db = root / "exports.duckdb"
    load(plan_dir, data_dir, db)
    return db

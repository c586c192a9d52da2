"""A small, valid plan and extracts written into a folder, with any file overridden.

Tests start from this and break one thing at a time, so each failure is about that one
thing.
"""
from __future__ import annotations

from pathlib import Path

PLAN = {
    "plan.toml": 'name = "Test Improvement Plan"\nauthority = "Testshire Council"\n',
    "recommendations.csv": (
        "rec_id,title,source,aim,lead\n"
        "R1,Improve the timeliness of assessments,ILACS 2019,Help and protection,Head of Service\n"
        "R2,Strengthen management oversight and supervision,ILACS 2019,Leadership,Principal Social Worker\n"
    ),
    "ratings.csv": (
        "rec_id,as_at,implementation,impact,evidence,further_actions\n"
        "R1,2020-06-30,A,,\"First line\nSecond line, with a comma\",Keep going\n"
        "R1,2020-09-30,G,A,Better,More\n"
        "R2,2020-06-30,R,R,Started,Recruit\n"
        "R2,2020-09-30,A,R,Some progress,Audit\n"
    ),
    "measures.csv": (
        "measure_id,name,unit,polarity,rec_id,definition,tolerance\n"
        "assessment_timeliness,Assessments completed within 45 working days,percent,higher_better,R1,"
        "Of assessments completed in the month,2\n"
        "care_proceedings_weeks,Care proceedings duration,weeks,lower_better,R1;R2,Average weeks,\n"
        "supervision,Supervision in line with policy,percent,higher_better,R2,,\n"
    ),
    "targets.csv": (
        "measure_id,target_date,target,applies_to,note\n"
        "assessment_timeliness,2020-03-31,85,authority,\n"
        "assessment_timeliness,2021-03-31,90,authority,\n"
        "assessment_timeliness,2021-03-31,95,each_team,at least 95% all teams\n"
        "care_proceedings_weeks,2021-03-31,26,,statutory\n"
    ),
    "teams.csv": (
        "team_id,team_name,service_area,head_of_service\n"
        "north,North Team,First Response,Head of First Response\n"
        "south,South Team,First Response,Head of First Response\n"
    ),
}

EXTRACT = (
    "measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
    "assessment_timeliness,2020-08-31,month,ALL,,170,200\n"
    "assessment_timeliness,2020-08-31,month,north,,90,100\n"
    "assessment_timeliness,2020-08-31,month,south,,80,100\n"
    "assessment_timeliness,2020-09-30,month,ALL,94.0,188,200\n"
    "assessment_timeliness,2020-09-30,month,north,97.0,97,100\n"
    "assessment_timeliness,2020-09-30,month,south,91.0,91,100\n"
    "care_proceedings_weeks,2020-09-30,month,,30.5,,\n"
    "care_proceedings_weeks,2020-06-30,quarter,,31.0,,\n"
    "supervision,2020-09-30,month,ALL,,8,10\n"
)


def write_plan(root: Path, plan: dict | None = None, extracts: dict | None = None) -> tuple[Path, Path]:
    """Write cip_data/ and data/ under root. A None value in an override deletes that file."""
    plan_dir, data_dir = root / "cip_data", root / "data"
    plan_dir.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    files = dict(PLAN)
    files.update(plan or {})
    for name, text in files.items():
        if text is not None:
            _write(plan_dir / name, text)
    data = {"extract.csv": EXTRACT}
    data.update(extracts or {})
    for name, text in data.items():
        if text is not None:
            _write(data_dir / name, text)
    return plan_dir, data_dir


def _write(path: Path, text) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))

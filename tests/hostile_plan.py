"""A plan whose every text field holds HTML, script, markdown, a spreadsheet formula, a
template and SQL (issue 6, point 5), for the page and export tests in
tests/test_hostile_security.py. Ids that may contain such characters do too: a team id
and a recommendation id with quotes and angle brackets, a measure id with quotes (ids
cannot hold spaces), and an extract whose file name is markup.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

PAYLOADS = {
    "script": "<script>window.__pwned=1</script>",
    "img": '<img src=x onerror="window.__pwned=1">',
    "bold": "**bold**",
    "link": "[link](javascript:alert(1))",
    "colour": ":red[red]",
    "latex": "$x^2$",
    "formula": '=HYPERLINK("http://evil.example","x")',
    "entity": "&lt;b&gt;",
    "template": "{{7*7}} ${7*7}",
    "sql": "'; drop table observations; --",
}
EVERY = " ".join(PAYLOADS.values())
# Raw markup that must never reach Streamlit's markdown unescaped (the escaped form
# shows it as text; any of these raw would become markup).
RAW_MARKUP = ["<script", "<img", "**bold**", "](javascript", ":red[", "$x^2$"]

TEAM = "o'b\"r<i>"                  # a team id with quotes and a tag
REC = "R3 <b>'\""                     # a recommendation id likewise
MEASURE = "x'or'1'='1"                # a measure id that is an SQL injection (ids have no spaces)
FILE_NAME = "<img src=x onerror=alert(1)> **b** =1+1.csv"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def text(tag: str) -> str:
    """A field's hostile text: every payload, and a tag saying which field it is."""
    return f"{tag} {EVERY}"


def write_hostile_plan(root: Path) -> tuple[Path, Path]:
    plan, data = root / "cip_data", root / "data"
    (data / "benchmarks").mkdir(parents=True)
    plan.mkdir(parents=True)
    (plan / "plan.toml").write_text(f"name = {json.dumps(text('PlanName'))}\n"
                                    f"authority = {json.dumps(text('Authority'))}\n", encoding="utf-8")
    files = {
        "recommendations.csv": [["rec_id", "title", "source", "aim", "lead"],
                                ["R1", text("TitleR1"), text("Source"), text("Aim"), text("Lead")],
                                [REC, text("TitleR3"), PAYLOADS["formula"], PAYLOADS["bold"], PAYLOADS["script"]]],
        "ratings.csv": [["rec_id", "as_at", "implementation", "impact", "evidence", "further_actions"],
                        ["R1", "2020-06-30", "A", "", text("Evidence") + "\n" + PAYLOADS["img"], text("Actions")],
                        ["R1", "2020-09-30", "G", "A", text("EvidenceLater"), text("ActionsLater")],
                        [REC, "2020-09-30", "R", "R", text("EvidenceR3"), PAYLOADS["formula"]]],
        "measures.csv": [["measure_id", "name", "unit", "polarity", "rec_id", "definition", "tolerance"],
                         ["assessment_timeliness", text("MeasureName"), "percent", "higher_better", f"R1;{REC}",
                          text("Definition"), "2"],
                         [MEASURE, text("InjectedMeasure"), "count", "lower_better", REC, text("Definition2"), ""]],
        "targets.csv": [["measure_id", "target_date", "target", "applies_to", "note"],
                        ["assessment_timeliness", "2021-03-31", "90", "authority", text("TargetNote")],
                        ["assessment_timeliness", "2021-03-31", "95", "each_team", text("TeamTargetNote")],
                        [MEASURE, "2021-03-31", "5", "", PAYLOADS["formula"]]],
        "teams.csv": [["team_id", "team_name", "service_area", "head_of_service"],
                      ["north", text("TeamNorth"), text("Area"), text("Head")],
                      [TEAM, text("TeamInjected"), text("Area"), PAYLOADS["link"]]],
        "inspections.csv": [["date", "framework", "area", "grade"],
                            ["2019-05-20", text("Framework"), text("InspectionArea"), text("Grade")]],
        "spc_rebase.csv": [["measure_id", "rebase_date", "reason"],
                           ["assessment_timeliness", "2019-04-01", text("RebaseReason")]],
    }
    for name, rows in files.items():
        (plan / name).write_text(_csv(rows), encoding="utf-8")
    rows = [["measure_id", "period_end", "period_type", "team_id", "value", "numerator", "denominator"]]
    months = [f"{2019 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(18)]  # Apr 2019 - Sep 2020
    for k, month in enumerate(months):
        rows.append(["assessment_timeliness", month, "month", "ALL", "", str(150 + k), "200"])
        rows.append(["assessment_timeliness", month, "month", "north", "", str(70 + k), "100"])
        rows.append(["assessment_timeliness", month, "month", TEAM, "", str(60 + k), "100"])
        rows.append([MEASURE, month, "month", "ALL", str(10 + k % 4), "", ""])
        rows.append([MEASURE, month, "month", TEAM, str(3 + k % 3), "", ""])
    (data / FILE_NAME).write_text(_csv(rows), encoding="utf-8")
    (data / "benchmarks" / "england.csv").write_text(_csv([
        ["measure_id", "period_end", "period_type", "comparator", "value"],
        ["assessment_timeliness", "2020-03-31", "month", text("Comparator"), "80"],
        ["assessment_timeliness", "2020-09-30", "month", text("Comparator"), "81"]]), encoding="utf-8")
    return plan, data

"""The plan (cip_data/): recommendations, ratings, measures, targets, teams, inspections.

Read and checked here, whole, before anything is written. The plan is small (hundreds of
rows), so it is read row by row, which keeps each message precise.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd

from . import units
from .cells import (APPLIES_TO, AUTHORITY_TEAM, POLARITIES, BadCell, parse_choice,
                    parse_number, parse_rag)

# Measures where neither direction is better (MDC's purple icons): SPC only, no target.
NEUTRAL = "neutral"
MEASURE_POLARITIES = POLARITIES + (NEUTRAL,)
MIN_BASELINE_POINTS = 2   # a moving range needs two points
from .csvfile import Table, display_name, read_table
from .dates import BadDate, parse_date
from .errors import Problem, Problems

# Which files make a plan, and their columns (name -> required), as in the data contract.
PLAN_FILES: dict[str, dict[str, bool]] = {
    "recommendations.csv": {"rec_id": True, "title": True, "source": False, "aim": False,
                            "lead": False, "sort_order": False},
    "ratings.csv": {"rec_id": True, "as_at": True, "implementation": True, "impact": False,
                    "evidence": False, "further_actions": False},
    "measures.csv": {"measure_id": True, "name": True, "unit": True, "polarity": True,
                     "rec_id": False, "definition": False, "tolerance": False,
                     # Our addition: SPC limits from each segment's first N points only.
                     "spc_baseline_points": False},
    "targets.csv": {"measure_id": True, "target_date": True, "target": True, "applies_to": False,
                    "note": False},
    "teams.csv": {"team_id": True, "team_name": True, "service_area": False, "head_of_service": False},
    "inspections.csv": {"date": True, "framework": True, "area": True, "grade": True},
    # Our addition (see README): dates at which a measure's SPC limits restart, e.g. a new
    # process going live.
    "spc_rebase.csv": {"measure_id": True, "rebase_date": True, "reason": False},
}
REQUIRED_FILES = ("recommendations.csv", "ratings.csv", "measures.csv", "targets.csv")


@dataclass
class LoadedFile:
    file: str
    sha256: str
    rows: int


@dataclass
class Plan:
    name: str = ""
    authority: str = ""
    # What Red, Amber and Green mean in this plan (plan.toml [rag]): colour word -> meaning.
    rag_key: dict[str, str] = field(default_factory=dict)
    recommendations: pd.DataFrame = field(default_factory=pd.DataFrame)
    ratings: pd.DataFrame = field(default_factory=pd.DataFrame)
    measures: pd.DataFrame = field(default_factory=pd.DataFrame)
    measure_recommendations: pd.DataFrame = field(default_factory=pd.DataFrame)
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    teams: pd.DataFrame = field(default_factory=pd.DataFrame)
    inspections: pd.DataFrame = field(default_factory=pd.DataFrame)
    spc_rebase: pd.DataFrame = field(default_factory=pd.DataFrame)
    files: list[LoadedFile] = field(default_factory=list)
    # The ids each file names (in good rows or bad), for checking references to them;
    # None when the file could not be read at all, so that one broken file is reported
    # once rather than again as "not in ..." on every row that refers to it.
    known_recommendations: set[str] | None = None
    known_measures: set[str] | None = None
    known_teams: set[str] | None = field(default_factory=set)  # no teams.csv: only ALL

    def measure_units(self) -> dict[str, str]:
        return dict(zip(self.measures["measure_id"], self.measures["unit"])) if len(self.measures) else {}

    def team_ids(self) -> set[str]:
        return set(self.teams["team_id"]) if len(self.teams) else set()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The frames as the database stores them (table name -> rows)."""
        # The RAG key rides in plan_info as rag_red / rag_amber / rag_green (no new table).
        keys = ["name", "authority"] + [f"rag_{k}" for k in self.rag_key]
        info = pd.DataFrame({"key": keys, "value": [self.name, self.authority, *self.rag_key.values()]})
        return {
            "plan_info": info,
            "recommendations": self.recommendations,
            "ratings": self.ratings,
            "measures": self.measures,
            "measure_recommendations": self.measure_recommendations,
            "targets": self.targets,
            "teams": self.teams,
            "inspections": self.inspections,
            "spc_rebase": self.spc_rebase,
        }


def _rows(table: Table, problems: Problems, convert: Callable[[dict], dict | None]) -> list[dict]:
    """Apply `convert` to every row; it reports bad cells itself and returns None for a bad row."""
    out = []
    for row in table.frame.to_dict("records"):
        converted = convert(row)
        if converted is not None:
            converted["_line"] = row["line"]
            out.append(converted)
    return out


class _Row:
    """Helpers that tie a failed conversion to its column, collecting every bad cell in a row."""

    def __init__(self, table: Table, problems: Problems, row: dict):
        self.table, self.problems, self.row, self.ok = table, problems, row, True

    def fail(self, column: str, message: str, hint: str = "") -> None:
        self.problems.add(self.table.problem(self.row["line"], column, message, hint))
        self.ok = False

    def text(self, column: str, required: bool = False) -> str:
        value = self.row.get(column, "")
        if required and not value:
            self.fail(column, "a value is required here")
        return value

    def known(self, column: str, ids: set[str] | None, what: str, where: str) -> str:
        """A required id that must be one of `ids` (None: the file defining them was unreadable,
        so nothing is checked against it)."""
        value = self.text(column, required=True)
        if value and ids is not None and value not in ids:
            self.fail(column, f"{what} '{value}' is not in {where}")
        return value

    def _parsed(self, column: str, parse: Callable[[str], object], required: bool, what: str, hint: str = ""):
        """The cell parsed, or None: an empty cell is a problem only where one is required, and
        a cell that does not parse is a problem with the parser's own words."""
        value = self.row.get(column, "")
        if not value:
            if required:
                self.fail(column, f"{what} is required here", hint)
            return None
        try:
            return parse(value)
        except (BadDate, BadCell) as exc:
            self.fail(column, str(exc), exc.hint)
            return None

    def date(self, column: str, required: bool = True, allow_year_month: bool = False) -> date | None:
        return self._parsed(column, lambda v: parse_date(v, allow_year_month), required, "a date", "use YYYY-MM-DD")

    def number(self, column: str, required: bool = True) -> float | None:
        return self._parsed(column, parse_number, required, "a number")

    def convert(self, column: str, fn: Callable[[str], str], required: bool = True) -> str | None:
        return self._parsed(column, fn, required, "a value")


def _ids(table: Table | None, column: str) -> set[str] | None:
    return None if table is None else {v for v in table.frame[column] if v}


def _check_unique(table: Table, problems: Problems, rows: list[dict], key: tuple[str, ...], what: str) -> None:
    seen: dict[tuple, int] = {}
    for r in rows:
        k = tuple(r[c] for c in key)
        if k in seen:
            problems.add(table.problem(r["_line"], key[-1],
                                       f"{what} {', '.join(str(x) for x in k)} appears twice (also line {seen[k]})",
                                       "keep one row per " + " and ".join(key)))
        else:
            seen[k] = r["_line"]


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)


def _read_toml(path: Path, problems: Problems) -> tuple[str, str, dict[str, str]]:
    file = display_name(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        problems.add(Problem(file, 1, 1, "", "plan.toml is not UTF-8 text"))
        return "", "", {}
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        line, col = (int(m[1]), int(m[2])) if m else (1, 1)
        problems.add(Problem(file, line, col, "", f"plan.toml cannot be read: {exc}",
                             'write it as: name = "..." and authority = "..."'))
        return "", "", {}
    values = []
    for key in ("name", "authority"):
        v = data.get(key, "")
        if not isinstance(v, str):
            problems.add(Problem(file, 1, 1, key, f"'{key}' must be text in double quotes"))
            v = ""
        values.append(v)
    return values[0], values[1], _rag_key(data, text, file, problems)


RAG_KEYS = ("red", "amber", "green")


def _toml_line(text: str, table: str | None, key: str | None = None) -> int:
    """The line of `[table]` (or of `key = ` inside it) in plan.toml, for a problem's
    file:line (tomllib gives no positions for values it has read); 1 if not found."""
    in_table = table is None
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped.strip("[] \t") == table
            if in_table and key is None:
                return n
            continue
        if in_table and key is not None and re.match(rf"{re.escape(key)}\s*=", stripped):
            return n
    return 1


def _rag_key(data: dict, text: str, file: str, problems: Problems) -> dict[str, str]:
    """plan.toml's optional [rag] table: red / amber / green = "what the colour means in
    this plan". Each must be text; a key left out falls back to the pack's stated default."""
    rag = data.get("rag")
    if rag is None:
        return {}
    if not isinstance(rag, dict):
        problems.add(Problem(file, _toml_line(text, None, "rag"), 1, "rag",
                             "'rag' must be a table of what each RAG colour means",
                             '[rag] then red = "...", amber = "...", green = "..."'))
        return {}
    out = {}
    for key, value in rag.items():
        line = _toml_line(text, "rag", key)
        if key not in RAG_KEYS:
            problems.add(Problem(file, line, 1, f"rag.{key}", f"'{key}' is not a RAG colour",
                                 "the [rag] table takes red, amber and green"))
        elif not isinstance(value, str) or not value.strip():
            problems.add(Problem(file, line, 1, f"rag.{key}", f"rag.{key} must be text in double quotes",
                                 f'{key} = "what {key.capitalize()} means in this plan"'))
        else:
            out[key] = value.strip()
    return {k: out[k] for k in RAG_KEYS if k in out}


def read_plan(plan_dir: Path, problems: Problems) -> Plan:
    """Read and check every plan file; problems go into `problems` (nothing raised)."""
    plan_dir = Path(plan_dir)
    plan = Plan()
    if not plan_dir.is_dir():
        problems.add(Problem(display_name(plan_dir), 1, 1, "", "the plan folder does not exist",
                             "pass --plan with the folder holding recommendations.csv"))
        return plan
    toml_path = plan_dir / "plan.toml"
    if toml_path.exists():
        plan.name, plan.authority, plan.rag_key = _read_toml(toml_path, problems)
        raw = toml_path.read_bytes()
        plan.files.append(LoadedFile(display_name(toml_path), hashlib.sha256(raw).hexdigest(), 1))

    tables: dict[str, Table | None] = {}
    for name, columns in PLAN_FILES.items():
        path = plan_dir / name
        if not path.exists():
            if name in REQUIRED_FILES:
                problems.add(Problem(display_name(path), 1, 1, "", "this plan file is missing",
                                     f"the plan folder needs {', '.join(REQUIRED_FILES)}"))
            tables[name] = None
            continue
        table = read_table(path, columns, problems)
        tables[name] = table
        if table is not None:
            plan.files.append(LoadedFile(table.file, table.sha256, table.data_rows))

    # Teams first: the other files refer to them.
    plan.teams = _teams(tables["teams.csv"], problems)
    if (plan_dir / "teams.csv").exists():
        plan.known_teams = _ids(tables["teams.csv"], "team_id")
    plan.recommendations = _recommendations(tables["recommendations.csv"], problems)
    plan.known_recommendations = rec_ids = _ids(tables["recommendations.csv"], "rec_id")
    plan.ratings = _ratings(tables["ratings.csv"], problems, rec_ids)
    plan.measures, plan.measure_recommendations = _measures(tables["measures.csv"], problems, rec_ids)
    plan.known_measures = measure_ids = _ids(tables["measures.csv"], "measure_id")
    measure_units = plan.measure_units()
    neutral = (set(plan.measures.loc[plan.measures["polarity"] == NEUTRAL, "measure_id"])
               if len(plan.measures) else set())
    plan.targets = _targets(tables["targets.csv"], problems, measure_ids, measure_units, neutral)
    plan.inspections = _inspections(tables["inspections.csv"], problems)
    plan.spc_rebase = _rebase(tables["spc_rebase.csv"], problems, measure_ids)
    return plan


def _teams(table: Table | None, problems: Problems) -> pd.DataFrame:
    cols = ["team_id", "team_name", "service_area", "head_of_service", "sort_order"]
    if table is None:
        return _frame([], cols)

    def convert(row):
        r = _Row(table, problems, row)
        team_id = r.text("team_id", required=True)
        if team_id.upper() == AUTHORITY_TEAM:
            r.fail("team_id", f"'{team_id}' is reserved for the whole authority", "give the team another id")
        out = {"team_id": team_id, "team_name": r.text("team_name", required=True),
               "service_area": r.text("service_area") or None, "head_of_service": r.text("head_of_service") or None}
        return out if r.ok else None

    rows = _rows(table, problems, convert)
    _check_unique(table, problems, rows, ("team_id",), "team")
    for i, r in enumerate(rows):
        r["sort_order"] = i + 1
    return _frame(rows, cols)


def _recommendations(table: Table | None, problems: Problems) -> pd.DataFrame:
    cols = ["rec_id", "title", "source", "aim", "lead", "sort_order"]
    if table is None:
        return _frame([], cols)

    def convert(row):
        r = _Row(table, problems, row)
        order = r.number("sort_order", required=False)
        out = {"rec_id": r.text("rec_id", required=True), "title": r.text("title", required=True),
               "source": r.text("source") or None, "aim": r.text("aim") or None, "lead": r.text("lead") or None,
               "sort_order": order}
        return out if r.ok else None

    rows = _rows(table, problems, convert)
    _check_unique(table, problems, rows, ("rec_id",), "recommendation")
    for i, r in enumerate(rows):
        # File order unless the plan says otherwise; ties keep file order.
        r["_file_order"] = i
    rows.sort(key=lambda r: (r["sort_order"] if r["sort_order"] is not None else float("inf"), r["_file_order"]))
    for i, r in enumerate(rows):
        r["sort_order"] = i + 1
    return _frame(rows, cols)


def _ratings(table: Table | None, problems: Problems, rec_ids: set[str] | None) -> pd.DataFrame:
    cols = ["rec_id", "as_at", "implementation", "impact", "evidence", "further_actions"]
    if table is None:
        return _frame([], cols)

    def convert(row):
        r = _Row(table, problems, row)
        rec_id = r.known("rec_id", rec_ids, "recommendation", "recommendations.csv")
        out = {"rec_id": rec_id, "as_at": r.date("as_at"),
               "implementation": r.convert("implementation", lambda v: parse_rag(v, "implementation")),
               "impact": r.convert("impact", lambda v: parse_rag(v, "impact"), required=False),
               "evidence": r.text("evidence") or None, "further_actions": r.text("further_actions") or None}
        return out if r.ok else None

    rows = _rows(table, problems, convert)
    _check_unique(table, problems, rows, ("rec_id", "as_at"), "a rating for")
    return _frame(rows, cols)


def _measures(table: Table | None, problems: Problems,
              rec_ids: set[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    # spc_baseline_points last: an older database gains the column at the end (schema.sql).
    cols = ["measure_id", "name", "unit", "polarity", "definition", "tolerance", "sort_order",
            "spc_baseline_points"]
    if table is None:
        return _frame([], cols), _frame([], ["measure_id", "rec_id"])
    links: list[dict] = []

    def convert(row):
        r = _Row(table, problems, row)
        measure_id = r.text("measure_id", required=True)
        if measure_id.upper() == AUTHORITY_TEAM or re.search(r"\s", measure_id):
            r.fail("measure_id", f"'{measure_id}' is not a usable measure id", "use a slug such as assessment_timeliness")
        tolerance = r.number("tolerance", required=False)
        if tolerance is not None and tolerance < 0:
            r.fail("tolerance", "the tolerance cannot be negative")
        recs = [x.strip() for x in r.text("rec_id").split(";") if x.strip()]
        for rec in recs:
            if rec_ids is not None and rec not in rec_ids:
                r.fail("rec_id", f"recommendation '{rec}' is not in recommendations.csv",
                       "separate several recommendations with ';'")
        out = {"measure_id": measure_id, "name": r.text("name", required=True),
               "unit": r.convert("unit", lambda v: parse_choice(v, units.NAMES, "unit")),
               "polarity": r.convert("polarity", lambda v: parse_choice(v, MEASURE_POLARITIES, "polarity")),
               "definition": r.text("definition") or None, "tolerance": tolerance, "_recs": recs,
               "spc_baseline_points": _baseline_points(r)}
        return out if r.ok else None

    rows = _rows(table, problems, convert)
    _check_unique(table, problems, rows, ("measure_id",), "measure")
    for i, r in enumerate(rows):
        r["sort_order"] = i + 1
        for rec in dict.fromkeys(r["_recs"]):
            links.append({"measure_id": r["measure_id"], "rec_id": rec})
    return _frame(rows, cols), _frame(links, ["measure_id", "rec_id"])


def _baseline_points(r: _Row) -> int | None:
    """spc_baseline_points: empty, or a whole number of at least 2 (written as digits)."""
    value = r.row.get("spc_baseline_points", "")
    if not value:
        return None
    if not re.fullmatch(r"[0-9]+", value):
        r.fail("spc_baseline_points", f"'{value}' is not a whole number of points",
               "write a whole number such as 12, or leave it empty for limits from every point")
        return None
    n = int(value)
    if n < MIN_BASELINE_POINTS:
        r.fail("spc_baseline_points", f"a baseline of {n} point{'s' if n != 1 else ''} cannot set limits",
               f"use at least {MIN_BASELINE_POINTS} points (12 or more is usual), or leave it empty")
        return None
    return n


def _check_range(r: _Row, column: str, value: float | None, unit: str | None) -> None:
    if value is None or unit is None:
        return
    known = units.find(unit)
    if known is None:
        return
    low, high = known.range  # a unit's floor, where it has one, is 0
    if low is not None and high is not None and not low <= value <= high:
        r.fail(column, f"{value:g} is outside {low:g}-{high:g} for {known.noun}")
    elif low is not None and value < low:
        r.fail(column, f"{value:g} is negative, which a {unit} cannot be")
    elif high is not None and value > high:
        r.fail(column, f"{value:g} is above {high:g} for {known.noun}")


def _targets(table: Table | None, problems: Problems, measure_ids: set[str] | None,
             measure_units: dict[str, str], neutral: set[str] = frozenset()) -> pd.DataFrame:
    cols = ["measure_id", "target_date", "target", "applies_to", "note"]
    if table is None:
        return _frame([], cols)

    def convert(row):
        r = _Row(table, problems, row)
        measure_id = r.known("measure_id", measure_ids, "measure", "measures.csv")
        if measure_id in neutral:
            # A target needs a better direction to be met in; a neutral measure has none.
            r.fail("measure_id", f"measure '{measure_id}' is neutral in measures.csv (neither direction "
                   "is better), so it cannot have a target",
                   "remove this target, or give the measure a polarity of higher_better or lower_better")
        target = r.number("target")
        _check_range(r, "target", target, measure_units.get(measure_id))
        applies = r.convert("applies_to", lambda v: parse_choice(v, APPLIES_TO, "applies_to"), required=False)
        out = {"measure_id": measure_id, "target_date": r.date("target_date"), "target": target,
               "applies_to": applies or "authority", "note": r.text("note") or None}
        return out if r.ok else None

    rows = _rows(table, problems, convert)
    _check_unique(table, problems, rows, ("measure_id", "target_date", "applies_to"), "a target for")
    return _frame(rows, cols)


def _inspections(table: Table | None, problems: Problems) -> pd.DataFrame:
    cols = ["date", "framework", "area", "grade", "sort_order"]
    if table is None:
        return _frame([], cols)

    def convert(row):
        r = _Row(table, problems, row)
        out = {"date": r.date("date"), "framework": r.text("framework", required=True),
               "area": r.text("area", required=True), "grade": r.text("grade", required=True)}
        return out if r.ok else None

    rows = _rows(table, problems, convert)
    _check_unique(table, problems, rows, ("date", "framework", "area"), "a judgement for")
    for i, r in enumerate(rows):
        r["sort_order"] = i + 1
    return _frame(rows, cols)


def _rebase(table: Table | None, problems: Problems, measure_ids: set[str] | None) -> pd.DataFrame:
    cols = ["measure_id", "rebase_date", "reason"]
    if table is None:
        return _frame([], cols)

    def convert(row):
        r = _Row(table, problems, row)
        measure_id = r.known("measure_id", measure_ids, "measure", "measures.csv")
        out = {"measure_id": measure_id, "rebase_date": r.date("rebase_date"), "reason": r.text("reason") or None}
        return out if r.ok else None

    rows = _rows(table, problems, convert)
    _check_unique(table, problems, rows, ("measure_id", "rebase_date"), "a rebase for")
    return _frame(rows, cols)

"""The extracts (data/*.csv) and comparators (data/benchmarks/*.csv).

An authority's monthly extracts run to hundreds of thousands of rows, so the checks here
work on whole columns (and on the few distinct ids and dates), not row by row; every bad
cell is still reported with its file, line and column.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .cells import AUTHORITY_TEAM, PERIOD_TYPES, number_hint, numbers_vector
from .csvfile import Table, display_name, read_table
from .dates import BadDate, parse_date
from .errors import MAX_LISTED_PER_RULE, Problem, Problems
from .plan import LoadedFile, Plan

EXTRACT_COLUMNS = {"measure_id": True, "period_end": True, "period_type": False, "team_id": False,
                   "value": False, "numerator": False, "denominator": False}
BENCHMARK_COLUMNS = {"measure_id": True, "period_end": True, "period_type": False, "comparator": True,
                     "value": True}
OBSERVATION_KEY = ["measure_id", "team_id", "period_end", "period_type"]
BENCHMARK_KEY = ["measure_id", "comparator", "period_end", "period_type"]

# Where value, numerator and denominator are all given they must agree "to within
# rounding": half a unit of the value's last stated decimal place, and never tighter
# than 0.05 (of a percentage point, for percentages).
MIN_AGREEMENT_TOLERANCE = 0.05
# A value worked out from numerator / denominator is scaled to the measure's unit.
SCALE = {"percent": 100.0, "rate": 10_000.0}
# Quarters end in March, June, September or December (financial and calendar alike).
QUARTER_END_MONTHS = (3, 6, 9, 12)
# Units whose figures cannot be below zero.
NON_NEGATIVE_UNITS = ("percent", "weeks", "days", "count", "rate")


@dataclass
class Extracts:
    observations: pd.DataFrame
    benchmarks: pd.DataFrame
    files: list[LoadedFile] = field(default_factory=list)


def _report(table: Table, problems: Problems, mask: np.ndarray, column: str, message, hint="") -> None:
    """Report every row in `mask`: the first few in full, the rest counted."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    lines = table.frame["line"].to_numpy()
    cells = table.frame[column].to_numpy() if column in table.frame.columns else None
    for i in idx[:MAX_LISTED_PER_RULE]:
        cell = cells[i] if cells is not None else ""
        text = message(cell) if callable(message) else message
        h = hint(cell) if callable(hint) else hint
        problems.items.append(table.problem(lines[i], column, text, h))
    if len(idx) > MAX_LISTED_PER_RULE:
        first = idx[MAX_LISTED_PER_RULE]
        text = message(cells[first] if cells is not None else "") if callable(message) else message
        problems.items.append(table.problem(
            lines[first], column, f"... and {len(idx) - MAX_LISTED_PER_RULE:,} more rows like this ({text})"))


def _closest(word: str, choices) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f"did you mean '{match[0]}'?" if match else ""


def _period_ends(table: Table, problems: Problems, period_types: np.ndarray) -> np.ndarray:
    """Parse the (few) distinct period ends once; check each is the end of its period."""
    text = table.frame["period_end"]
    parsed: dict[str, object] = {}
    errors: dict[str, BadDate] = {}
    for s in text.unique():
        if s == "":
            continue
        try:
            parsed[s] = parse_date(s, allow_year_month=True)
        except BadDate as exc:
            errors[s] = exc
    _report(table, problems, (text == "").to_numpy(), "period_end", "a period end is required here",
            "the last day of the period, e.g. 2020-09-30 (or 2020-09)")
    _report(table, problems, text.isin(list(errors)).to_numpy(), "period_end",
            lambda c: str(errors[c]), lambda c: errors[c].hint)
    dates = pd.to_datetime(text.map(parsed), errors="coerce")
    not_month_end = dates.notna() & ~dates.dt.is_month_end
    _report(table, problems, not_month_end.to_numpy(), "period_end",
            lambda c: f"'{c}' is not the last day of a month",
            lambda c: f"period ends are month ends, e.g. {str(parsed[c])[:7]} for that month")
    bad_quarter = dates.notna() & dates.dt.is_month_end & (period_types == "quarter") & \
        ~dates.dt.month.isin(QUARTER_END_MONTHS)
    _report(table, problems, bad_quarter.to_numpy(), "period_end",
            lambda c: f"'{c}' does not end a quarter", "quarters end in March, June, September or December")
    return dates.to_numpy(dtype="datetime64[ns]")


def _period_types(table: Table, problems: Problems) -> np.ndarray:
    text = table.frame["period_type"].str.lower()
    text = text.where(text != "", "month")
    bad = ~text.isin(PERIOD_TYPES)
    _report(table, problems, bad.to_numpy(), "period_type", lambda c: f"'{c}' is not a period type",
            "month, quarter or year (blank means month)")
    return text.to_numpy(dtype=object)


def _measure_ids(table: Table, problems: Problems, plan: Plan) -> np.ndarray:
    text = table.frame["measure_id"]
    known = set(plan.measure_units())
    unknown = [m for m in text.unique() if m and m not in known]
    _report(table, problems, (text == "").to_numpy(), "measure_id", "a measure id is required here")
    _report(table, problems, text.isin(unknown).to_numpy(), "measure_id",
            lambda c: f"measure '{c}' is not in measures.csv", lambda c: _closest(c, known))
    return text.to_numpy(dtype=object)


def _check_extract(table: Table, problems: Problems, plan: Plan) -> pd.DataFrame:
    f = table.frame
    n = len(f)
    measure = _measure_ids(table, problems, plan)
    period_type = _period_types(table, problems)
    period_end = _period_ends(table, problems, period_type)

    team_text = f["team_id"]
    team = team_text.where(~team_text.str.upper().isin(["", AUTHORITY_TEAM]), AUTHORITY_TEAM)
    teams = plan.team_ids()
    unknown_teams = [t for t in team.unique() if t != AUTHORITY_TEAM and t not in teams]
    _report(table, problems, team.isin(unknown_teams).to_numpy(), "team_id",
            lambda c: f"team '{c}' is not in teams.csv",
            lambda c: _closest(c, teams) or ("blank or ALL means the whole authority" if not teams else ""))

    value, bad_value = numbers_vector(f["value"])
    num, bad_num = numbers_vector(f["numerator"])
    den, bad_den = numbers_vector(f["denominator"])
    for col, bad in (("value", bad_value), ("numerator", bad_num), ("denominator", bad_den)):
        _report(table, problems, bad, col, lambda c: f"'{c}' is not a number", number_hint)

    unit = pd.Series(measure).map(plan.measure_units()).to_numpy(dtype=object)
    has_v, has_n, has_d = ~np.isnan(value) | bad_value, ~np.isnan(num) | bad_num, ~np.isnan(den) | bad_den
    _report(table, problems, ~has_v & ~(has_n & has_d), "value",
            "the row needs a value, or a numerator and a denominator")
    _report(table, problems, has_n & ~has_d & ~bad_num, "denominator",
            "a numerator is given without its denominator")
    _report(table, problems, has_d & ~has_n & ~bad_den, "numerator",
            "a denominator is given without its numerator")

    with np.errstate(invalid="ignore"):
        _report(table, problems, num < 0, "numerator", lambda c: f"{c} is negative; a count cannot be")
        _report(table, problems, den < 0, "denominator", lambda c: f"{c} is negative; a count cannot be")
        non_negative = np.isin(unit, NON_NEGATIVE_UNITS)
        _report(table, problems, non_negative & (value < 0), "value",
                lambda c: f"{c} is negative, which this measure's unit cannot be")
        is_pct = unit == "percent"
        _report(table, problems, is_pct & (value > 100), "value", lambda c: f"{c} is above 100 for a percentage")
        bounded = is_pct | (unit == "rate")
        _report(table, problems, bounded & (num > den), "numerator",
                lambda c: f"the numerator {c} is above its denominator")
        derive = np.isnan(value) & ~bad_value & ~np.isnan(num) & ~np.isnan(den)
        _report(table, problems, derive & (den == 0), "denominator",
                "the denominator is 0, so no value can be worked out: give the value or leave the row out")
        scale = pd.Series(unit).map(SCALE).fillna(1.0).to_numpy(dtype="float64")
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0) * scale, np.nan)
        value = np.where(derive, ratio, value)
        _report(table, problems, is_pct & derive & (ratio > 100), "numerator",
                "numerator / denominator is above 100%")

        all_three = ~np.isnan(value) & ~derive & ~np.isnan(ratio)
        if all_three.any():
            decimals = f["value"].str.extract(r"\.(\d+)$")[0].str.len().fillna(0).to_numpy(dtype="float64")
            tolerance = np.maximum(MIN_AGREEMENT_TOLERANCE, 0.5 * 10.0 ** (-decimals)) + 1e-9
            disagree = all_three & (np.abs(value - ratio) > tolerance)
            _report(table, problems, disagree, "value",
                    lambda c: f"the value {c} does not agree with numerator / denominator",
                    "correct the value or the counts, or leave the value blank to have it worked out")

    return pd.DataFrame({
        "measure_id": measure, "team_id": team.to_numpy(dtype=object), "period_end": period_end,
        "period_type": period_type, "value": value, "numerator": num, "denominator": den,
        "source_file": np.full(n, table.file, dtype=object), "source_line": f["line"].to_numpy(dtype="int64"),
    })


def _check_benchmark(table: Table, problems: Problems, plan: Plan) -> pd.DataFrame:
    f = table.frame
    measure = _measure_ids(table, problems, plan)
    period_type = _period_types(table, problems)
    period_end = _period_ends(table, problems, period_type)
    _report(table, problems, (f["comparator"] == "").to_numpy(), "comparator",
            "a comparator is required here", "e.g. England, Statistical neighbours, East Midlands")
    value, bad = numbers_vector(f["value"])
    _report(table, problems, bad, "value", lambda c: f"'{c}' is not a number", number_hint)
    _report(table, problems, (f["value"] == "").to_numpy(), "value", "a value is required here")
    unit = pd.Series(measure).map(plan.measure_units()).to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        _report(table, problems, (unit == "percent") & ((value < 0) | (value > 100)), "value",
                lambda c: f"{c} is outside 0-100 for a percentage")
    return pd.DataFrame({
        "measure_id": measure, "comparator": f["comparator"].to_numpy(dtype=object), "period_end": period_end,
        "period_type": period_type, "value": value, "source_file": np.full(len(f), table.file, dtype=object),
        "source_line": f["line"].to_numpy(dtype="int64"),
    })


def _duplicates(frames: list[tuple[Table, pd.DataFrame]], key: list[str], problems: Problems, what: str) -> None:
    """The same key twice in one load is an error, within a file or across files."""
    if not frames:
        return
    allrows = pd.concat([df[key + ["source_file", "source_line"]] for _, df in frames], ignore_index=True)
    dup = allrows.duplicated(key, keep=False)
    if not dup.any():
        return
    tables = {t.file: t for t, _ in frames}
    rows = allrows[dup]
    first = rows.drop_duplicates(key, keep="first").set_index(key)[["source_file", "source_line"]]
    later = rows[rows.duplicated(key, keep="first")]
    for i, r in enumerate(later.itertuples(index=False)):
        if i >= MAX_LISTED_PER_RULE:
            t = tables[r.source_file]
            problems.items.append(t.problem(r.source_line, key[0],
                                            f"... and {len(later) - i:,} more rows repeating an earlier {what}"))
            break
        k = tuple(getattr(r, c) for c in key)
        f_file, f_line = first.loc[k] if len(key) > 1 else first.loc[k[0]]
        label = ", ".join(str(x)[:10] if isinstance(x, pd.Timestamp) else str(x) for x in k)
        problems.items.append(tables[r.source_file].problem(
            r.source_line, key[0], f"the {what} ({label}) is given twice in this load (also {f_file} line {f_line})",
            "keep one row per measure, team, period end and period type"))


def _csv_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")


def read_extracts(data_dir: Path, plan: Plan, problems: Problems) -> Extracts:
    data_dir = Path(data_dir)
    files: list[LoadedFile] = []
    obs: list[tuple[Table, pd.DataFrame]] = []
    bench: list[tuple[Table, pd.DataFrame]] = []
    if not data_dir.is_dir():
        problems.add(Problem(display_name(data_dir), 1, 1, "", "the extracts folder does not exist",
                             "pass --data with the folder holding the extract CSV files"))
    else:
        for path in _csv_files(data_dir):
            table = read_table(path, EXTRACT_COLUMNS, problems)
            if table is not None:
                files.append(LoadedFile(table.file, table.sha256, table.data_rows))
                obs.append((table, _check_extract(table, problems, plan)))
        bench_dir = data_dir / "benchmarks"
        if bench_dir.is_dir():
            for path in _csv_files(bench_dir):
                table = read_table(path, BENCHMARK_COLUMNS, problems)
                if table is not None:
                    files.append(LoadedFile(table.file, table.sha256, table.data_rows))
                    bench.append((table, _check_benchmark(table, problems, plan)))
    _duplicates(obs, OBSERVATION_KEY, problems, "figure")
    _duplicates(bench, BENCHMARK_KEY, problems, "comparator figure")
    empty_obs = pd.DataFrame(columns=OBSERVATION_KEY + ["value", "numerator", "denominator", "source_file",
                                                       "source_line"])
    observations = pd.concat([df for _, df in obs], ignore_index=True) if obs else empty_obs
    benchmarks = pd.concat([df for _, df in bench], ignore_index=True) if bench else \
        pd.DataFrame(columns=BENCHMARK_KEY + ["value", "source_file", "source_line"])
    return Extracts(observations, benchmarks, files)


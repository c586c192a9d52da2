"""The extracts (data/*.csv) and comparators (data/benchmarks/*.csv).

An authority's monthly extracts run to hundreds of thousands of rows, so the checks here
work on whole columns, and on each column's few distinct values (ids, dates, figures)
rather than row by row; every bad cell is still reported with its file, line and column.
"""
from __future__ import annotations

import difflib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import units as unit_table
from .cells import AUTHORITY_TEAM, PERIOD_TYPES, number_hint, numbers_of_values
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
# Quarters end in March, June, September or December (financial and calendar alike).
QUARTER_END_MONTHS = (3, 6, 9, 12)
# Units as small codes (cipdash.units), so that a million rows carry an int8 each, not a string.
UNIT_CODES = {u.name: u.code for u in unit_table.UNITS.values()}  # 0: unknown
PERIOD_TYPE_CODES = {name: i for i, name in enumerate(PERIOD_TYPES)}  # -1: not a period type

# Text columns stay dictionary-encoded (a code per row into the file's few distinct values, as
# read): spelling out a million measure ids, team ids and file names as strings took about 100
# MB and a fifth of a second at a million rows, and DuckDB reads the codes as text (VARCHAR)
# all the same.
TEXT = pa.dictionary(pa.int32(), pa.string())
OBSERVATION_SCHEMA = pa.schema([
    ("measure_id", TEXT), ("team_id", TEXT), ("period_end", pa.date32()),
    ("period_type", TEXT), ("value", pa.float64()), ("numerator", pa.float64()),
    ("denominator", pa.float64()), ("source_file", TEXT), ("source_line", pa.int32()),
])
BENCHMARK_SCHEMA = pa.schema([
    ("measure_id", TEXT), ("comparator", TEXT), ("period_end", pa.date32()),
    ("period_type", TEXT), ("value", pa.float64()), ("source_file", TEXT),
    ("source_line", pa.int32()),
])


def _as_text(schema: pa.Schema) -> pa.Schema:
    """The schema with plain strings for its dictionary-encoded text columns."""
    return pa.schema([(f.name, pa.string() if f.type == TEXT else f.type) for f in schema])


@dataclass
class Extracts:
    """Every checked row, as Arrow tables (what the load stages into DuckDB)."""

    observations_table: pa.Table
    benchmarks_table: pa.Table
    files: list[LoadedFile] = field(default_factory=list)

    @cached_property
    def observations(self) -> pd.DataFrame:
        return self.observations_table.cast(_as_text(OBSERVATION_SCHEMA)).to_pandas()

    @cached_property
    def benchmarks(self) -> pd.DataFrame:
        return self.benchmarks_table.cast(_as_text(BENCHMARK_SCHEMA)).to_pandas()


@dataclass
class _Checked:
    """One file's rows as the load stores them, plus what the duplicate check needs."""

    table: Table
    columns: dict[str, pa.Array]
    key_parts: list[tuple[np.ndarray, list[str]]]  # per key column other than the date: (codes, values)
    period_days: np.ndarray  # int64 days since 1970, or INVALID_DAY
    period_type: np.ndarray  # int8 code, -1 when not a period type


INVALID_DAY = np.iinfo(np.int64).min
EPOCH = date(1970, 1, 1)
ONE_DAY = timedelta(days=1)
TODAY_ENV = "CIPDASH_TODAY"
# Extract files read and checked at once (read_extracts).
FILES_AT_ONCE = 2


def today() -> date:
    """The date a load runs on: $CIPDASH_TODAY (YYYY-MM-DD) when set, so tests and a
    rerun of an old month can fix it, else the machine's date."""
    fixed = os.environ.get(TODAY_ENV, "").strip()
    return date.fromisoformat(fixed) if fixed else date.today()


def _last_day_of_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1) - ONE_DAY


def _report_negative(table: Table, problems: Problems, unit: np.ndarray, value: np.ndarray,
                     among: np.ndarray | bool = True) -> None:
    """Values below 0 of measures whose unit cannot be negative (`among`: the rows to judge)."""
    non_negative = np.isin(unit, _codes(lambda u: not u.may_be_negative)) & among
    with np.errstate(invalid="ignore"):
        _report(table, problems, non_negative & (value < 0), "value",
                lambda c: f"{c} is negative, which this measure's unit cannot be")


def _codes(which) -> list[int]:
    """The codes of the units `which` picks (a test on a units.Unit)."""
    return [u.code for u in unit_table.UNITS.values() if which(u)]


def _capped(unit: np.ndarray) -> list[tuple[np.ndarray, "unit_table.Unit"]]:
    """(rows of the unit, the unit) for each unit with a highest figure (a percentage's 100)."""
    return [(unit == u.code, u) for u in unit_table.UNITS.values() if u.highest is not None]


def _report(table: Table, problems: Problems, mask: np.ndarray, column: str, message, hint="") -> None:
    """Report every row in `mask`: the first few in full, the rest counted."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return

    def cell(i: int) -> str:
        return table.text(column, i) if column in table.cells else ""

    for i in idx[:MAX_LISTED_PER_RULE]:
        c = cell(i)
        text = message(c) if callable(message) else message
        h = hint(c) if callable(hint) else hint
        problems.items.append(table.problem(table.lines[i], column, text, h))
    if len(idx) > MAX_LISTED_PER_RULE:
        first = idx[MAX_LISTED_PER_RULE]
        text = message(cell(first)) if callable(message) else message
        problems.items.append(table.problem(
            table.lines[first], column, f"... and {len(idx) - MAX_LISTED_PER_RULE:,} more rows like this ({text})"))


def _closest(word: str, choices) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f"did you mean '{match[0]}'?" if match else ""


def _per_value(table: Table, column: str, fn, dtype) -> np.ndarray:
    """fn applied once to each distinct value of the column, spread back over the rows."""
    lookup = np.array([fn(v) for v in table.values(column).to_pylist()], dtype=dtype)
    if not len(lookup):
        return np.zeros(table.data_rows, dtype=dtype)
    return lookup[table.codes(column)]


def _period_types(table: Table, problems: Problems) -> np.ndarray:
    codes = _per_value(table, "period_type", lambda v: PERIOD_TYPE_CODES.get(v.lower() or "month", -1), np.int8)
    _report(table, problems, codes < 0, "period_type", lambda c: f"'{c}' is not a period type",
            "month, quarter or year (blank means month)")
    return codes


def _period_ends(table: Table, problems: Problems, period_type: np.ndarray) -> np.ndarray:
    """Parse the (few) distinct period ends once; check each is the end of its period.
    Returns days since 1970-01-01 per row, INVALID_DAY where unreadable."""
    values = table.values("period_end").to_pylist()
    days = np.full(len(values), INVALID_DAY, dtype=np.int64)
    month_end = np.zeros(len(values), dtype=bool)
    month = np.zeros(len(values), dtype=np.int8)
    errors: dict[str, BadDate] = {}
    for i, s in enumerate(values):
        if s == "":
            continue
        try:
            d = parse_date(s, allow_year_month=True)
        except BadDate as exc:
            errors[s] = exc
            continue
        days[i] = (d - EPOCH).days
        month[i] = d.month
        month_end[i] = (d + ONE_DAY).month != d.month
    codes = table.codes("period_end")
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    empty = np.array([v == "" for v in values])[codes]
    bad = np.array([v in errors for v in values])
    _report(table, problems, empty, "period_end", "a period end is required here",
            "the last day of the period, e.g. 2020-09-30 (or 2020-09)")
    _report(table, problems, bad[codes], "period_end",
            lambda c: str(errors[c]), lambda c: errors[c].hint)
    readable = (days != INVALID_DAY)[codes]
    not_month_end = readable & ~month_end[codes]
    _report(table, problems, not_month_end, "period_end",
            lambda c: f"'{c}' is not the last day of a month",
            lambda c: f"period ends are month ends, e.g. {c[:7] if c[4:5] == '-' else 'YYYY-MM'} for that month")
    bad_quarter = readable & month_end[codes] & (period_type == PERIOD_TYPE_CODES["quarter"]) & \
        ~np.isin(month[codes], QUARTER_END_MONTHS)
    _report(table, problems, bad_quarter, "period_end",
            lambda c: f"'{c}' does not end a quarter", "quarters end in March, June, September or December")
    # A figure from the future is a typing slip (2030 for 2020) or a wrong extract: it would
    # make every page read "as at" that month.
    now = today()
    last = (_last_day_of_month(now) - EPOCH).days
    future = readable & (days[codes] > last)

    def future_message(c: str) -> str:
        d = EPOCH + timedelta(days=int(days[values.index(c)]))
        return f"period_end {d.isoformat()} is after this month ({now.strftime('%b %Y')})"

    _report(table, problems, future, "period_end", future_message,
            "a period end is a period that has ended: check the year")
    return days[codes]


def _measure_ids(table: Table, problems: Problems, plan: Plan) -> np.ndarray:
    """Checks the measure ids; returns each row's unit code (0 where not known)."""
    known = plan.known_measures
    units = plan.measure_units()
    _report(table, problems, _per_value(table, "measure_id", lambda v: v == "", bool), "measure_id",
            "a measure id is required here")
    if known is not None:
        unknown = _per_value(table, "measure_id", lambda v: v != "" and v not in known, bool)
        _report(table, problems, unknown, "measure_id",
                lambda c: f"measure '{c}' is not in measures.csv", lambda c: _closest(c, known))
    return _per_value(table, "measure_id", lambda v: UNIT_CODES.get(units.get(v, ""), 0), np.int8)


def _numbers(table: Table, column: str) -> tuple[np.ndarray, np.ndarray]:
    values, bad = numbers_of_values(table.values(column))
    codes = table.codes(column)
    if not len(values):
        return np.full(len(codes), np.nan), np.zeros(len(codes), dtype=bool)
    return values[codes], bad[codes]


def _as_days(days: np.ndarray) -> pa.Array:
    valid = days != INVALID_DAY
    return pa.array(np.where(valid, days, 0).astype(np.int32), pa.int32(), mask=~valid).cast(pa.date32())


def _text_column(table: Table, column: str, values: list[str] | None = None) -> pa.DictionaryArray:
    """The column's codes, with `values` in place of its distinct values when given."""
    arr = table.cells[column]
    dictionary = pa.array(values, pa.string()) if values is not None else arr.dictionary
    return pa.DictionaryArray.from_arrays(arr.indices, dictionary)


def _period_type_column(period_type: np.ndarray) -> pa.DictionaryArray:
    """Each row's period type by its code (-1, not a period type, as blank)."""
    codes = np.where(period_type < 0, len(PERIOD_TYPES), period_type).astype(np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(PERIOD_TYPES + ("",), pa.string()))


def _file_column(table: Table) -> pa.DictionaryArray:
    """The file's name on every row: one value, a code per row."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(table.data_rows, dtype=np.int32)),
                                          pa.array([table.file], pa.string()))


def _check_extract(table: Table, problems: Problems, plan: Plan) -> _Checked:
    n = table.data_rows
    unit = _measure_ids(table, problems, plan)
    period_type = _period_types(table, problems)
    period_days = _period_ends(table, problems, period_type)

    # Teams: blank or ALL (any case) is the whole authority.
    team_values = [AUTHORITY_TEAM if v.upper() in ("", AUTHORITY_TEAM) else v
                   for v in table.values("team_id").to_pylist()]
    teams = plan.known_teams
    if teams is not None:
        unknown = np.array([v != AUTHORITY_TEAM and v not in teams for v in team_values], dtype=bool)
        if len(unknown):
            _report(table, problems, unknown[table.codes("team_id")], "team_id",
                    lambda c: f"team '{c}' is not in teams.csv",
                    lambda c: _closest(c, teams) or ("blank or ALL means the whole authority" if not teams else ""))

    value, bad_value = _numbers(table, "value")
    num, bad_num = _numbers(table, "numerator")
    den, bad_den = _numbers(table, "denominator")
    for col, bad in (("value", bad_value), ("numerator", bad_num), ("denominator", bad_den)):
        _report(table, problems, bad, col, lambda c: f"'{c}' is not a number", number_hint)

    has_v, has_n, has_d = ~np.isnan(value) | bad_value, ~np.isnan(num) | bad_num, ~np.isnan(den) | bad_den
    _report(table, problems, ~has_v & ~has_n & ~has_d, "value",
            "the row needs a value, or a numerator and a denominator")
    _report(table, problems, has_n & ~has_d & ~bad_num, "denominator",
            "a numerator is given without its denominator")
    _report(table, problems, has_d & ~has_n & ~bad_den, "numerator",
            "a denominator is given without its numerator")

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        _report(table, problems, num < 0, "numerator", lambda c: f"{c} is negative; a count cannot be")
        _report(table, problems, den < 0, "denominator", lambda c: f"{c} is negative; a count cannot be")
        _report_negative(table, problems, unit, value)
        for rows, u in _capped(unit):
            _report(table, problems, rows & (value > u.highest), "value",
                    lambda c, u=u: f"{c} is above {u.highest:g} for {u.noun}")
        bounded = np.isin(unit, _codes(lambda u: u.is_ratio))  # a part of its denominator
        _report(table, problems, bounded & (den >= 0) & (num > den), "numerator",
                lambda c: f"the numerator {c} is above its denominator")
        derive = np.isnan(value) & ~bad_value & ~np.isnan(num) & ~np.isnan(den)
        _report(table, problems, derive & (den == 0), "denominator",
                "the denominator is 0, so no value can be worked out: give the value or leave the row out")
        scale = np.ones(n)
        for u in unit_table.UNITS.values():
            if u.scale is not None:  # a worked-out value is the ratio in the measure's unit
                scale[unit == u.code] = u.scale
        # Scaled before dividing, and rounded to 10 places, so 7 of 100 is 7.0, not the
        # 7.000000000000001 that (7 / 100) * 100 gives: a worked-out figure reads as typed.
        ratio = np.where(den > 0, np.round(num * scale / np.where(den > 0, den, 1.0), 10), np.nan)
        value = np.where(derive, ratio, value)

        # Agreement is only judged where the unit (and so the scale) is known.
        all_three = ~np.isnan(value) & ~derive & ~np.isnan(ratio) & (unit > 0)
        if all_three.any():
            decimals = _per_value(table, "value", _decimals, np.float64)
            tolerance = np.maximum(MIN_AGREEMENT_TOLERANCE, 0.5 * 10.0 ** (-decimals)) + 1e-9
            disagree = all_three & (np.abs(value - ratio) > tolerance)
            _report(table, problems, disagree, "value",
                    lambda c: f"the value {c} does not agree with numerator / denominator",
                    "correct the value or the counts, or leave the value blank to have it worked out")

    team_codes = table.codes("team_id")
    columns = {
        "measure_id": _text_column(table, "measure_id"),
        "team_id": _text_column(table, "team_id", team_values),
        "period_end": _as_days(period_days),
        "period_type": _period_type_column(period_type),
        "value": pa.array(value, pa.float64()),
        "numerator": pa.array(num, pa.float64()),
        "denominator": pa.array(den, pa.float64()),
        "source_file": _file_column(table),
        "source_line": pa.array(table.lines.astype(np.int32)),
    }
    key_parts = [(table.codes("measure_id"), table.values("measure_id").to_pylist()), (team_codes, team_values)]
    return _Checked(table, columns, key_parts, period_days, period_type)


def _decimals(text: str) -> float:
    """How many decimal places a figure is stated to: '94' 0, '94.0' 1, '94.25' 2."""
    head = text.lower().split("e")[0]
    return float(len(head) - head.index(".") - 1) if "." in head else 0.0


def _check_benchmark(table: Table, problems: Problems, plan: Plan) -> _Checked:
    unit = _measure_ids(table, problems, plan)
    period_type = _period_types(table, problems)
    period_days = _period_ends(table, problems, period_type)
    comparators = table.values("comparator").to_pylist()
    _report(table, problems, _per_value(table, "comparator", lambda v: v == "", bool), "comparator",
            "a comparator is required here", "e.g. England, Statistical neighbours, East Midlands")
    value, bad = _numbers(table, "value")
    _report(table, problems, bad, "value", lambda c: f"'{c}' is not a number", number_hint)
    _report(table, problems, np.isnan(value) & ~bad, "value", "a value is required here")
    with np.errstate(invalid="ignore"):
        # A comparator is a figure of the same measure, so the same bounds (a negative
        # percentage is reported once, as outside 0-100).
        capped = np.zeros(len(unit), dtype=bool)
        for rows, u in _capped(unit):
            _report(table, problems, rows & ((value < u.lowest) | (value > u.highest)), "value",
                    lambda c, u=u: f"{c} is outside {u.lowest:g}-{u.highest:g} for {u.noun}")
            capped |= rows
        _report_negative(table, problems, unit, value, ~capped)
    columns = {
        "measure_id": _text_column(table, "measure_id"),
        "comparator": _text_column(table, "comparator"),
        "period_end": _as_days(period_days),
        "period_type": _period_type_column(period_type),
        "value": pa.array(value, pa.float64()),
        "source_file": _file_column(table),
        "source_line": pa.array(table.lines.astype(np.int32)),
    }
    key_parts = [(table.codes("measure_id"), table.values("measure_id").to_pylist()),
                 (table.codes("comparator"), comparators)]
    return _Checked(table, columns, key_parts, period_days, period_type)


def _duplicates(checked: list[_Checked], problems: Problems, what: str, hint: str) -> None:
    """The same key twice in one load is an error, within a file or across files.

    Each row's key becomes one integer (global codes for the ids, the day, the period
    type), so a million rows are checked with one sort. Rows whose date or period type
    could not be read have no key (they are already reported).
    """
    if not checked:
        return
    globals_: list[dict[str, int]] = [{} for _ in checked[0].key_parts]
    parts: list[list[np.ndarray]] = [[] for _ in globals_]
    for c in checked:
        for j, (codes, values) in enumerate(c.key_parts):
            lookup = np.array([globals_[j].setdefault(v, len(globals_[j])) for v in values], dtype=np.int64)
            parts[j].append(lookup[codes] if len(lookup) else np.zeros(len(codes), dtype=np.int64))
    days = np.concatenate([c.period_days for c in checked])
    ptype = np.concatenate([c.period_type for c in checked]).astype(np.int64)
    valid = (days != INVALID_DAY) & (ptype >= 0)
    if not valid.any():
        return
    key = np.zeros(len(days), dtype=np.int64)
    span = 1
    for j in range(len(parts)):
        col = np.concatenate(parts[j])
        size = max(len(globals_[j]), 1)
        key = key * size + col
        span *= size
    day_min, day_max = days[valid].min(), days[valid].max()
    day_span = int(day_max - day_min + 1)
    if span * day_span * len(PERIOD_TYPES) < 2 ** 62:
        key = (key * day_span + np.where(valid, days - day_min, 0)) * len(PERIOD_TYPES) + np.where(valid, ptype, 0)
        rows = np.flatnonzero(valid)
        order = rows[np.argsort(key[rows], kind="stable")]
        sorted_keys = key[order]
        same = sorted_keys[1:] == sorted_keys[:-1]
    else:  # astronomically many distinct ids: let pandas hash the parts instead
        frame = pd.DataFrame({f"k{j}": np.concatenate(parts[j]) for j in range(len(parts))})
        frame["day"], frame["type"] = days, ptype
        frame = frame[valid]
        frame = frame.sort_values(list(frame.columns), kind="stable")
        order = frame.index.to_numpy()
        same = (frame.iloc[1:].to_numpy() == frame.iloc[:-1].to_numpy()).all(axis=1)
    if not same.any():
        return

    # Where each concatenated row came from.
    sizes = np.array([c.table.data_rows for c in checked])
    starts = np.concatenate([[0], np.cumsum(sizes)])

    def place(global_row: int) -> tuple[_Checked, int]:
        k = int(np.searchsorted(starts, global_row, side="right") - 1)
        return checked[k], int(global_row - starts[k])

    # The first row of each run of equal keys is where the key was first given.
    run_start = np.concatenate([[0], np.flatnonzero(~same) + 1])
    run_of = np.repeat(np.arange(len(run_start)), np.diff(np.concatenate([run_start, [len(order)]])))
    first_of_run = order[run_start[run_of]]
    repeats = np.flatnonzero(np.concatenate([[False], same]))
    repeats = repeats[np.argsort(order[repeats], kind="stable")]  # report in file and line order
    for i, r in enumerate(repeats):
        c, row = place(int(order[r]))
        if i >= MAX_LISTED_PER_RULE:
            problems.items.append(c.table.problem(c.table.lines[row], "measure_id",
                                                  f"... and {len(repeats) - i:,} more rows repeating an earlier {what}"))
            break
        f, frow = place(int(first_of_run[r]))
        label = ", ".join(str(c.columns[k][row].as_py()) for k in c.columns if k in _KEY_LABEL_COLUMNS)
        problems.items.append(c.table.problem(
            c.table.lines[row], "measure_id",
            f"the {what} ({label}) is given twice in this load (also {f.table.file} line {f.table.lines[frow]})",
            hint))


_KEY_LABEL_COLUMNS = ("measure_id", "team_id", "comparator", "period_end", "period_type")


def _csv_files(folder: Path, problems: Problems) -> list[Path]:
    """The *.csv files directly in the folder. Like the shell's *.csv, not hidden files
    (macOS leaves ._name.csv beside files copied to a share); and not the ~$name.csv
    owner file Excel writes beside a file it has open, with a warning."""
    out = []
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.suffix.lower() != ".csv" or p.name.startswith("."):
            continue
        if p.name.startswith("~$"):
            problems.add(Problem(display_name(p), 1, 1, "", "skipped: this is Excel's lock file for a file that "
                                 "is open in Excel, not an extract", severity="warning"))
            continue
        out.append(p)
    return out


def _combine(checked: list[_Checked], schema: pa.Schema) -> pa.Table:
    if not checked:
        return schema.empty_table()
    return pa.concat_tables([pa.table(c.columns, schema=schema) for c in checked])


def read_extracts(data_dir: Path, plan: Plan, problems: Problems, named_as: Path | None = None) -> Extracts:
    """Every extract and comparator file in data_dir. `named_as`: the folder the files are
    named after in problems and in the figures' source_file (an upload checks a staged copy
    of data/ under the names the files will have there)."""
    data_dir = Path(data_dir)

    def name(path: Path) -> str | None:
        return display_name(Path(named_as) / path.relative_to(data_dir)) if named_as is not None else None

    files: list[LoadedFile] = []
    obs: list[_Checked] = []
    bench: list[_Checked] = []
    if not data_dir.is_dir():
        problems.add(Problem(display_name(data_dir), 1, 1, "", "the extracts folder does not exist",
                             "pass --data with the folder holding the extract CSV files"))
    else:
        # The benchmarks folder is listed after the extracts are checked, so its lock-file
        # warnings keep their place in the list: after the extracts' problems.
        listing_later = Problems()
        bench_dir = data_dir / "benchmarks"
        jobs = [(path, EXTRACT_COLUMNS, _check_extract, obs) for path in _csv_files(data_dir, problems)]
        n_extracts = len(jobs)
        if bench_dir.is_dir():
            jobs += [(path, BENCHMARK_COLUMNS, _check_benchmark, bench)
                     for path in _csv_files(bench_dir, listing_later)]

        def read_and_check(job) -> tuple[Problems, Table | None, _Checked | None]:
            path, columns, check, _ = job
            own = Problems()  # this file's problems alone, merged below in file order
            table = read_table(path, columns, own, file=name(path))
            return own, table, (check(table, own, plan) if table is not None else None)

        # Two files at a time: Arrow's reading and compute release the GIL, so on two cores a
        # million rows in ten files were read and checked in 0.53 s rather than 0.73 s (medians
        # of 12, same CPU time). Each file's problems are its own, merged in file order, so the
        # list is the one a file-by-file check gives.
        with ThreadPoolExecutor(max_workers=FILES_AT_ONCE) as pool:
            for i, (job, (own, table, checked)) in enumerate(zip(jobs, pool.map(read_and_check, jobs))):
                if i == n_extracts:
                    problems.merge(listing_later)
                problems.merge(own)
                if table is not None:
                    files.append(LoadedFile(table.file, table.sha256, table.data_rows))
                    job[3].append(checked)
        if n_extracts == len(jobs):
            problems.merge(listing_later)
    _duplicates(obs, problems, "figure", "keep one row per measure, team, period end and period type")
    _duplicates(bench, problems, "comparator figure", "keep one row per measure, comparator, period end and period type")
    return Extracts(_combine(obs, OBSERVATION_SCHEMA), _combine(bench, BENCHMARK_SCHEMA), files)


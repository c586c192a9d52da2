"""Fuzzing the reading and checking of the plan and extracts (issue 6, point 2).

Whatever bytes arrive — random bytes, or a valid file with characters deleted, doubled or
inserted, delimiters swapped, lines moved, random Unicode, another encoding — reading and
checking gives either a clean result or a list of problems, each at file:line:column. It
never raises. A load of such files either applies all of them or leaves the database
byte for byte as it was: never a partial write.

The examples are bounded so this file runs in well under a minute. For a long run:

    CIPDASH_FUZZ_EXAMPLES=20 .venv/bin/python -m pytest tests/test_hostile_fuzz.py

multiplies every example count by 20 (hypothesis keeps what it finds in .hypothesis/).
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cipdash.csvfile import read_table
from cipdash.db import open_snapshot
from cipdash.errors import LoadFailed, Problem, Problems
from cipdash.extracts import BENCHMARK_COLUMNS, EXTRACT_COLUMNS
from cipdash.plan import PLAN_FILES
from cipdash.store import load, validate
from plan_builder import EXTRACT, PLAN
from support import loaded

SCALE = max(1, int(os.environ.get("CIPDASH_FUZZ_EXAMPLES", "1")))
FAST = settings(deadline=None, max_examples=150 * SCALE, suppress_health_check=list(HealthCheck))

BENCHMARKS = ("measure_id,period_end,period_type,comparator,value\n"
              "assessment_timeliness,2020-09-30,month,England,88.2\n"
              "assessment_timeliness,2020-09-30,month,Statistical neighbours,85.0\n"
              "care_proceedings_weeks,2020-06-30,quarter,England,33.1\n")
INSPECTIONS = ("date,framework,area,grade\n"
               "2019-05-20,ILACS,Overall effectiveness,Requires improvement\n"
               "2020-02-11,Monitoring visit,Children in need,\"Progress, but too slow\"\n")
REBASE = "measure_id,rebase_date,reason\nassessment_timeliness,2020-04-01,New front door\n"

# Every file a load reads, as the fuzzer starts from them (all valid).
BASE_FILES: dict[str, str] = {
    **{f"cip_data/{name}": text for name, text in PLAN.items()},
    "cip_data/inspections.csv": INSPECTIONS,
    "cip_data/spc_rebase.csv": REBASE,
    "data/extract.csv": EXTRACT,
    "data/benchmarks/england.csv": BENCHMARKS,
}
COLUMNS = {**{f"cip_data/{n}": c for n, c in PLAN_FILES.items()},
           "data/extract.csv": EXTRACT_COLUMNS, "data/benchmarks/england.csv": BENCHMARK_COLUMNS}

# What real exports and hand edits put into files, beside any Unicode at all.
ODD = ['"', '""', ",", ";", "\t", "\n", "\r", "\r\n", "\x00", "\x0b", "\x1a", "\x85", "\ufeff", "\u200b", "\xa0",
       "\u2028", "é", "£", "“", "”", "–", "€", "😀", "%", "94%", "1,234", "-", "-1", "1e309", "nan", "0", ".", "/",
       "2020-09-31", "31/09/2020", "09/30/2020", "ALL", "all", " ", "=", "'", "\\", "<script>alert(1)</script>",
       "**b**", "[x](javascript:alert(1))", "$x$", "measure_id", "R1", "north", "assessment_timeliness"]
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
INSERTS = st.one_of(st.sampled_from(ODD), ANY_TEXT)


@st.composite
def mutated_text(draw, text: str) -> str:
    """A valid file's text after a few edits of the kinds that break real files."""
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        kind = draw(st.sampled_from(["delete", "double", "insert", "insert", "delimiter", "swap", "truncate",
                                     "line_twice", "line_moved", "line_delimiter"]))
        i = draw(st.integers(0, max(n - 1, 0)))
        if kind == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 8)):]
        elif kind == "double":
            text = text[:i] + text[i:i + draw(st.integers(1, 30))] + text[i:]
        elif kind == "insert":
            text = text[:i] + draw(INSERTS) + text[i:]
        elif kind == "delimiter":
            text = text.replace(",", draw(st.sampled_from([";", "\t", "|", ", "])))
        elif kind == "swap" and n > i + 1:
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        elif kind == "truncate":
            text = text[:i]
        else:
            lines = text.split("\n")
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "line_twice":
                lines.insert(j, lines[j])
            elif kind == "line_moved":
                lines.insert(draw(st.integers(0, len(lines))), lines.pop(j))
            else:
                lines[j] = lines[j].replace(",", draw(st.sampled_from([";", "\t"])))
            text = "\n".join(lines)
    return text


@st.composite
def mutated_file(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(BASE_FILES)))
    text = draw(mutated_text(BASE_FILES[name]))
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-8-crlf", "cp1252", "utf-16", "latin-1"]))
    if encoding == "utf-8-crlf":
        raw = text.replace("\n", "\r\n").encode("utf-8")
    else:
        raw = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:  # and now and then a flipped byte
        k = draw(st.integers(0, max(len(raw) - 1, 0)))
        raw = raw[:k] + bytes([draw(st.integers(0, 255))]) + raw[k + 1:]
    return name, raw


def project(root: Path, name: str | None = None, raw: bytes | None = None) -> tuple[Path, Path]:
    files = {k: v.encode("utf-8") for k, v in BASE_FILES.items()}
    if name is not None:
        files[name] = raw
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root / "cip_data", root / "data"


def assert_clean(problems: list[Problem]) -> None:
    """Every problem is a place in a file and a sentence: never a stray exception text."""
    for p in problems:
        assert isinstance(p, Problem)
        assert p.file and p.line >= 1 and p.column >= 1, p
        assert p.severity in ("error", "warning"), p
        assert p.message and "Traceback" not in p.message, p
        str(p)  # prints


COUNT = {"examples": 0, "accepted": 0, "rejected": 0, "loads": 0, "loads_applied": 0, "loads_refused": 0}


def teardown_module(module):
    print(f"\nfuzz: {COUNT}")


# --------------------------------------------------------------------------- reading one file

@FAST
@given(raw=st.binary(max_size=3000), spec=st.sampled_from(sorted(COLUMNS)))
def test_any_bytes_are_read_or_refused_cleanly(raw, spec):
    problems = Problems()
    table = read_table(Path("x.csv"), COLUMNS[spec], problems, raw=raw, file="x.csv")
    assert_clean(problems.all())
    if table is None:
        assert problems.errors
    else:
        assert set(table.cells) == set(COLUMNS[spec])
        assert all(len(a) == table.data_rows for a in table.cells.values())
        assert list(table.lines) == sorted(table.lines) and (table.data_rows == 0 or table.lines[0] >= 2)


def _strict_records(text: str) -> list[list[str]] | None:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return None


@FAST
@given(data=st.data())
def test_a_file_read_without_errors_is_read_as_strict_csv_reads_it(data):
    """Nothing in between: when the reader accepts a file, every cell is what a strict
    RFC 4180 reader makes of it (so no reading that another program would not share)."""
    name = data.draw(st.sampled_from(sorted(COLUMNS)))
    text = data.draw(mutated_text(BASE_FILES[name]))
    problems = Problems()
    table = read_table(Path("x.csv"), COLUMNS[name], problems, raw=text.encode("utf-8"), file="x.csv")
    assert_clean(problems.all())
    if table is None or problems.errors:
        return
    records = _strict_records(text.replace("\r\n", "\n") if "\n" in text else text.replace("\r", "\n"))
    assert records is not None, "accepted a file a strict CSV reader refuses"
    header = [h.strip().lower() for h in records[0]]
    rows = [r for r in records[1:] if any(
        r[header.index(c)].strip() for c in COLUMNS[name] if c in header and header.index(c) < len(r))]
    assert len(rows) == table.data_rows
    for i, r in enumerate(rows):
        for c in COLUMNS[name]:
            if c in header:
                k = header.index(c)
                assert table.text(c, i) == (r[k].strip() if k < len(r) else ""), (c, i)


# --------------------------------------------------------------------------- checking a whole load

@FAST
@given(change=mutated_file())
def test_any_mutated_file_is_checked_cleanly(change):
    name, raw = change
    with tempfile.TemporaryDirectory() as tmp:
        plan_dir, data_dir = project(Path(tmp), name, raw)
        checked = validate(plan_dir, data_dir)
    assert_clean(checked.problems)
    COUNT["examples"] += 1
    COUNT["rejected" if checked.errors else "accepted"] += 1


@settings(deadline=None, max_examples=40 * SCALE, suppress_health_check=list(HealthCheck))
@given(change=mutated_file())
def test_plan_toml_of_any_bytes(change):
    _, raw = change
    with tempfile.TemporaryDirectory() as tmp:
        plan_dir, data_dir = project(Path(tmp), "cip_data/plan.toml", raw)
        assert_clean(validate(plan_dir, data_dir).problems)


# --------------------------------------------------------------------------- loads: all or nothing

def table_contents(db: Path) -> dict[str, list]:
    snap = open_snapshot(db)
    try:
        names = snap.execute("select table_name from duckdb_tables() where database_name = 'cip' order by 1")
        return {n: sorted(map(repr, snap.execute(f'select * from "{n}"').itertuples(index=False)))
                for n in names["table_name"]}
    finally:
        snap.close()


class Loaded:
    """The database after a load of the base files: its bytes and every table's rows."""

    def __init__(self, db: Path):
        self.bytes, self.contents = db.read_bytes(), table_contents(db)

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"Loaded({len(self.bytes):,} bytes)"


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory) -> Loaded:
    root = tmp_path_factory.mktemp("fuzz-base")
    return Loaded(loaded(root, project(root)))


@settings(deadline=None, max_examples=30 * SCALE, suppress_health_check=list(HealthCheck))
@given(change=mutated_file())
def test_a_load_of_mutated_files_applies_all_or_nothing(loaded_db, change):
    base_bytes, base_contents = loaded_db.bytes, loaded_db.contents
    name, raw = change
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plan_dir, data_dir = project(root, name, raw)
        db = root / "db" / "cip.duckdb"
        db.parent.mkdir()
        db.write_bytes(base_bytes)
        checked = validate(plan_dir, data_dir)
        COUNT["loads"] += 1
        try:
            # A mutation that drops rows withdraws their figures (the files are the truth):
            # allowed here, where the question is whether the load is all or nothing.
            load(plan_dir, data_dir, db, allow_withdraw=True)
        except LoadFailed as failed:
            assert checked.errors and failed.problems
            assert hashlib.sha256(db.read_bytes()).digest() == hashlib.sha256(base_bytes).digest()
            assert table_contents(db) == base_contents
            COUNT["loads_refused"] += 1
        else:
            assert not checked.errors
            COUNT["loads_applied"] += 1
            assert_whole_load_is_in(db, checked)
        # Nothing but the file and the (empty) lock files of loads and uploads.
        assert {p.name for p in db.parent.iterdir()} <= {"cip.duckdb", "cip.duckdb.lock", "cip.duckdb.files-lock"}
        assert "cip.duckdb" in {p.name for p in db.parent.iterdir()}


def assert_whole_load_is_in(db: Path, checked) -> None:
    """Every checked figure is in the database with its value, and the plan is the new one."""
    obs = checked.extracts.observations
    snap = open_snapshot(db)
    try:
        con = snap._instance.cursor()  # a connection of the snapshot's own, to register a frame in
        con.register("checked_obs", obs)
        missing = con.execute(
            "select count(*) from checked_obs as c where not exists (select 1 from cip.observations as o "
            "where o.measure_id = c.measure_id and o.team_id = c.team_id and o.period_end = c.period_end "
            "and o.period_type = c.period_type and o.value is not distinct from c.value)").fetchone()[0]
        assert missing == 0
        # and nothing else: the files are the truth (figures not in them were withdrawn)
        assert snap.execute("select count(*) as n from observations")["n"].iloc[0] == len(obs)
        for table, frame in checked.plan.tables().items():
            assert snap.execute(f"select count(*) as n from {table}")["n"].iloc[0] == len(frame), table
        con.close()
    finally:
        snap.close()

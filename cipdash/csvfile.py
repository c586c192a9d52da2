"""Reading one CSV file into a frame of text cells, each row knowing its line in the file.

Everything is read as text here; the plan and extract modules give the cells meaning.
Problems are reported with the file, the line (counted as a text editor counts them,
so a quoted newline inside evidence text moves later rows down) and the column.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import Problem, Problems

# Evidence text can be long; the csv module's default cap (128 KiB a field) is too low
# for pasted committee text, but a cap still guards against a file that is one huge field.
FIELD_SIZE_LIMIT = 4 * 1024 * 1024
csv.field_size_limit(FIELD_SIZE_LIMIT)


def display_name(path: Path) -> str:
    """The path as a user would recognise it: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass
class Table:
    """The text cells of one CSV file: known columns only, stripped, plus `line`."""

    file: str
    frame: pd.DataFrame
    column_numbers: dict[str, int] = field(default_factory=dict)  # name -> 1-based position
    sha256: str = ""
    data_rows: int = 0

    def column(self, name: str) -> int:
        return self.column_numbers.get(name, 1)

    def problem(self, line: int, name: str, message: str, hint: str = "", severity: str = "error") -> Problem:
        return Problem(self.file, int(line), self.column(name), name, message, hint, severity)


def _position(text_before: str) -> tuple[int, int]:
    line = text_before.count("\n") + 1
    column = len(text_before) - (text_before.rfind("\n") + 1) + 1
    return line, column


def decode(raw: bytes, file: str, problems: Problems) -> str | None:
    """UTF-8, with or without Excel's byte-order mark. Anything else is an error, not a guess."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(raw[: exc.start].decode("utf-8", errors="replace"))
        bad = raw[exc.start : exc.start + 1].hex()
        problems.add(
            Problem(
                file,
                line,
                column,
                "",
                f"the file is not UTF-8 text (byte 0x{bad})",
                "in Excel use Save As > 'CSV UTF-8 (Comma delimited)'",
            )
        )
        return None


def _records_slow(text: str, file: str, problems: Problems) -> list[tuple[int, list[str]]] | None:
    """Every record with the line it starts on; handles quoted commas and newlines."""
    out: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    last = 0
    try:
        for fields in reader:
            out.append((last + 1, fields))
            last = reader.line_num
    except csv.Error as exc:
        problems.add(
            Problem(file, last + 1, 1, "", f"the file cannot be read as CSV here: {exc}",
                    "check for an unclosed quote (\") on or before this line")
        )
        return None
    return out


def read_table(
    path: Path,
    columns: dict[str, bool],
    problems: Problems,
    raw: bytes | None = None,
    file: str | None = None,
) -> Table | None:
    """Read `path` (or `raw` bytes) keeping `columns` (name -> required).

    Returns None when the file cannot be used at all (not UTF-8, no header, missing
    required columns); the reasons are in `problems`.
    """
    import hashlib

    file = file or display_name(path)
    if raw is None:
        raw = Path(path).read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    text = decode(raw, file, problems)
    if text is None:
        return None
    if not text.strip():
        problems.add(Problem(file, 1, 1, "", "the file is empty: it needs at least a header row",
                             "the first line names the columns: " + ", ".join(columns)))
        return None

    fast = '"' not in text and "\r" not in text.replace("\r\n", "\n")
    records = None
    grid: pd.DataFrame | None = None
    if fast:
        try:
            grid = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                               na_filter=False, skip_blank_lines=False, engine="c", quoting=csv.QUOTE_NONE)
        except (pd.errors.ParserError, pd.errors.EmptyDataError):
            grid = None  # ragged rows: the careful path below names each one
    if grid is None:
        records = _records_slow(text, file, problems)
        if records is None:
            return None
        if not records:
            problems.add(Problem(file, 1, 1, "", "the file has no header row"))
            return None
        header = records[0][1]
    else:
        header = list(grid.iloc[0])

    names = [h.strip().lower() for h in header]
    known = [n for n in names if n in columns]
    if not known:
        problems.add(Problem(file, 1, 1, "", "the first line is not a header row (no known column names)",
                             "the first line must name the columns: " + ", ".join(columns)))
        return None

    positions: dict[str, int] = {}
    ok = True
    for i, name in enumerate(names):
        if name in positions and name:
            problems.add(Problem(file, 1, i + 1, name,
                                 f"the column name appears twice (also column {positions[name] + 1})",
                                 "each column name may appear once"))
            ok = False
        elif name in columns:
            positions[name] = i
    for name, required in columns.items():
        if required and name not in positions:
            problems.add(Problem(file, 1, len(names) + 1, name, "a required column is missing",
                                 "the header needs: " + ", ".join(n for n, r in columns.items() if r)))
            ok = False
    for i, name in enumerate(names):
        if name and name not in columns:
            problems.add(Problem(file, 1, i + 1, name, "this column is not used and was ignored",
                                 severity="warning"), rule="unused column")
    if not ok:
        return None

    width = len(names)
    if grid is not None:
        body = grid.iloc[1:]
        lines = pd.Series(range(2, len(grid) + 1), index=body.index)
        data = {name: body[pos].str.strip() if pos in body.columns else pd.Series("", index=body.index)
                for name, pos in positions.items()}
        extra_cells = None
    else:
        body_records = records[1:]
        lines = pd.Series([ln for ln, _ in body_records], dtype="int64")
        data = {}
        for name, pos in positions.items():
            data[name] = pd.Series([f[pos].strip() if pos < len(f) else "" for _, f in body_records], dtype="str")
        extra_cells = [(ln, f) for ln, f in body_records if len(f) > width and any(x.strip() for x in f[width:])]
        for ln, f in extra_cells:
            problems.add(Problem(file, ln, width + 1, "",
                                 f"this row has {len(f)} values but the header names {width} columns",
                                 "a comma inside a value needs the value in double quotes"),
                         rule="too many values")
    frame = pd.DataFrame(data)
    for name, required in columns.items():
        if name not in frame.columns:
            frame[name] = ""
    frame = frame[list(columns)]
    frame["line"] = lines.to_numpy()
    blank = (frame[list(columns)] == "").all(axis=1)
    frame = frame[~blank].reset_index(drop=True)
    numbers = {name: pos + 1 for name, pos in positions.items()}
    return Table(file, frame, numbers, sha, len(frame))

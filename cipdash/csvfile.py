"""Reading one CSV file into columns of text cells, each row knowing its line in the file.

Everything is read as text here; the plan and extract modules give the cells meaning.
Problems are reported with the file, the line (counted as a text editor counts them,
so a quoted newline inside evidence text moves later rows down) and the column.

Each column is held dictionary-encoded (a code per row into its distinct, stripped
values): an extract of a million rows has only a few hundred distinct measures, teams,
dates and figures, so the checks look at each distinct value once.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from .errors import Problem, Problems

# Evidence text can be long; the csv module's default cap (128 KiB a field) is too low
# for pasted committee text, but a cap still guards against a file that is one huge field.
FIELD_SIZE_LIMIT = 4 * 1024 * 1024
csv.field_size_limit(FIELD_SIZE_LIMIT)

BOM = b"\xef\xbb\xbf"


def display_name(path: Path) -> str:
    """The path as a user would recognise it: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass
class Table:
    """The text cells of one CSV file: known columns only, stripped; blank rows dropped.

    `cells[name]` is a dictionary array (a code per row into the column's distinct values);
    a known column the file does not have reads as "" on every row. `lines[i]` is the
    line in the file where row i starts.
    """

    file: str
    cells: dict[str, pa.DictionaryArray]
    lines: np.ndarray
    column_numbers: dict[str, int] = field(default_factory=dict)  # name -> 1-based position
    sha256: str = ""

    @property
    def data_rows(self) -> int:
        return len(self.lines)

    def column(self, name: str) -> int:
        return self.column_numbers.get(name, 1)

    def codes(self, name: str) -> np.ndarray:
        return self.cells[name].indices.to_numpy(zero_copy_only=False)

    def values(self, name: str) -> pa.Array:
        """The distinct (stripped) values of a column, indexed by `codes`."""
        return self.cells[name].dictionary

    def text(self, name: str, row: int) -> str:
        return self.cells[name].dictionary[int(self.cells[name].indices[row].as_py())].as_py()

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The cells as a frame of text, plus `line`: for the (small) plan files."""
        data = {name: pd.Series(arr.dictionary.take(arr.indices).to_pylist(), dtype=object)
                for name, arr in self.cells.items()}
        frame = pd.DataFrame(data, columns=list(self.cells))
        frame["line"] = self.lines
        return frame

    def problem(self, line: int, name: str, message: str, hint: str = "", severity: str = "error") -> Problem:
        return Problem(self.file, int(line), self.column(name), name, message, hint, severity)


def _position(text_before: str) -> tuple[int, int]:
    line = text_before.count("\n") + 1
    column = len(text_before) - (text_before.rfind("\n") + 1) + 1
    return line, column


def _check_utf8(raw: bytes, file: str, problems: Problems) -> str | None:
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


def decode(raw: bytes, file: str, problems: Problems) -> str | None:
    return _check_utf8(raw, file, problems)


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


def _one_line_per_record(body: bytes) -> bool:
    """No blank lines and no bare carriage returns: then, unless a quoted value holds a
    newline, record i is line i + 1 of the file (checked in _fast_read)."""
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return False  # a bare carriage return: counted as a line end by some tools only
    trimmed = body.rstrip(b"\r\n")
    return b"\n\n" not in trimmed and b"\n\r\n" not in trimmed


def _fast_read(body: bytes) -> tuple[list[str], list[pa.Array]] | None:
    """Header and every column of a file read with Arrow's multithreaded reader, or None
    when the careful reader must do it: a row with the wrong number of cells (it names
    each one), a quoted value spanning lines (line numbers must count them), bad quoting."""
    if not _one_line_per_record(body):
        return None
    end = body.find(b"\n")
    header_line, data = (body, b"") if end < 0 else (body[:end], body[end + 1:])
    header_text = header_line.decode("utf-8").rstrip("\r")
    if header_text.count('"') % 2:
        return None
    header = next(csv.reader([header_text]), [])
    width = len(header)
    if not width:
        return None
    if not data.strip(b"\r\n"):
        return header, [pa.array([], pa.string()) for _ in header]
    quoted = b'"' in data
    if quoted and data.count(b'"') % 2:
        return None  # a quote left open (Arrow would read it to the end of the file)
    names = [f"c{i}" for i in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(quote_char='"' if quoted else False, double_quote=quoted,
                                              newlines_in_values=quoted),
            convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                  strings_can_be_null=False, check_utf8=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if table.num_rows != lines:
        return None  # a quoted value spans lines
    return header, [table[n].combine_chunks() for n in names]


def _encode(column: pa.Array) -> pa.DictionaryArray:
    """Dictionary-encode, then strip the distinct values (not every cell)."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    stripped = pc.utf8_trim_whitespace(encoded.dictionary)
    return pa.DictionaryArray.from_arrays(encoded.indices, stripped)


def _blank_constant(n: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([""], pa.string()))


def _separator_hint(header: list[str]) -> str:
    """Excel in some locales saves 'CSV' with semicolons; some systems export tabs."""
    line = ",".join(header)
    for sep, name in ((";", "semicolons"), ("\t", "tabs")):
        if sep in line:
            return f"the columns are separated by {name}: save the file as CSV with commas between columns"
    return ""


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
    file = file or display_name(path)
    if raw is None:
        raw = Path(path).read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    body = raw[len(BOM):] if raw.startswith(BOM) else raw
    text = None
    if not body.isascii():
        text = _check_utf8(raw, file, problems)
        if text is None:
            return None
    if not body.strip():
        problems.add(Problem(file, 1, 1, "", "the file is empty: it needs at least a header row",
                             "the first line names the columns: " + ", ".join(columns)))
        return None

    fast = _fast_read(body)
    records = None
    if fast is not None:
        header, fast_columns = fast
    else:
        records = _records_slow(text if text is not None else body.decode("utf-8"), file, problems)
        if records is None:
            return None
        if not records:
            problems.add(Problem(file, 1, 1, "", "the file has no header row"))
            return None
        header = records[0][1]

    names = [h.strip().lower() for h in header]
    known = [n for n in names if n in columns]
    if not known:
        problems.add(Problem(file, 1, 1, "", "the first line is not a header row (no known column names)",
                             _separator_hint(header) or "the first line must name the columns: " + ", ".join(columns)))
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
    if fast is not None:
        raw_columns = {name: fast_columns[pos] for name, pos in positions.items()}
        n = len(fast_columns[0])
        lines = np.arange(2, n + 2, dtype=np.int64)
    else:
        body_records = records[1:]
        lines = np.fromiter((ln for ln, _ in body_records), dtype=np.int64, count=len(body_records))
        n = len(body_records)
        raw_columns = {name: pa.array([f[pos] if pos < len(f) else "" for _, f in body_records], pa.string())
                       for name, pos in positions.items()}
        for ln, f in body_records:
            if len(f) > width and any(x.strip() for x in f[width:]):
                problems.add(Problem(file, ln, width + 1, "",
                                     f"this row has {len(f)} values but the header names {width} columns",
                                     "a comma inside a value needs the value in double quotes"),
                             rule="too many values")

    cells = {name: _encode(raw_columns[name]) if name in raw_columns else _blank_constant(n) for name in columns}
    # Rows with every known cell empty (blank lines, ",,,,") are not rows.
    blank = np.ones(n, dtype=bool)
    for arr in cells.values():
        empty = pc.equal(arr.dictionary, "").to_numpy(zero_copy_only=False)
        if not empty.any():
            blank[:] = False
            break
        blank &= empty[arr.indices.to_numpy(zero_copy_only=False)]
    if blank.any():
        keep = pa.array(~blank)
        cells = {name: arr.filter(keep) for name, arr in cells.items()}
        lines = lines[~blank]
    numbers = {name: pos + 1 for name, pos in positions.items()}
    return Table(file, cells, lines, numbers, sha)

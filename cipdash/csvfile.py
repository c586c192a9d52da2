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
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from .errors import MAX_LISTED_PER_RULE, Problem, Problems

# Evidence text can be long; the csv module's default cap (128 KiB a field) is too low
# for pasted committee text, but a cap still guards against a file that is one huge field.
FIELD_SIZE_LIMIT = 4 * 1024 * 1024
csv.field_size_limit(FIELD_SIZE_LIMIT)

# Limits, checked while a file is read and before anything is built from its cells, so that
# no file can make the checker (or the dashboard's uploader) run out of memory or time. A
# plan file has at most 7 columns and an extract 7; a council's yearly extract at the
# largest scale we test (2,000 teams, 40 measures) is about a million rows and 60 MB.
MAX_FILE_BYTES = 128 * 1024 * 1024   # about 2.4 million extract rows, twice the largest yearly file we test
MAX_ROWS = 3_000_000                 # lines after the header
MAX_COLUMNS = 200                    # names in the header, and cells in any row

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


def _rows_text(n: int) -> str:
    return "1 row with" if n == 1 else f"{n:,} rows with"


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


# Files that are plainly not CSV, known by their first bytes (checked before anything else,
# so a workbook saved into data/ by mistake is named as one rather than as "not UTF-8").
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"PK\x03\x04", "a zip file, such as an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls) or another Office file"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xfe\x00\x00", "UTF-32 text"),
    (b"\x00\x00\xfe\xff", "UTF-32 text"),
    (b"\xff\xfe", "UTF-16 text (Excel's 'Unicode Text')"),
    (b"\xfe\xff", "UTF-16 text"),
)
SAVE_AS_CSV = "in Excel use Save As > 'CSV UTF-8 (Comma delimited)'"

# Characters that are not text: C0 controls other than tab, line feed and carriage return,
# DEL, C1 controls (U+0080-U+009F, the mark of Windows-1252 text converted wrongly) and the
# non-characters U+FFFE/U+FFFF. None belongs in a CSV, and Word, PowerPoint and PDF
# exports cannot hold them, so they are errors here rather than surprises later.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]")
_BARE_CR = re.compile(rb"\r(?!\n)")
_COMMA, _LF, _CR, _QUOTE = 0x2C, 0x0A, 0x0D, 0x22


def _not_csv(raw: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if raw.startswith(signature):
            return kind
    # No header of a plan or an extract starts with these (column names are words).
    start = raw[len(BOM):].lstrip()[:1] if raw.startswith(BOM) else raw.lstrip()[:1]
    if start in (b"{", b"["):
        return "JSON text"
    if start == b"<":
        return "an HTML or XML document (a web page or a report saved as .csv?)"
    return None


def _place(body: bytes, pos: int) -> tuple[int, int]:
    """(line, CSV column) of byte `pos`: the line as an editor counts it, the column as the
    number of commas outside quotes before it on that line, plus one."""
    start = body.rfind(b"\n", 0, pos) + 1
    inside = body.count(b'"', 0, start) % 2 == 1
    column = 1
    for byte in body[start:pos]:
        if byte == _QUOTE:
            inside = not inside
        elif byte == _COMMA and not inside:
            column += 1
    return body.count(b"\n", 0, start) + 1, column


_NOT_CONTROL = bytes(b for b in range(256) if b >= 0x20 and b != 0x7F or b in (0x09, _LF, _CR))
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_NONCHAR = re.compile(rb"\xef\xbf[\xbe\xbf]")


def _control_positions(body: bytes) -> np.ndarray:
    """Byte offsets where a character that is not text starts. Fast for the usual case of
    none: deleting every other byte leaves nothing."""
    found = np.zeros(0, dtype=np.int64)
    if body.translate(None, _NOT_CONTROL):
        data = np.frombuffer(body, dtype=np.uint8)
        found = np.flatnonzero(((data < 0x20) & (data != 0x09) & (data != _LF) & (data != _CR)) | (data == 0x7F))
    if not body.isascii():
        extra = [m.start() for rx in (_C1, _NONCHAR) for m in rx.finditer(body)]
        if extra:
            found = np.sort(np.concatenate([found, np.array(extra, dtype=np.int64)]))
    return found


def _control_characters(body: bytes, file: str, problems: Problems) -> bool:
    """Report the first character that is not text (and how many there are); True if any."""
    found = _control_positions(body)
    if not len(found):
        return False
    count, start = len(found), int(found[0])
    match = _CONTROL.match(body, start)
    code = ord(match.group().decode("utf-8")) if match.group()[0] >= 0x80 else match.group()[0]
    line, column = _place(body, start)
    what = f"a control character (U+{code:04X}), which is not text" if count == 1 else \
        f"{count:,} control characters, which are not text; the first (U+{code:04X}) is here"
    if code == 0:
        hint = "a CSV file has no NUL bytes: this may be UTF-16 ('Unicode Text') or not a text file; " + SAVE_AS_CSV
    elif 0x80 <= code <= 0x9F:
        hint = ("this is the mark of Windows-1252 text (curly quotes, dashes) converted to UTF-8 wrongly; "
                "save the original again as 'CSV UTF-8 (Comma delimited)'")
    else:
        hint = "remove it: such characters come from pasting from other programs and are not text"
    problems.add(Problem(file, line, column, "", f"the file contains {what}", hint))
    return True


def _line_ends(body: bytes, file: str, problems: Problems) -> bytes | None:
    """Line feeds (LF), CR LF, or a mix of the two are all line ends. A file whose only line
    ends are carriage returns (old Mac Excel) is read with them as line ends, with a warning.
    A carriage return on its own inside a file with line feeds is ambiguous (a line end to
    some programs, a stray character to others): an error, unless it is inside quotes, where
    it is part of the value. Returns the body to read, or None."""
    if b"\r" not in body:
        return body
    if b"\n" not in body:
        problems.add(Problem(file, 1, 1, "", "the lines end in carriage returns only (old Mac format); "
                             "each was read as a line end", severity="warning"))
        return body.replace(b"\r", b"\n")
    if body.count(b"\r") == body.count(b"\r\n"):
        return body
    bad = False
    for m in _BARE_CR.finditer(body):
        if m.start() == len(body) - 1 or body.count(b'"', 0, m.start()) % 2 == 1:
            continue  # the last byte of the file, or inside a quoted value
        line, column = _place(body, m.start())
        problems.add(Problem(file, line, column, "", "a carriage return (CR) on its own in the middle of a line",
                             "remove it: a line break inside a value must be within double quotes"),
                     rule="bare carriage return")
        bad = True
    return None if bad else body


_DELIMITER = np.zeros(256, dtype=bool)
_DELIMITER[[_COMMA, _LF, _CR, _QUOTE]] = True
_EMPTY_THEN_TEXT = re.compile(rb'""[^,\r\n"]')


def _quotes_look_sound(body: bytes) -> bool:
    """A quick test, fast enough for every extract; False means "look closer": an odd
    number of quotes, a quote with ordinary text on both sides, or two quotes followed by
    text (an empty quoted value with text after it, or a doubled quote inside a value)."""
    if body.count(b'"') % 2:
        return False
    data = np.frombuffer(body, dtype=np.uint8)
    if len(data) > 2:
        delimiter = _DELIMITER[data]
        if ((data[1:-1] == _QUOTE) & ~(delimiter[:-2] | delimiter[2:])).any():
            return False
    return _EMPTY_THEN_TEXT.search(body) is None


def _first_bad_quote(body: bytes) -> tuple[int, bool] | None:
    """(offset, unclosed) of the first quote out of place, or None when the quoting is
    sound. The i-th quote of a well-formed file opens a value when i is even (so follows a
    comma, a line end or the start of the file) and closes it when i is odd (so comes
    before a comma, a line end or the end); a doubled quote inside a value is a closing and
    an opening together. (Bare carriage returns are checked before this.)"""
    data = np.frombuffer(body, dtype=np.uint8)
    quotes = np.flatnonzero(data == _QUOTE)
    opening, closing = quotes[0::2], quotes[1::2]
    before = np.where(opening > 0, data[np.maximum(opening - 1, 0)], _LF)
    after = np.where(closing + 1 < len(data), data[np.minimum(closing + 1, len(data) - 1)], _LF)
    bad = np.concatenate([opening[~_DELIMITER[before]], closing[~_DELIMITER[after]]])
    if len(bad):
        return int(bad.min()), False
    if len(quotes) % 2:
        return int(quotes[-1]), True
    return None


def _quoting(body: bytes, file: str, problems: Problems) -> bool:
    """Quotes must open a value (right after a comma or at the start of a line), close it
    (right before a comma or the end of a line), or be doubled inside it. Anything else
    (text after a closing quote, a quote in the middle of a bare value, a space before an
    opening quote, a quote never closed) is read differently by different programs, so it
    is an error. True when the quoting is sound."""
    if b'"' not in body or _quotes_look_sound(body):
        return True
    found = _first_bad_quote(body)
    if found is None:
        return True
    pos, unclosed = found
    line, column = _place(body, pos)
    if unclosed:
        problems.add(Problem(file, line, column, "", "a double quote (\") opens a value that is never closed",
                             "check for an unclosed quote (\") here: a value in quotes needs a closing quote"))
    else:
        problems.add(Problem(file, line, column, "",
                             "a double quote (\") in the middle of a value, or text between a closing quote "
                             "and the next comma",
                             'put the whole value in double quotes and double any quote inside it, e.g. '
                             '"5"" screen"; leave no spaces between the quotes and the commas'))
    return False


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
        if "field larger than field limit" in str(exc):
            problems.add(Problem(file, last + 1, 1, "",
                                 f"a value is longer than {FIELD_SIZE_LIMIT // (1024 * 1024)} MB",
                                 "no cell of a plan or extract is that long: check the file is the right one"))
        else:
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
    end = _end_of_text(body)  # searched up to there in place: no copy of a 5 MB file
    return body.find(b"\n\n", 0, end) < 0 and body.find(b"\n\r\n", 0, end) < 0


def _end_of_text(body: bytes) -> int:
    """The length of `body` without its trailing line ends (what rstrip(b"\\r\\n") keeps)."""
    end = len(body)
    while end and body[end - 1] in b"\r\n":
        end -= 1
    return end


_LINE_ENDS_ONLY = re.compile(rb"[\r\n]*")


def _fast_read(body: bytes) -> tuple[list[str], list[pa.Array | pa.ChunkedArray]] | None:
    """Header and every column of a file read with Arrow's multithreaded reader, or None
    when the careful reader must do it: a row with the wrong number of cells (it names
    each one), a quoted value spanning lines (line numbers must count them), bad quoting."""
    if not _one_line_per_record(body):
        return None
    end = body.find(b"\n")
    # The rows are read where they lie in `body` (an offset, not a copy of the file).
    start = len(body) if end < 0 else end + 1
    header_line = body if end < 0 else body[:end]
    header_text = header_line.decode("utf-8").rstrip("\r")
    if header_text.count('"') % 2:
        return None
    header = next(csv.reader([header_text]), [])
    width = len(header)
    if not width:
        return None
    if _LINE_ENDS_ONLY.fullmatch(body, start) is not None:
        return header, [pa.array([], pa.string()) for _ in header]
    quotes = body.count(b'"', start)
    quoted = quotes > 0
    if quotes % 2:
        return None  # a quote left open (Arrow would read it to the end of the file)
    names = [f"c{i}" for i in range(width)]
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(body)[start:]),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(quote_char='"' if quoted else False, double_quote=quoted,
                                              newlines_in_values=quoted),
            convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                  strings_can_be_null=False, check_utf8=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    lines = body.count(b"\n", start) + (0 if body.endswith(b"\n") else 1)
    if table.num_rows != lines:
        return None  # a quoted value spans lines
    # Left in Arrow's chunks: each is dictionary-encoded next (_encode), which gives the chunks
    # one dictionary; joining them first would copy every cell of a million rows for nothing.
    return header, [table[n] for n in names]


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
    if line.strip().lower().startswith("sep="):
        return "delete the first line (Excel's 'sep=' line): the first line must name the columns"
    for sep, name in ((";", "semicolons"), ("\t", "tabs")):
        if sep in line:
            return f"the columns are separated by {name}: save the file as CSV with commas between columns"
    return ""


def _too_big(file: str, size: int) -> Problem:
    return Problem(file, 1, 1, "", f"the file is {size / 1024 / 1024:,.0f} MB; at most "
                   f"{MAX_FILE_BYTES // (1024 * 1024)} MB is read",
                   "split a very large extract into one file per year; check this is the right file")


def _read_limited(path: Path, file: str, problems: Problems) -> bytes | None:
    """The file's bytes, never more than the limit: its size is checked before reading, and
    the read stops one byte past the limit (a file growing as it is read)."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FILE_BYTES:
            problems.add(_too_big(file, size))
            return None
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        problems.add(_too_big(file, len(raw)))
        return None
    return raw


_CHUNK = 4 * 1024 * 1024


def _cells_outside_quotes(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(cells, ends): per record of `data`, its number of cells (commas outside double
    quotes, plus one), and the offset of the line feed that ends it (records end at line
    feeds outside quotes). Worked through in chunks of 4 MB, so the working memory is a few
    tens of MB plus 16 bytes a record, whatever the file (rows are limited before this)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    ends: list[np.ndarray] = []
    commas_at_ends: list[np.ndarray] = []
    parity, commas = 0, 0
    for at in range(0, len(arr), _CHUNK):
        chunk = arr[at:at + _CHUNK]
        # Quote parity (inside a quoted value or not) by a cumulative sum that may wrap: a
        # uint8 wraps at 256, which keeps the parity.
        inside = ((np.cumsum(chunk == _QUOTE, dtype=np.uint8) + parity) & 1).astype(bool)
        parity = (parity + int(np.count_nonzero(chunk == _QUOTE))) & 1
        running = np.cumsum((chunk == _COMMA) & ~inside, dtype=np.int64) + commas
        here = np.flatnonzero((chunk == _LF) & ~inside)
        ends.append(here + at)
        commas_at_ends.append(running[here])
        commas = int(running[-1]) if len(running) else commas
    end_positions = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    totals = np.concatenate(commas_at_ends + [np.array([commas], dtype=np.int64)])
    cells = np.diff(totals, prepend=0) + 1
    return cells, end_positions


def _header_width(body: bytes) -> int:
    """Cells in the first record, counted without parsing it (a header of a million names
    would otherwise become a million strings)."""
    end = body.find(b"\n")
    line = body if end < 0 else body[:end]
    width = line.count(b",") + 1
    if width > MAX_COLUMNS and b'"' in line:
        width = int(_cells_outside_quotes(line)[0][0])
    return width


def _within_limits(body: bytes, file: str, problems: Problems) -> bool:
    """Header columns and rows, from counts of bytes, before the file is parsed."""
    width = _header_width(body)
    if width > MAX_COLUMNS:
        problems.add(Problem(file, 1, MAX_COLUMNS + 1, "",
                             f"the header names {width:,} columns; at most {MAX_COLUMNS} are read",
                             "a plan file or an extract has at most 7 columns: check this is the right file, "
                             "not a wide report or a table turned on its side"))
        return False
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if lines - 1 > MAX_ROWS:
        problems.add(Problem(file, MAX_ROWS + 2, 1, "",
                             f"the file has {lines - 1:,} lines after the header; at most {MAX_ROWS:,} rows are read",
                             "split a very large extract into one file per year"))
        return False
    return True


def _rows_within_width(body: bytes, file: str, problems: Problems) -> bool:
    """No row with more than MAX_COLUMNS cells: checked before any row is split into cells.
    Without quotes a line is a row and its commas are counted directly, only on lines long
    enough to hold that many; with quotes (evidence text may hold many commas, and a value
    may span lines) every record is counted outside the quotes."""
    if b'"' in body:
        cells, ends = _cells_outside_quotes(body)
        over = np.flatnonzero(cells > MAX_COLUMNS)
        if not len(over):
            return True
        record = int(over[0])
        start = 0 if record == 0 else int(ends[record - 1]) + 1
        count = int(cells[record])
    else:
        arr = np.frombuffer(body, dtype=np.uint8)
        line_ends = np.flatnonzero(arr == _LF)
        starts = np.concatenate([[0], line_ends + 1])
        stops = np.concatenate([line_ends, [len(body)]])
        count, start = 0, 0
        for i in np.flatnonzero(stops - starts >= MAX_COLUMNS):
            n = body.count(b",", int(starts[i]), int(stops[i])) + 1
            if n > MAX_COLUMNS:
                count, start = n, int(starts[i])
                break
        if not count:
            return True
    # The line the record starts on, counting line feeds inside quotes as an editor does.
    line = body.count(b"\n", 0, start) + 1
    problems.add(Problem(file, line, MAX_COLUMNS + 1, "",
                         f"this row has {count:,} values; at most {MAX_COLUMNS} are read",
                         "a comma inside a value needs the value in double quotes; check this is the right file"))
    return False


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
        raw = _read_limited(Path(path), file, problems)
        if raw is None:
            return None
    elif len(raw) > MAX_FILE_BYTES:
        problems.add(_too_big(file, len(raw)))
        return None
    sha = hashlib.sha256(raw).hexdigest()
    kind = _not_csv(raw)
    if kind:
        problems.add(Problem(file, 1, 1, "", f"this is {kind}, not a CSV file", SAVE_AS_CSV))
        return None
    body = raw[len(BOM):] if raw.startswith(BOM) else raw
    if not _within_limits(body, file, problems):
        return None
    text = None
    if not body.isascii():
        text = _check_utf8(raw, file, problems)
        if text is None:
            return None
    if not body or body.isspace():  # nothing but blanks (tested without copying the file)
        problems.add(Problem(file, 1, 1, "", "the file is empty: it needs at least a header row",
                             "the first line names the columns: " + ", ".join(columns)))
        return None
    if _control_characters(body, file, problems):
        return None
    ends = _line_ends(body, file, problems)
    if ends is None:
        return None
    if ends is not body:
        body = ends
        text = body.decode("utf-8") if text is not None else None
    if not _quoting(body, file, problems):
        return None
    if not _rows_within_width(body, file, problems):
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
    unused = [(i, name) for i, name in enumerate(names) if name and name not in columns]
    for i, name in unused[:MAX_LISTED_PER_RULE]:
        problems.add(Problem(file, 1, i + 1, name, "this column is not used and was ignored", severity="warning"))
    if len(unused) > MAX_LISTED_PER_RULE:
        i, name = unused[MAX_LISTED_PER_RULE]
        problems.add(Problem(file, 1, i + 1, name, f"... and {len(unused) - MAX_LISTED_PER_RULE:,} more columns that "
                             "are not used were ignored", severity="warning"))
    if not ok:
        return None

    width = len(names)
    unnamed = [i for i, name in enumerate(names) if not name]
    unnamed_used: list[int] = []  # unnamed columns holding a value somewhere
    if fast is not None:
        raw_columns = {name: fast_columns[pos] for name, pos in positions.items()}
        n = len(fast_columns[0])
        lines = np.arange(2, n + 2, dtype=np.int64)
        unnamed_used = [i for i in unnamed if n and pc.max(pc.utf8_length(pc.utf8_trim_whitespace(
            fast_columns[i]))).as_py()]
    else:
        body_records = records[1:]
        lines = np.fromiter((ln for ln, _ in body_records), dtype=np.int64, count=len(body_records))
        n = len(body_records)
        raw_columns = {name: pa.array([f[pos] if pos < len(f) else "" for _, f in body_records], pa.string())
                       for name, pos in positions.items()}
        unnamed_used = [i for i in unnamed if any(i < len(f) and f[i].strip() for _, f in body_records)]
        extra_empty: list[int] = []
        for ln, f in body_records:
            if len(f) > width:
                if any(x.strip() for x in f[width:]):
                    problems.add(Problem(file, ln, width + 1, "",
                                         f"this row has {len(f)} values but the header names {width} columns",
                                         "a comma inside a value needs the value in double quotes"),
                                 rule="too many values")
                else:
                    extra_empty.append(ln)
        if extra_empty:
            problems.add(Problem(file, extra_empty[0], width + 1, "",
                                 f"{_rows_text(len(extra_empty))} empty cells after the last named column; "
                                 "they were ignored", severity="warning"))
    for i in unnamed_used:
        problems.add(Problem(file, 1, i + 1, "", "this column has no name in the header row, so its values were "
                             "ignored", "give the column a name from the data contract if it is needed",
                             severity="warning"), rule="unnamed column")
    empty_unnamed = [i for i in unnamed if i not in unnamed_used]
    if empty_unnamed:
        problems.add(Problem(file, 1, empty_unnamed[0] + 1, "",
                             f"{len(empty_unnamed)} empty column{'s' if len(empty_unnamed) > 1 else ''} without a "
                             "name (trailing commas) ignored", severity="warning"))

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
        problems.add(Problem(file, int(lines[np.argmax(blank)]), 1, "",
                             f"{_rows_text(int(blank.sum()))} nothing in the columns read (blank lines, or commas only) "
                             "skipped", severity="warning"))
    # The header again part-way down (two exports joined into one file): one clear error
    # for that line, rather than a "not a date", "not a number"... for each of its cells.
    repeated = np.ones(n, dtype=bool)
    for name in positions:
        arr = cells[name]
        same = pc.equal(pc.utf8_lower(arr.dictionary), name).to_numpy(zero_copy_only=False)
        repeated &= same[arr.indices.to_numpy(zero_copy_only=False)] if len(same) else False
    for i in np.flatnonzero(repeated)[:MAX_LISTED_PER_RULE]:
        problems.add(Problem(file, int(lines[i]), 1, "", "the header row appears again here (two files joined "
                             "into one?)", "delete this line"))
    drop = blank | repeated
    if drop.any():
        keep = pa.array(~drop)
        cells = {name: arr.filter(keep) for name, arr in cells.items()}
        lines = lines[~drop]
    numbers = {name: pos + 1 for name, pos in positions.items()}
    return Table(file, cells, lines, numbers, sha)

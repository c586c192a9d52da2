"""Writing tables into spreadsheets and text files, every text cell neutralised against
formula injection (safe_cells), numbers kept as numbers and dates as dates.

Shared by the per-chart CSV / XLSX downloads and the pack's Excel workbook.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import numbers

import pandas as pd

from .. import units
from ..safe_cells import neutralise, neutralise_frame

# Excel's limits on sheet names.
SHEET_NAME_MAX = 31
_SHEET_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


def unit_label(unit: str) -> str:
    known = units.find(unit)
    return known.label if known else str(unit).capitalize()


def is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def plain(value):
    """A cell value as a plain Python value for a spreadsheet: None, str, int/float, date."""
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, (bool,)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    return str(value)


def safe_cell(value):
    """`plain`, then text neutralised (a cell starting = + - @ tab CR gets a leading ')."""
    return neutralise(plain(value))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads it as UTF-8), ISO dates, text neutralised."""
    out = neutralise_frame(frame.astype(object).where(frame.notna(), None))
    for col in out.columns:
        out[col] = out[col].map(lambda v: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def sheet_name(text: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (<= 31 characters, no []:*?/\\)."""
    base = " ".join(str(text).translate(_SHEET_BAD).split()).strip("'") or "Sheet"
    base = base[:SHEET_NAME_MAX]
    name, n = base, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" ({n})"
        name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


class XlsxFormats:
    """The handful of cell formats the workbooks use (xlsxwriter formats are per workbook)."""

    def __init__(self, wb):
        self.wb = wb
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.bold = wb.add_format({"bold": True})
        self.header = wb.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True,
                                     "valign": "top"})
        self.text = wb.add_format({"text_wrap": True, "valign": "top"})
        self.date = wb.add_format({"num_format": "yyyy-mm-dd", "valign": "top", "align": "left"})
        self.right = wb.add_format({"align": "right", "valign": "top"})
        self._numbers: dict[str, object] = {}
        self._fills: dict[tuple, object] = {}

    def number(self, unit: str | None):
        # The unit's own Excel number format; "General" for a column of no unit.
        known = units.find(unit) if unit else None
        fmt = known.excel_format if known else "General"
        if fmt not in self._numbers:
            self._numbers[fmt] = self.wb.add_format({"num_format": fmt, "valign": "top"})
        return self._numbers[fmt]

    def fill(self, colour: str, bold: bool = True):
        key = (colour, bold)
        if key not in self._fills:
            self._fills[key] = self.wb.add_format({"bg_color": colour, "bold": bold, "border": 1,
                                                   "valign": "top", "font_color": "#000000"})
        return self._fills[key]


def new_workbook(buffer: io.BytesIO):
    import xlsxwriter

    # Never turn text into formulas, numbers or links, whatever it looks like.
    return xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False,
                                        "nan_inf_to_errors": False})


def write_cell(ws, row: int, col: int, value, fmts: XlsxFormats, unit: str | None = None, fmt=None) -> None:
    value = safe_cell(value)
    if value is None:
        ws.write_blank(row, col, None, fmt or fmts.text)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt or fmts.number(unit))
    elif isinstance(value, (dt.datetime, dt.date)):
        ws.write_datetime(row, col, value if isinstance(value, dt.datetime) else
                          dt.datetime.combine(value, dt.time()), fmt or fmts.date)
    else:
        ws.write_string(row, col, value, fmt or (fmts.right if value in ("c", ":", "z") else fmts.text))


def write_frame(ws, first_row: int, frame: pd.DataFrame, fmts: XlsxFormats,
                units: dict[str, str] | None = None, widths: dict[str, int] | None = None) -> int:
    """A header row and the frame's rows from `first_row`; returns the row after the last.
    Adds an autofilter and freezes the header."""
    units = units or {}
    for c, name in enumerate(frame.columns):
        ws.write_string(first_row, c, str(neutralise(str(name))), fmts.header)
        width = (widths or {}).get(name)
        if width is None:
            longest = max([len(str(name))] + [len(str(v)) for v in frame[name].head(200) if not is_missing(v)])
            width = min(max(10, longest + 2), 60)
        ws.set_column(c, c, width)
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=first_row + 1):
        for c, value in enumerate(row):
            write_cell(ws, r, c, value, fmts, units.get(frame.columns[c]))
    last = first_row + len(frame)
    if len(frame.columns):
        ws.autofilter(first_row, 0, max(last, first_row), len(frame.columns) - 1)
    ws.freeze_panes(first_row + 1, 0)
    return last + 1

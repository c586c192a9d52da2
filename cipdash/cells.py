"""Giving text cells meaning: numbers, RAG words, choices. One place, so the plan and the
extracts read a cell the same way and say the same thing when it is wrong."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

RAG_WORDS = {"r": "R", "red": "R", "a": "A", "amber": "A", "g": "G", "green": "G"}
RAG_NAMES = {"R": "Red", "A": "Amber", "G": "Green"}
POLARITIES = ("higher_better", "lower_better")
PERIOD_TYPES = ("month", "quarter", "year")
APPLIES_TO = ("authority", "each_team")
AUTHORITY_TEAM = "ALL"

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class BadCell(ValueError):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


def number_hint(text: str) -> str:
    """Why a cell that looks numeric was not read as a number, for the error message."""
    s = text.strip()
    if s.endswith("%"):
        return f"write {s[:-1].strip()} without the % sign (percentages are stored as 0-100)"
    if re.match(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", s):
        return "write numbers without thousands separators, e.g. " + s.replace(",", "")
    if re.match(r"^[+-]?\d+,\d+$", s):
        return "use a full stop as the decimal point"
    if s.lower() in ("nan", "inf", "-inf", "infinity", "n/a", "na", "null", "none", "-"):
        return "leave the cell empty when there is no figure"
    if s.startswith("£"):
        return "write the number without the currency sign"
    return "write a plain number, e.g. 94.5"


def parse_number(text: str) -> float:
    s = text.strip()
    if not _PLAIN_NUMBER.match(s):
        raise BadCell(f"'{text}' is not a number", number_hint(text))
    value = float(s)
    if not math.isfinite(value):
        raise BadCell(f"'{text}' is not a finite number", number_hint(text))
    return value


def parse_rag(text: str, column: str) -> str:
    code = RAG_WORDS.get(text.strip().lower())
    if code is None:
        raise BadCell(f"'{text}' is not a RAG rating", f"{column} is R, A or G (or Red, Amber, Green)")
    return code


def parse_choice(text: str, choices: tuple[str, ...], what: str) -> str:
    s = text.strip().lower()
    if s not in choices:
        raise BadCell(f"'{text}' is not a known {what}", "one of: " + ", ".join(choices))
    return s


def numbers_of_values(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parse of (stripped) text cells, e.g. the distinct cells of an extract
    column: (values with NaN for empty or bad cells, mask of bad cells). Same rule as
    parse_number: plain decimal notation only, finite."""
    text = pa.array(text, pa.string()) if not isinstance(text, pa.Array) else text
    if not len(text):
        return np.zeros(0), np.zeros(0, dtype=bool)
    empty = pc.equal(text, "").to_numpy(zero_copy_only=False)
    plain = pc.match_substring_regex(text, _PLAIN_NUMBER.pattern).to_numpy(zero_copy_only=False)
    values = pc.cast(pc.if_else(pa.array(plain), text, pa.scalar(None, pa.string())), pa.float64())
    values = values.to_numpy(zero_copy_only=False).astype("float64")
    bad = ~empty & (~plain | ~np.isfinite(np.where(plain, values, 0.0)))
    values = np.where(plain & ~bad, values, np.nan)
    return values, bad


def numbers_vector(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parse of a column of text cells: (values with NaN for empty, mask of bad cells)."""
    text = column.astype(object).where(column.notna(), "").map(str).str.strip()
    return numbers_of_values(pa.array(text.to_list(), pa.string()))

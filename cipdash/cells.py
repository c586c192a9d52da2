"""Giving text cells meaning: numbers, RAG words, choices. One place, so the plan and the
extracts read a cell the same way and say the same thing when it is wrong."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

RAG_WORDS = {"r": "R", "red": "R", "a": "A", "amber": "A", "g": "G", "green": "G"}
RAG_NAMES = {"R": "Red", "A": "Amber", "G": "Green"}
UNITS = ("percent", "weeks", "days", "count", "rate", "number")
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


def numbers_vector(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parse for large extracts: (values with NaN for empty, mask of bad cells)."""
    text = column.astype("str")
    empty = (text == "").to_numpy()
    plain = text.str.fullmatch(_PLAIN_NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
    values = pd.to_numeric(text.where(plain, None), errors="coerce").to_numpy(dtype="float64")
    bad = ~empty & (~plain | ~np.isfinite(np.where(plain, values, 0.0)))
    values = np.where(plain & ~bad, values, np.nan)
    return values, bad

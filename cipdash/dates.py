"""Reading dates the way the data contract says: ISO canonical, UK DD/MM/YYYY accepted,
YYYY-MM (period ends only) meaning the last day of that month. US MM/DD is never guessed."""
from __future__ import annotations

import calendar
import re
from datetime import date

ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# A plan's dates are years either side of today; a year outside this range is a typo
# (0020 for 2020), not a date to store.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class BadDate(ValueError):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_date(text: str, allow_year_month: bool = False) -> date:
    """Parse one date; raise BadDate with a hint for anything else (never a guess)."""
    s = text.strip()
    parsed = None
    try:
        if m := ISO.match(s):
            parsed = date(int(m[1]), int(m[2]), int(m[3]))
        elif m := UK.match(s):
            parsed = date(int(m[3]), int(m[2]), int(m[1]))
        elif allow_year_month and (m := YEAR_MONTH.match(s)):
            parsed = month_end(int(m[1]), int(m[2]))
    except ValueError as exc:
        hint = "dates are read as YYYY-MM-DD or DD/MM/YYYY (day first, never US month first)"
        raise BadDate(f"'{s}' is not a real date ({exc})", hint) from None
    if parsed is not None:
        if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
            raise BadDate(f"'{s}' has the year {parsed.year}, which cannot be right",
                          f"check the year (dates from {FIRST_YEAR} to {LAST_YEAR} are read)")
        return parsed
    if re.match(r"^\d{4}-\d{2}-\d{2}[ T]\d", s):
        raise BadDate(f"'{s}' has a time of day", "give the date only, as YYYY-MM-DD")
    if re.match(r"^\d{1,2}-\d{1,2}-\d{4}$", s) or re.match(r"^\d{1,2}\.\d{1,2}\.\d{4}$", s):
        raise BadDate(f"'{s}' is not a date format the dashboard reads", "use YYYY-MM-DD or DD/MM/YYYY")
    if re.match(r"^\d{1,2}/\d{1,2}/\d{2}$", s):
        raise BadDate(f"'{s}' has a two-digit year", "write the year in full: DD/MM/YYYY")
    forms = "YYYY-MM-DD, DD/MM/YYYY" + (" or YYYY-MM" if allow_year_month else "")
    raise BadDate(f"'{s}' is not a date", f"use {forms}")

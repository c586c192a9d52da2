"""The units a measure can be in, and everything the code knows about each: one row per unit.

The data contract (measures.csv `unit`) allows percent, weeks, days, count, rate (per
10,000 children) and number. How a figure of each unit is checked when it is loaded, worked
out from its numerator and denominator, written in a sentence, labelled on a chart axis,
formatted in Excel and kept within bounds in a forecast is read from UNITS below, so a new
unit is one new row here (and its name in the data contract).

    from cipdash import units
    units.unit("rate").suffix        # " per 10,000"
    units.find("furlongs")           # None: not a unit
"""
from __future__ import annotations

from dataclasses import dataclass

# Rates are per 10,000 children aged under 18 (the DfE's convention for rates of children).
RATE_BASE = 10_000


@dataclass(frozen=True)
class Unit:
    name: str                 # as written in measures.csv
    code: int                 # a small number for the unit in the load's million-row arrays (0: unknown)
    label: str                # the unit in words, as a heading or an answer to "Unit:"
    axis_title: str           # a chart's value-axis title ("" where a plain number needs none)
    heading: str              # in a table heading "Value (...)"
    noun: str                 # in a sentence: "150 is outside 0-100 for a percentage"
    decimals: int             # places a figure is shown to
    suffix: str               # after a figure in text and hover labels: "94.0%", "12.0 days"
    change_suffix: str        # after a change: a change in a percentage is in percentage points
    tick_suffix: str          # after an axis tick label ("" where the axis title says the unit)
    colour_scale_title: str   # over a heatmap's colour scale
    excel_format: str         # the number format of an Excel cell holding a figure
    scale: float | None       # a figure worked out from numerator / denominator is the ratio times
                              # this; None: the unit is not a ratio of two counts
    may_be_negative: bool
    highest: float | None     # the highest figure that describes anything (None: no bound)
    is_count: bool            # figures are counts of people or posts, so small ones are suppressed

    @property
    def lowest(self) -> float | None:
        """The lowest figure that describes anything: 0 for a unit that cannot be negative."""
        return None if self.may_be_negative else 0.0

    @property
    def range(self) -> tuple[float | None, float | None]:
        """(lowest, highest), None for no bound: a forecast is kept within it (a projection
        of -4 weeks or 104% describes no process)."""
        return self.lowest, self.highest

    @property
    def is_ratio(self) -> bool:
        """A ratio of a numerator to its denominator (a percentage, a rate per 10,000 children):
        the numerator, a part of the denominator, cannot be above it."""
        return self.scale is not None


_PER = f"per {RATE_BASE:,}"
UNITS: dict[str, Unit] = {u.name: u for u in (
    Unit(name="percent", code=1, label="Per cent", axis_title="Per cent", heading="%", noun="a percentage",
         decimals=1, suffix="%", change_suffix=" pts", tick_suffix="%", colour_scale_title="%",
         excel_format="0.0", scale=100.0, may_be_negative=False, highest=100.0, is_count=False),
    Unit(name="weeks", code=2, label="Weeks", axis_title="Weeks", heading="weeks", noun="a number of weeks",
         decimals=1, suffix=" weeks", change_suffix=" weeks", tick_suffix="", colour_scale_title="weeks",
         excel_format="0.0", scale=None, may_be_negative=False, highest=None, is_count=False),
    Unit(name="days", code=3, label="Days", axis_title="Days", heading="days", noun="a number of days",
         decimals=1, suffix=" days", change_suffix=" days", tick_suffix="", colour_scale_title="days",
         excel_format="0.0", scale=None, may_be_negative=False, highest=None, is_count=False),
    Unit(name="count", code=4, label="Count", axis_title="Count", heading="count", noun="a count",
         decimals=0, suffix="", change_suffix="", tick_suffix="", colour_scale_title="count",
         excel_format="#,##0", scale=None, may_be_negative=False, highest=None, is_count=True),
    Unit(name="rate", code=5, label=f"Rate {_PER}", axis_title=f"Rate {_PER}", heading=_PER, noun="a rate",
         decimals=1, suffix=f" {_PER}", change_suffix=f" {_PER}", tick_suffix="", colour_scale_title="rate",
         excel_format="0.0", scale=float(RATE_BASE), may_be_negative=False, highest=None, is_count=False),
    Unit(name="number", code=6, label="Number", axis_title="", heading="number", noun="a number",
         decimals=1, suffix="", change_suffix="", tick_suffix="", colour_scale_title="number",
         excel_format="0.0", scale=None, may_be_negative=True, highest=None, is_count=False),
)}
NAMES = tuple(UNITS)
# Other spellings format_value accepts (a percentage from code or an older plan).
ALIASES = {"%": "percent", "pct": "percent", "percentage": "percent"}


def find(name) -> Unit | None:
    """The unit called `name` (any case, or an alias), None if there is no such unit."""
    key = str(name).lower()
    return UNITS.get(ALIASES.get(key, key))


def unit(name) -> Unit:
    """The unit called `name`; ValueError naming the units there are if there is none."""
    found = find(name)
    if found is None:
        raise ValueError(f"unknown unit {name!r}; expected one of {sorted(UNITS)}")
    return found

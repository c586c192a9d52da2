"""`python -m cipdash summary` in words: names, UK months and units, never ids, ISO dates
or "None"; an old figure says its age."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from cipdash.cli import main
from cipdash.summary_text import measure_line

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(sample_db_file):
    return sample_db_file  # the session's sample database (tests/conftest.py)


def test_text_summary_names_measures_in_words(db, capsys):
    assert main(["summary", "--db", str(db), "--as-at", "2020-10"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "As at Oct 2020 (whole authority)"
    measures = pd.read_csv(ROOT / "cip_data" / "measures.csv")
    for name in measures["name"]:
        assert f"  {name}: " in out, name
    assert not re.search(r"\d{4}-\d{2}-\d{2}", out), "an ISO date"
    assert "None" not in out and "assessment_timeliness" not in out
    assert "Assessments completed within 45 working days: 91.3% (Oct 2020); Mar 2021 target 95.0%: not met" in out
    assert "no target set" in out  # care leavers in touch has no target


def test_text_summary_names_the_team(db, capsys):
    assert main(["summary", "--db", str(db), "--team", "fr_north"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "As at Mar 2021 (First Response North)"


def test_a_stale_figure_says_its_age_rather_than_a_plain_verdict():
    m = {"latest_value": 73.6, "latest_period_end": "2019-10-31", "period_type": "month", "target": 85.0,
         "target_date": "2020-03-31", "target_met": False, "stale": True}
    from datetime import date
    line = measure_line(m, "Supervision", "percent", date(2020, 10, 31))
    assert line == "Supervision: 73.6% (Oct 2019); Mar 2020 target 85.0%: not met by a figure 12 months old"
    fresh = measure_line(m | {"stale": False}, "Supervision", "percent", date(2019, 11, 30))
    assert fresh.endswith(": not met")

"""Every page, run with Streamlit's AppTest on the sample data.

Expected values are worked out here from the CSV files themselves (pandas), not from the
package, so a wrong query shows up as a wrong number on the page.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from support import run_dashboard

ROOT = Path(__file__).resolve().parent.parent
PLAN, DATA = ROOT / "cip_data", ROOT / "data"
RAG_NAMES = {"R": "Red", "A": "Amber", "G": "Green"}


@pytest.fixture(scope="module")
def sample_db(sample_db_file):
    db = sample_db_file  # the session's sample database (tests/conftest.py)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIPDASH_DB", str(db))
        yield db


def run_page(page: str | None = None, **params) -> AppTest:
    return run_dashboard(page, **params)


def ratings_csv() -> pd.DataFrame:
    df = pd.read_csv(PLAN / "ratings.csv", dtype=str, keep_default_na=False)
    df["as_at"] = pd.to_datetime(df["as_at"])
    return df


def expected_counts(as_at: date, kind: str) -> dict[str, int]:
    df = ratings_csv()
    df = df[df["as_at"] <= pd.Timestamp(as_at)].sort_values("as_at").groupby("rec_id").tail(1)
    codes = df[kind][df[kind] != ""].value_counts()
    return {c: int(codes.get(c, 0)) for c in "GAR"}


def counts_sentence(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {RAG_NAMES[c]}" for c, n in counts.items() if n) or "No ratings yet"


def extract_rows() -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype={"team_id": str}) for p in sorted(DATA.glob("*.csv"))]
    df = pd.concat(frames, ignore_index=True)
    df["team_id"] = df["team_id"].fillna("ALL")
    df["period_end"] = pd.to_datetime(df["period_end"])
    return df


def frame(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with this column (AppTest does not expose table keys)."""
    for d in at.dataframe:
        if column in d.value.columns:
            return d.value
    raise AssertionError(f"no table with a '{column}' column")


def markdown_text(at: AppTest) -> str:
    # Text from CSVs is backslash-escaped for markdown; compare with the escapes removed.
    return "\n".join(m.value.replace("\\", "") for m in at.markdown)


def test_overview_shows_plan_rag_counts_and_a_card_per_measure(sample_db):
    at = run_page()
    assert at.title[0].value.replace("\\", "") == "Brighter Futures Improvement Plan 2019-2021"
    latest = ratings_csv()["as_at"].max().date()
    text = markdown_text(at)
    assert f"Implementation: {counts_sentence(expected_counts(latest, 'implementation'))}" in text.replace("**", "")
    assert f"Impact: {counts_sentence(expected_counts(latest, 'impact'))}" in text.replace("**", "")
    measures = pd.read_csv(PLAN / "measures.csv")
    assert len(at.metric) == len(measures)
    rows = extract_rows()
    latest_auth = rows[(rows.measure_id == "assessment_timeliness") & (rows.team_id == "ALL")].sort_values("period_end")
    expected = f"{latest_auth.iloc[-1]['value']:.1f}%"
    card = next(m for m in at.metric if "Assessments completed within 45 working days" in m.label.replace("\\", ""))
    assert card.value == expected
    # RAG is a word as well as a colour, on every tile.
    assert "Implementation: ● Green" in " ".join(badges(at))


def badges(at: AppTest) -> list[str]:
    """st.badge renders as markdown ':colour-badge[label]'; the labels."""
    labels = [m.value.split("[", 1)[1].rstrip("]") for m in at.markdown if "-badge[" in m.value]
    return [label.split(": ", 1)[1] if label.startswith(":material/") else label for label in labels]


def test_overview_needs_attention_lists_measures_missing_their_target(sample_db):
    at = run_page()
    table = frame(at, "Why")
    # Care proceedings (38.3 weeks against 26) is far off its target in the sample data.
    row = table[table["Measure"] == "Average duration of care proceedings"]
    assert not row.empty and "not meeting the next target" in row.iloc[0]["Why"]


def test_as_at_change_moves_every_rating_back(sample_db):
    at = run_page(as_at="2020-06-30")
    text = markdown_text(at).replace("**", "")
    assert f"Implementation: {counts_sentence(expected_counts(date(2020, 6, 30), 'implementation'))}" in text
    assert "as at Jun 2020" in at.caption[0].value.replace("\\", "")
    at.selectbox(key="as_at").select("2019-12-31").run()
    text = markdown_text(at).replace("**", "")
    assert f"Implementation: {counts_sentence(expected_counts(date(2019, 12, 31), 'implementation'))}" in text
    assert at.query_params["as_at"] == ["2019-12-31"] or at.query_params["as_at"] == "2019-12-31"


def test_measures_page_plots_the_chosen_measure_and_teams_from_the_url(sample_db):
    # The teams are the sidebar's scope now; a link made before (?teams=a&teams=b) still opens them.
    at = run_page("measures", measure="care_proceedings_weeks", teams=["fr_north", "loc_west"])
    assert at.selectbox(key="measure").value == "care_proceedings_weeks"
    assert at.multiselect(key="scope").value == ["team:fr_north", "team:loc_west"]
    assert list(at.query_params["scope"]) == ["team:fr_north", "team:loc_west"]
    figures = frame(at, "Series")
    rows = extract_rows()
    auth = rows[(rows.measure_id == "care_proceedings_weeks") & (rows.team_id == "ALL")]
    shown = figures[figures["Series"].str.startswith("Whole authority")]
    assert len(shown) == len(auth)
    assert shown["Figure"].round(6).tolist() == auth.sort_values(["period_end"])["value"].round(6).tolist()
    # Every target appears as a labelled point.
    targets = pd.read_csv(PLAN / "targets.csv")
    n_targets = (targets["measure_id"] == "care_proceedings_weeks").sum()
    assert (figures["Period type"] == "Target").sum() == n_targets


def test_service_area_selects_its_teams_and_the_choice_goes_into_the_url(sample_db):
    at = run_page("measures", measure="assessment_timeliness")
    teams = pd.read_csv(PLAN / "teams.csv")
    area = "Localities"
    at.multiselect(key="scope").select(f"area:{area}").run()
    assert at.query_params["scope"] in (f"area:{area}", [f"area:{area}"])
    # Every team of the area is drawn beside the whole authority.
    series = set(frame(at, "Series")["Series"])
    for name in teams.loc[teams.service_area == area, "team_name"]:
        assert any(s.startswith(name) for s in series), (name, series)
    at.selectbox(key="measure").select("contacts_3_days").run()
    assert at.query_params["measure"] in ("contacts_3_days", ["contacts_3_days"])


def test_quarterly_figures_are_their_own_series(sample_db):
    at = run_page("measures", measure="audit_good_or_better")
    figures = frame(at, "Series")
    auth = figures[figures["Team code"] == "ALL"]
    assert set(auth["Period type"]) == {"Quarter"}
    assert set(auth["Series"]) == {"Whole authority (quarterly)"}


def test_spc_view_shows_limits_and_the_reading(sample_db):
    at = run_page("measures", measure="assessment_timeliness", view="xmr")
    labels = badges(at)
    assert any(label in labels for label in ("Special cause improvement", "Special cause concern",
                                             "Common cause variation"))
    assert any("target" in label.lower() or "hit or miss" in label.lower() for label in labels)


def test_teams_page_ranks_teams_best_first_against_the_team_target(sample_db):
    at = run_page("teams", scope="area:Localities")
    scope_table = frame(at, "Whole authority")
    teams = pd.read_csv(PLAN / "teams.csv")
    names = teams.loc[teams.service_area == "Localities", "team_name"].tolist()
    assert all(n in scope_table.columns for n in names)
    assert len(scope_table) == len(pd.read_csv(PLAN / "measures.csv"))
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # league and heat map
    rows = extract_rows()
    measure = at.selectbox(key="league_measure").value
    period = at.selectbox(key="league_period").value
    end = pd.Timestamp(period.split("|")[0])
    team_rows = rows[(rows.measure_id == measure) & (rows.team_id != "ALL") & (rows.period_end == end)]
    assert len(team_rows) > 1


def test_recommendation_page_shows_text_literally_with_line_breaks(sample_db):
    at = run_page("recommendation", rec="2019-2")
    ratings = ratings_csv()
    latest = ratings[ratings.rec_id == "2019-2"].sort_values("as_at").iloc[-1]
    text = markdown_text(at)
    first_line = latest["evidence"].splitlines()[0]
    assert first_line in text
    titles = pd.read_csv(PLAN / "recommendations.csv").set_index("rec_id")["title"]
    assert titles["2019-2"] in text


def test_data_page_lists_every_measure_and_the_load_log(sample_db):
    at = run_page("data")
    coverage = frame(at, "Months missing")
    assert len(coverage) == len(pd.read_csv(PLAN / "measures.csv"))
    log = frame(at, "SHA-256")
    files = list(PLAN.glob("*.csv")) + list(PLAN.glob("*.toml")) + list(DATA.glob("*.csv")) + \
        list((DATA / "benchmarks").glob("*.csv"))
    assert len(log) == len(files)
    rows = extract_rows()
    counts = rows.groupby("measure_id").size()
    got = coverage.set_index("Measure id")["Figures"]
    assert got["assessment_timeliness"] == counts["assessment_timeliness"]


def test_a_missing_database_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CIPDASH_DB", str(tmp_path / "nothing-here.duckdb"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert "python -m cipdash load" in at.error[0].value


def test_the_sidebar_and_the_page_read_one_database_version_per_run(sample_db, monkeypatch):
    # A load may replace the file between the sidebar and the page; were each to open the
    # database itself, the sidebar could list one data set's months and teams above the
    # next data set's figures (the concurrent browser test caught exactly that).
    from cipdash import webapp

    opened = []
    real_open = webapp._open

    def counting_open():
        opened.append(1)
        return real_open()

    monkeypatch.setattr(webapp, "_open", counting_open)
    at = run_page("measures", measure="assessment_timeliness")
    assert len(opened) == 1
    at.sidebar.selectbox(key="as_at").select_index(2).run()
    assert not at.exception
    assert len(opened) == 2  # one more run, one more opening

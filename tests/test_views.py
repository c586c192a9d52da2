"""The read layer (cipdash/views/): each page's view, built straight on the session's sample
snapshot with a SnapshotReader, gives what the page shows (checked against the page run by
AppTest), and the pages themselves hold no queries, SQL or pandas.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cipdash import access, queries
from cipdash.headings import in_words
from cipdash.scope import Scope
from cipdash.views import SnapshotReader
from cipdash.views import data as data_views
from cipdash.views import measures as measure_views
from cipdash.views import overview as overview_views
from cipdash.views import pack as pack_views
from cipdash.views import recommendation as recommendation_views
from cipdash.views import teams as team_views

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "pages"
LOCALITIES = Scope.from_tokens(["area:Localities"])


@pytest.fixture(scope="module")
def sample_db(sample_db_file):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIPDASH_DB", str(sample_db_file))
        yield sample_db_file


@pytest.fixture(scope="module")
def latest(sample_snap) -> date:
    return queries.available_months(sample_snap)[0]


def reader(snap, as_at: date, scope: Scope = Scope(), grant=access.LOCAL_ADMIN) -> SnapshotReader:
    return SnapshotReader(snap, as_at, scope, grant)


def run_page(page: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if page:
        at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(text: str) -> str:
    """Shown text with its markdown escapes removed."""
    return text.replace("\\", "")


def captions(at: AppTest) -> list[str]:
    """Each line of each caption (an Overview card's words are one caption, a line each)."""
    return [line for c in at.main.caption for line in plain(c.value).split("  \n")]


def markdown(at: AppTest) -> str:
    return "\n".join(plain(m.value) for m in at.main.markdown)


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.main.dataframe]


def shown_as(frame: pd.DataFrame) -> pd.DataFrame:
    """A view's frame as the page's table shows it (headings and dates in words)."""
    return in_words(frame).reset_index(drop=True)


def times_shown(at: AppTest, frame: pd.DataFrame) -> int:
    """How many tables on the page are this frame, as shown."""
    expected, found = shown_as(frame), 0
    for shown in tables(at):
        if list(shown.columns) == list(expected.columns) and len(shown) == len(expected):
            try:
                pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected, check_dtype=False)
                found += 1
            except AssertionError:
                continue
    return found


def has_table(at: AppTest, frame: pd.DataFrame) -> bool:
    return times_shown(at, frame) > 0


# --- the pages hold no read logic ---------------------------------------------------------

# Modules a page may not import: the queries (read them through a view), the database and
# SQL, and the frame libraries (reshaping belongs in a view).
FORBIDDEN_IMPORTS = {"pandas", "numpy", "duckdb", "cipdash.queries", "cipdash.db", "cipdash.sqlfiles"}


def imported_by(path: Path) -> set[str]:
    """Every module a file imports, with `from cipdash import queries` as cipdash.queries."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def forbidden_in_page(path: Path) -> set[str]:
    return {m for m in imported_by(path) if m.split(".")[0] in FORBIDDEN_IMPORTS or
            any(m == f or m.startswith(f + ".") for f in FORBIDDEN_IMPORTS)}


@pytest.mark.parametrize("page", sorted(p.name for p in PAGES.glob("*.py")))
def test_pages_import_no_queries_database_or_pandas(page):
    assert forbidden_in_page(PAGES / page) == set()


def test_the_import_check_finds_each_way_of_importing_a_query(tmp_path):
    for line in ("from cipdash import queries", "import cipdash.queries", "import pandas as pd",
                 "from cipdash.queries import teams", "from pandas import DataFrame"):
        page = tmp_path / "page.py"
        page.write_text(f"{line}\n", encoding="utf-8")
        assert forbidden_in_page(page), line
    page.write_text("from cipdash.views.teams import teams_view\n", encoding="utf-8")
    assert forbidden_in_page(page) == set()


def test_the_views_run_without_streamlit():
    # Plain functions: the CLI and the tests use them with no Streamlit loaded at all.
    code = ("import sys\n"
            "from cipdash.views import data, measures, overview, pack, recommendation, teams\n"
            "assert 'streamlit' not in sys.modules, 'streamlit imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --- the reader ------------------------------------------------------------------------------

def test_snapshot_reader_gives_only_the_teams_the_grant_may_see(sample_snap, latest):
    localities = access.Grant(access.HEAD_OF_SERVICE, access.ROLE_PERMISSIONS[access.HEAD_OF_SERVICE],
                              frozenset({"Localities"}))
    everyone = reader(sample_snap, latest).get(queries.teams)
    theirs = reader(sample_snap, latest, grant=localities).get(queries.teams)
    assert set(theirs["service_area"]) == {"Localities"}
    assert set(theirs["team_id"]) == set(everyone.loc[everyone["service_area"] == "Localities", "team_id"])
    assert len(theirs) < len(everyone)
    assert reader(sample_snap, latest).latest == latest


# --- one case per page, against what the page shows -------------------------------------

def test_overview_view_is_what_the_overview_shows(sample_db, sample_snap, latest):
    view = overview_views.overview(reader(sample_snap, latest))
    assert view.title == "Brighter Futures Improvement Plan 2019-2021"
    ratings = queries.ratings_at(sample_snap, latest)
    counts = ratings["implementation"].value_counts()
    assert view.implementation == ", ".join(f"{counts[c]} {word}" for c, word in
                                            (("G", "Green"), ("A", "Amber"), ("R", "Red")) if counts.get(c, 0))
    assert [t.rec_id for t in view.tiles] == list(ratings["rec_id"])
    assert any(card.notes for card in view.cards)  # the sample has team ranges, so some card has notes
    measures = queries.measures(sample_snap)
    assert [c.name for c in view.cards] == list(measures.set_index("measure_id").loc[
        [c["measure_id"] for c in queries.headline_cards(sample_snap, latest)], "name"])
    at = run_page()
    assert plain(at.title[0].value) == view.title
    assert view.caption in captions(at)
    assert f"Implementation: {view.implementation}" in markdown(at).replace("**", "")
    assert f"Impact: {view.impact}" in markdown(at).replace("**", "")
    assert [(plain(m.label), m.value) for m in at.metric] == [(c.name, c.value) for c in view.cards]
    shown = captions(at)
    for card in view.cards:
        assert card.when_and_target in "\n".join(shown)
        for note in card.notes:
            assert note in shown
    for tile in view.tiles:
        assert tile.caption in shown
    assert has_table(at, view.attention)
    if view.changes:
        for name, sentence in view.changes:
            assert f"- **{name}**: {sentence}" in markdown(at)
    else:
        assert view.no_change in shown
    assert view.scope is None
    assert view.inspections is None or has_table(at, view.inspections)


def test_overview_view_with_a_service_area_has_its_figures(sample_db, sample_snap, latest):
    view = overview_views.overview(reader(sample_snap, latest, LOCALITIES))
    assert view.scope is not None and view.scope.name == "Localities service area"
    at = run_page(scope="area:Localities")
    assert has_table(at, view.scope.figures)
    assert "Localities service area: every measure against the team target" in [plain(s.value) for s in at.main.subheader]


def test_measures_view_is_what_the_measures_page_shows(sample_db, sample_snap, latest):
    r = reader(sample_snap, latest, Scope.from_tokens(["team:fr_north"]))
    choices = measure_views.measure_choices(r)
    plan = queries.measures(sample_snap)
    assert set(choices.options) == set(plan["measure_id"])
    # Grouped by each measure's first recommendation, in plan order, the recommendation first in the label.
    rec_order = list(queries.recommendations(sample_snap)["rec_id"])
    first_rec = {m: (r or "").split(";")[0] for m, r in zip(plan["measure_id"], plan["rec_ids"])}
    names = dict(zip(plan["measure_id"], plan["name"]))
    assert [rec_order.index(first_rec[m]) for m in choices.options] == \
        sorted(rec_order.index(first_rec[m]) for m in choices.options)
    assert all(choices.labels[m] == f"{first_rec[m]} · {names[m]}" for m in choices.options)
    view = measure_views.measure_view(r, "care_proceedings_weeks", "trend")
    assert view.trend is not None and view.spc is None
    at = run_page("measures", measure="care_proceedings_weeks", scope="team:fr_north")
    picker = at.selectbox(key="measure")
    assert picker.options == [choices.labels[m] for m in choices.options]
    # The figures plotted: the trend chart's own data, in the chart's table and under it.
    assert times_shown(at, view.trend.data) == 2
    shown = markdown(at)
    assert view.honest_lines and all(f"- {line}" in shown for line in view.honest_lines)
    if view.narrative:
        assert view.narrative in shown


def test_measures_spc_view_is_what_the_spc_view_shows(sample_db, sample_snap, latest):
    view = measure_views.measure_view(reader(sample_snap, latest), "assessment_timeliness", "xmr")
    assert view.trend is None and view.spc is not None and view.no_spc is None
    assert view.spc_caption.startswith("SPC for the whole authority")
    at = run_page("measures", measure="assessment_timeliness", view="xmr")
    assert view.spc_caption in captions(at)
    assert has_table(at, view.spc.data)
    assert any(w.value.startswith("Fewer than 12") for w in at.warning) == view.trial_limits


def test_teams_view_is_what_the_teams_page_shows(sample_db, sample_snap, latest):
    r = reader(sample_snap, latest, LOCALITIES)
    view = team_views.teams_view(r)
    assert view.message is None and view.heading == "Localities service area"
    teams = queries.teams(sample_snap)
    assert set(view.team_ids) == set(teams.loc[teams["service_area"] == "Localities", "team_id"])
    at = run_page("teams", scope="area:Localities")
    assert "Localities service area: every measure against the team target" in [plain(s.value) for s in at.main.subheader]
    assert has_table(at, view.figures)
    measure = at.selectbox(key="league_measure")
    assert measure.options == list(view.league_measures.values())
    periods = team_views.league_periods(r, measure.value)
    period = at.selectbox(key="league_period")
    assert period.options == list(periods.values()) and period.value in periods
    ends = [key.split("|")[0] for key in periods]
    assert ends == sorted(ends, reverse=True)  # newest first
    drawn = team_views.league(r, view, measure.value, period.value)
    assert drawn.chart is not None and drawn.heatmap is not None
    assert has_table(at, drawn.chart.data) and has_table(at, drawn.heatmap.data)


def test_teams_view_shows_the_busiest_area_for_the_whole_authority(sample_snap, latest):
    view = team_views.teams_view(reader(sample_snap, latest))
    busiest = queries.busiest_service_area(sample_snap, latest)
    assert view.heading == f"{busiest} service area" and view.caption.startswith(f"Showing {busiest},")


def test_recommendation_view_is_what_the_recommendation_page_shows(sample_db, sample_snap, latest):
    r = reader(sample_snap, latest)
    titles = recommendation_views.recommendation_titles(r)
    view = recommendation_views.recommendation(r, "2019-2")
    assert view.title == titles["2019-2"]
    plan = queries.measures(sample_snap)
    linked = [m for m, r in zip(plan["measure_id"], plan["rec_ids"]) if "2019-2" in str(r).split(";")]
    assert [m for m, _ in view.measure_charts] == linked and linked
    ratings = queries.ratings_at(sample_snap, latest).set_index("rec_id").loc["2019-2"]
    assert view.evidence == ratings["evidence"] and view.implementation == ratings["implementation"]
    at = run_page("recommendation", rec="2019-2")
    assert plain(at.title[0].value) == "Recommendation 2019-2"
    assert view.rated in captions(at)
    assert " · ".join(f"{k}: {v}" for k, v in view.facts) in captions(at)
    assert view.evidence.splitlines()[0] in markdown(at)
    charts = at.get("plotly_chart")
    assert len(charts) == len(view.measure_charts) + (view.timeline is not None)
    for _, chart in view.measure_charts:
        assert has_table(at, chart.data)


def test_data_view_is_what_the_data_page_shows(sample_db, sample_snap, latest):
    view = data_views.data_view(reader(sample_snap, latest))
    assert len(view.coverage) == len(queries.measures(sample_snap))
    at = run_page("data")
    assert has_table(at, view.coverage) and has_table(at, view.load_log)
    assert view.revisions_note in captions(at)
    assert (view.revisions is None) == (view.revisions_note == data_views.NO_REVISIONS)


def test_pack_view_is_what_the_report_pack_page_says(sample_db, sample_snap, latest):
    view = pack_views.pack_view(reader(sample_snap, latest, LOCALITIES))
    assert view.figures_for.startswith("Figures for: Localities service area, beside the whole authority.")
    at = run_page("exports", scope="area:Localities")
    assert view.caption in captions(at)
    assert view.figures_for in markdown(at)
    whole = pack_views.pack_view(reader(sample_snap, latest))
    assert "beside" not in whole.figures_for


def _busiest_by_hand(snap, as_at):
    """Counted from the teams' latest figures as the Teams table reads them (latest_figures
    of every team), the first area alphabetically on a tie."""
    teams = queries.teams(snap)
    figures = queries.latest_figures_for(snap, as_at, tuple(teams["team_id"]))
    figures = figures[figures["team_id"] != "ALL"]
    areas = dict(zip(teams["team_id"], teams["service_area"]))
    counts: dict[str, int] = {}
    for team, value in zip(figures["team_id"], figures["latest_value"]):
        if isinstance(areas.get(team), str) and not pd.isna(value):
            counts[areas[team]] = counts.get(areas[team], 0) + 1
    return max(sorted(counts), key=counts.get) if counts else None


def test_the_busiest_area_is_the_one_with_most_team_figures_ties_alphabetical(tmp_path):
    from plan_builder import EXTRACT, PLAN, write_plan
    from support import loaded

    from cipdash.db import open_snapshot

    plan = dict(PLAN)
    plan["teams.csv"] = ("team_id,team_name,service_area,head_of_service\n"
                         "north,North Team,Zeta Area,\nsouth,South Team,Alpha Area,\n"
                         "east,East Team,Zeta Area,\nwest,West Team,,\n")
    # Sep 2020, the latest figure of each team and measure: Zeta 3 (north twice, east),
    # Alpha 2 (south twice, supervision from June). Jun 2020: south and east one each: a
    # tie, the first alphabetically. West has no service area: never counted.
    extract = EXTRACT + ("supervision,2020-06-30,month,south,60.0,,\n"
                         "supervision,2020-06-30,month,east,61.0,,\n"
                         "supervision,2020-09-30,month,east,70.0,,\n"
                         "supervision,2020-09-30,month,north,71.0,,\n"
                         "supervision,2020-10-31,month,west,72.0,,\n")
    snap = open_snapshot(loaded(tmp_path, write_plan(tmp_path / "p", plan, {"extract.csv": extract})))
    try:
        seen = {}
        for as_at in list(queries.available_months(snap)) + [date(2020, 5, 31), date(2021, 6, 30)]:
            seen[as_at] = queries.busiest_service_area(snap, as_at)
            assert seen[as_at] == _busiest_by_hand(snap, as_at), as_at
        assert seen[date(2020, 9, 30)] == "Zeta Area"
        assert seen[date(2020, 6, 30)] == "Alpha Area"  # one each: alphabetical
        assert seen[date(2020, 5, 31)] is None  # before any team figure
    finally:
        snap.close()

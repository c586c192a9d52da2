"""Every page opens in a real browser, with no exception, showing its own content
computed from the sample plan and extracts."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

import browser_sample as sample
from browserkit import PAGES, after_heading, assert_healthy, chart_titles, main, open_page, table_rows

SHAPES = {"G": "●", "A": "▲", "R": "■"}


def opened(app, page, shot, name: str):
    """Open a page, screenshot it, and check what every page must show."""
    open_page(page, f"{app.url}/{PAGES[name]}")
    shot()
    assert_healthy(page, f"the {name} page")
    expect(main(page).locator("h1").first).to_be_visible()
    # Streamlit's st.navigation sections (not its file-name navigation of pages/), wide.
    expect(page.locator("[data-testid='stSidebarNav']")).to_contain_text("Performance")
    expect(page.locator("[data-testid='stAppViewContainer']")).to_have_attribute("data-layout", "wide")
    return main(page)


# Pages with no test of their own below (e.g. a page added later) still get the basics.
CHECKED_BELOW = {"overview", "measures", "teams", "recommendation", "data"}


@pytest.mark.parametrize("name", [n for n in PAGES if n not in CHECKED_BELOW] or
                         [pytest.param("none", marks=pytest.mark.skip(reason="every page has its own test"))])
def test_other_page_opens_without_exception(app, page, shot, name):
    opened(app, page, shot, name)


def test_overview_shows_plan_ratings_and_measures(app, page, shot):
    body = opened(app, page, shot, "overview")
    expect(body.locator("h1")).to_have_text(sample.plan_name())
    latest = sample.latest_month()
    expect(body.locator("[data-testid='stCaptionContainer']").first).to_contain_text(
        f"as at {sample.month_label(latest)}")
    counts = body.locator("[data-testid='stMarkdownContainer']").filter(has_text="Implementation:").first
    expect(counts).to_contain_text(f"Implementation: {sample.rag_sentence(latest, 'implementation')}")
    expect(counts).to_contain_text(f"Impact: {sample.rag_sentence(latest, 'impact')}")
    # One tile per recommendation, its rating as a word and a shape (never colour alone).
    recs = sample.recommendations()
    for rec_id in recs["rec_id"]:
        expect(body.get_by_text(rec_id, exact=True).first).to_be_visible()
    at_latest = sample.ratings_at(latest)
    for kind in ("implementation", "impact"):
        for code in sorted(set(at_latest[kind]) - {""}):
            badge = f"{kind.capitalize()}: {SHAPES[code]} {sample.RAG_NAMES[code]}"
            expect(body.get_by_text(badge).first).to_be_visible()
    # A headline card for each measure.
    metrics = body.locator("[data-testid='stMetric']")
    expect(metrics).to_have_count(len(sample.measures()))
    expect(metrics.first).to_contain_text(sample.measures()["name"].iloc[0][:20])


def test_measures_shows_trend_chart_and_figures(app, page, shot):
    body = opened(app, page, shot, "measures")
    first = sample.measures().iloc[0]
    expect(body.locator(".js-plotly-plot").first).to_be_visible()
    assert chart_titles(page)[0].startswith(first["name"])
    expect(body.get_by_text("How it is counted:")).to_be_visible()
    figures = body.locator("[data-testid='stDataFrame']").last  # under "The figures plotted"
    expect(figures).to_be_visible()
    rows = table_rows(figures)
    assert rows and rows[0][0] == "Whole authority", rows[:2]


def test_teams_shows_scope_figures_league_and_heatmap(app, page, shot):
    body = opened(app, page, shot, "teams")
    # With the whole authority chosen, the page opens on the service area whose teams have the
    # most figures at the latest month (not the alphabetically first: Care Leavers is mostly dashes).
    busiest = sample.busiest_service_area(sample.latest_month())
    heading = f"{busiest} service area: every measure against the team target"
    expect(body.locator("h3").filter(has_text=heading)).to_be_visible()
    expect(after_heading(page, heading)).to_be_visible()
    expect(body).to_contain_text("the service area with the most team figures")
    expect(body.locator("h3").filter(has_text="League of all teams")).to_be_visible()
    league = body.locator(".js-plotly-plot").filter(has_text="teams ranked").first
    expect(league).to_be_visible()
    # Every team with figures for the first measure is in the league (the bar labels).
    figures = sample.extracts()
    measure = sample.measures()["measure_id"].iloc[0]
    latest = figures[figures["measure_id"] == measure]["period_end"].max()
    ranked = figures[(figures["measure_id"] == measure) & (figures["period_end"] == latest)
                     & (figures["team_id"] != "ALL")]["team_id"]
    text = league.text_content()
    missing = [sample.team_names()[t] for t in ranked if sample.team_names()[t] not in text]
    assert not missing, f"not in the league: {missing}"

    # A service area with team figures for that measure also gets the team-by-month heat map.
    area = sample.teams().set_index("team_id").loc[ranked.iloc[0], "service_area"]
    open_page(page, f"{app.url}/teams?scope=area:{quote(area)}")
    shot("heatmap")
    assert_healthy(page, f"the Teams page for {area}")
    titles = chart_titles(page)
    assert any(t.endswith(": teams by month") for t in titles), titles


def test_recommendation_shows_ratings_and_evidence(app, page, shot):
    body = opened(app, page, shot, "recommendation")
    rec_id = sample.recommendations()["rec_id"].iloc[0]
    expect(body.locator("h1")).to_have_text(f"Recommendation {rec_id}")
    expect(body.locator("h3").filter(has_text="Evidence of progress")).to_be_visible()
    expect(body.locator("h3").filter(has_text="Further actions")).to_be_visible()
    latest = sample.ratings_at(sample.latest_month()).set_index("rec_id").loc[rec_id]
    # The evidence as text, exactly as in ratings.csv (first sentence).
    expect(body).to_contain_text(latest["evidence"].split(". ")[0])
    expect(body.locator(".js-plotly-plot").first).to_be_visible()


def test_data_shows_coverage_load_log_and_upload(app, page, shot):
    body = opened(app, page, shot, "data")
    expect(body.locator("h3").filter(has_text="Load log")).to_be_visible()
    log = after_heading(page, "Load log")
    expect(log).to_be_visible()
    rows = table_rows(log)
    assert rows and rows[0][0] == "1", rows[:2]  # the fixture's one load
    coverage = after_heading(page, "What is loaded")
    expect(coverage).to_be_visible()
    expect(body.locator("[data-testid='stFileUploader']")).to_be_visible()

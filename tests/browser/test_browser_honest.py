"""Honest readings in real Chromium (issue 13): a card whose assurance is withheld, a card
whose latest figure is a year old, a line broken at a gap, the suggested restart of the
limits with its preview and row, and a neutral measure's purple reading — over the small
plan of tests/test_honest_display.py. The screenshots in artifacts/screenshots/ are for
looking at (the element shots are the cards and charts alone)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browserkit import SCREENSHOTS, assert_healthy, main, open_page
from conftest import running
from test_honest_display import WITHHELD, honest_plan


@pytest.fixture(scope="module")
def honest_app(tmp_path_factory, browser):
    root = tmp_path_factory.mktemp("honest-browser")
    with running(root, *honest_plan(root), browser) as server:
        yield server


def healthy_main(page, url: str, what: str):
    """The main area of the page at url, once it has rendered without an error."""
    open_page(page, url)
    assert_healthy(page, what)
    return main(page)


def card(page, name: str):
    """The Overview column holding one measure's card (its metric, words and badges)."""
    return main(page).locator("[data-testid='stColumn']").filter(
        has=page.locator("[data-testid='stMetricLabel']").get_by_text(name, exact=True))


def element_shot(locator, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SCREENSHOTS / f"honest-{name}.png"))


def test_cards_say_a_withheld_assurance_and_a_stale_figure_in_words(honest_app, page, shot):
    open_page(page, honest_app.url)
    assert_healthy(page, "the Overview")
    withheld = card(page, "Care proceedings duration")
    expect(withheld).to_have_count(1)
    expect(withheld).to_contain_text(WITHHELD)
    expect(withheld).to_contain_text("The limits probably need restarting from Jan 2020")
    # Words instead of an assurance badge: none of the assurance levels is shown on it.
    for level in ("Consistently failing the target", "Consistently passing the target", "Hit or miss",
                  "No assurance"):
        expect(withheld).not_to_contain_text(level)
    element_shot(withheld, "withheld-card")

    stale = card(page, "Assessments completed within 45 working days")
    expect(stale).to_contain_text("Oct 2019 figure, 12 months old")
    expect(stale).to_contain_text("Not met in Oct 2019 (12 months old)")
    expect(stale).to_contain_text("Teams range from 71.4% to 97.2%")
    expect(stale).to_contain_text("Mar 2020 target 85.0%: outturn 73.6% (Oct 2019), not met")
    expect(stale).to_contain_text("next: Target Mar 2021: 95.0%")
    element_shot(stale, "stale-card")

    neutral = card(page, "Supervision sessions held")
    expect(neutral).to_contain_text("Special cause variation (neither direction is better)")
    expect(neutral).not_to_contain_text("No assurance")
    shot("overview")


def test_a_gap_breaks_the_line_and_is_named(honest_app, page, shot):
    body = healthy_main(page, f"{honest_app.url}/measures?measure=vacancy_rate", "the Measures page")
    expect(body.get_by_text("The line is broken where figures are missing: no figures Nov 2019 to Aug 2020")
           .first).to_be_visible()
    chart = body.locator(".js-plotly-plot").first
    expect(chart).to_be_visible()
    # The whole-authority line is drawn as two pieces (plotly: a line path per piece):
    # Jan to Oct 2019 (10 figures) and Sep to Oct 2020.
    pieces = chart.locator(".scatterlayer .trace").first.locator("path.js-line")
    expect(pieces).to_have_count(2)
    ds = [p.get_attribute("d") for p in pieces.all()]
    assert sorted(d.count("L") + 1 for d in ds) == [2, 10], ds
    element_shot(chart, "gap-chart")
    shot("gap")


def test_the_spc_view_previews_the_restarted_limits_and_shows_the_row(honest_app, page, shot):
    body = healthy_main(page, f"{honest_app.url}/measures?measure=care_proceedings_weeks&view=xmr", "the SPC view")
    expect(body.get_by_text("The limits probably need restarting from Jan 2020").first).to_be_visible()
    expect(body.get_by_text(WITHHELD).first).to_be_visible()
    row = body.locator("[data-testid='stCode']").first
    expect(row).to_contain_text("care_proceedings_weeks,2020-01-31,")
    body.get_by_text("Preview: this chart with the limits restarted there").click()
    preview = body.locator(".js-plotly-plot").nth(1)
    expect(preview).to_be_visible()
    expect(body.get_by_text("limits restarted from Jan 2020").first).to_be_visible()
    element_shot(preview, "rebase-preview")
    shot("rebase")


def test_a_neutral_measure_has_purple_marks_and_no_assurance(honest_app, page, shot):
    body = healthy_main(page, f"{honest_app.url}/measures?measure=supervision&view=xmr", "the neutral SPC view")
    expect(body.get_by_text("Special cause variation (neither direction is better)").first).to_be_visible()
    chart = body.locator(".js-plotly-plot").first
    expect(chart.locator(".legendtext", has_text="Special cause (neither direction is better)")).to_have_count(1)
    # The three jumped points: purple squares (plotly draws a square's path with right angles).
    marks = chart.locator(".scatterlayer .trace .points path[style*='rgb(73, 0, 146)']")
    assert marks.count() >= 3
    element_shot(chart, "neutral-chart")
    shot("neutral")

"""One month and one scope, chosen once in the sidebar, held by every page as the reader
moves through the navigation, at a desktop width and at a phone's."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

import browser_sample as sample
from browserkit import WAIT_MS, assert_healthy, legend_names, main, open_page, query_values, wait_for_app, widget

MONTH = date(2021, 1, 31)  # not the latest month: a reset to the latest would show
AREA = "Localities"
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
# (navigation link, what the page shows for the scope and month)
WALK = [
    ("Recommendation", f"Rating at {sample.month_label(MONTH)}"),
    ("Measures", f"to {sample.month_label(MONTH)}"),
    ("Teams", f"{AREA} service area: every measure against the team target"),
    ("Report pack", f"Figures for: {AREA} service area"),
    ("Overview", f"{AREA} service area: every measure against the team target"),
    ("Overview", f"as at {sample.month_label(MONTH)}"),
]


def open_sidebar(page) -> None:
    """At phone width Streamlit folds the sidebar away: open it to reach the navigation."""
    if page.locator("[data-testid='stSidebarNav']").is_visible():
        return
    page.locator("[data-testid='stExpandSidebarButton']").click()
    expect(page.locator("[data-testid='stSidebarNav']")).to_be_visible()


def assert_holds(page, where: str) -> None:
    assert_healthy(page, where)
    assert query_values(page.url, "as_at") == [MONTH.isoformat()], (where, page.url)
    assert query_values(page.url, "scope") == [f"area:{AREA}"], (where, page.url)
    open_sidebar(page)
    expect(widget(page, "As at").locator("input")).to_have_value(sample.month_label(MONTH))
    expect(widget(page, "Figures for", "stMultiSelect").locator("[data-tag]")).to_have_text(
        [f"Service area: {AREA}"])


@pytest.mark.parametrize("size", list(SIZES))
def test_month_and_scope_hold_through_the_navigation(app, browser, size, request):
    context = browser.new_context(viewport=SIZES[size], reduced_motion="reduce")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    try:
        open_page(page, f"{app.url}/?as_at={MONTH.isoformat()}&scope=area:{AREA}")
        assert_holds(page, f"the Overview opened from a link ({size})")
        for link, shows in WALK:
            open_sidebar(page)
            page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=link, exact=True).click()
            wait_for_app(page)
            expect(main(page)).to_contain_text(shows)
            page.screenshot(path=str(_shot(request, f"{size}-{link}")), full_page=True)
            assert_holds(page, f"{link} after clicking the navigation ({size})")
        # The Measures chart draws the area's teams beside the whole authority, to the month.
        open_sidebar(page)
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Measures", exact=True).click()
        wait_for_app(page)
        chart = main(page).locator(".js-plotly-plot").first
        expect(chart.locator(".gtitle")).to_contain_text(f"to {sample.month_label(MONTH)}")
        legend = legend_names(chart)
        area_teams = sample.teams().loc[sample.teams()["service_area"] == AREA, "team_name"].tolist()
        assert "Whole authority" in legend and set(area_teams) <= set(legend), (legend, area_teams)
    finally:
        context.close()


def _shot(request, name: str):
    from browserkit import SCREENSHOTS, safe_name

    path = SCREENSHOTS / f"{safe_name(request.node.name)}-{safe_name(name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_old_overview_link_opens_the_overview_with_its_month_and_scope(app, page, shot):
    """The Overview is served at "/"; a bookmark to /overview used to show "Page not found"."""
    open_page(page, f"{app.url}/overview?as_at={MONTH.isoformat()}&scope=area:{AREA}")
    shot()
    assert_holds(page, "an old /overview link")
    expect(main(page).locator("[data-testid='stCaptionContainer']").first).to_contain_text(
        f"as at {sample.month_label(MONTH)}")
    expect(main(page)).to_contain_text(f"{AREA} service area: every measure against the team target")


def test_keyboard_focus_is_visible_on_links_and_controls(app, page):
    """WCAG 2.4.7: tabbing to a navigation link or a control draws a solid ring of at least 2 px."""
    open_page(page, f"{app.url}/")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        style = page.evaluate("""() => { const e = document.activeElement; if (!e || e === document.body) return null;
            const s = getComputedStyle(e); return [e.tagName, e.textContent.slice(0, 40), s.outlineStyle,
            parseFloat(s.outlineWidth)]; }""")
        if style:
            seen.append(style)
    assert seen, "nothing took the keyboard focus"
    bare = [s for s in seen if s[2] in ("none", "") or s[3] < 2]
    assert not bare, f"focused without a visible ring: {bare}"
    assert any(s[0] == "A" for s in seen), seen  # the navigation's links were among them

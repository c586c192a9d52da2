"""The dashboard on a phone (issue 14, "Phone layout"): every page at 390 x 844 as a phone
browser (its user agent says "Mobile"), and the same pages at 1440 x 900.

On a phone: no page scrolls sideways; the month and scope are stated at the top of the main
area and the month can be changed there (the sidebar is folded away); cards stack one a row
with their labels whole; tables keep their name column in view beside the figures; the league
is horizontal bars with the team names level on the y axis and most of the width for the
bars; chart titles wrap inside the chart and plotly's tool bar is not drawn over them; a
title never leaves a lone ")" on a line; and axe-core finds no serious or critical violation.
Screenshots: artifacts/screenshots/phone-<page>.png and desktop-<page>.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import browser_sample as sample
from browserkit import (
    DESKTOP, PAGES, PHONE, PHONE_USER_AGENT, SCREENSHOTS, WAIT_MS, after_heading, assert_healthy, choose,
    content_screenshot, headers_scrolled_right, main, open_page, overflow, plotly_layouts, query_values,
    visible_headers, wait_for_app, widget,
)
from test_browser_a11y import assert_no_serious_violations

LATEST = sample.month_label(sample.latest_month())
MONTH_LINE = f"Figures as at {LATEST} · Whole authority"
# A plan named as real councils name theirs: a long last word in brackets.
LONG_NAME = "Children's Services Improvement Plan (Transformational)"


@pytest.fixture(scope="module")
def phone_context(browser):
    context = browser.new_context(viewport=PHONE, user_agent=PHONE_USER_AGENT, is_mobile=True, has_touch=True,
                                  reduced_motion="reduce")
    context.set_default_timeout(WAIT_MS)
    yield context
    context.close()


@pytest.fixture
def phone(phone_context):
    pg = phone_context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    pg.close()


@pytest.fixture(scope="module")
def long_title_app(tmp_path_factory, browser):
    """The small test plan under a long name ending in a bracketed word."""
    from conftest import _start, _stop, _warm_up
    from plan_builder import write_plan

    root = tmp_path_factory.mktemp("long-title")
    plan_dir, data_dir = write_plan(root, plan={"plan.toml": f'name = "{LONG_NAME}"\nauthority = "Anyshire"\n'})
    server = _start(root, plan_dir, data_dir)
    _warm_up(server, browser)
    yield server
    _stop(server)


def assert_fits(page, where: str) -> None:
    sizes = overflow(page)
    assert sizes["scroll"] <= sizes["inner"] + 1, f"{where} scrolls sideways: {sizes}"


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_a_phone_and_states_the_month(app, phone, name):
    open_page(phone, f"{app.url}/{PAGES[name]}")
    assert_healthy(phone, f"the {name} page on a phone")
    body = main(phone)
    # The month and scope, in the main area: the sidebar (which also holds them) is folded away.
    expect(phone.locator("[data-testid='stSidebar']")).not_to_be_in_viewport()
    expect(body.get_by_text(MONTH_LINE, exact=True)).to_be_in_viewport()
    assert_fits(phone, name)
    for chart in plotly_layouts(phone):
        assert chart["titleInside"], f"{name}: the title of {chart['title']!r} runs off the chart"
        assert not chart["modebarShown"], f"{name}: plotly's tool bar is drawn over {chart['title']!r}"
    # Every table shows its name column with another beside it, and keeps the name column in
    # view when scrolled sideways to its last column.
    for frame in body.locator("[data-testid='stDataFrame']").all():
        if not frame.is_visible():
            continue  # inside a closed expander
        frame.scroll_into_view_if_needed()
        shown, columns = visible_headers(frame)
        assert len(shown) >= min(2, columns), f"{name}: a table shows only {shown} of {columns} columns on a phone"
        scrolled = headers_scrolled_right(frame)
        assert scrolled[0] == shown[0], f"{name}: the name column {shown[0]!r} scrolls away: {scrolled}"
    content_screenshot(phone, SCREENSHOTS / f"phone-{name}.png")


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_still_fits_a_desktop(app, page, name):
    page.set_viewport_size(DESKTOP)
    open_page(page, f"{app.url}/{PAGES[name]}")
    assert_healthy(page, f"the {name} page at 1440 px")
    expect(main(page).get_by_text(MONTH_LINE, exact=True)).to_be_in_viewport()
    assert_fits(page, name)
    for chart in plotly_layouts(page):
        assert chart["titleInside"], f"{name}: the title of {chart['title']!r} runs off the chart"
    content_screenshot(page, SCREENSHOTS / f"desktop-{name}.png")


def test_overview_cards_stack_with_whole_labels_and_tables_keep_their_key_columns(app, phone):
    open_page(phone, app.url + "/")
    body = main(phone)
    cards = body.locator("[data-testid='stMetric']")
    expect(cards.first).to_be_visible()
    boxes = [c.bounding_box() for c in cards.all()[:4]]
    # One a row: each card below the one before, and each nearly the main area's width.
    assert all(b["y"] >= a["y"] + a["height"] - 1 for a, b in zip(boxes, boxes[1:])), boxes
    assert all(b["width"] >= PHONE["width"] - 80 for b in boxes), boxes
    # Each card's label whole: never cut with "…" (its text fits its box).
    cut = body.locator("[data-testid='stMetricLabel'] [data-testid='stMarkdownContainer']").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
    assert cut == [], f"card labels cut on a phone: {cut}"
    # Needs attention: the measure and its latest figure side by side without scrolling.
    table = after_heading(phone, "Needs attention")
    table.scroll_into_view_if_needed()
    shown, _ = visible_headers(table)
    assert shown[:3] == ["Measure", "Latest", "Period"], shown


def test_month_can_be_changed_from_the_main_area_on_a_phone(app, phone):
    open_page(phone, app.url + "/")
    body = main(phone)
    body.get_by_role("button", name="Change month").click()
    choose(phone, "Month shown", "Sep 2020")
    wait_for_app(phone)
    expect(body.get_by_text("Figures as at Sep 2020 · Whole authority", exact=True)).to_be_visible()
    assert query_values(phone.url, "as_at") == ["2020-09-30"]
    # The sidebar's month is the same one: every page reads it.
    phone.locator("[data-testid='stExpandSidebarButton']").click()
    sidebar_month = phone.locator("[data-testid='stSidebar'] [data-testid='stSelectbox'] input").first
    expect(sidebar_month).to_have_value("Sep 2020")
    phone.locator("[data-testid='stSidebar']").get_by_role("link", name="Measures").click()
    wait_for_app(phone)
    expect(main(phone).get_by_text("Figures as at Sep 2020 · Whole authority", exact=True)).to_be_visible()
    assert query_values(phone.url, "as_at") == ["2020-09-30"]


def test_scope_can_be_changed_from_the_main_area_on_a_phone_and_holds(app, phone, request):
    # The pop-up sets the sidebar's scope (one scope, kept in the URL), not a second one.
    open_page(phone, app.url + "/")
    body = main(phone)
    body.get_by_role("button", name="Change month or scope").click()
    choose(phone, "Figures shown for", "Service area: Localities", "stMultiSelect")
    wait_for_app(phone)
    area_line = f"Figures as at {LATEST} · Localities service area"
    expect(body.get_by_text(area_line, exact=True)).to_be_visible()
    assert query_values(phone.url, "scope") == ["area:Localities"]
    # The pop-up shows the scope it set, and is clean for axe while open.
    expect(widget(phone, "Figures shown for", "stMultiSelect").locator("[data-tag]")).to_have_text(
        ["Service area: Localities"])
    phone.screenshot(path=str(SCREENSHOTS / "phone-scope-pop-up.png"))
    assert_no_serious_violations(phone, request)
    phone.keyboard.press("Escape")
    # Another page, by the navigation: the scope holds, and the sidebar shows it.
    phone.locator("[data-testid='stExpandSidebarButton']").click()
    phone.locator("[data-testid='stSidebar']").get_by_role("link", name="Measures").click()
    wait_for_app(phone)
    expect(main(phone).get_by_text(area_line, exact=True)).to_be_visible()
    assert query_values(phone.url, "scope") == ["area:Localities"]
    sidebar = phone.locator("[data-testid='stSidebar']")
    expect(sidebar).not_to_be_in_viewport()  # folded away again after the navigation
    phone.locator("[data-testid='stExpandSidebarButton']").click()
    expect(sidebar).to_be_in_viewport()
    expect(widget(phone, "Figures for", "stMultiSelect").locator("[data-tag]")).to_have_text(
        ["Service area: Localities"])
    phone.screenshot(path=str(SCREENSHOTS / "phone-scope-in-the-sidebar.png"))
    # Emptied in the pop-up: the whole authority again, everywhere.
    sidebar.get_by_role("button", name="Collapse sidebar").click()
    expect(sidebar).not_to_be_in_viewport()
    main(phone).get_by_role("button", name="Change month or scope").click()
    widget(phone, "Figures shown for", "stMultiSelect").get_by_role("button", name="Clear all").click()
    wait_for_app(phone)
    expect(main(phone).get_by_text(MONTH_LINE, exact=True)).to_be_visible()
    assert query_values(phone.url, "scope") == []


def test_league_is_level_bars_with_readable_team_names_on_a_phone(app, phone):
    open_page(phone, f"{app.url}/teams")
    assert_healthy(phone, "the Teams page on a phone")
    league = [c for c in plotly_layouts(phone) if "teams ranked" in c["title"]]
    assert league, "no league chart on the Teams page"
    chart = league[0]
    bars = chart["traces"][0]
    assert bars["type"] == "bar" and bars["orientation"] == "h", bars
    labels = [re.sub(r"\s+", " ", y.replace("<br>", " ").replace("▶", "")).strip() for y in bars["y"]]
    assert set(labels) <= set(sample.team_names().values()), labels
    assert chart["yTickAngle"] in (0, "auto", None) and not chart["yTicksRotated"], chart
    # Each label: the team's name, then its figure and met / not met (nothing is printed on
    # the bars, where the target line crossed it).
    for tick in chart["yTickTexts"]:
        found = re.fullmatch(r"▶?\s*(.+?)\s*\d+\.\d% – (?:met|not met)", tick.strip())
        assert found and re.sub(r"\s+", " ", found.group(1)) in sample.team_names().values(), (tick, chart)
    # The bars get at least 45% of the chart's width, not slivers beside the names.
    assert chart["plotWidth"] >= 0.45 * chart["width"], chart
    assert chart["titleInside"] and not chart["modebarShown"], chart


def heat_map(page) -> dict:
    found = [c for c in plotly_layouts(page) if "teams by month" in c["title"]]
    assert found, "no heat map on the Teams page"
    return found[0]


# Each heat map cell's figure as drawn: its text, font size in px (computed by the browser),
# its box, and the width and height of a cell (the plot area over the columns and rows).
_HEAT_CELLS_JS = """(chart) => {
  const full = chart._fullLayout, trace = chart._fullData[0];
  const cols = trace.x.length, rows = trace.y.length;
  return {
    cellWidth: full._size.w / cols, cellHeight: full._size.h / rows,
    texts: [...chart.querySelectorAll('.heatmaplayer text')].filter(t => t.textContent.trim()).map(t => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize), width: r.width, height: r.height};
    }),
    yTicksRotated: [...chart.querySelectorAll('.yaxislayer-above .ytick text')]
      .some(e => /rotate\\((?!0[,)])/.test(e.getAttribute('transform') || '')),
  };
}"""
HEAT_MAP_FIGURE_PX = 12  # the smallest figure a reader can take in at a glance on a phone


def test_the_heat_map_shows_half_a_year_with_level_month_names_on_a_phone(app, phone, page):
    # Twelve months at 390 px left each column ~19 px: figures too small to read and the
    # month names turned on their side. A phone gets the last six, names level.
    open_page(phone, f"{app.url}/teams")
    assert_healthy(phone, "the Teams page on a phone")
    on_phone = heat_map(phone)
    assert len(on_phone["traces"][0]["x"]) == 6 and not on_phone["xTicksRotated"], on_phone
    # Each cell's figure drawn at a readable size and within its cell; the team names level.
    chart = main(phone).locator(".js-plotly-plot").filter(has_text="teams by month").first
    chart.scroll_into_view_if_needed()
    cells = chart.evaluate(_HEAT_CELLS_JS)
    assert len(cells["texts"]) >= 6, cells
    small = [(t["text"], t["px"]) for t in cells["texts"] if t["px"] < HEAT_MAP_FIGURE_PX]
    assert small == [], f"heat map figures under {HEAT_MAP_FIGURE_PX} px on a phone: {small}"
    spilling = [t["text"] for t in cells["texts"] if t["width"] > cells["cellWidth"] - 4
                or t["height"] > cells["cellHeight"]]
    assert spilling == [], f"figures wider than their cells ({cells['cellWidth']:.0f} px): {spilling}"
    assert not cells["yTicksRotated"], cells
    content_screenshot(phone, SCREENSHOTS / "phone-teams-heat-map.png")
    page.set_viewport_size(DESKTOP)
    open_page(page, f"{app.url}/teams")
    assert len(heat_map(page)["traces"][0]["x"]) == 12  # a desktop keeps the year


def test_a_long_title_leaves_no_lone_bracket_on_a_phone(long_title_app, phone, shot):
    open_page(phone, long_title_app.url + "/")
    assert_healthy(phone, "the Overview of a plan with a long name")
    title = main(phone).locator("h1").first
    expect(title).to_contain_text("(Transformational)")
    # The words of each line the title is drawn on, from the position of every character.
    lines = title.evaluate("""h => {
      const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT), rows = new Map();
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.length; i++) {
          const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
          const r = range.getClientRects()[0];
          if (!r || !r.width) continue;
          const top = Math.round(r.top);
          rows.set(top, (rows.get(top) || '') + node.data[i]);
        }
      }
      return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(e => e[1].trim());
    }""")
    assert "".join(lines).replace(" ", "") == LONG_NAME.replace(" ", ""), lines
    assert all(re.search(r"\w\w", line) for line in lines), f"a line of the title is not a word: {lines}"
    assert_fits(phone, "the Overview of a plan with a long name")
    content_screenshot(phone, SCREENSHOTS / "phone-long-title.png")


@pytest.mark.parametrize("name", list(PAGES))
def test_phone_pages_have_no_serious_axe_violations(app, phone, request, name):
    open_page(phone, f"{app.url}/{PAGES[name]}")
    assert_healthy(phone, f"the {name} page on a phone")
    assert_no_serious_violations(phone, request)

"""The Teams page's league (issue 14, "labels placed clear of the data"), as Chromium lays it
out at a phone's width (390 px, a phone browser) and a desktop's (1440 px): no piece of text
in the chart (a team's name and figure, the target's label, the title, the axis) is crossed
by the target line or by a bar, and every team's figure and met / not met is printed.

The boxes are the ones the browser drew (getBoundingClientRect of each SVG element), so the
check holds whatever widths the names, figures and screen give. Screenshots:
artifacts/screenshots/league-phone.png and league-desktop.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import browser_sample as sample
from browserkit import (
    DESKTOP, PHONE, PHONE_USER_AGENT, SCREENSHOTS, WAIT_MS, assert_healthy, main, open_page,
)

SIZES = {"phone": dict(viewport=PHONE, user_agent=PHONE_USER_AGENT, is_mobile=True, has_touch=True),
         "desktop": dict(viewport=DESKTOP)}
# Half the target line's stroke (2 px) and a pixel of anti-aliasing either side of it.
LINE_HALF_WIDTH = 2.0

# For the league chart: the target line's box (its path's box widened by the stroke), each
# bar's box, and every piece of text drawn in the chart with its box.
_GEOMETRY_JS = """(chart) => {
  const box = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  const lines = [...chart.querySelectorAll('.shapelayer path')].map(p => box(p.getBoundingClientRect()));
  const bars = [...chart.querySelectorAll('.barlayer .point path')].map(p => box(p.getBoundingClientRect()));
  const texts = [...chart.querySelectorAll('svg text')]
    .filter(t => t.textContent.trim() && getComputedStyle(t).visibility !== 'hidden'
                 && getComputedStyle(t).display !== 'none')
    .map(t => ({text: t.textContent, ...box(t.getBoundingClientRect())}))
    .filter(t => t.right > t.left && t.bottom > t.top);
  // Where plotly's laid-out figure puts the target (the shape's x) on the page.
  const full = chart._fullLayout, svg = chart.querySelector('svg.main-svg').getBoundingClientRect();
  const shape = (full.shapes || [])[0];
  const targetX = shape ? svg.left + full._size.l + full.xaxis.l2p(shape.x0) : null;
  return {lines, bars, texts, targetX};
}"""


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def widened(line: dict) -> dict:
    return line | {"left": line["left"] - LINE_HALF_WIDTH, "right": line["right"] + LINE_HALF_WIDTH}


@pytest.fixture(params=list(SIZES))
def sized(request, browser):
    context = browser.new_context(reduced_motion="reduce", **SIZES[request.param])
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield request.param, page
    context.close()


def test_no_text_in_the_league_is_crossed_by_the_target_line_or_a_bar(app, sized):
    size, page = sized
    open_page(page, f"{app.url}/teams")
    assert_healthy(page, f"the Teams page ({size})")
    chart = main(page).locator(".js-plotly-plot").filter(has_text="teams ranked").first
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    drawn = chart.evaluate(_GEOMETRY_JS)
    assert len(drawn["lines"]) == 1, f"{size}: expected one target line, found {drawn['lines']}"
    line = widened(drawn["lines"][0])
    # The path found is the target line: where plotly's layout puts the target.
    assert abs((line["left"] + line["right"]) / 2 - drawn["targetX"]) < 1.5, (size, line, drawn["targetX"])
    assert line["bottom"] - line["top"] > 100, f"{size}: the target line is not drawn down the chart: {line}"
    assert len(drawn["bars"]) >= 4, f"{size}: too few bars drawn: {drawn['bars']}"
    crossed = [t["text"] for t in drawn["texts"] if overlap(t, line)]
    assert crossed == [], f"{size}: the target line crosses {crossed}"
    on_bars = sorted({t["text"] for t in drawn["texts"] for b in drawn["bars"] if overlap(t, b)})
    assert on_bars == [], f"{size}: a bar runs through {on_bars}"
    # Every bar's figure and met / not met are printed (beside its team's name), and the
    # target's label is drawn above the line.
    words = " ".join(t["text"] for t in drawn["texts"])
    figures = re.findall(r"\d+\.\d% – (?:met|not met)", words)
    assert len(figures) == len(drawn["bars"]), f"{size}: figures {figures} for {len(drawn['bars'])} bars"
    named = [n for n in sample.team_names().values() if n in re.sub(r"\s+", " ", words)]
    assert len(named) == len(drawn["bars"]), f"{size}: team names drawn {named} for {len(drawn['bars'])} bars"
    target = [t for t in drawn["texts"] if t["text"].startswith("Target ")]
    assert len(target) == 1 and target[0]["bottom"] <= line["top"] + 1, (size, target, line)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(SCREENSHOTS / f"league-{size}.png"))

"""Text from the CSVs is shown as text on every page (issue 6, point 5, in the browser):
HTML, script and markdown in plan names, recommendation titles, leads, evidence, team
names, service areas and an extract's file name never run, never become markup, and are
visible literally. The plan is tests/plan_builder.py's with those fields overridden
(browserkit.hostile_plan), served by a second server of its own."""
from __future__ import annotations

import pytest

from browserkit import HOSTILE_FILE_NAME, PAGES, assert_healthy, main, open_page

# Where each page shows hostile text; a page not listed must still run nothing.
VIEWS = {
    "overview": "",
    "recommendation": "recommendation?rec=R1",
    "measures": "measures?measure=assessment_timeliness&teams=north&teams=south",
    "teams": "teams?scope=team:north",
    "data": "data",
}
LITERALS = ["**bold**", "<script>"]  # must be visible, as typed
DATA_PAGE_LITERALS = [HOSTILE_FILE_NAME]  # the Data page shows file names, not plan text

_INJECTED_JS = """() => ({
  pwned: typeof window.__pwned !== "undefined",
  scripts: [...document.querySelectorAll("script")].filter(s => (s.textContent || "").includes("__pwned")).length,
  handlers: [...document.querySelectorAll("[onerror]")].length,
  images: [...document.querySelectorAll("img")].filter(i => i.getAttribute("src") === "x").length,
  // [link](http://example.com) as a link named "link". (A bare address is still made a
  // link by Streamlit's markdown, GFM autolinks, which backslash escapes do not stop; it
  // shows the address itself, so nothing is hidden.)
  links: [...document.querySelectorAll("a[href^='http://example.com']")].filter(
           a => a.textContent.trim() !== a.getAttribute("href")).length,
  bold: [...document.querySelectorAll("strong, b")].filter(b => b.textContent.trim() === "bold").length,
  red: [...document.querySelectorAll("[data-testid='stMain'] *")].filter(e => e.textContent === "red").length,
  latex: document.querySelectorAll(".katex").length,
})"""


@pytest.mark.parametrize("name", list(PAGES))
def test_hostile_text_is_shown_literally(hostile_app, page, shot, name):
    url = VIEWS.get(name, PAGES[name])
    open_page(page, f"{hostile_app.url}/{url}")
    page.wait_for_timeout(500)  # give an injected onerror or script time to run
    shot()
    assert_healthy(page, f"the {name} page over the hostile plan")
    found = page.evaluate(_INJECTED_JS)
    assert found == {"pwned": False, "scripts": 0, "handlers": 0, "images": 0, "links": 0, "bold": 0, "red": 0,
                     "latex": 0}, f"CSV text became markup on the {name} page: {found}"
    if name not in VIEWS:
        return
    # Literal text: as the page's visible text, or (for tables, drawn on a canvas) as the
    # text of the accessible table behind it.
    visible = main(page).inner_text() + "\n" + page.locator("[data-testid='stSidebar']").inner_text()
    tables = " ".join(t.text_content() for t in main(page).locator("[data-testid='stDataFrame'] table").all())
    for literal in (DATA_PAGE_LITERALS if name == "data" else LITERALS):
        assert literal in visible or literal in tables, f"{literal!r} is not shown as text on the {name} page"
    if name != "data":
        for literal in LITERALS:
            assert literal in visible, f"{literal!r} is not visible text on the {name} page"
    # Escaped once for plotly is right inside a chart; escaped text in a table or a
    # paragraph ("&lt;script&gt;") is not literal.
    for escaped in ("&lt;", "&gt;", "&amp;", "&quot;"):
        assert escaped not in visible and escaped not in tables, f"{escaped!r} shown on the {name} page"

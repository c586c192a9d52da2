"""Helpers the browser tests share: paths, the page list, waiting for Streamlit to
settle, driving its widgets, and the hostile plan for the injection tests.

(A module of its own rather than conftest.py, so the tests can import it by a name no
other folder uses.)
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 3000}
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
WAIT_MS = 30_000


def dashboard_pages() -> dict[str, str]:
    """Every page dashboard.py's st.navigation declares: its file's name (overview, data,
    exports, ...) and its url path. Read from dashboard.py, so a page added there is
    tested without editing the tests. Streamlit serves the default page at the root
    whatever its url_path; /overview is a hidden page that opens it (a function page,
    not a page file, so not listed here)."""
    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    pages = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "Page":
            if not isinstance(node.args[0], ast.Constant):
                continue
            script = node.args[0].value
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            name = Path(script).stem
            pages[name] = "" if kw.get("default") else kw.get("url_path", name)
    return pages


PAGES = dashboard_pages()


# Settled: the script has run and finished, the connection is up, nothing is stale,
# loading or spinning, the main area has content, and all that has held for SETTLE_MS.
SETTLE_MS = 400
_SETTLED_JS = """(settleMs) => {
  const app = document.querySelector("[data-testid='stApp']");
  const ok = !!app
    && app.getAttribute("data-test-script-state") === "notRunning"
    && app.getAttribute("data-test-connection-state") === "CONNECTED"
    && !!document.querySelector("[data-testid='stMain'] [data-testid='stElementContainer']")
    && !document.querySelector("[data-testid='stSpinner']")
    && !document.querySelector("[data-testid='stSkeleton']")
    && !document.querySelector("[data-stale='true']");
  const now = performance.now();
  if (!ok) { window.__cipSettled = null; return false; }
  if (window.__cipSettled == null) window.__cipSettled = now;
  return now - window.__cipSettled >= settleMs;
}"""


def wait_for_app(page, timeout: int = WAIT_MS) -> None:
    """Wait until the Streamlit script has finished and the page has settled."""
    page.evaluate("() => { window.__cipSettled = null; }")
    page.wait_for_function(_SETTLED_JS, arg=SETTLE_MS, timeout=timeout, polling=100)


def open_page(page, url: str) -> None:
    """Go to url and wait for the dashboard to finish rendering it."""
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)


def page_not_found(page) -> bool:
    dialog = page.locator("[data-testid='stDialog']")
    return dialog.count() > 0 and "Page not found" in dialog.first.inner_text()


def assert_healthy(page, what: str) -> None:
    """No Python exception on the page, no "Page not found", no JavaScript error."""
    assert exceptions(page) == [], f"{what} shows an exception: {exceptions(page)}"
    assert not page_not_found(page), f"{what}: Streamlit says 'Page not found'"
    assert page.errors == [], f"{what} raised in the browser: {page.errors}"


def main(page):
    """The page's own content (not the sidebar or Streamlit's header)."""
    return page.locator("[data-testid='stMain']")


def exceptions(page) -> list[str]:
    return page.locator("[data-testid='stException']").all_inner_texts()


def widget(page, label: str, testid: str = "stSelectbox"):
    """A Streamlit widget by its exact label."""
    return page.locator(f"[data-testid='{testid}']").filter(
        has=page.locator("[data-testid='stWidgetLabel']").get_by_text(label, exact=True))


def choose(page, label: str, option: str, testid: str = "stSelectbox") -> None:
    """Open a selectbox (or multiselect) by its label and click an option by its exact text."""
    box = widget(page, label, testid)
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()


def after_heading(page, heading: str, testid: str = "stDataFrame"):
    """The first element of a kind after a heading with this exact text."""
    return page.locator(f"xpath=//*[@data-testid='stHeading'][.//*[self::h1 or self::h2 or self::h3]"
                        f"[normalize-space(.)={_xpath_literal(heading)}]]/following::*[@data-testid='{testid}'][1]")


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


def table_rows(frame) -> list[list[str]]:
    """The rows st.dataframe has rendered, from the accessible table behind its canvas
    (only the rows and columns in view)."""
    return frame.locator("table").first.evaluate(
        "t => [...t.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')].map(c => c.textContent))")


def chart_titles(page) -> list[str]:
    return [t.text_content() for t in page.locator(".js-plotly-plot .gtitle").all()]


def legend_names(chart) -> list[str]:
    return [t.text_content() for t in chart.locator(".legendtext").all()]


def query_values(url: str, key: str) -> list[str]:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(url).query).get(key, [])


def wait_for_query(page, key: str, values: list[str], timeout: int = WAIT_MS) -> None:
    """Wait until the URL's query has exactly these values for key (in order)."""
    page.wait_for_function("([k, v]) => JSON.stringify(new URLSearchParams(location.search).getAll(k)) === v",
                           arg=[key, json.dumps(values, separators=(",", ":"))], timeout=timeout)


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


# --- The hostile plan (issue 6, point 5): HTML, script and markdown in every text field.
HOSTILE_TEXTS = {
    "script": "<script>window.__pwned=1</script>",
    "img": '<img src=x onerror="window.__pwned=1">',
    "bold": "**bold**",
    "link": "[link](http://example.com)",
    "colour": ":red[red]",
    "latex": "$x^2$",
}


def _cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def hostile_plan() -> dict[str, str]:
    """Overrides for tests/plan_builder.py: every text field in plan.toml, recommendations,
    ratings and teams holds HTML, script or markdown."""
    t = HOSTILE_TEXTS
    every = " ".join(t.values())
    return {
        "plan.toml": 'name = "Plan <script>window.__pwned=1</script> **bold**"\n'
                     'authority = "Council <img src=x onerror=\\"window.__pwned=1\\"> :red[red]"\n',
        "recommendations.csv": (
            "rec_id,title,source,aim,lead\n"
            f"R1,{_cell('Assessments ' + every)},{_cell(t['link'])},{_cell(t['latex'])},{_cell(t['script'])}\n"
            f"R2,{_cell('Supervision ' + t['img'] + ' ' + t['bold'])},ILACS 2019,{_cell(t['colour'])},"
            f"{_cell(t['img'])}\n"
        ),
        "ratings.csv": (
            "rec_id,as_at,implementation,impact,evidence,further_actions\n"
            f"R1,2020-06-30,A,,{_cell(every)},{_cell(t['script'] + chr(10) + t['bold'])}\n"
            f"R1,2020-09-30,G,A,{_cell(every)},{_cell(every)}\n"
            f"R2,2020-06-30,R,R,{_cell(t['img'])},{_cell(t['link'])}\n"
            f"R2,2020-09-30,A,R,{_cell(every)},{_cell(t['colour'] + ' ' + t['latex'])}\n"
        ),
        "teams.csv": (
            "team_id,team_name,service_area,head_of_service\n"
            f"north,{_cell('North ' + t['script'] + ' ' + t['bold'])},{_cell('Area ' + t['img'])},{_cell(t['link'])}\n"
            f"south,{_cell('South ' + t['colour'] + ' ' + t['latex'])},{_cell('Area ' + t['img'])},"
            f"{_cell(t['bold'])}\n"
        ),
        # Measure names and definitions, target notes and inspection judgements too.
        "measures.csv": (
            "measure_id,name,unit,polarity,rec_id,definition,tolerance\n"
            f"assessment_timeliness,{_cell('Assessments ' + t['script'] + ' ' + t['bold'])},percent,higher_better,"
            f"R1,{_cell(every)},2\n"
            f"care_proceedings_weeks,{_cell('Weeks ' + t['img'] + ' ' + t['link'])},weeks,lower_better,R1;R2,"
            f"{_cell(t['colour'])},\n"
            f"supervision,{_cell('Supervision ' + t['latex'])},percent,higher_better,R2,,\n"
        ),
        "targets.csv": (
            "measure_id,target_date,target,applies_to,note\n"
            f"assessment_timeliness,2021-03-31,90,authority,{_cell(every)}\n"
            f"assessment_timeliness,2021-03-31,95,each_team,{_cell(t['script'])}\n"
            "care_proceedings_weeks,2021-03-31,26,,\n"
        ),
        "inspections.csv": (
            "date,framework,area,grade\n"
            f"2019-05-20,{_cell('ILACS ' + t['script'])},{_cell('Overall ' + t['bold'])},{_cell(t['img'])}\n"
        ),
    }


# An extract file name with HTML and markdown in it (a file name cannot hold "/").
HOSTILE_FILE_NAME = "<img src=x onerror=window.__pwned=1> **bold** <script>.csv"


def hostile_extracts() -> dict:
    from plan_builder import EXTRACT

    t = HOSTILE_TEXTS
    benchmarks = ("measure_id,period_end,period_type,comparator,value\n"
                  f"assessment_timeliness,2020-09-30,month,{_cell('England ' + t['script'] + ' ' + t['bold'])},88.0\n")
    return {"extract.csv": None, HOSTILE_FILE_NAME: EXTRACT, "benchmarks/england.csv": benchmarks}


# --- Phone size (issue 14): a phone's screen and what a phone browser says it is. -------------
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
# Chrome on Android: "Mobile" in the user agent is how a phone is told apart (webapp.on_phone).
PHONE_USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                    "Chrome/126.0.0.0 Mobile Safari/537.36")


def overflow(page) -> dict:
    """How wide the page's content is against the window: scrollWidth > innerWidth is a page
    that scrolls sideways."""
    return page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
                         " main: document.querySelector(\"[data-testid='stMain']\").scrollWidth})")


def content_screenshot(page, path) -> None:
    """A screenshot of the whole main area at the page's width: Streamlit scrolls inside its own
    container, so the window is made as tall as the content for the picture, then put back."""
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector(\"[data-testid='stMainBlockContainer']\").scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 120, size["height"]), 16_000)})
    page.wait_for_timeout(600)  # charts redraw for the new size
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def visible_headers(frame) -> tuple[list[str], int]:
    """(the column headings a table has in view without scrolling, how many columns it has):
    from the accessible table behind its canvas, which holds only the columns in view, the last
    of them perhaps only partly. So a third heading listed means the second is wholly in view."""
    return tuple(frame.locator("table").first.evaluate(
        "t => [[...t.querySelectorAll('thead th')].map(th => th.textContent.trim()),"
        " Number(t.getAttribute('aria-colcount'))]"))


def headers_scrolled_right(frame) -> list[str]:
    """The column headings in view once the table is scrolled to its right-hand end: a pinned
    name column is still among them."""
    frame.evaluate("el => { const s = el.querySelector('.dvn-scroller'); if (s) s.scrollLeft = s.scrollWidth; }")
    frame.page.wait_for_timeout(300)
    return visible_headers(frame)[0]


def plotly_layouts(page) -> list[dict]:
    """Each drawn plotly chart in the main area: its title, trace types and orientation, the
    y axis's labels and tick angle, whether the x axis's labels are turned, and how wide its
    plot area is against the whole chart."""
    return page.evaluate("""() => [...document.querySelectorAll("[data-testid='stMain'] .js-plotly-plot")].map(g => {
      const full = g._fullLayout, title = g.querySelector('.gtitle'), svg = g.querySelector('svg.main-svg');
      const t = title ? title.getBoundingClientRect() : null, s = svg.getBoundingClientRect();
      const ticks = [...g.querySelectorAll('.yaxislayer-above .ytick text, .yaxislayer-above text.ytick')];
      const xticks = [...g.querySelectorAll('.xaxislayer-above .xtick text, .xaxislayer-above text.xtick')];
      return {
        title: title ? title.textContent : '',
        titleInside: !t || (t.left >= s.left - 1 && t.right <= s.right + 1),
        traces: g.data.map(d => ({type: d.type, orientation: d.orientation || 'v', y: (d.y || []).map(String),
                                  x: (d.x || []).map(String)})),
        xTicksRotated: xticks.some(e => /rotate\\((?!0[,)])/.test(e.getAttribute('transform') || '')),
        yTickAngle: full.yaxis ? full.yaxis.tickangle : null,
        yTickTexts: ticks.map(e => e.textContent),
        yTicksRotated: ticks.some(e => /rotate\\((?!0[,)])/.test(e.getAttribute('transform') || '')),
        plotWidth: full._size.w, width: full.width,
        modebarShown: [...g.querySelectorAll('.modebar-container')].some(m => getComputedStyle(m).display !== 'none'),
      };
    })""")

"""Accessibility: axe-core (pinned in tests/browser/package-lock.json, installed by
`bin/setup browser`) on every page and on the states that add content (teams chosen, SPC
view, tables opened, upload problems). No serious or critical WCAG 2.0/2.1/2.2 A or AA
violation in our content.

Violations that come from Streamlit's own markup, which our code cannot change, are
excluded only by the explicit list below: the rule, the elements (a CSS selector) and why.
The same list is in README.md ("Accessibility: known issues in Streamlit itself").
Everything axe reports is written to artifacts/axe/<test>.json for reading.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from browserkit import AXE_JS, PAGES, ROOT, assert_healthy, open_page, safe_name, wait_for_app

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = {"serious", "critical"}


@dataclass(frozen=True)
class KnownStreamlitIssue:
    rule: str
    selector: str  # the element axe reports matches this
    why: str


KNOWN_STREAMLIT_ISSUES = [
    KnownStreamlitIssue(
        "list", "ul[data-testid='stSidebarNavItems']",
        "Streamlit's sidebar navigation, when st.navigation has sections, puts each section in a <div> "
        "directly inside its <ul>; a <ul> may only contain <li> (and script/template)."),
    KnownStreamlitIssue(
        "listitem", "ul[data-testid='stSidebarNavItems'] li",
        "The same navigation: its <li> items sit inside those section <div>s, not directly in the <ul>."),
    KnownStreamlitIssue(
        "svg-img-alt", "[data-testid='stMetricChart'] g[role='graphics-symbol']",
        "st.metric's sparkline is drawn by Vega, which gives its (empty) highlighted-points mark group "
        "role=graphics-symbol with no label. The card itself states the value, the change and the "
        "period in text; the full series is on the Measures page as a chart, a text alternative and a table."),
]


def run_axe(page) -> dict:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `bin/setup browser` (npm ci --prefix tests/browser)")
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async ([tags, known]) => {
             const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
             for (const v of result.violations) {
               for (const node of v.nodes) {
                 const el = node.target.length === 1 ? document.querySelector(node.target[0]) : null;
                 const hit = known.find(k => k.rule === v.id && el && el.matches(k.selector));
                 node.knownStreamlitIssue = hit ? hit.why : null;
               }
             }
             return {violations: result.violations, incomplete: result.incomplete.map(
               v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))};
           }""",
        [WCAG_TAGS, [k.__dict__ for k in KNOWN_STREAMLIT_ISSUES]])


def assert_no_serious_violations(page, request) -> None:
    result = run_axe(page)
    out = ROOT / "artifacts" / "axe" / f"{safe_name(request.node.name)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    ours = [(v["id"], v["impact"], v["help"], n["target"], n["html"][:200], n.get("failureSummary", "")[:300])
            for v in result["violations"] if v["impact"] in BLOCKING
            for n in v["nodes"] if not n["knownStreamlitIssue"]]
    assert not ours, "axe: serious or critical violations in our content (see " + str(out) + "):\n" + \
        "\n".join(f"- {rule} ({impact}) {help_}: {target} {html} | {why}" for rule, impact, help_, target, html, why
                  in ours)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_axe_violations(app, page, request, name):
    open_page(page, f"{app.url}/{PAGES[name]}")
    assert_healthy(page, f"the {name} page")
    assert_no_serious_violations(page, request)


def open_expanders(page) -> None:
    for summary in page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary").all():
        summary.click()
    wait_for_app(page)


@pytest.mark.parametrize("url", [
    "measures?measure=assessment_timeliness&teams=fr_north&teams=loc_west",
    "measures?measure=supervision_compliance&teams=fr_north&view=xmr",
    "measures?measure=assessment_timeliness&view=p_prime",
    "teams?scope=team:loc_west",
    "recommendation?rec=2019-6&as_at=2019-09-30",
])
def test_states_with_more_content_have_no_serious_axe_violations(app, page, request, url):
    open_page(page, f"{app.url}/{url}")
    open_expanders(page)
    assert_healthy(page, url)
    assert_no_serious_violations(page, request)


def test_upload_problems_have_no_serious_axe_violations(app, page, request):
    open_page(page, app.url + "/data")
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(files=[{
        "name": "bad.csv", "mimeType": "text/csv",
        "buffer": b"measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
                  b"no_such_measure,2021-04-30,month,ALL,5,,\n"}])
    page.locator("[data-testid='stAlert']").first.wait_for()
    wait_for_app(page)
    assert_healthy(page, "the Data page with upload problems")
    assert_no_serious_violations(page, request)

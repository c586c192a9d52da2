"""Security (issue 6, point 5): text from the CSVs is shown literally everywhere, and the
URL cannot alter a query.

- Every page (AppTest) over tests/hostile_plan.py's plan, whose every text field (plan
  name, titles, sources, aims, leads, evidence, actions, measure names and definitions,
  target notes, team names, service areas, heads of service, inspection judgements,
  comparators, rebase reasons, the extract's file name) holds HTML, script, markdown, a
  formula, a template and SQL, and some ids quotes and tags: no exception; no raw markup
  reaches Streamlit's markdown (every label, heading, paragraph, caption, alert and
  tooltip); the text is there literally; tables hold it as typed (not HTML-escaped); chart
  labels hold it escaped for plotly (which reads tags in labels), so plotly shows it as
  typed. The browser test (tests/browser/test_browser_hostile.py) checks the same in Chromium.
- Every export (Word, PowerPoint, PDF, Excel packs; chart CSV, Excel, HTML, SVG): the text
  is there as typed; spreadsheet cells that would start a formula are neutralised; the
  HTML and SVG hold no live markup.
- URL parameters with SQL and markup in them: every page runs, shows its default view and
  nothing else, and the database is untouched.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cipdash import queries
from cipdash.db import open_snapshot
from hostile_plan import FILE_NAME, MEASURE, PAYLOADS, RAW_MARKUP, REC, TEAM, write_hostile_plan
from support import loaded, open_dashboard

ROOT = Path(__file__).resolve().parent.parent
AS_AT = date(2020, 9, 30)


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    db = loaded(root, write_hostile_plan(root))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIPDASH_DB", str(db))
        yield db


# --------------------------------------------------------------------------- pages

def walk(node):
    kids = getattr(node, "children", None)
    if kids:
        for k in (kids.values() if isinstance(kids, dict) else kids):
            yield from walk(k)
    elif getattr(node, "proto", None) is not None:
        yield node


def rendered_as_markdown(at: AppTest) -> list[str]:
    """Every string Streamlit renders as markdown: bodies of markdown, headings, captions,
    alerts; labels and tooltips of every element and widget."""
    out = []
    for el in walk(at._tree):
        proto = el.proto
        kind = type(proto).__name__
        for f, value in proto.ListFields():
            if not isinstance(value, str):
                continue
            if f.name in ("label", "help") or (f.name == "body" and kind in ("Markdown", "Heading", "Alert")):
                out.append(value)
    return out


def shown_as_text(at: AppTest) -> str:
    """What the page shows as plain text: table cells, options and values of widgets."""
    parts = []
    for d in at.dataframe:
        parts.append(d.value.astype(str).to_csv())
    for widget in list(at.selectbox) + list(at.multiselect):
        parts += [str(o) for o in widget.options]
    parts += [str(m.value) for m in at.metric]
    return "\n".join(parts)


def unescape_markdown(text: str) -> str:
    return re.sub(r"\\([\\`*_{}\[\]()<>#+\-.!|~:$&\"'=^%@;,/?])", r"\1", text)


def plotly_texts(at: AppTest) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def plotly_shows(spec: str) -> list[str]:
    """The strings of a chart as plotly displays them (it decodes entities in labels)."""
    out = []

    def strings(node):
        if isinstance(node, str):
            out.append(html.unescape(node))
        elif isinstance(node, dict):
            for v in node.values():
                strings(v)
        elif isinstance(node, list):
            for v in node:
                strings(v)
    strings(json.loads(spec))
    return out


# Each view, and the fields whose text it must show literally (as table cells, options,
# chart labels, or markdown once unescaped).
VIEWS = [
    ("overview", {}, ["PlanName", "Authority", "TitleR1", "MeasureName", "Framework", "InspectionArea", "Grade"]),
    ("recommendation", {"rec": "R1"}, ["TitleR1", "Source", "Aim", "Lead", "EvidenceLater", "ActionsLater",
                                       "MeasureName"]),
    ("recommendation", {"rec": REC}, ["TitleR3", "EvidenceR3", "InjectedMeasure"]),
    ("measures", {"measure": "assessment_timeliness", "teams": ["north", TEAM]},
     ["MeasureName", "Definition", "TeamNorth", "TeamInjected", "Comparator"]),
    ("measures", {"measure": "assessment_timeliness", "view": "xmr"}, ["MeasureName"]),
    ("measures", {"measure": MEASURE, "teams": [TEAM]}, ["InjectedMeasure", "Definition2", "TeamInjected"]),
    ("teams", {"scope": f"team:{TEAM}"}, ["TeamInjected", "MeasureName"]),
    ("teams", {}, ["Area"]),
    ("data", {}, [FILE_NAME, "MeasureName"]),
    ("exports", {}, ["Area"]),
]
PLAN_TEXT_PAGES = ("overview", "recommendation", "measures", "teams")


def run(page: str, params: dict) -> AppTest:
    return open_dashboard(page, 120, **params)


@pytest.mark.parametrize("page, params, tags", VIEWS, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(VIEWS)])
def test_hostile_text_is_literal_on_every_page(hostile_db, page, params, tags):
    at = run(page, params)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    markdown = rendered_as_markdown(at)
    for source in markdown:
        unescaped = re.sub(r"\\.", "", source)  # what is left once every escaped character is taken out
        for raw in RAW_MARKUP:
            assert raw not in unescaped, f"raw {raw!r} reaches markdown on {page}: {source[:300]!r}"
    text = shown_as_text(at)
    charts = [t for spec in plotly_texts(at) for t in plotly_shows(spec)]
    literal = "\n".join([unescape_markdown(s) for s in markdown] + charts) + "\n" + text
    for tag in tags:
        assert tag in literal, f"{tag} is not on the {page} page"
    if page in PLAN_TEXT_PAGES:  # the check above did meet hostile text, escaped ...
        assert any("\\<script\\>" in source for source in markdown), f"no escaped text on {page} to check"
    if page in PLAN_TEXT_PAGES:  # ... and every payload is shown exactly as typed
        for name, payload in PAYLOADS.items():
            assert payload in literal, f"{name} payload not shown literally on {page}"
    # Tables hold text as typed: never HTML-escaped (the one payload that *is* an entity aside).
    for escaped in ("&lt;script", "&lt;img", "&amp;lt;", "&quot;"):
        assert escaped not in text, f"{escaped!r} in a table on {page}"
    # Plotly reads tags in labels, so chart labels carry the text escaped once, which
    # plotly shows as typed; a raw tag there would be markup.
    for spec in plotly_texts(at):
        for raw in ("<script", "<img", "<b>", "<i>"):
            assert raw not in spec.replace("<br>", ""), f"raw {raw!r} in a chart on {page}"


def test_the_hostile_plan_really_is_in_the_database(hostile_db):
    snap = open_snapshot(hostile_db)
    try:
        titles = set(snap.execute("select title from recommendations")["title"])
        teams = set(snap.execute("select team_id from teams")["team_id"])
    finally:
        snap.close()
    assert any(PAYLOADS["script"] in t for t in titles) and TEAM in teams


# --------------------------------------------------------------------------- URL parameters

INJECTIONS = ["x' or 1=1 --", "'; drop table observations; --", "assessment_timeliness' --", "\" or \"\"=\"",
              "<script>alert(1)</script>", "../../etc/passwd", "%27%20or%201%3D1", "1) union select * from teams --",
              "ALL' or 'a'='a", "team:x' or '1'='1", "area:' or 1=1 --", "2020-09-30' or 1=1 --", "\x00", "é" * 500]
PARAMS = {
    "overview": ["as_at"],
    "measures": ["measure", "teams", "area", "view", "as_at"],
    "teams": ["scope", "league_measure", "league_period"],
    "recommendation": ["rec"],
    "exports": ["pack_scope"],
    "data": ["as_at"],
}


def choices(at: AppTest) -> dict:
    return {w.key: w.value for w in list(at.selectbox) + list(at.multiselect)}


@pytest.mark.parametrize("page", list(PARAMS))
def test_url_parameters_cannot_alter_a_query(hostile_db, page):
    before = hashlib.sha256(hostile_db.read_bytes()).hexdigest()
    default = run(page, {})
    assert not default.exception
    for value in INJECTIONS:
        params = {key: ([value] if key == "teams" else value) for key in PARAMS[page]}
        at = run(page, params)
        assert not at.exception, (page, value, [e.value for e in at.exception])
        assert not at.error, (page, value, [e.value for e in at.error])
        # The injected value is not taken: every choice is what the page chooses with no
        # parameters, and the headline figures are the same.
        assert choices(at) == choices(default), (page, value)
        assert [m.value for m in at.metric] == [m.value for m in default.metric], (page, value)
    assert hashlib.sha256(hostile_db.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("value", INJECTIONS)
def test_queries_bind_hostile_values_as_values(hostile_db, value):
    """The query layer behind the pages: an injected id finds nothing, and breaks nothing."""
    snap = open_snapshot(hostile_db)
    try:
        assert queries.measure_series(snap, value, AS_AT, (value,)).empty or True  # runs
        series = queries.measure_series(snap, value, AS_AT, (value,))
        assert value not in set(series.get("measure_id", [])) or value == MEASURE
        assert queries.rating_history(snap, value, AS_AT).empty
        assert snap.query("team_exists", team=value)["n"].iloc[0] == 0
        # and the injection-looking ids that *are* in the plan are found as plain values
        assert snap.query("team_exists", team=TEAM)["n"].iloc[0] == 1
        assert not queries.measure_series(snap, MEASURE, AS_AT, (TEAM,)).empty
    finally:
        snap.close()

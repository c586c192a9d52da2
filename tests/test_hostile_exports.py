"""Security in every export (issue 6, point 5): the plan of tests/hostile_plan.py (HTML,
script, markdown, a formula, a template and SQL in every text field) in the monthly pack
as Word, PowerPoint, PDF and Excel, and in a chart's CSV, Excel, HTML and SVG downloads.

The text comes out as typed (never HTML-escaped, never interpreted); spreadsheet cells that
would start a formula are neutralised with a leading quote and no cell is a formula; the
HTML and SVG carry no markup that was not there for a harmless chart (no extra script,
no img, no event handler), and show the text literally.
"""
from __future__ import annotations

import csv
import html.parser
import io
import re
from datetime import date
from xml.etree import ElementTree

import docx
import openpyxl
import pptx
import pytest
from pypdf import PdfReader

from cipdash import charts, queries
from cipdash.db import open_snapshot
from cipdash.exports import ImageRenderer, build_pack, chart_files, write_pack
from cipdash.scope import Scope
from cipdash.safe_cells import FORMULA_TRIGGERS
from cipdash.store import load
from exports_plan import HAS_CHROMIUM, NO_CHROMIUM_REASON
from hostile_plan import PAYLOADS, TEAM, write_hostile_plan
from plan_builder import write_plan

AS_AT = date(2020, 9, 30)
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM_REASON)
TAGS = ["TitleR1", "TitleR3", "EvidenceLater", "ActionsLater", "MeasureName", "Lead"]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-exports")
    db = root / "hostile.duckdb"
    load(*write_hostile_plan(root), db)
    s = open_snapshot(db)
    yield s
    s.close()


@pytest.fixture(scope="module")
def packs(snap, tmp_path_factory):
    """The internal (unsuppressed) pack for the authority and for the hostile team, in every format."""
    out = tmp_path_factory.mktemp("hostile-packs")
    written = {}
    renderer = ImageRenderer() if HAS_CHROMIUM else None
    try:
        for name, scope in (("authority", Scope("authority")), ("team", Scope("team", TEAM))):
            pack = build_pack(snap, AS_AT, scope, public=False)
            for fmt in ("docx", "pptx", "pdf", "xlsx"):
                if fmt != "xlsx" and renderer is None:
                    continue
                path = out / f"{name}.{fmt}"
                write_pack(pack, fmt, path, renderer)
                written[(name, fmt)] = path
    finally:
        if renderer is not None:
            renderer.close()
    return written


def assert_literal(text: str, where: str) -> None:
    for tag in TAGS:
        assert tag in text, f"{tag} missing from {where}"
    for name, payload in PAYLOADS.items():
        assert payload in text, f"the {name} payload is not literal in {where}"
    for escaped in ("&lt;script", "&amp;lt;", "\\<script", "\\*\\*bold"):
        assert escaped not in text, f"{escaped!r} (escaped) in {where}"


@needs_chromium
@pytest.mark.parametrize("scope", ["authority", "team"])
def test_word_pack_text_is_literal(packs, scope):
    d = docx.Document(packs[(scope, "docx")])
    parts = [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]
    assert_literal("\n".join(parts), f"the {scope} Word pack")


@needs_chromium
@pytest.mark.parametrize("scope", ["authority", "team"])
def test_powerpoint_pack_text_is_literal(packs, scope):
    deck = pptx.Presentation(packs[(scope, "pptx")])
    parts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for r in shape.table.rows for c in r.cells]
    text = "\n".join(parts)
    for tag in ("TitleR1", "MeasureName"):
        assert tag in text
    for name in ("script", "img", "bold", "link", "formula", "entity", "sql"):
        assert PAYLOADS[name] in text, f"the {name} payload is not literal in the {scope} PowerPoint pack"
    assert "&lt;script" not in text


@needs_chromium
@pytest.mark.parametrize("scope", ["authority", "team"])
def test_pdf_pack_text_is_literal(packs, scope):
    """reportlab reads <b>, <a> and other tags in paragraphs: the writer escapes the text,
    so it comes out as typed (compared without white space: lines wrap)."""
    text = squash("\n".join(page.extract_text() for page in PdfReader(packs[(scope, "pdf")]).pages))
    for tag in ("TitleR1", "EvidenceLater", "MeasureName"):
        assert tag in text
    for name, payload in PAYLOADS.items():
        assert squash(payload) in text, f"the {name} payload is not literal in the {scope} PDF pack"
    assert "&lt;script" not in text


@pytest.mark.parametrize("scope", ["authority", "team"])
def test_excel_pack_is_literal_and_neutralised(packs, scope):
    wb = openpyxl.load_workbook(packs[(scope, "xlsx")])
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell is a formula"
    strings = [c.value for c in cells if isinstance(c.value, str)]
    assert not [v for v in strings if v.startswith(FORMULA_TRIGGERS)], "a cell would start a formula"
    assert "'" + PAYLOADS["formula"] in strings  # the lead of R3: neutralised, and still the text
    assert_literal("\n".join(strings), f"the {scope} Excel pack")


# --------------------------------------------------------------------------- chart downloads

def trend(snap) -> charts.Chart:
    measures = queries.measures(snap).set_index("measure_id")
    m = measures.loc["assessment_timeliness"].to_dict() | {"measure_id": "assessment_timeliness"}
    teams = queries.teams(snap)
    names = dict(zip(teams["team_id"], teams["team_name"]))
    return charts.trend_chart(m, queries.measure_series(snap, "assessment_timeliness", AS_AT),
                              queries.measure_targets(snap, "assessment_timeliness"),
                              queries.measure_benchmarks(snap, "assessment_timeliness", AS_AT), ["north", TEAM],
                              AS_AT, names)


@pytest.fixture(scope="module")
def benign(tmp_path_factory):
    """The same chart over the harmless builder plan: the markup a download is meant to have."""
    root = tmp_path_factory.mktemp("benign")
    db = root / "benign.duckdb"
    load(*write_plan(root), db)
    s = open_snapshot(db)
    yield trend(s)
    s.close()


def test_chart_csv_and_excel_are_literal_and_neutralised(snap):
    chart = trend(snap)
    rows = list(csv.reader(io.StringIO(chart_files.chart_csv(chart).decode("utf-8-sig"))))
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS) and not re.fullmatch(r"-?[\d.]+", c)]
    text = "\n".join(cells)
    assert "MeasureName" in text and "TeamInjected" in text and "Comparator" in text
    assert PAYLOADS["script"] in text and PAYLOADS["img"] in text and "&lt;" not in text.replace(PAYLOADS["entity"], "")
    wb = openpyxl.load_workbook(io.BytesIO(chart_files.chart_download(chart, "xlsx").data))
    values = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in values if c.data_type == "f"]
    assert not [c.value for c in values if isinstance(c.value, str) and c.value.startswith(FORMULA_TRIGGERS)]
    assert any(isinstance(c.value, str) and PAYLOADS["script"] in c.value for c in values)


class _Markup(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.handlers, self.text = [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [k for k, _ in attrs if k.lower().startswith("on")]
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.text.append(data)


def parse_html(data: bytes) -> _Markup:
    m = _Markup()
    m.feed(data.decode("utf-8"))
    return m


def test_chart_html_page_has_no_markup_from_the_text(snap, benign):
    hostile, harmless = parse_html(chart_files.chart_download(trend(snap), "html").data), \
        parse_html(chart_files.chart_download(benign, "html").data)
    assert set(hostile.tags) == set(harmless.tags), "the text added kinds of element to the page"
    for tag in ("script", "style", "img", "iframe", "object", "a", "link", "meta"):
        assert hostile.tags.count(tag) == harmless.tags.count(tag), f"the text added <{tag}> elements"
    assert hostile.handlers == harmless.handlers == []
    text = "".join(hostile.text)
    assert "MeasureName" in text and PAYLOADS["script"] in text and PAYLOADS["img"] in text


@needs_chromium
def test_chart_svg_has_no_markup_from_the_text(snap, benign):
    renderer = ImageRenderer()
    try:
        svgs = [chart_files.chart_download(c, "svg", renderer).data for c in (trend(snap), benign)]
    finally:
        renderer.close()
    trees = [ElementTree.fromstring(s) for s in svgs]
    kinds = [sorted({el.tag.split("}")[-1] for el in t.iter()}) for t in trees]
    assert kinds[0] == kinds[1], "the text added kinds of element to the SVG"
    assert "script" not in kinds[0] and "foreignObject" not in kinds[0]
    assert not [k for t in trees for el in t.iter() for k in el.attrib if k.lower().startswith("on")]
    text = "".join(t for el in trees[0].iter() for t in [el.text or ""])
    assert "MeasureName" in text and "<script>" in text  # drawn as typed

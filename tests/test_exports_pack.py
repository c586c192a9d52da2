"""The monthly performance pack: every format opened with its own library and read back.

Word (python-docx), PowerPoint (python-pptx), Excel (openpyxl) and PDF (pypdf): every
recommendation title, the RAG words, one picture per chart with its alt text, the
narrative, small numbers suppressed in the public pack and shown in the internal one,
spreadsheet cells neutralised against formula injection.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pptx
import pytest
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader
from support import pdf_figures

from cipdash.db import open_snapshot
from cipdash.exports import ImageRenderer, build_pack, render_pack_images, write_pack
from cipdash.exports.pack import NO_CHILD_DATA_NOTE, Pack, resolve_scope, UnknownScope
from cipdash.scope import Scope
from cipdash.safe_cells import FORMULA_TRIGGERS
from exports_plan import FORMULA_MEASURE, FORMULA_TITLE, HAS_CHROMIUM, NO_CHROMIUM_REASON, TITLES, build_db

AS_AT = date(2020, 9, 30)
RAG_WORDS = ("Green", "Amber", "Red", "Not yet judged")
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM_REASON)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    s = open_snapshot(build_db(tmp_path_factory.mktemp("pack")))
    yield s
    s.close()


@pytest.fixture(scope="module")
def packs(snap) -> dict[str, Pack]:
    return {
        "internal": build_pack(snap, AS_AT, Scope("authority"), public=False),
        "public": build_pack(snap, AS_AT, Scope("authority"), public=True),
        "team_public": build_pack(snap, AS_AT, Scope("team", "north"), public=True),
        "team_internal": build_pack(snap, AS_AT, Scope("team", "north"), public=False),
        "area_public": build_pack(snap, AS_AT, Scope("service_area", "First Response"), public=True),
    }


@pytest.fixture(scope="module")
def files(packs, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every pack in every format; one Chromium draws all their charts."""
    out = tmp_path_factory.mktemp("packs")
    written = {}
    renderer = ImageRenderer() if HAS_CHROMIUM else None
    try:
        for name, pack in packs.items():
            for fmt in ("docx", "pptx", "pdf", "xlsx"):
                if fmt != "xlsx" and renderer is None:
                    continue
                path = out / f"{name}.{fmt}"
                write_pack(pack, fmt, path, renderer)
                written[(name, fmt)] = path
        if renderer is not None:
            assert renderer.browser_starts == 1
    finally:
        if renderer is not None:
            renderer.close()
    return written


# --- the model ----------------------------------------------------------------------------

def test_pack_model_has_every_recommendation_chart_and_note(packs):
    pack = packs["internal"]
    assert [s.rec_id for s in pack.sections] == ["R1", "R2", "R3"]
    assert [s.title for s in pack.sections] == list(TITLES.values())
    # R1: assessment timeliness and care proceedings; R2: care proceedings and supervision; R3: vacant posts.
    assert [[c.measure_id for c in s.charts] for s in pack.sections] == [
        ["assessment_timeliness", "care_proceedings_weeks"], ["care_proceedings_weeks", "supervision"],
        ["vacant_posts"]]
    assert [c.number for c in pack.charts] == [1, 2, 3, 4, 5]
    assert len(pack.appendix) == len(pack.charts)
    assert NO_CHILD_DATA_NOTE in pack.notes
    assert any("NOT suppressed" in n for n in pack.notes)
    assert any("small numbers are suppressed" in n for n in packs["public"].notes)
    summary = pack.summary_table().frame
    assert list(summary["Implementation"]) == ["Green", "Amber", "Amber"]
    assert list(summary["Impact"]) == ["Amber", "Red", "Not yet judged"]
    assert list(summary["Lead"]) == ["Head of Service", "Principal Social Worker", "@Lead officer"]


def test_narrative_says_latest_year_earlier_and_target(packs):
    first = packs["internal"].charts[0]
    assert first.narrative[0] == "Whole authority: 94.0% in Sep 2020, up from 85.0% in Aug 2020 (better); " \
                                 "target 90.0% by Mar 2021, met."
    care = packs["internal"].charts[1]
    assert care.narrative[0].startswith("Whole authority: 30.5 weeks in Sep 2020")
    assert "target 26.0 weeks by Mar 2021, not yet met" in care.narrative[0]


def test_public_pack_suppresses_small_team_counts_with_secondary_suppression(packs):
    internal, public = packs["team_internal"], packs["team_public"]
    sup_int = internal.sections[1].measures.frame.set_index(["Measure", "Figures for"])
    sup_pub = public.sections[1].measures.frame.set_index(["Measure", "Figures for"])
    key = ("Supervision in line with policy", "North Team")
    assert sup_int.loc[key, "Latest"] == "75.0% (Sep 2020)"    # 3 of 4
    assert sup_pub.loc[key, "Latest"] == "c (Sep 2020)"
    assert sup_pub.loc[key, "Status"] in ("c", "–")
    auth = ("Supervision in line with policy", "Whole authority")
    assert sup_pub.loc[auth, "Latest"] == "80.0% (Sep 2020)"  # 8 of 10: shown
    # The team range leaves the suppressed team figures out (it would reveal them).
    assert sup_int.loc[auth, "Team range"] == "75.0% to 83.3%"
    assert sup_pub.loc[auth, "Team range"] == "–"
    # Vacant posts (a count): North 2 is primary, South 10 secondary (12 - 10 = 2).
    vac = public.sections[2].charts[0].table.frame
    sep = vac[vac["Period end"] == date(2020, 9, 30)].set_index("Series")
    value_col = [c for c in vac.columns if c.startswith("Value")][0]
    assert sep.loc["North Team", value_col] == "c"
    assert sep.loc["Whole authority", value_col] == 12.0
    vac_int = internal.sections[2].charts[0].table.frame
    sep_int = vac_int[vac_int["Period end"] == date(2020, 9, 30)].set_index("Series")
    assert sep_int.loc["North Team", value_col] == 2.0


def test_service_area_secondary_suppression_hides_a_second_team(packs):
    table = packs["area_public"].sections[2].charts[0].table.frame
    value_col = [c for c in table.columns if c.startswith("Value")][0]
    sep = table[table["Period end"] == date(2020, 9, 30)].set_index("Series")
    assert sep.loc["North Team", value_col] == "c" and sep.loc["South Team", value_col] == "c"
    assert sep.loc["Whole authority", value_col] == 12.0
    sup = packs["area_public"].sections[1].charts[1].table.frame
    sep = sup[sup["Period end"] == date(2020, 9, 30)].set_index("Series")
    assert sep.loc["North Team", "Denominator"] == "c"   # 4
    assert sep.loc["South Team", "Numerator"] == "c"     # 5
    assert sep.loc["Whole authority", "Numerator"] == 8.0


def test_public_charts_do_not_plot_suppressed_points(packs):
    for name in ("team_public", "area_public"):
        chart = next(c for c in packs[name].charts if c.measure_id == "supervision").chart
        plotted = chart.data[chart.data["series"] == "North Team"]
        assert plotted.empty  # its only point (Sep 2020) is suppressed
        ys = [y for t in chart.figure.to_dict()["data"] if t.get("name") == "North Team" for y in t["y"]]
        assert ys == []
        assert "suppressed and not plotted" in chart.alt
    internal = next(c for c in packs["team_internal"].charts if c.measure_id == "supervision").chart
    assert list(internal.data.loc[internal.data["series"] == "North Team", "value"]) == [75.0]


def test_public_narrative_never_quotes_a_suppressed_figure(packs):
    chart = next(c for c in packs["team_public"].charts if c.measure_id == "supervision")
    text = " ".join(chart.narrative)
    assert "North Team: the Sep 2020 figure is not shown" in text
    assert "75.0%" not in text
    internal = next(c for c in packs["team_internal"].charts if c.measure_id == "supervision")
    assert "North Team: 75.0% in Sep 2020" in " ".join(internal.narrative)


def test_scope_names_are_checked(snap):
    assert resolve_scope(snap, team="north") == Scope("team", "north")
    assert resolve_scope(snap, team="NORTH") == Scope("team", "north")
    assert resolve_scope(snap, service_area="first response") == Scope("service_area", "First Response")
    assert resolve_scope(snap) == Scope("authority")
    with pytest.raises(UnknownScope, match="no team 'west'.*north, south"):
        resolve_scope(snap, team="west")
    with pytest.raises(UnknownScope, match="no service area 'Nowhere'.*First Response"):
        resolve_scope(snap, service_area="Nowhere")


# --- Excel ----------------------------------------------------------------------------------

def _xlsx_cells(path: Path):
    wb = openpyxl.load_workbook(path)
    return wb, [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]


def test_xlsx_pack_tables_rag_and_a_sheet_per_chart(files, packs):
    wb, cells = _xlsx_cells(files[("internal", "xlsx")])
    pack = packs["internal"]
    assert wb.sheetnames[:4] == ["Cover", "Summary", "Measures", "Charts"]
    chart_sheets = [n for n in wb.sheetnames if re.match(r"A\d+ ", n)]
    assert len(chart_sheets) == len(pack.charts) == 5
    summary = wb["Summary"]
    texts = [c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str)]
    for title in TITLES.values():
        assert (title if not title.startswith("=") else "'" + title) in texts
    for word in RAG_WORDS:
        assert word in texts
    # RAG cells carry the word on their colour.
    rag = [c for row in summary.iter_rows() for c in row if c.value in ("Green", "Amber", "Red")]
    assert rag and all(c.fill.fgColor.rgb.endswith(("009E73", "E69F00", "D55E00")) for c in rag)
    narrative = [c.value for row in wb["Charts"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(pack.charts[0].narrative[0] in v for v in narrative)


def test_xlsx_pack_cells_are_neutralised(files):
    for name in ("internal", "public"):
        wb, cells = _xlsx_cells(files[(name, "xlsx")])
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        bad = [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_TRIGGERS)]
        assert bad == []
        values = {c.value for c in cells if isinstance(c.value, str)}
        assert "'" + FORMULA_TITLE in values
        assert "'@Lead officer" in values
        assert "'+Evidence that starts with a plus" in values
        assert "'-Actions that start with minus" in values


def test_xlsx_public_suppresses_and_internal_does_not(files):
    def north_sep_2020(name):
        wb = openpyxl.load_workbook(files[(name, "xlsx")])
        sheet = next(ws for ws in wb if ws.title.startswith("A") and "supervision" in ws.title)
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        header = next(r for r in rows if r[0] == "Series")
        row = next(r for r in rows if r[0] == "North Team" and r[1] == "Sep 2020")
        return dict(zip(header, row))

    public, internal = north_sep_2020("team_public"), north_sep_2020("team_internal")
    assert (public["Value (%)"], public["Numerator"], public["Denominator"]) == ("c", "c", "c")
    assert (internal["Value (%)"], internal["Numerator"], internal["Denominator"]) == (75, 3, 4)


# --- Word -----------------------------------------------------------------------------------

def _docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


@needs_chromium
def test_docx_pack(files, packs):
    for name in ("internal", "public", "team_public"):
        document = docx.Document(files[(name, "docx")])
        pack = packs[name]
        text = _docx_text(document)
        for title in TITLES.values():
            assert title in text
        for word in RAG_WORDS:
            assert word in text
        assert "● Green" in text and "▲ Amber" in text and "■ Red" in text
        assert len(document.inline_shapes) == len(pack.charts)
        doc_prs = document.element.body.findall(".//" + docx.oxml.ns.qn("wp:docPr"))
        assert [d.get("descr") for d in doc_prs] == [c.alt for c in pack.charts]
        assert [d.get("title") for d in doc_prs] == [c.caption for c in pack.charts]
        for c in pack.charts:
            for sentence in c.narrative:
                assert sentence in text
        assert NO_CHILD_DATA_NOTE in text
        assert document.core_properties.title.startswith("Monthly performance pack")


@needs_chromium
def test_docx_summary_rag_cells_are_shaded_and_worded(files):
    document = docx.Document(files[("internal", "docx")])
    summary = next(t for t in document.tables if t.rows[0].cells[0].text == "Ref")
    header = [c.text for c in summary.rows[0].cells]
    assert header == ["Ref", "Recommendation", "Implementation", "Impact", "Measures", "Evidence",
                      "Further actions", "Lead"]
    fills = []
    for row in summary.rows[1:]:
        for cell in (row.cells[2], row.cells[3]):
            shd = cell._tc.find(".//" + docx.oxml.ns.qn("w:shd"))
            fills.append((cell.text, shd.get(docx.oxml.ns.qn("w:fill"))))
    assert fills == [("● Green", "009E73"), ("▲ Amber", "E69F00"), ("▲ Amber", "E69F00"), ("■ Red", "D55E00"),
                     ("▲ Amber", "E69F00"), ("Not yet judged", "D9D9D9")]
    assert "• Assessments completed within 45 working days: 94.0% in Sep 2020" in summary.rows[1].cells[4].text


@needs_chromium
def test_docx_suppression(files):
    public = _docx_text(docx.Document(files[("team_public", "docx")]))
    internal = _docx_text(docx.Document(files[("team_internal", "docx")]))
    assert "North Team: 75.0% in Sep 2020" in internal
    assert "75.0%" not in public.replace("75.0% by", "")  # (no target of 75%) the figure never appears
    assert "North Team: the Sep 2020 figure is not shown" in public
    assert "small numbers are suppressed" in public and "NOT suppressed" in internal


@needs_chromium
def test_docx_footer_keeps_the_page_number_apart(files):
    """The plan, team, month and mark in one paragraph, "Page X of Y" (PAGE and NUMPAGES
    fields) right-aligned in a paragraph of its own: a long footer cannot run into it."""
    document = docx.Document(files[("team_public", "docx")])
    footer = document.sections[0].footer
    assert all(s.footer.is_linked_to_previous for s in document.sections[1:])
    fields = docx.oxml.ns.qn("w:fldSimple")
    with_fields = [p for p in footer.paragraphs if p._p.findall(".//" + fields)]
    assert len(with_fields) == 1
    page = with_fields[0]
    instructions = [f.get(docx.oxml.ns.qn("w:instr")) for f in page._p.findall(".//" + fields)]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert "".join(t.text for t in page._p.iter(docx.oxml.ns.qn("w:t"))) == "Page 1 of 1"
    assert page.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    text = [p.text for p in footer.paragraphs if p._p is not page._p]
    assert text == ["Test Improvement Plan · North Team · Sep 2020 · PUBLIC VERSION: small numbers suppressed"]


@needs_chromium
def test_docx_chart_title_appears_once(files, packs):
    """Each chart's caption is its one title: a heading above the picture, not said again
    in a caption under it or drawn in the picture."""
    for name in ("internal", "team_public"):
        document = docx.Document(files[(name, "docx")])
        pack = packs[name]
        paragraphs = [p.text for p in document.paragraphs]
        headings = [p.text for p in document.paragraphs if p.style.name == "Heading 3"]
        assert headings == [c.caption for c in pack.charts]
        titles = [c.caption.split(": ", 1)[1] for c in pack.charts]
        for c, title in zip(pack.charts, titles):
            assert sum(title in p for p in paragraphs) == titles.count(title), title
            assert not (c.chart.figure.layout.title.text or "")


@needs_chromium
def test_docx_table_rows_may_break_across_pages(files):
    """Only the header row is kept whole (and repeated); a tall row may break across pages
    rather than moving on whole and leaving the page blank."""
    document = docx.Document(files[("internal", "docx")])
    qn = docx.oxml.ns.qn
    for table in document.tables:
        rows = table._tbl.findall(qn("w:tr"))
        if rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None:
            continue  # the two-cell ratings box has no header row
        for row in rows[1:]:
            assert row.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is None


# --- PowerPoint -----------------------------------------------------------------------------

def _pptx(path: Path):
    deck = pptx.Presentation(path)
    texts, pictures = [], []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [c.text for row in shape.table.rows for c in row.cells]
            if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
                pictures.append(shape)
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
    return deck, "\n".join(texts), pictures


@needs_chromium
def test_pptx_pack(files, packs):
    for name in ("internal", "public", "area_public"):
        deck, text, pictures = _pptx(files[(name, "pptx")])
        pack = packs[name]
        for title in TITLES.values():
            assert title in text
        for word in RAG_WORDS:
            assert word in text
        assert len(pictures) == len(pack.charts)
        assert [p._element.nvPicPr.cNvPr.get("descr") for p in pictures] == [c.alt for c in pack.charts]
        for c in pack.charts:
            for sentence in c.narrative:
                assert sentence in text
        assert all(s.shapes.title is not None and s.shapes.title.text for s in deck.slides)


@needs_chromium
def test_pptx_suppression(files):
    _deck, public, _ = _pptx(files[("team_public", "pptx")])
    _deck, internal, _ = _pptx(files[("team_internal", "pptx")])
    assert "North Team: 75.0% in Sep 2020" in internal and "75.0%" not in public
    assert "c" in public.split("\n")


# --- PDF ------------------------------------------------------------------------------------

def _pdf(path: Path):
    """(reader, its text, how many charts): the charts are SVG pictures, printed as vectors,
    so they are counted as the structure tree's figures that carry alternate text."""
    reader = PdfReader(path)
    # A line that wraps after a hyphen ("month-to-" / "month") is one word again.
    text = squash(" ".join(page.extract_text().replace("-\n", "-") for page in reader.pages))
    return reader, text, pdf_figures(reader)


@needs_chromium
def test_pdf_pack(files, packs):
    for name in ("internal", "public", "team_public"):
        reader, text, images = _pdf(files[(name, "pdf")])
        pack = packs[name]
        for title in TITLES.values():
            assert squash(title) in text
        for word in RAG_WORDS:
            assert word in text
        assert images == len(pack.charts)
        assert not any(page.images for page in reader.pages)  # the charts are vectors (SVG), not pictures
        for c in pack.charts:
            for sentence in c.narrative:
                assert squash(sentence) in text
        assert reader.metadata.title.startswith("Monthly performance pack")
        outline = [o.title for o in reader.outline if not isinstance(o, list)]
        assert "Summary of progress" in outline and "Recommendation R1" in outline


@needs_chromium
def test_pdf_suppression(files):
    _r, public, _ = _pdf(files[("team_public", "pdf")])
    _r, internal, _ = _pdf(files[("team_internal", "pdf")])
    assert "North Team: 75.0% in Sep 2020" in internal and "75.0%" not in public
    assert "PUBLIC VERSION: small numbers suppressed" in public
    assert "INTERNAL: not suppressed, not for publication" in internal


@needs_chromium
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_pdf_pages_render(files, tmp_path):
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "3", str(files[("public", "pdf")]),
                    str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == 3


# --- a pack at an earlier date ------------------------------------------------------------------

def test_as_at_before_a_figure_leaves_it_out(snap):
    pack = build_pack(snap, date(2020, 8, 31), Scope("authority"), public=True)
    first = pack.charts[0]
    assert first.narrative[0].startswith("Whole authority: 85.0% in Aug 2020")
    assert pack.as_at_label == "Aug 2020"
    table = first.table.frame
    assert pd.to_datetime(table["Period end"]).max().date() <= date(2021, 3, 31)
    assert date(2020, 9, 30) not in set(table.loc[table["Series"] == "Whole authority", "Period end"])

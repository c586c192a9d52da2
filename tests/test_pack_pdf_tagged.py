"""The PDF pack a committee can publish: tagged and accessible (PDF/UA: headings, reading
order, alternate text on every chart, table headers), and laid out without the defects of
the reportlab pack (footer into the page number, chart titles twice, half-empty pages).

The PDF is read back with pypdf (its structure tree, outline, catalogue), poppler's
pdftotext -bbox (where each word is) and pdftoppm (where anything is drawn on a page).
"""
from __future__ import annotations

import copy
import dataclasses
import html
import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from cipdash.db import open_snapshot
from cipdash.exports import ChromiumNotFound, ImageRenderer, build_pack, render_pack_images, write_pack
from cipdash.exports.pack_html import FOOTER_MM, MARGIN_MM, pack_html
from cipdash.exports.pdf_writer import pdf_bytes
from cipdash.scope import Scope
from exports_plan import HAS_CHROMIUM, NO_CHROMIUM_REASON, build_db

AS_AT = date(2020, 9, 30)
POINTS_PER_MM = 72 / 25.4
HAS_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
pytestmark = [pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM_REASON),
              pytest.mark.skipif(not HAS_POPPLER, reason="poppler-utils (pdftotext, pdftoppm) is not installed")]

LONG_PLAN = ("Children's Services Improvement Plan following the inspection of local authority children's "
             "services, with the partnership's response to every recommendation and area for improvement, "
             "as agreed by the Improvement Board")
AUDIT = ("the audit programme found practice improving in supervision, planning and the quality of "
         "assessments, with managers' oversight recorded on the child's file. ")


def evidence(paragraphs: int) -> str:
    return "\n".join(f"Paragraph {i}: " + AUDIT * 3 for i in range(1, paragraphs + 1))


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    snap = open_snapshot(build_db(tmp_path_factory.mktemp("tagged")))
    made = {"team": build_pack(snap, AS_AT, Scope("team", "north"), public=True),
            "authority": build_pack(snap, AS_AT, Scope("authority"), public=False)}
    snap.close()
    with ImageRenderer() as renderer:
        for pack in made.values():
            render_pack_images(pack, renderer)
    # A team pack with a long plan name (the footer) and evidence of three lengths: in the
    # summary, a short row, then a row too tall for what is left of the page (but shorter
    # than a page: kept whole, it would move on and leave the page two-thirds empty), then
    # a row longer than a page; R3's section runs over a page.
    long = copy.copy(made["team"])
    long.plan_name = LONG_PLAN
    long.sections = [dataclasses.replace(s, evidence=evidence(n)) for s, n in zip(long.sections, (1, 3, 12))]
    made["long"] = long
    return made


@pytest.fixture(scope="module")
def pdfs(packs, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("tagged-pdf")
    written = {}
    for name, pack in packs.items():
        written[name] = out / f"{name}.pdf"
        write_pack(pack, "pdf", written[name])
    return written


# --- the structure tree ---------------------------------------------------------------------

def _walk(node, found: list) -> None:
    node = node.get_object()
    if not isinstance(node, dict):
        return
    if "/S" in node:
        found.append(node)
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        if hasattr(kid, "get_object") or isinstance(kid, dict):
            _walk(kid, found)


def _elements(path: Path) -> tuple[PdfReader, list]:
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "not a tagged PDF: no structure tree"
    found: list = []
    _walk(root["/StructTreeRoot"], found)
    return reader, found


@pytest.mark.parametrize("name", ["team", "authority"])
def test_pdf_is_tagged_with_headings_tables_and_alt_text(pdfs, packs, name):
    reader, elements = _elements(pdfs[name])
    pack = packs[name]
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert root["/Lang"] == "en-GB"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert reader.metadata.title == f"Monthly performance pack: {pack.plan_name}, {pack.as_at_label}"
    kinds = [str(e["/S"]) for e in elements]
    # Headings: the pack title and each part (H1), their sub-headings (H2), a chart's caption (H3).
    assert kinds.count("/H1") == 1 + 1 + len(pack.sections) + (pack.other_measures is not None) + 1
    assert kinds.count("/H2") >= 3 * len(pack.sections) and kinds.count("/H3") == len(pack.charts)
    # Tables with header cells: the summary, each section's measures, each appendix table.
    assert kinds.count("/Table") >= 1 + len(pack.sections) + len(pack.charts)
    assert {"/TR", "/TH", "/TD"} <= set(kinds)
    for table in (e for e in elements if e["/S"] == "/Table"):
        cells: list = []
        _walk(table, cells)
        assert any(c["/S"] == "/TH" for c in cells), "a table without header cells"
    # One figure with alternate text for every chart, the chart's own description, in order.
    alts = [str(e["/Alt"]) for e in elements if e["/S"] == "/Figure" and e.get("/Alt")]
    assert alts == [c.alt for c in pack.charts]
    assert all(alts)
    # The outline (bookmarks) follows the headings.
    top = [o.title for o in reader.outline if not isinstance(o, list)]
    assert top[:2] == ["Monthly performance pack", "Summary of progress"]
    assert [t for t in top if t.startswith("Recommendation ")] == [f"Recommendation {s.rec_id}" for s in pack.sections]


def test_reading_order_is_the_packs_order(pdfs, packs):
    """The structure tree's headings come in the order the pack reads: cover, summary, each
    recommendation with its charts in turn, the appendix."""
    _reader, elements = _elements(pdfs["authority"])
    pack = packs["authority"]

    order = [str(e["/S"]) for e in elements if str(e["/S"]) in ("/H1", "/H3", "/Table")]
    # H3s (chart captions) sit between the H1 of their recommendation and the next H1.
    expected = ["/H1", "/H1", "/Table"]
    for s in pack.sections:
        expected += ["/H1", "/Table"] + ["/H3"] * len(s.charts)
    if pack.other_measures is not None:
        expected += ["/H1", "/Table"] + ["/H3"] * len(pack.other_measures.charts)
    expected += ["/H1"] + ["/Table"] * len(pack.charts)
    assert order == expected


# --- layout ---------------------------------------------------------------------------------

def _words(path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, every word as (x0, y0, x1, y1, text), y from the top, in points."""
    run = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True)
    pages = []
    for page in run.stdout.split("<page ")[1:]:
        pages.append([(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)])
    return pages


def _page_heights(reader: PdfReader) -> list[float]:
    return [float(p.mediabox.height) for p in reader.pages]


def test_footer_never_runs_into_the_page_number(pdfs, packs):
    """A team pack with a long plan name: on every page the footer says the plan, team,
    month and mark, and "Page X of Y" sits clear of every other footer word."""
    path = pdfs["long"]
    reader = PdfReader(path)
    heights = _page_heights(reader)
    pages = _words(path)
    assert len(pages) == len(reader.pages) > 3
    for n, (words, height) in enumerate(zip(pages, heights), start=1):
        footer = [w for w in words if w[1] > height - FOOTER_MM * POINTS_PER_MM]
        texts = [w[4] for w in footer]
        # "Page n of N" (the last four footer words on the right) and everything else.
        at = max(i for i, t in enumerate(texts) if t == "Page")
        number = footer[at:at + 4]
        assert [w[4] for w in number] == ["Page", str(n), "of", str(len(pages))]
        rest = footer[:at] + footer[at + 4:]
        assert "Children's" in texts and "PUBLIC" in texts and "North" in texts
        box = (min(w[0] for w in number), min(w[1] for w in number), max(w[2] for w in number),
               max(w[3] for w in number))
        for w in rest:
            overlaps = w[0] < box[2] and w[2] > box[0] and w[1] < box[3] and w[3] > box[1]
            assert not overlaps, f"page {n}: footer word {w[4]!r} runs into the page number"
            assert w[2] <= box[0] - 2 * POINTS_PER_MM or w[1] >= box[3] or w[3] <= box[1]


def test_each_chart_title_appears_once(pdfs, packs):
    """The caption is the chart's one title: printed once as text, and not drawn in the
    picture (the figure has no title); the alt text still names the measure."""
    for name in ("team", "authority"):
        pack = packs[name]
        text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(pdfs[name]).pages))
        titles = [re.sub(r"\s+", " ", c.caption.split(": ", 1)[1]) for c in pack.charts]
        for c, title in zip(pack.charts, titles):
            # (a measure under two recommendations has two charts of the same title)
            assert text.count(title) == titles.count(title), f"{title!r} appears {text.count(title)} times"
            assert text.count(c.caption) == 1
            assert not (c.chart.figure.layout.title.text or "")
            assert c.chart.title.split(", to ")[0].split(": SPC")[0] in c.alt  # the alt text names it


def _ink_bottom(png: bytes, top_px: int, bottom_px: int) -> int:
    """The lowest pixel row between top and bottom where anything is drawn."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width = image.size[0]
    pixels = image.load()
    for y in range(bottom_px - 1, top_px - 1, -1):
        if any(pixels[x, y] < 200 for x in range(0, width, 2)):
            return y
    return top_px


def test_no_page_is_left_half_empty_but_the_last_of_a_part(pdfs, packs, tmp_path):
    """A pack whose first recommendation's evidence runs over a page (a tall row in the
    summary, a long section): every page is at least half filled, except the last page of
    each part (cover, summary, a recommendation, appendix) and the last page."""
    path = pdfs["long"]
    reader = PdfReader(path)
    starts = sorted({reader.get_destination_page_number(o) for o in reader.outline if not isinstance(o, list)})
    assert len(starts) >= 5
    ends = {s - 1 for s in starts[1:]} | {len(reader.pages) - 1}
    dpi = 30
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(images) == len(reader.pages)
    checked = 0
    # the summary runs over two pages at least: a tall row split, not moved whole
    assert starts[2] - starts[1] >= 2
    for i, image in enumerate(images):
        if i in ends:
            continue
        height_px = Image.open(image).size[1]
        px = dpi / 25.4
        top, bottom = round(MARGIN_MM * px), height_px - round(FOOTER_MM * px)
        filled = (_ink_bottom(image.read_bytes(), top, bottom) - top) / (bottom - top)
        assert filled >= 0.5, f"page {i + 1} is {1 - filled:.0%} empty"
        checked += 1
    assert checked >= 2


# --- text stays text; no browser ------------------------------------------------------------

def test_text_from_the_plan_is_escaped_html(packs):
    pack = copy.copy(packs["team"])
    pack.plan_name = '<img src=x onerror="alert(1)"><b>Plan</b> & co'
    page = pack_html(pack)
    assert "<img src=x" not in page and "<b>Plan</b>" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;b&gt;Plan&lt;/b&gt; &amp; co" in page


def test_without_chromium_the_pdf_says_how_to_install_it(packs, monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-browser"))
    with pytest.raises(ChromiumNotFound, match="apt-get install chromium"):
        pdf_bytes(packs["team"])

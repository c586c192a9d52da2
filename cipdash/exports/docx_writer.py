"""The pack as a Word document (python-docx): A4, the summary table in a landscape
section, a section per recommendation with its charts, and the appendix tables.

Accessibility: real headings (Title, Heading 1/2) for navigation, table header rows that
repeat on each page, every picture's alt text set (docPr descr and title), RAG as words,
document language en-GB, and the document title in its properties.
"""
from __future__ import annotations

import io
import zipfile
from typing import BinaryIO

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from xml.sax.saxutils import escape

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.opc.pkgwriter import PackageWriter
from docx.shared import Cm, Pt, RGBColor

from .pack import (APPENDIX_INTRO, OTHER_MEASURES_INTRO, OTHER_MEASURES_TITLE, SUMMARY_COLUMNS, Pack, PackTable, Rag,
                   wide_table)
from .style import HEADER_FILL, doc_property, frame_text, mark, rag_fill, xml_safe

A4 = (Cm(21.0), Cm(29.7))
MARGIN = Cm(2.0)
PICTURE_WIDTH = Cm(16.0)
FONT = "Arial"
SUMMARY_WIDTHS_CM = (1.4, 4.6, 2.4, 2.0, 5.6, 4.8, 3.5, 2.4)  # 26.7 cm: A4 landscape less margins
MEASURE_WIDTHS_CM = (3.2, 2.0, 2.0, 1.9, 1.7, 1.8, 2.2, 2.2)  # 17.0 cm: A4 portrait less margins
ACTION_WIDTHS_CM = (1.0, 2.6, 5.6, 2.0, 1.8, 2.0, 2.0)  # 17.0 cm



def _shade(cell, colour: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour.lstrip("#"))
    tc_pr.append(shd)


def _set_cell(cell, text: str, size: float = 8, bold: bool = False) -> None:
    cell.text = ""
    lines = xml_safe(text).split("\n")
    para = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            para = cell.add_paragraph()
        para.paragraph_format.space_after = Pt(1)
        run = para.add_run(line)
        run.font.size = Pt(size)
        run.bold = bold


def _rag_cell(cell, rag: Rag, size: float = 8, prefix: str = "") -> None:
    _set_cell(cell, prefix + rag.label, size, bold=True)
    _shade(cell, rag_fill(rag))
    for run in cell.paragraphs[0].runs:
        run.font.color.rgb = RGBColor(0, 0, 0)


def _cell_xml(text: str, size: float, bold: bool, width_twips: int | None, fill: str | None) -> str:
    props = []
    if width_twips:
        props.append(f'<w:tcW w:w="{width_twips}" w:type="dxa"/>')
    if fill:
        props.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{fill.lstrip("#")}"/>')
    r_pr = ("<w:b/>" if bold else "") + f'<w:color w:val="000000"/><w:sz w:val="{round(size * 2)}"/>'
    paras = "".join(f'<w:p><w:pPr><w:spacing w:before="0" w:after="20"/></w:pPr><w:r><w:rPr>{r_pr}</w:rPr>'
                    f'<w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
                    for line in xml_safe(text).split("\n"))
    return f"<w:tc><w:tcPr>{''.join(props)}</w:tcPr>{paras}</w:tc>"


def _table(doc, header: list[str], rows: list[list[str]], size: float = 8, widths_cm=None,
           fills: dict[tuple[int, int], str] | None = None, bold_cols: tuple[int, ...] = ()) -> None:
    """A table written as one piece of XML: python-docx's cell-by-cell API takes seconds
    for the appendix's thousands of cells. The header row repeats on every page. Other rows
    may break across pages: a row kept whole (cantSplit) that does not fit in what is left
    of a page moves to the next one and leaves the rest of the page blank."""
    fills = fills or {}
    widths = [round(w / 2.54 * 1440) for w in widths_cm] if widths_cm else None
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) if widths else \
        "".join("<w:gridCol/>" for _ in header)
    layout = '<w:tblLayout w:type="fixed"/>' if widths else ""
    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
             f'{layout}<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
             f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
    parts.append('<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>')
    for j, name in enumerate(header):
        parts.append(_cell_xml(name, size, True, widths[j] if widths else None, HEADER_FILL))
    parts.append("</w:tr>")
    for i, values in enumerate(rows, start=1):
        parts.append("<w:tr>")
        for j, value in enumerate(values):
            parts.append(_cell_xml(value, size, j in bold_cols or (i, j) in fills,
                                   widths[j] if widths else None, fills.get((i, j))))
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    body = doc.element.body
    body.insert(len(body) - 1 if body[-1].tag == qn("w:sectPr") else len(body), parse_xml("".join(parts)))


def _pack_table(doc, table: PackTable, size: float = 8, widths_cm=None) -> None:
    _table(doc, [str(c) for c in table.frame.columns], frame_text(table.frame, table.units), size, widths_cm)
    if table.note:
        doc.add_paragraph(xml_safe(table.note), style="Caption")


def _page_setup(section, landscape: bool = False) -> None:
    width, height = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)


def _field(para, instruction: str, shown: str) -> None:
    """A field Word fills in (PAGE, NUMPAGES), showing `shown` until it does."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    r = OxmlElement("w:r")
    r_pr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")
    r_pr.append(size)
    r.append(r_pr)
    t = OxmlElement("w:t")
    t.text = shown
    r.append(t)
    fld.append(r)
    para._p.append(fld)


def _footer(section, text: str) -> None:
    """The plan, scope, month and mark in one paragraph, "Page X of Y" in a right-aligned
    paragraph of its own under it: a long plan or team name wraps within its own lines
    and never runs into the page number."""
    para = section.footer.paragraphs[0]
    para.text = ""
    para.add_run(xml_safe(text)).font.size = Pt(8)
    page = section.footer.add_paragraph()
    page.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    page.add_run("Page ").font.size = Pt(8)
    _field(page, "PAGE", "1")
    page.add_run(" of ").font.size = Pt(8)
    _field(page, "NUMPAGES", "1")


def _set_alt_text(inline_shape, alt: str, title: str) -> None:
    doc_pr = inline_shape._inline.docPr
    doc_pr.set("descr", alt)
    doc_pr.set("title", title)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    r_pr = normal.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is not None:
        fonts.set(qn("w:eastAsia"), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-GB")
    r_pr.append(lang)


def _notes_docx(doc, notes, heading: str, level: int) -> None:
    """The meeting's notes as plain paragraphs (python-docx escapes the text: never markup)."""
    if not notes:
        return
    doc.add_heading(heading, level=level)
    caption = doc.styles["Caption"]  # looked up once: python-docx finds a style by name in a list
    for note in notes:
        doc.add_paragraph(xml_safe(note.byline), style=caption)
        for line in xml_safe(note.text).split("\n"):
            doc.add_paragraph(line)


def _measures_docx(doc, s, pack: Pack, pictures: list) -> None:
    """A section's measures table (the Making Data Count summary) and its charts. Each
    picture's paragraph is made here and kept in `pictures` with its chart: the picture goes
    in once the images are drawn (write_docx)."""
    if s.measures.frame.empty:
        doc.add_paragraph("No measures are linked to this recommendation.")
    else:
        _pack_table(doc, s.measures, widths_cm=MEASURE_WIDTHS_CM)
    for c in s.charts:
        # The caption is the chart's one title (the picture has none, pack.untitled): a
        # heading, so it is in the navigation pane, and kept with the picture under it.
        doc.add_heading(c.caption, level=3)
        pictures.append((doc.add_paragraph(), c))
        for sentence in c.narrative:
            doc.add_paragraph(sentence)
        doc.add_paragraph(f"Description: {c.alt} The figures are in {c.table.title.split(':')[0]}.",
                          style="Caption")
        _notes_docx(doc, c.notes, f"Commentary from the meeting, {pack.as_at_label}", level=4)


def write_docx(pack: Pack, out: BinaryIO | str) -> None:
    """The .docx. Charts whose images are still being drawn (pack.drawing) are waited for
    only after all the text is laid out: the two overlap, Python on one core and Chromium
    on the other."""
    if pack.drawing is None and any(c.png is None for c in pack.charts):
        raise ValueError("render the pack's chart images first (exports.render_pack_images)")
    pictures: list = []
    doc = Document()
    _styles(doc)
    doc.core_properties.title = doc_property(f"{pack.title}: {pack.plan_name}, {pack.as_at_label}")
    doc.core_properties.subject = doc_property(pack.scope_label)
    doc.core_properties.author = doc_property(pack.authority)
    doc.core_properties.language = "en-GB"
    first = doc.sections[0]
    _page_setup(first)
    _footer(first, f"{pack.plan_name} · {pack.scope_name} · {pack.as_at_label} · {mark(pack)}")

    # Cover
    doc.add_paragraph(pack.title, style="Title")
    doc.add_paragraph(pack.plan_name, style="Subtitle")
    for label, value in pack.cover_facts():
        para = doc.add_paragraph()
        para.add_run(f"{label}: ").bold = True
        para.add_run(value)
    para = doc.add_paragraph()
    para.add_run(mark(pack)).bold = True
    doc.add_heading("Ratings at a glance", level=2)
    for kind, counts in pack.rag_counts.items():
        words = ", ".join(f"{n} {Rag(code).word}" for code, n in counts.items() if n) or "No ratings yet"
        doc.add_paragraph(f"{kind.capitalize()}: {words}", style="List Bullet")
    doc.add_heading("What the RAG ratings mean", level=2)
    for word, meaning in pack.rag_key:
        para = doc.add_paragraph(style="List Bullet")
        para.add_run(f"{Rag(word[0]).label}: ").bold = True
        para.add_run(meaning)
    doc.add_paragraph(pack.rag_key_note, style="Caption")
    doc.add_heading("About this pack", level=2)
    for note in pack.notes:
        doc.add_paragraph(note)

    # Summary, landscape
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page_setup(section, landscape=True)
    doc.add_heading("Summary of progress", level=1)
    summary = pack.summary_table().frame
    fills = {}
    for i, sec in enumerate(pack.sections, start=1):
        fills[(i, SUMMARY_COLUMNS.index("Implementation"))] = rag_fill(sec.implementation)
        fills[(i, SUMMARY_COLUMNS.index("Impact"))] = rag_fill(sec.impact)
    rows = [[str(v) for v in r] for r in summary.itertuples(index=False)]
    for r, sec in zip(rows, pack.sections):
        r[SUMMARY_COLUMNS.index("Implementation")] = sec.implementation.label
        r[SUMMARY_COLUMNS.index("Impact")] = sec.impact.label
    _table(doc, SUMMARY_COLUMNS, rows, 8, SUMMARY_WIDTHS_CM, fills, bold_cols=(0,))

    # A section per recommendation, portrait
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page_setup(section)
    for n, s in enumerate(pack.sections):
        if n:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(f"Recommendation {s.rec_id}", level=1)
        doc.add_paragraph(s.title)
        rag = doc.add_table(rows=1, cols=2)
        rag.style = "Table Grid"
        for cell, (kind, value) in zip(rag.rows[0].cells, (("Implementation", s.implementation),
                                                           ("Impact", s.impact))):
            _rag_cell(cell, value, size=10, prefix=f"{kind}: ")
        facts = [("Source", s.source), ("Aim", s.aim), ("Lead", s.lead),
                 ("Rated", s.rated_at.strftime("%b %Y") if s.rated_at else "Not yet rated")]
        doc.add_paragraph(" · ".join(f"{k}: {v}" for k, v in facts if v))
        doc.add_heading("Evidence of progress", level=2)
        for line in (s.evidence or "None recorded").split("\n"):
            doc.add_paragraph(line)
        doc.add_heading("Further actions", level=2)
        for line in (s.further_actions or "None recorded").split("\n"):
            doc.add_paragraph(line)
        _notes_docx(doc, s.notes, f"Commentary from the meeting, {pack.as_at_label}", level=2)
        doc.add_heading("Measures", level=2)
        _measures_docx(doc, s, pack, pictures)

    if pack.other_measures is not None:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(OTHER_MEASURES_TITLE, level=1)
        doc.add_paragraph(OTHER_MEASURES_INTRO)
        _measures_docx(doc, pack.other_measures, pack, pictures)

    if pack.actions is not None:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(pack.actions.title, level=1)
        _pack_table(doc, pack.actions, widths_cm=ACTION_WIDTHS_CM)

    # Appendix
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("Appendix: the figures behind the charts", level=1)
    doc.add_paragraph(APPENDIX_INTRO)
    for t in pack.appendix:
        doc.add_heading(t.title, level=2)
        wide = wide_table(t)
        n = len(wide.frame.columns)
        _pack_table(doc, wide, size=7.5 if n <= 8 else 6.5, widths_cm=[2.0] + [15.0 / (n - 1)] * (n - 1))

    pack.wait_for_images()
    for para, c in pictures:
        shape = para.add_run().add_picture(io.BytesIO(c.png), width=PICTURE_WIDTH)
        _set_alt_text(shape, c.alt, c.caption)
    _save(doc, out)


def _save(doc, out: BinaryIO | str) -> None:
    """doc.save(out), but the PNGs are stored in the zip as they are: deflating them again
    took 0.3 s for 30 charts (a third of the writing) and saves only a sixth of their size.
    The XML parts are deflated as python-docx does."""
    package = doc.part.package
    for part in package.parts:
        part.before_marshal()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        PackageWriter._write_content_types_stream(_Members(archive), package.parts)
        PackageWriter._write_pkg_rels(_Members(archive), package.rels)
        PackageWriter._write_parts(_Members(archive), package.parts)


class _Members:
    """The one method python-docx's PackageWriter calls on its zip writer."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive

    def write(self, pack_uri, blob: bytes) -> None:
        name = pack_uri.membername
        stored = name.lower().endswith(".png")
        self.archive.writestr(name, blob, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)

"""The pack as a PDF (reportlab): A4, the summary in landscape pages, bookmarks for every
heading, the document title and language set.

Fonts: DejaVu Sans when the system has it (Debian: fonts-dejavu-core), for the RAG shapes
(● ▲ ■) beside the words; otherwise Helvetica and the words alone. reportlab does not
write a tagged PDF, so each chart's text description is printed under it as well as the
figures in the appendix.
"""
from __future__ import annotations

import io
import zlib
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (BaseDocTemplate, Frame, Image, KeepTogether, NextPageTemplate, PageBreak,
                                PageTemplate, Paragraph, Spacer, Table, TableStyle)

from .pack import (APPENDIX_INTRO, OTHER_MEASURES_INTRO, OTHER_MEASURES_TITLE, SUMMARY_COLUMNS, Pack, PackTable, Rag,
                   wide_table)
from .style import HEADER_FILL, frame_text, mark, rag_fill

MARGIN = 1.8 * cm
PICTURE_WIDTH = 16 * cm
FONT_FILES = {
    "regular": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",),
    "bold": ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",),
}
SUMMARY_WIDTHS = (1.3, 4.3, 2.7, 1.9, 4.9, 4.6, 3.8, 2.6)  # cm; 26.1 cm = A4 landscape less margins
MEASURE_WIDTHS = (3.2, 2.0, 2.1, 2.0, 1.8, 1.8, 2.2, 2.3)  # cm; 17.4 cm = A4 portrait less margins


class _FastZlib:
    """zlib for reportlab's image streams at level 1 (see write_pdf)."""

    compress = staticmethod(lambda data, level=1: zlib.compress(data, level))
    decompress = staticmethod(zlib.decompress)


def _fonts() -> tuple[str, str, bool]:
    """(regular, bold, has the RAG shapes)."""
    regular = next((p for p in FONT_FILES["regular"] if Path(p).is_file()), None)
    bold = next((p for p in FONT_FILES["bold"] if Path(p).is_file()), None)
    if regular and bold:
        if "PackSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("PackSans", regular))
            pdfmetrics.registerFont(TTFont("PackSans-Bold", bold))
            from reportlab.pdfbase.pdfmetrics import registerFontFamily
            registerFontFamily("PackSans", normal="PackSans", bold="PackSans-Bold", italic="PackSans",
                               boldItalic="PackSans-Bold")
        return "PackSans", "PackSans-Bold", True
    return "Helvetica", "Helvetica-Bold", False


class _Styles:
    def __init__(self):
        self.font, self.bold, self.shapes = _fonts()
        base = dict(fontName=self.font, textColor=colors.HexColor("#1f1f1f"), alignment=TA_LEFT)
        self.title = ParagraphStyle("title", fontName=self.bold, fontSize=24, leading=30, spaceAfter=12)
        self.subtitle = ParagraphStyle("subtitle", fontName=self.font, fontSize=16, leading=20, spaceAfter=16)
        self.h1 = ParagraphStyle("h1", fontName=self.bold, fontSize=16, leading=20, spaceBefore=6, spaceAfter=8)
        self.h2 = ParagraphStyle("h2", fontName=self.bold, fontSize=12, leading=15, spaceBefore=8, spaceAfter=4)
        self.h3 = ParagraphStyle("h3", fontName=self.bold, fontSize=10.5, leading=13, spaceBefore=8, spaceAfter=3)
        self.body = ParagraphStyle("body", fontSize=10, leading=13, spaceAfter=5, **base)
        self.caption = ParagraphStyle("caption", fontSize=8.5, leading=11, spaceAfter=5,
                                      textColor=colors.HexColor("#404040"), fontName=self.font)
        self.cell = ParagraphStyle("cell", fontSize=7.5, leading=9, **base)
        self.cell_bold = ParagraphStyle("cellb", parent=self.cell, fontName=self.bold)
        self.small = ParagraphStyle("small", fontSize=7, leading=8.5, **base)
        self.small_bold = ParagraphStyle("smallb", parent=self.small, fontName=self.bold)

    def rag(self, rag: Rag) -> str:
        return rag.label if self.shapes else rag.word


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


class _Doc(BaseDocTemplate):
    """Bookmarks (the PDF outline) for every heading."""

    def afterFlowable(self, flowable):
        level = getattr(flowable, "outline_level", None)
        if level is None:
            return
        key = f"h{id(flowable)}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level, closed=level > 0)


def _heading(text: str, style, level: int) -> Paragraph:
    p = _p(text, style)
    p.outline_level = level
    return p


def _grid(header_rows: int = 1) -> list:
    return [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#7f7f7f")),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor(HEADER_FILL)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]


def _pack_table(table: PackTable, st: _Styles, width: float, small: bool = False, widths_cm=None) -> list:
    """A table; short cells are plain strings (a Paragraph per cell is what makes large
    tables slow), anything that needs wrapping is a Paragraph."""
    cell, bold = (st.small, st.small_bold) if small else (st.cell, st.cell_bold)
    n = len(table.frame.columns)
    widths = [w * cm for w in widths_cm] if widths_cm and len(widths_cm) == n else [width / n] * n
    # Characters that surely fit on one line: DejaVu Sans averages under 0.6 em a character.
    fits = [int((w - 6) / (cell.fontSize * 0.62)) for w in widths]
    header = [_p(c, bold) for c in table.frame.columns]
    rows = [[v if "\n" not in v and len(v) <= fits[j] else _p(v, cell) for j, v in enumerate(r)]
            for r in frame_text(table.frame, table.units)]
    # splitInRow: a row taller than a page (long evidence) continues on the next page
    # rather than stopping the whole pack with a LayoutError.
    t = Table([header] + rows, colWidths=widths, repeatRows=1, hAlign="LEFT", splitInRow=1)
    numeric = [("ALIGN", (j, 1), (j, -1), "RIGHT") for j, c in enumerate(table.frame.columns) if c in table.units]
    t.setStyle(TableStyle(_grid() + numeric + [("FONTNAME", (0, 1), (-1, -1), cell.fontName),
                                               ("FONTSIZE", (0, 1), (-1, -1), cell.fontSize),
                                               ("LEADING", (0, 1), (-1, -1), cell.leading)]))
    out = [t]
    if table.note:
        out.append(_p(table.note, st.caption))
    return out


def _image(png: bytes) -> Image:
    """The chart, opaque RGB (kaleido's PNG has an alpha channel that is all opaque; without
    it reportlab writes no soft mask), handed over uncompressed so it is compressed once."""
    with PILImage.open(io.BytesIO(png)) as im:
        rgb = im.convert("RGB")
    raw = io.BytesIO()
    rgb.save(raw, format="PPM")
    raw.seek(0)
    img = Image(raw)
    ratio = img.imageHeight / img.imageWidth
    img.drawWidth, img.drawHeight = PICTURE_WIDTH, PICTURE_WIDTH * ratio
    img.hAlign = "LEFT"
    return img


def _notes_pdf(notes, heading: str, st: _Styles, style) -> list:
    """The meeting's notes as paragraphs of escaped text (reportlab would read markup)."""
    if not notes:
        return []
    out = [_heading(heading, style, 1)]
    for note in notes:
        out += [_p(note.byline, st.caption), _p(note.text, st.body)]
    return out


ACTION_WIDTHS = (1.0, 2.6, 5.6, 2.0, 1.8, 2.0, 2.0)  # cm, 17.0 in all


def _measures_pdf(s, pack: Pack, st: "_Styles", text_width: float) -> list:
    """A section's measures table (the Making Data Count summary) and its charts."""
    story: list = []
    if s.measures.frame.empty:
        story.append(_p("No measures are linked to this recommendation.", st.body))
    else:
        story += _pack_table(s.measures, st, text_width, widths_cm=MEASURE_WIDTHS)
    for c in s.charts:
        block = [_heading(c.caption, st.h3, 1), _image(c.png)]
        block += [_p(sentence, st.body) for sentence in c.narrative]
        block.append(_p(f"Description: {c.alt} The figures are in {c.table.title.split(':')[0]}.",
                        st.caption))
        story.append(KeepTogether(block))
        # After the block, not in it: a long note must be free to run onto the next page.
        story += _notes_pdf(c.notes, f"Commentary from the meeting, {pack.as_at_label}", st, st.h3)
    return story


def write_pdf(pack: Pack, out: BinaryIO | str) -> None:
    if any(c.png is None for c in pack.charts):
        raise ValueError("render the pack's chart images first (exports.render_pack_images)")
    st = _Styles()
    footer = (f"{pack.plan_name} · {pack.scope_name} · {pack.as_at_label}", mark(pack))

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(st.font, 7.5)
        w, _h = canvas._pagesize
        canvas.drawString(MARGIN, 1.1 * cm, footer[0])
        canvas.drawString(MARGIN, 0.75 * cm, footer[1])
        canvas.drawRightString(w - MARGIN, 1.1 * cm, f"Page {doc.page}")
        canvas.restoreState()

    portrait, land = A4, landscape(A4)
    doc = _Doc(out, pagesize=portrait, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
               bottomMargin=MARGIN, title=f"{pack.title}: {pack.plan_name}, {pack.as_at_label}",
               author=pack.authority, subject=pack.scope_label, creator="cipdash", lang="en-GB",
               displayDocTitle=True)
    doc.addPageTemplates([
        PageTemplate("portrait", [Frame(MARGIN, MARGIN, portrait[0] - 2 * MARGIN, portrait[1] - 2 * MARGIN,
                                        id="p")], onPage=on_page, pagesize=portrait),
        PageTemplate("landscape", [Frame(MARGIN, MARGIN, land[0] - 2 * MARGIN, land[1] - 2 * MARGIN, id="l")],
                     onPage=on_page, pagesize=land),
    ])
    text_width = portrait[0] - 2 * MARGIN
    story: list = []

    # Cover
    story += [Spacer(1, 2 * cm), _heading(pack.title, st.title, 0), _p(pack.plan_name, st.subtitle)]
    for label, value in pack.cover_facts():
        story.append(Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", st.body))
    story += [Spacer(1, 0.3 * cm), Paragraph(f"<b>{escape(mark(pack))}</b>", st.body)]
    story.append(_heading("Ratings at a glance", st.h2, 1))
    for kind, counts in pack.rag_counts.items():
        words = ", ".join(f"{n} {Rag(code).word}" for code, n in counts.items() if n) or "No ratings yet"
        story.append(_p(f"{kind.capitalize()}: {words}", st.body))
    story.append(_heading("What the RAG ratings mean", st.h2, 1))
    for word, meaning in pack.rag_key:
        story.append(Paragraph(f"<b>{escape(st.rag(Rag(word[0])))}:</b> {escape(meaning)}", st.body))
    story.append(_p(pack.rag_key_note, st.caption))
    story.append(_heading("About this pack", st.h2, 1))
    story += [_p(n, st.body) for n in pack.notes]

    # Summary (landscape)
    story += [NextPageTemplate("landscape"), PageBreak(), _heading("Summary of progress", st.h1, 0)]
    summary = pack.summary_table().frame
    rows = [[_p(c, st.cell_bold) for c in SUMMARY_COLUMNS]]
    style = _grid()
    for i, (s, r) in enumerate(zip(pack.sections, summary.itertuples(index=False)), start=1):
        values = list(r)
        values[2], values[3] = st.rag(s.implementation), st.rag(s.impact)
        rows.append([_p(v, st.cell_bold if j in (0, 2, 3) else st.cell) for j, v in enumerate(values)])
        style += [("BACKGROUND", (2, i), (2, i), colors.HexColor(rag_fill(s.implementation))),
                  ("BACKGROUND", (3, i), (3, i), colors.HexColor(rag_fill(s.impact)))]
    t = Table(rows, colWidths=[w * cm for w in SUMMARY_WIDTHS], repeatRows=1, hAlign="LEFT", splitInRow=1)
    t.setStyle(TableStyle(style))
    story.append(t)

    # Sections (portrait)
    story.append(NextPageTemplate("portrait"))
    for s in pack.sections:
        story += [PageBreak(), _heading(f"Recommendation {s.rec_id}", st.h1, 0), _p(s.title, st.body)]
        rag = Table([[_p(f"Implementation: {st.rag(s.implementation)}", st.cell_bold),
                      _p(f"Impact: {st.rag(s.impact)}", st.cell_bold)]],
                    colWidths=[text_width / 2] * 2, hAlign="LEFT")
        rag.setStyle(TableStyle(_grid(0) + [
            ("BACKGROUND", (0, 0), (0, 0), colors.HexColor(rag_fill(s.implementation))),
            ("BACKGROUND", (1, 0), (1, 0), colors.HexColor(rag_fill(s.impact)))]))
        facts = [("Source", s.source), ("Aim", s.aim), ("Lead", s.lead),
                 ("Rated", s.rated_at.strftime("%b %Y") if s.rated_at else "Not yet rated")]
        story += [rag, Spacer(1, 4), _p(" · ".join(f"{k}: {v}" for k, v in facts if v), st.caption)]
        story += [_heading("Evidence of progress", st.h2, 1), _p(s.evidence or "None recorded", st.body),
                  _heading("Further actions", st.h2, 1), _p(s.further_actions or "None recorded", st.body)]
        story += _notes_pdf(s.notes, f"Commentary from the meeting, {pack.as_at_label}", st, st.h2)
        story += [_heading("Measures", st.h2, 1)]
        story += _measures_pdf(s, pack, st, text_width)
    if pack.other_measures is not None:
        story += [PageBreak(), _heading(OTHER_MEASURES_TITLE, st.h1, 0), _p(OTHER_MEASURES_INTRO, st.body)]
        story += _measures_pdf(pack.other_measures, pack, st, text_width)

    if pack.actions is not None:
        story += [PageBreak(), _heading(pack.actions.title, st.h1, 0)]
        story += _pack_table(pack.actions, st, text_width, widths_cm=ACTION_WIDTHS)

    # Appendix
    story += [PageBreak(), _heading("Appendix: the figures behind the charts", st.h1, 0)]
    story.append(_p(APPENDIX_INTRO, st.body))
    for t in pack.appendix:
        wide = wide_table(t)
        n = len(wide.frame.columns)
        story += [_heading(t.title, st.h2, 1)] + _pack_table(wide, st, text_width, small=True,
                                                             widths_cm=[2.0] + [15.4 / (n - 1)] * (n - 1))
    # Images as binary streams: reportlab's pure-Python ASCII85 encoder (used when its C
    # accelerator is not installed) takes seconds for a pack's pictures.
    # And compressed at zlib level 1: half the time of the default, and charts (flat
    # colours) come out hardly larger.
    saved = rl_config.useA85, pdfdoc.zlib
    rl_config.useA85, pdfdoc.zlib = 0, _FastZlib
    try:
        doc.build(story)
    finally:
        rl_config.useA85, pdfdoc.zlib = saved

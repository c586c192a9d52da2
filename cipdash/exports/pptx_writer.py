"""The pack as a PowerPoint deck (python-pptx), 16:9, for the monthly performance meeting.

Slides: the cover; about this pack; the summary (reference, recommendation, RAG as words,
lead); per recommendation a slide of ratings, evidence and actions and a slide of its
measures; a slide per chart (picture with alt text, caption, narrative; the narrative and
description also in the speaker notes); then the appendix tables, split over slides.
Every slide has a title (screen readers list slides by title).
"""
from __future__ import annotations

import io
from typing import BinaryIO

from xml.sax.saxutils import escape

from pptx import Presentation
from pptx.oxml import parse_xml
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from .pack import OTHER_MEASURES_INTRO, OTHER_MEASURES_TITLE, Pack, PackTable, Rag, shorten, wide_table
from .style import HEADER_FILL, doc_property, frame_text, hex_rgb, mark, rag_fill, xml_safe

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
LEFT, TOP, WIDTH = Inches(0.5), Inches(1.35), Inches(12.333)
ROWS_PER_SLIDE = 18
MEASURE_ROWS_PER_SLIDE = 6  # the Variation and Assurance words make rows up to five lines tall
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5
_A_NS = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'


def _rgb(colour: str) -> RGBColor:
    return RGBColor(*hex_rgb(colour))


def _title(slide, text: str, size: int = 26) -> None:
    slide.shapes.title.text = text
    for p in slide.shapes.title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(size)


def _textbox(slide, left, top, width, height, paragraphs: list[tuple[str, bool]], size: float = 12):
    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    for i, (text, bold) in enumerate(paragraphs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        p.space_after = Pt(4)
    return box


def _fit(texts: list[str], base: float, budget: int) -> float:
    """A font size that keeps `texts` inside a box sized for `budget` characters at `base` pt."""
    length = sum(len(t) for t in texts)
    size = base
    while size > 8 and length > budget * (base / size) ** 2:
        size -= 1
    return size


def _tc_xml(text: str, size: float, bold: bool, fill: str) -> str:
    r_pr = (f'lang="en-GB" sz="{round(size * 100)}" b="{1 if bold else 0}" dirty="0"')
    colour = '<a:solidFill><a:srgbClr val="000000"/></a:solidFill>'
    paras = []
    for line in xml_safe(text).split("\n"):
        if line:
            paras.append(f"<a:p><a:r><a:rPr {r_pr}>{colour}</a:rPr><a:t>{escape(line)}</a:t></a:r></a:p>")
        else:
            paras.append(f"<a:p><a:endParaRPr {r_pr}/></a:p>")
    line = '<a:solidFill><a:srgbClr val="7F7F7F"/></a:solidFill>'
    borders = "".join(f'<a:{side} w="6350" cap="flat" cmpd="sng" algn="ctr">{line}</a:{side}>'
                      for side in ("lnL", "lnR", "lnT", "lnB"))
    return (f'<a:tc><a:txBody><a:bodyPr/><a:lstStyle/>{"".join(paras)}</a:txBody>'
            f'<a:tcPr marL="45720" marR="45720" marT="27432" marB="27432">{borders}'
            f'<a:solidFill><a:srgbClr val="{fill.lstrip("#")}"/></a:solidFill></a:tcPr></a:tc>')


def _table(slide, header: list[str], rows: list[list[str]], widths: list[float] | None = None,
           size: float = 10, top=TOP, height=None, fills: dict[tuple[int, int], str] | None = None,
           bold_cells: set[tuple[int, int]] | None = None):
    """A table written as one piece of XML (python-pptx's cell API is slow for the
    appendix's thousands of cells). Black text; the header shaded and marked as the first
    row; `fills` colours cells (row 1 is the first data row)."""
    fills, bold_cells = fills or {}, bold_cells or set()
    n_rows = len(rows) + 1
    row_h = int((height or Inches(0.3) * n_rows) / n_rows)
    shape = slide.shapes.add_table(n_rows, len(header), LEFT, top, WIDTH, row_h * n_rows)
    weights = widths or [1] * len(header)
    col_w = [int(WIDTH * w / sum(weights)) for w in weights]
    parts = [f'<a:tbl {_A_NS}><a:tblPr firstRow="1" bandRow="0"/><a:tblGrid>',
             "".join(f'<a:gridCol w="{w}"/>' for w in col_w), "</a:tblGrid>"]
    for i, values in enumerate([header] + rows):
        parts.append(f'<a:tr h="{row_h}">')
        for j, value in enumerate(values):
            fill = HEADER_FILL if i == 0 else fills.get((i, j), "#FFFFFF")
            parts.append(_tc_xml(value, size, i == 0 or (i, j) in bold_cells or (i, j) in fills, fill))
        parts.append("</a:tr>")
    parts.append("</a:tbl>")
    graphic_data = shape._element.graphic.graphicData
    graphic_data.remove(graphic_data.tbl)
    graphic_data.append(parse_xml("".join(parts)))
    return shape


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def _footer(slide, pack: Pack) -> None:
    _textbox(slide, LEFT, SLIDE_H - Inches(0.45), WIDTH, Inches(0.3),
             [(f"{pack.plan_name} · {pack.scope_name} · {pack.as_at_label} · {mark(pack)}", False)], size=9)


def _set_alt_text(picture, alt: str, title: str) -> None:
    c_nv_pr = picture._element.nvPicPr.cNvPr
    c_nv_pr.set("descr", alt)
    c_nv_pr.set("title", title)


def _chunks(rows: list, n: int) -> list[list]:
    return [rows[i:i + n] for i in range(0, len(rows), n)] or [[]]


def _table_slides(prs, pack: Pack, title: str, table: PackTable, per_slide: int, size: float,
                  widths: list[float] | None = None) -> None:
    rows = frame_text(table.frame, table.units)
    pages = _chunks(rows, per_slide)
    for k, chunk in enumerate(pages):
        slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        _title(slide, title + (f" ({k + 1} of {len(pages)})" if len(pages) > 1 else ""), size=22)
        _table(slide, [str(c) for c in table.frame.columns], chunk, widths, size)
        if table.note and k == len(pages) - 1:
            _notes(slide, table.note)
        _footer(slide, pack)


# The meeting's commentary goes on the slide it is about (a slide of its own for each
# would add a slide per chart): a short form there, the whole text in the speaker notes.
NOTE_TEXT_ON_SLIDE = 300
NOTES_ON_SLIDE = 2
ACTION_TEXT_ON_SLIDE = 240
ACTION_ROWS_PER_SLIDE = 8


def _commentary(notes) -> list[tuple[str, bool]]:
    """Paragraphs (plain text runs: never markup) for a slide's text box."""
    if not notes:
        return []
    paras = [("Commentary from the meeting", True)]
    for note in notes[:NOTES_ON_SLIDE]:
        paras.append((xml_safe(f"{shorten(note.text, NOTE_TEXT_ON_SLIDE)} ({note.byline})"), False))
    if len(notes) > NOTES_ON_SLIDE:
        paras.append((f"{len(notes) - NOTES_ON_SLIDE} more in the speaker notes", False))
    return paras


def _speaker_notes(notes) -> list[str]:
    return [xml_safe(f"Commentary ({n.byline}): {n.text}") for n in notes]


def _measure_slides(prs, pack: Pack, s, title: str) -> None:
    """A section's measures table (the Making Data Count summary) and a slide per chart."""
    if not s.measures.frame.empty:
        _table_slides(prs, pack, title, s.measures, MEASURE_ROWS_PER_SLIDE, 10,
                      [2.6, 1.5, 1.6, 1.5, 1.4, 1.4, 1.6, 1.8])
    for c in s.charts:
        slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        _title(slide, c.caption, size=20)
        pic = slide.shapes.add_picture(io.BytesIO(c.png), LEFT, TOP, width=Inches(8.3))
        if pic.height > Inches(5.5):  # keep clear of the footer
            ratio = Inches(5.5) / pic.height
            pic.height, pic.width = Inches(5.5), int(pic.width * ratio)
        _set_alt_text(pic, c.alt, c.caption)
        texts = c.narrative + [f"Figures: {c.table.title.split(':')[0]}"]
        paras = [(t, False) for t in texts] + _commentary(c.notes)
        _textbox(slide, Inches(9.0), TOP, Inches(3.85), Inches(5.5), paras, size=_fit([p for p, _ in paras], 13, 700))
        _notes(slide, "\n\n".join(c.narrative + [f"Description: {c.alt}"] + _speaker_notes(c.notes)))
        _footer(slide, pack)


def write_pptx(pack: Pack, out: BinaryIO | str) -> None:
    pack.wait_for_images()  # (images still being drawn: exports.write_pack)
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    prs.core_properties.title = doc_property(f"{pack.title}: {pack.plan_name}, {pack.as_at_label}")
    prs.core_properties.subject = doc_property(pack.scope_label)
    prs.core_properties.author = doc_property(pack.authority)
    prs.core_properties.language = "en-GB"

    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    slide.shapes.title.text = f"{pack.title}\n{pack.plan_name}"
    slide.placeholders[1].text = "\n".join([pack.authority, pack.scope_label, f"As at {pack.as_at_label}",
                                            mark(pack)])

    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _title(slide, "About this pack")
    counts = [f"{kind.capitalize()}: " + (", ".join(f"{n} {Rag(c).word}" for c, n in v.items() if n)
                                           or "no ratings yet") for kind, v in pack.rag_counts.items()]
    key = [(f"{Rag(word[0]).label}: {meaning}", False) for word, meaning in pack.rag_key]
    paras = ([(mark(pack), True)] + [(c, False) for c in counts]
             + [("What the RAG ratings mean", True)] + key + [(pack.rag_key_note, False)]
             + [(n, False) for n in pack.notes])
    _textbox(slide, LEFT, TOP, WIDTH, Inches(5.4), paras, size=_fit([p for p, _ in paras], 14, 2200))
    _footer(slide, pack)

    for k, chunk in enumerate(_chunks(pack.sections, 6)):
        slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        _title(slide, "Summary of progress" + (f" ({k + 1})" if len(pack.sections) > 6 else ""))
        rows = [[s.rec_id, s.title, s.implementation.label, s.impact.label, s.lead] for s in chunk]
        fills = {}
        for i, s in enumerate(chunk, start=1):
            fills[(i, 2)], fills[(i, 3)] = rag_fill(s.implementation), rag_fill(s.impact)
        _table(slide, ["Ref", "Recommendation", "Implementation", "Impact", "Lead"], rows,
               [0.8, 6.0, 1.6, 1.6, 2.3], size=11, fills=fills, bold_cells={(i, 0) for i in range(1, 7)})
        _footer(slide, pack)

    for s in pack.sections:
        slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        _title(slide, f"Recommendation {s.rec_id}")
        _table(slide, ["Implementation", "Impact"], [[s.implementation.label, s.impact.label]], size=12,
               top=TOP, height=Inches(0.7), fills={(1, 0): rag_fill(s.implementation), (1, 1): rag_fill(s.impact)})
        facts = " · ".join(f"{k}: {v}" for k, v in (("Lead", s.lead), ("Source", s.source),
                                                   ("Rated", s.rated_at.strftime("%b %Y") if s.rated_at else
                                                    "Not yet rated")) if v)
        texts = [s.title, facts, "Evidence of progress", s.evidence or "None recorded", "Further actions",
                 s.further_actions or "None recorded"]
        paras = [(texts[0], True), (texts[1], False), (texts[2], True), (texts[3], False), (texts[4], True),
                 (texts[5], False)] + _commentary(s.notes)
        _textbox(slide, LEFT, TOP + Inches(0.85), WIDTH, Inches(4.6), paras, size=_fit([p for p, _ in paras], 14, 1800))
        if s.notes:
            _notes(slide, "\n\n".join(_speaker_notes(s.notes)))
        _footer(slide, pack)

        _measure_slides(prs, pack, s, f"Recommendation {s.rec_id}: measures")

    if pack.other_measures is not None:
        slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
        _title(slide, OTHER_MEASURES_TITLE)
        _textbox(slide, LEFT, TOP, WIDTH, Inches(1), [(OTHER_MEASURES_INTRO, False)], size=14)
        _footer(slide, pack)
        _measure_slides(prs, pack, pack.other_measures, f"{OTHER_MEASURES_TITLE}: measures")

    if pack.actions is not None:
        actions = pack.actions.frame.copy()
        actions["Action"] = actions["Action"].map(lambda v: shorten(str(v), ACTION_TEXT_ON_SLIDE))
        _table_slides(prs, pack, pack.actions.title, PackTable(pack.actions.title, actions, note=pack.actions.note),
                      ACTION_ROWS_PER_SLIDE, 10, [0.6, 2.0, 4.6, 1.5, 1.3, 1.3, 1.5])

    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _title(slide, "Appendix: the figures behind the charts")
    _textbox(slide, LEFT, TOP, WIDTH, Inches(1), [(f"{len(pack.appendix)} tables follow, one per chart. "
                                                   + pack.notes[0], False)], size=12)
    _footer(slide, pack)
    for t in pack.appendix:
        wide = wide_table(t)
        _table_slides(prs, pack, t.title, wide, ROWS_PER_SLIDE, 9, [1.4] + [1] * (len(wide.frame.columns) - 1))
    prs.save(out)

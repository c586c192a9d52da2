"""The pack as one semantic HTML page, for Chromium to print as a tagged PDF (pdf_writer).

Chromium turns the page's structure into the PDF's structure tree: h1-h4 become headings,
tables with th cells become Table/TR/TH/TD, every chart's img alt becomes a Figure's
alternate text, and the reading order is the order of the page. So everything the pack
says is written here as plain elements in reading order, never positioned.

Every piece of text, whether from the plan's CSVs, the meeting record or our own words,
goes through `_e` (html.escape): text is shown as text, never read as markup.

Layout (print CSS): A4 portrait, the summary on A4 landscape pages (a named page), each
recommendation from a new page. A chart's caption (a heading) stays with its picture and
the picture is never split, but nothing bigger is held together: the narrative, long
evidence and table rows run on to the next page rather than leaving a gap.
"""
from __future__ import annotations

import html

from .pack import (APPENDIX_INTRO, OTHER_MEASURES_INTRO, OTHER_MEASURES_TITLE, SUMMARY_COLUMNS, Pack, PackChart,
                   PackTable, Rag, Section, wide_table)
from .style import HEADER_FILL, frame_text, mark, rag_fill, xml_safe

LANGUAGE = "en-GB"
MARGIN_MM = 18
FOOTER_MM = 20  # the bottom margin: the footer (up to three lines) is printed in it
PICTURE_WIDTH_CM = 16
FONTS = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif'  # DejaVu has the RAG shapes ● ▲ ■
# Column widths (per cent of the text width): the long-text columns get the room.
SUMMARY_WIDTHS = (5, 16.5, 10.3, 7.3, 18.8, 17.6, 14.5, 10)
MEASURE_WIDTHS = (18.4, 11.5, 12.1, 11.5, 10.3, 10.3, 12.6, 13.3)
ACTION_WIDTHS = (5.9, 15.3, 32.9, 11.8, 10.6, 11.8, 11.8)

CSS = f"""
@page {{ size: A4; margin: {MARGIN_MM}mm {MARGIN_MM}mm {FOOTER_MM}mm {MARGIN_MM}mm; }}
@page landscape {{ size: A4 landscape; }}
/* No ligatures: "fi" drawn as one glyph is copied and searched as "ﬁ", not "fi". */
html {{ font-family: {FONTS}; font-size: 10pt; line-height: 1.3; color: #1f1f1f; font-variant-ligatures: none; }}
body {{ margin: 0; overflow-wrap: anywhere; }}
h1, h2, h3, h4 {{ font-weight: bold; margin: 0; break-after: avoid; break-inside: avoid; }}
h1 {{ font-size: 16pt; margin: 2pt 0 8pt; }}
h2 {{ font-size: 12pt; margin: 8pt 0 4pt; }}
h3 {{ font-size: 10.5pt; margin: 8pt 0 3pt; }}
h4 {{ font-size: 9.5pt; margin: 6pt 0 3pt; }}
p {{ margin: 0 0 5pt; white-space: pre-line; }}
.cover h1 {{ font-size: 24pt; margin: 2cm 0 12pt; }}
.subtitle {{ font-size: 16pt; margin-bottom: 16pt; }}
.small {{ font-size: 8.5pt; color: #404040; }}
.part {{ break-before: page; }}
.summary {{ page: landscape; }}
figure {{ margin: 0 0 4pt; break-inside: avoid; }}
figure img {{ width: {PICTURE_WIDTH_CM}cm; height: auto; display: block; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; margin: 0 0 5pt; }}
th, td {{ border: 0.5pt solid #7f7f7f; padding: 2pt 3pt; vertical-align: top; text-align: left;
          font-size: 7.5pt; line-height: 1.2; white-space: pre-line; }}
th {{ background: {HEADER_FILL}; font-weight: bold; }}
tbody th {{ background: none; }}
thead {{ display: table-header-group; }}
td.num {{ text-align: right; }}
table.appendix th, table.appendix td {{ font-size: 7pt; }}
.rag {{ font-weight: bold; color: #000; }}
.ratings {{ display: flex; margin-bottom: 4pt; }}
.ratings p {{ flex: 1; margin: 0; padding: 3pt; border: 0.5pt solid #7f7f7f; font-size: 9pt; }}
"""


def _e(text) -> str:
    """Text as HTML text: escaped, never markup."""
    return html.escape(xml_safe(text), quote=True)


def _p(text, cls: str = "") -> str:
    return f'<p class="{cls}">{_e(text)}</p>' if cls else f"<p>{_e(text)}</p>"


def _rag_style(rag: Rag) -> str:
    return f' class="rag" style="background:{rag_fill(rag)}"'


def _colgroup(widths, n: int) -> str:
    if not widths or len(widths) != n:
        return ""
    return "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>"


def _table(table: PackTable, widths=None, cls: str = "", row_headers: bool = False) -> str:
    """A table with its column headings as th (scope col) and, for the appendix, each
    row's period as th (scope row): a screen reader says which column and row a figure is."""
    columns = [str(c) for c in table.frame.columns]
    numeric = [c in table.units for c in columns]
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in columns)
    rows = []
    for values in frame_text(table.frame, table.units):
        cells = []
        for j, v in enumerate(values):
            if j == 0 and row_headers:
                cells.append(f'<th scope="row">{_e(v)}</th>')
            else:
                cells.append(f'<td class="num">{_e(v)}</td>' if numeric[j] else f"<td>{_e(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    attr = f' class="{cls}"' if cls else ""
    out = (f"<table{attr}>{_colgroup(widths, len(columns))}<thead><tr>{head}</tr></thead>"
           f"<tbody>{''.join(rows)}</tbody></table>")
    if table.note:
        out += _p(table.note, "small")
    return out


def _notes(notes, heading: str, level: int) -> str:
    if not notes:
        return ""
    out = [f"<h{level}>{_e(heading)}</h{level}>"]
    for note in notes:
        out += [_p(note.byline, "small"), _p(note.text)]
    return "".join(out)


def image_name(chart: PackChart) -> str:
    """The file name the page gives a chart's picture, an SVG (pdf_writer writes it beside
    the page): Chromium prints it as vectors, sharp at any zoom, and drawing 37 charts as
    SVG took 1.5 s against 3.8 s as PNG (print 2.7 s against 3.5 s; the sample's pack)."""
    return f"figure-{chart.number}.svg"


def _chart(c: PackChart, pack: Pack) -> str:
    # The caption is the chart's one title (the picture has none): a heading, so it is in
    # the outline and a screen reader's list of headings, and kept with its picture.
    out = [f"<h3>{_e(c.caption)}</h3>",
           f'<figure><img src="{image_name(c)}" alt="{_e(c.alt)}"></figure>']
    out += [_p(sentence) for sentence in c.narrative]
    out.append(_p(f"Description: {c.alt} The figures are in {c.table.title.split(':')[0]}.", "small"))
    out.append(_notes(c.notes, f"Commentary from the meeting, {pack.as_at_label}", 4))
    return "".join(out)


def _measures(s: Section, pack: Pack) -> str:
    if s.measures.frame.empty:
        out = [_p("No measures are linked to this recommendation.")]
    else:
        out = [_table(s.measures, MEASURE_WIDTHS)]
    return "".join(out + [_chart(c, pack) for c in s.charts])


def _cover(pack: Pack) -> str:
    out = ['<section class="cover">', f"<h1>{_e(pack.title)}</h1>", _p(pack.plan_name, "subtitle")]
    out += [f"<p><b>{_e(label)}:</b> {_e(value)}</p>" for label, value in pack.cover_facts()]
    out.append(f"<p><b>{_e(mark(pack))}</b></p>")
    out.append("<h2>Ratings at a glance</h2>")
    for kind, counts in pack.rag_counts.items():
        words = ", ".join(f"{n} {Rag(code).word}" for code, n in counts.items() if n) or "No ratings yet"
        out.append(_p(f"{kind.capitalize()}: {words}"))
    out.append("<h2>What the RAG ratings mean</h2>")
    out += [f"<p><b>{_e(Rag(word[0]).label)}:</b> {_e(meaning)}</p>" for word, meaning in pack.rag_key]
    out.append(_p(pack.rag_key_note, "small"))
    out.append("<h2>About this pack</h2>")
    out += [_p(n) for n in pack.notes]
    return "".join(out) + "</section>"


def _summary(pack: Pack) -> str:
    out = ['<section class="part summary"><h1>Summary of progress</h1><table>',
           _colgroup(SUMMARY_WIDTHS, len(SUMMARY_COLUMNS)), "<thead><tr>",
           "".join(f'<th scope="col">{_e(c)}</th>' for c in SUMMARY_COLUMNS), "</tr></thead><tbody>"]
    summary = pack.summary_table().frame
    for s, r in zip(pack.sections, summary.itertuples(index=False)):
        values = [str(v) for v in r]
        cells = [f'<th scope="row">{_e(values[0])}</th>', f"<td>{_e(values[1])}</td>",
                 f"<td{_rag_style(s.implementation)}>{_e(s.implementation.label)}</td>",
                 f"<td{_rag_style(s.impact)}>{_e(s.impact.label)}</td>"]
        cells += [f"<td>{_e(v)}</td>" for v in values[4:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out) + "</tbody></table></section>"


def _section(s: Section, pack: Pack) -> str:
    facts = [("Source", s.source), ("Aim", s.aim), ("Lead", s.lead),
             ("Rated", s.rated_at.strftime("%b %Y") if s.rated_at else "Not yet rated")]
    out = ['<section class="part">', f"<h1>Recommendation {_e(s.rec_id)}</h1>", _p(s.title),
           '<div class="ratings">',
           f"<p{_rag_style(s.implementation)}>{_e('Implementation: ' + s.implementation.label)}</p>",
           f"<p{_rag_style(s.impact)}>{_e('Impact: ' + s.impact.label)}</p></div>",
           _p(" · ".join(f"{k}: {v}" for k, v in facts if v), "small"),
           "<h2>Evidence of progress</h2>", _p(s.evidence or "None recorded"),
           "<h2>Further actions</h2>", _p(s.further_actions or "None recorded"),
           _notes(s.notes, f"Commentary from the meeting, {pack.as_at_label}", 2),
           "<h2>Measures</h2>", _measures(s, pack), "</section>"]
    return "".join(out)


def _appendix(pack: Pack) -> str:
    out = ['<section class="part"><h1>Appendix: the figures behind the charts</h1>', _p(APPENDIX_INTRO)]
    for t in pack.appendix:
        wide = wide_table(t)
        n = len(wide.frame.columns)
        widths = [11.5] + [88.5 / (n - 1)] * (n - 1) if n > 1 else None
        out += [f"<h2>{_e(t.title)}</h2>", _table(wide, widths, "appendix", row_headers=True)]
    return "".join(out) + "</section>"


def document_title(pack: Pack) -> str:
    return f"{pack.title}: {pack.plan_name}, {pack.as_at_label}"


def pack_html(pack: Pack) -> str:
    """The whole pack as one HTML document, charts as `image_name(chart)` files beside it."""
    parts = [f'<!DOCTYPE html><html lang="{LANGUAGE}"><head><meta charset="utf-8">',
             f"<title>{_e(document_title(pack))}</title>",
             f'<meta name="author" content="{_e(pack.authority)}">',
             f'<meta name="description" content="{_e(pack.scope_label)}">',
             f"<style>{CSS}</style></head><body>", _cover(pack), _summary(pack)]
    parts += [_section(s, pack) for s in pack.sections]
    if pack.other_measures is not None:
        parts += ['<section class="part">', f"<h1>{_e(OTHER_MEASURES_TITLE)}</h1>", _p(OTHER_MEASURES_INTRO),
                  _measures(pack.other_measures, pack), "</section>"]
    if pack.actions is not None:
        parts += ['<section class="part">', f"<h1>{_e(pack.actions.title)}</h1>",
                  _table(pack.actions, ACTION_WIDTHS), "</section>"]
    parts.append(_appendix(pack))
    parts.append("</body></html>")
    return "".join(parts)


def footer_html(pack: Pack) -> str:
    """Chromium's footer template (printed in the bottom margin of every page): on the left
    the plan, then the scope and month (two lines each at most, so the footer fits its
    margin), then the public/internal mark, always whole; "Page X of Y" on the right.
    The two sides are boxes of one flex row, so however long the plan or team name, the
    left side wraps within its own box and never runs into the page number."""
    clamp = "display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow:hidden;"
    return (f'<div style="width:100%;margin:0 {MARGIN_MM}mm;display:flex;align-items:flex-end;gap:6mm;'
            f'font-family:{html.escape(FONTS)};font-size:7.5pt;line-height:1.25;color:#1f1f1f;'
            f'font-variant-ligatures:none;">'
            f'<div style="flex:1 1 auto;min-width:0;overflow-wrap:anywhere;">'
            f'<div style="{clamp}">{_e(pack.plan_name)}</div>'
            f'<div style="{clamp}">{_e(f"{pack.scope_name} · {pack.as_at_label}")}</div>'
            f'<div>{_e(mark(pack))}</div></div>'
            f'<div style="flex:0 0 auto;white-space:nowrap;">Page <span class="pageNumber"></span> of '
            f'<span class="totalPages"></span></div></div>')

"""The pack as an Excel workbook (xlsxwriter): the tables, a sheet each, with no pictures —
so it never needs Chromium and stays quick to open.

Sheets: Cover (facts, the RAG key and notes), Summary (the committee-appendix table, RAG as
words on their colour), Measures (every recommendation's measures table, the Making Data
Count summary, then the Other measures), Charts (each chart's
caption, description and narrative, and the sheet holding its figures), then one sheet
per chart's data ("A1 ...", "A2 ..."). Every text cell is neutralised against formula
injection; numbers stay numbers; suppressed cells are the text "c".
"""
from __future__ import annotations

import io
from typing import BinaryIO

import pandas as pd

from .pack import OTHER_MEASURES_TITLE, SUMMARY_COLUMNS, Pack, Rag
from .style import mark, rag_fill
from .tables import XlsxFormats, new_workbook, sheet_name, write_cell, write_frame

SUMMARY_WIDTHS = {"Ref": 8, "Recommendation": 50, "Implementation": 16, "Impact": 16, "Measures": 70,
                  "Evidence": 70, "Further actions": 50, "Lead": 25}


def _title_rows(ws, fmts: XlsxFormats, title: str, lines: list[str]) -> int:
    write_cell(ws, 0, 0, title, fmts, fmt=fmts.title)
    for i, line in enumerate(lines, start=1):
        write_cell(ws, i, 0, line, fmts)
    return len(lines) + 2


# Excel holds at most 32,767 characters in a cell; longer text goes on in the rows below.
CELL_TEXT_MAX = 32_000


def _cell_parts(text: str) -> list[str]:
    return [text[i:i + CELL_TEXT_MAX] for i in range(0, len(text), CELL_TEXT_MAX)] or [""]


def _meeting_sheets(wb, pack: Pack, fmts: XlsxFormats, used: set[str]) -> None:
    """The meeting's commentary and actions, when the pack has them (every text cell goes
    through write_cell, so a note starting = + - @ is text, never a formula)."""
    notes = [("Recommendation " + s.rec_id, n) for s in pack.sections for n in s.notes]
    notes += [(f"Figure {c.number}: {c.chart.title}", n) for c in pack.charts for n in c.notes]
    if notes:
        ws = wb.add_worksheet(sheet_name("Commentary", used))
        first = _title_rows(ws, fmts, f"Commentary from the meeting, {pack.as_at_label}", [pack.scope_label])
        rows = []
        for about, n in notes:
            for i, part in enumerate(_cell_parts(n.text)):
                rows.append({"About": about + (f" (continued, part {i + 1})" if i else ""), "Written by": n.author,
                             "When": n.written_at, "Edited": "yes" if n.edited else "", "Commentary": part})
        frame = pd.DataFrame(rows, columns=["About", "Written by", "When", "Edited", "Commentary"])
        write_frame(ws, first, frame, fmts, widths={"About": 40, "Written by": 28, "When": 20, "Edited": 8,
                                                    "Commentary": 100})
    if pack.actions is not None:
        ws = wb.add_worksheet(sheet_name("Actions", used))
        first = _title_rows(ws, fmts, pack.actions.title, [pack.actions.note])
        actions = pack.actions.frame
        rows = [dict(r, Action=part) if i == 0 else {"No.": r["No."], "Action": part}
                for r in actions.to_dict("records") for i, part in enumerate(_cell_parts(str(r["Action"])))]
        write_frame(ws, first, pd.DataFrame(rows, columns=actions.columns), fmts, widths={"No.": 6, "About": 36, "Action": 80, "Owner": 20,
                                                                 "Due": 12, "Status": 24, "Raised by": 28})


def write_xlsx(pack: Pack, out: BinaryIO | str) -> None:
    buffer = io.BytesIO()
    wb = new_workbook(buffer)
    fmts = XlsxFormats(wb)
    wb.set_properties({"title": f"{pack.title}: {pack.plan_name}, {pack.as_at_label}",
                       "subject": pack.scope_label, "author": pack.authority, "comments": mark(pack)})
    used: set[str] = set()

    ws = wb.add_worksheet(sheet_name("Cover", used))
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 110)
    write_cell(ws, 0, 0, pack.title, fmts, fmt=fmts.title)
    row = 2
    for label, value in pack.cover_facts():
        write_cell(ws, row, 0, label, fmts, fmt=fmts.bold)
        write_cell(ws, row, 1, value, fmts)
        row += 1
    row += 1
    for kind, counts in pack.rag_counts.items():
        write_cell(ws, row, 0, f"{kind.capitalize()} ratings", fmts, fmt=fmts.bold)
        write_cell(ws, row, 1, ", ".join(f"{n} {w}" for w, n in
                                         zip(("Green", "Amber", "Red"), (counts["G"], counts["A"], counts["R"])) if n)
                   or "No ratings yet", fmts)
        row += 1
    row += 1
    write_cell(ws, row, 0, "What the RAG ratings mean", fmts, fmt=fmts.bold)
    write_cell(ws, row, 1, pack.rag_key_note, fmts)
    row += 1
    for word, meaning in pack.rag_key:
        write_cell(ws, row, 0, word, fmts, fmt=fmts.fill(rag_fill(Rag(word[0]))))
        write_cell(ws, row, 1, meaning, fmts)
        row += 1
    row += 1
    for note in pack.notes:
        write_cell(ws, row, 0, "Note", fmts, fmt=fmts.bold)
        write_cell(ws, row, 1, note, fmts)
        row += 1

    ws = wb.add_worksheet(sheet_name("Summary", used))
    first = _title_rows(ws, fmts, f"Summary of progress, as at {pack.as_at_label}", [pack.scope_label, mark(pack)])
    summary = pack.summary_table()
    write_frame(ws, first, summary.frame, fmts, widths=SUMMARY_WIDTHS)
    for i, s in enumerate(pack.sections, start=first + 1):
        for col, rag in ((SUMMARY_COLUMNS.index("Implementation"), s.implementation),
                         (SUMMARY_COLUMNS.index("Impact"), s.impact)):
            write_cell(ws, i, col, rag.word, fmts, fmt=fmts.fill(rag_fill(rag)))

    ws = wb.add_worksheet(sheet_name("Measures", used))
    first = _title_rows(ws, fmts, f"Measures, as at {pack.as_at_label}", [pack.scope_label, mark(pack)])
    # Measures tied to no recommendation are listed as "Other measures" in the Ref column.
    frames = [s.measures.frame.assign(Ref=s.rec_id or OTHER_MEASURES_TITLE) for s in pack.all_sections
              if not s.measures.frame.empty]
    measures = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["Ref"])
    measures = measures[["Ref"] + [c for c in measures.columns if c != "Ref"]]
    write_frame(ws, first, measures, fmts)

    chart_sheets = [sheet_name(f"A{c.number} {c.chart.slug}", used) for c in pack.charts]
    ws = wb.add_worksheet(sheet_name("Charts", used))
    first = _title_rows(ws, fmts, "Charts: captions, descriptions and narrative",
                        ["The charts are in the Word, PowerPoint and PDF packs; their figures are on the sheets "
                         "named A1, A2, ..."])
    charts = pd.DataFrame([{"Figure": c.number, "Ref": c.rec_id or OTHER_MEASURES_TITLE, "Caption": c.caption,
                            "Narrative": "\n".join(c.narrative), "Description": c.alt, "Figures on sheet": name}
                           for c, name in zip(pack.charts, chart_sheets)],
                          columns=["Figure", "Ref", "Caption", "Narrative", "Description", "Figures on sheet"])
    write_frame(ws, first, charts, fmts, widths={"Figure": 8, "Ref": 8, "Caption": 45, "Narrative": 80,
                                                  "Description": 80, "Figures on sheet": 28})

    _meeting_sheets(wb, pack, fmts, used)

    for c, name in zip(pack.charts, chart_sheets):
        ws = wb.add_worksheet(name)
        lines = [pack.scope_label, mark(pack)] + ([c.table.note] if c.table.note else [])
        first = _title_rows(ws, fmts, c.table.title, lines)
        write_frame(ws, first, c.table.frame, fmts, c.table.units,
                    widths={"Series": 34, "Period": 18, "Period end": 12})

    wb.close()
    data = buffer.getvalue()
    if isinstance(out, (str, bytes)) or hasattr(out, "__fspath__"):
        with open(out, "wb") as fh:
            fh.write(data)
    else:
        out.write(data)

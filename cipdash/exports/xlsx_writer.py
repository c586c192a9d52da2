"""The pack as an Excel workbook (xlsxwriter): the tables, a sheet each, with no pictures —
so it never needs Chromium and stays quick to open.

Sheets: Cover (facts and notes), Summary (the committee-appendix table, RAG as words on
their colour), Measures (every recommendation's measures table), Charts (each chart's
caption, description and narrative, and the sheet holding its figures), then one sheet
per chart's data ("A1 ...", "A2 ..."). Every text cell is neutralised against formula
injection; numbers stay numbers; suppressed cells are the text "c".
"""
from __future__ import annotations

import io
from typing import BinaryIO

import pandas as pd

from .pack import SUMMARY_COLUMNS, Pack
from .style import mark, rag_fill
from .tables import XlsxFormats, new_workbook, sheet_name, write_cell, write_frame

SUMMARY_WIDTHS = {"Ref": 8, "Recommendation": 50, "Implementation": 16, "Impact": 16, "Measures": 70,
                  "Evidence": 70, "Further actions": 50, "Lead": 25}


def _title_rows(ws, fmts: XlsxFormats, title: str, lines: list[str]) -> int:
    write_cell(ws, 0, 0, title, fmts, fmt=fmts.title)
    for i, line in enumerate(lines, start=1):
        write_cell(ws, i, 0, line, fmts)
    return len(lines) + 2


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
    frames = [s.measures.frame.assign(Ref=s.rec_id) for s in pack.sections if not s.measures.frame.empty]
    measures = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["Ref"])
    measures = measures[["Ref"] + [c for c in measures.columns if c != "Ref"]]
    write_frame(ws, first, measures, fmts)

    chart_sheets = [sheet_name(f"A{c.number} {c.chart.slug}", used) for c in pack.charts]
    ws = wb.add_worksheet(sheet_name("Charts", used))
    first = _title_rows(ws, fmts, "Charts: captions, descriptions and narrative",
                        ["The charts are in the Word, PowerPoint and PDF packs; their figures are on the sheets "
                         "named A1, A2, ..."])
    charts = pd.DataFrame([{"Figure": c.number, "Ref": c.rec_id, "Caption": c.caption,
                            "Narrative": "\n".join(c.narrative), "Description": c.alt, "Figures on sheet": name}
                           for c, name in zip(pack.charts, chart_sheets)],
                          columns=["Figure", "Ref", "Caption", "Narrative", "Description", "Figures on sheet"])
    write_frame(ws, first, charts, fmts, widths={"Figure": 8, "Ref": 8, "Caption": 45, "Narrative": 80,
                                                  "Description": 80, "Figures on sheet": 28})

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

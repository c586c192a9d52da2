"""Downloads for one chart: PNG (print resolution), SVG, standalone HTML, and its data as
CSV and XLSX.

What each file says about itself:
- The file name: `<chart slug>_as-at_<YYYY-MM-DD>.<ext>`.
- CSV: a tidy table, one header row, so it opens straight in Excel, pandas or R: exactly
  the rows of `chart.data` (the series plotted), then three columns repeated on every
  row — `chart` (the title), `unit` and `as_at` — rather than title lines above the
  header that every reader would have to skip. UTF-8 with a byte-order mark for Excel.
- XLSX: title, unit, as-at date and the chart's text description in rows 1–4 above the
  table, then the table with a header row (frozen, with filters).
- HTML: one file that works offline (plotly.js embedded, about 4.5 MB), with the title,
  the text description and the data as an HTML table.
- PNG / SVG: drawn by Chromium through kaleido (see images.py); PNG at 300 dpi for a
  16 cm column.
Every text cell of the CSV and XLSX is neutralised against formula injection.
"""
from __future__ import annotations

import html
import io
from dataclasses import dataclass

import pandas as pd
import plotly.io as pio

from ..charts import Chart
from ..export_formats import chart_format
from ..formatting import month_label
from ..headings import heading, in_words
from . import images
from .tables import XlsxFormats, csv_bytes, new_workbook, unit_label, write_cell, write_frame


@dataclass(frozen=True)
class Download:
    file_name: str
    mime: str
    data: bytes


def chart_title(chart: Chart) -> str:
    """The title as plain text (chart titles are HTML-escaped for plotly)."""
    return html.unescape(chart.title)


def file_name(chart: Chart, fmt: str) -> str:
    when = f"_as-at_{chart.as_at.isoformat()}" if chart.as_at else ""
    return f"{chart.slug}{when}{chart_format(fmt).extension}"


def chart_table(chart: Chart) -> pd.DataFrame:
    """chart.data, headed and dated in words, plus the chart's title, unit and as-at date
    on every row."""
    data = chart.data.copy()
    data["chart"] = chart_title(chart)
    data["unit"] = unit_label(chart.unit)
    data["as_at"] = chart.as_at
    return in_words(data)


def chart_csv(chart: Chart) -> bytes:
    return csv_bytes(chart_table(chart))


def chart_xlsx(chart: Chart) -> bytes:
    buffer = io.BytesIO()
    wb = new_workbook(buffer)
    fmts = XlsxFormats(wb)
    ws = wb.add_worksheet("Chart data")
    ws.write_string(0, 0, "Title", fmts.bold)
    write_cell(ws, 0, 1, chart_title(chart), fmts, fmt=fmts.title)
    ws.write_string(1, 0, "Unit", fmts.bold)
    write_cell(ws, 1, 1, unit_label(chart.unit), fmts)
    ws.write_string(2, 0, "As at", fmts.bold)
    write_cell(ws, 2, 1, chart.as_at, fmts)
    ws.write_string(3, 0, "Description", fmts.bold)
    write_cell(ws, 3, 1, chart.alt, fmts)
    row = 4
    for note in chart.notes:
        ws.write_string(row, 0, "Note", fmts.bold)
        write_cell(ws, row, 1, note, fmts)
        row += 1
    # Headings in words; dates stay Excel dates (shown in the workbook's UK date format).
    units = {heading(c): chart.unit for c in ("value",)} | {heading(c): "count" for c in ("numerator", "denominator")}
    write_frame(ws, row + 1, chart.data.rename(columns=heading), fmts, units)
    wb.close()
    return buffer.getvalue()


def chart_html(chart: Chart) -> bytes:
    """A standalone page: works offline (plotly.js embedded), with the description and data."""
    title = chart_title(chart)
    # Through a validated copy: chart builders make figures unvalidated (for speed), and
    # plotly's HTML writer needs a template resolved to its layout.
    plot = pio.to_html(chart.figure.to_dict(), validate=True, full_html=False, include_plotlyjs=True,
                       include_mathjax=False, config={"displaylogo": False, "responsive": True})
    table = in_words(chart.data).to_html(index=False, na_rep="", escape=True, border=0)
    as_at = f"As at {month_label(chart.as_at)}. " if chart.as_at else ""
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in chart.notes)
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; color: #1f1f1f; margin: 2rem; max-width: 70rem; }}
table {{ border-collapse: collapse; margin-top: 1rem; }}
th, td {{ border: 1px solid #8c8c8c; padding: 0.25rem 0.5rem; text-align: left; }}
th {{ background: #e6e6e6; }}
</style>
</head>
<body>
<main>
<h1>{html.escape(title)}</h1>
<p>{html.escape(as_at)}Unit: {html.escape(unit_label(chart.unit))}.</p>
<figure>
{plot}
<figcaption>{html.escape(chart.alt)}</figcaption>
</figure>
{notes}
<h2>The figures in this chart</h2>
{table}
</main>
</body>
</html>
"""
    return page.encode("utf-8")


def chart_image(chart: Chart, fmt: str = "png", renderer: images.ImageRenderer | None = None,
                browser_path=None) -> bytes:
    """PNG or SVG; raises images.ChromiumNotFound (with install advice) without a browser."""
    return images.render_charts([chart], fmt, renderer, browser_path)[0]


def chart_png(chart: Chart, renderer: images.ImageRenderer | None = None) -> bytes:
    return chart_image(chart, "png", renderer)


def chart_svg(chart: Chart, renderer: images.ImageRenderer | None = None) -> bytes:
    return chart_image(chart, "svg", renderer)


def chart_download(chart: Chart, fmt: str, renderer: images.ImageRenderer | None = None) -> Download:
    """The chart in one of export_formats.CHART_FORMATS; ValueError for any other."""
    form = chart_format(fmt)
    data = form.write(chart, renderer) if form.needs_browser else form.write(chart)
    return Download(file_name(chart, fmt), form.mime, data)

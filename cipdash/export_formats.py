"""The file formats the exports write, described once: the performance pack's formats (the
`export --format` choices and the Report pack page's list) and a chart's downloads.

A new format is one row here and its writer function. The writer is named as
"module:function" in cipdash.exports and imported when first used; and this module is
outside cipdash.exports, so that listing the formats (the command line's choices and help,
a page's list) loads neither the exports nor any document library.

    from cipdash import export_formats
    export_formats.pack_format("pdf").needs_browser     # True: its charts are drawn by Chromium
    export_formats.pack_format("xlsx").write(pack, fh)  # the Excel pack, tables only
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

WRITERS = "cipdash.exports"  # the package the writers are in
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Format:
    name: str            # the --format choice
    label: str           # on the page: a choice or a download button
    extension: str       # of the file written, with its dot
    mime: str            # the download's media type
    needs_browser: bool  # has charts drawn as pictures by Chromium (exports.images)
    writer: str          # "module:function" in cipdash.exports (WRITERS)

    @property
    def write(self):
        """The writer function. A pack's: (pack, binary file); a chart's: (chart) or, where it
        needs a browser, (chart, renderer)."""
        module, function = self.writer.split(":")
        return getattr(importlib.import_module(f"{WRITERS}.{module}"), function)


PACK_FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("docx", "Word (.docx)", ".docx",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document", True,
           "docx_writer:write_docx"),
    Format("pptx", "PowerPoint (.pptx)", ".pptx",
           "application/vnd.openxmlformats-officedocument.presentationml.presentation", True,
           "pptx_writer:write_pptx"),
    Format("pdf", "PDF", ".pdf", "application/pdf", True, "pdf_writer:write_pdf"),
    Format("xlsx", "Excel (.xlsx): tables only", ".xlsx", XLSX_MIME, False, "xlsx_writer:write_xlsx"),
)}

CHART_FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("png", "PNG image", ".png", "image/png", True, "chart_files:chart_png"),
    Format("svg", "SVG image", ".svg", "image/svg+xml", True, "chart_files:chart_svg"),
    Format("html", "Interactive HTML", ".html", "text/html", False, "chart_files:chart_html"),
    Format("csv", "Data (CSV)", ".csv", "text/csv", False, "chart_files:chart_csv"),
    Format("xlsx", "Data (Excel)", ".xlsx", XLSX_MIME, False, "chart_files:chart_xlsx"),
)}


def pack_format(name: str) -> Format:
    """The pack format called `name`; ValueError naming the formats there are if none."""
    if name not in PACK_FORMATS:
        raise ValueError(f"unknown pack format {name!r}; expected one of {', '.join(PACK_FORMATS)}")
    return PACK_FORMATS[name]


def chart_format(name: str) -> Format:
    """The chart download format called `name`; ValueError naming the formats there are if none."""
    if name not in CHART_FORMATS:
        raise ValueError(f"unknown format {name!r}; expected one of {tuple(CHART_FORMATS)}")
    return CHART_FORMATS[name]


def pack_choices() -> dict[str, str]:
    """name -> label of every pack format, in the order they are offered."""
    return {f.name: f.label for f in PACK_FORMATS.values()}


def needs_browser(name: str) -> bool:
    """Whether the pack format `name` draws its charts with Chromium."""
    return pack_format(name).needs_browser


def names_in_words(names, last: str = "or") -> str:
    """"docx, pptx, pdf or xlsx": format names in a sentence."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"

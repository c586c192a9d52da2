"""What the four pack writers share: RAG cell colours, table cell text, file names.

RAG cells are shaded with the charts' colour-blind-safe (Okabe-Ito) hues and always carry
the word and a shape, in black text: contrast with black is at least 5:1 on all three
(WCAG AA asks 4.5:1), so the colour is never the only signal and never hides the word.
"""
from __future__ import annotations

import numbers
from datetime import date, datetime

import pandas as pd

from ..charts import RAG_COLOURS
from ..export_formats import pack_format
from ..formatting import MISSING, format_figure
from .pack import Pack, Rag, xml_safe

RAG_FILLS = dict(RAG_COLOURS)  # R vermillion, A orange, G bluish green
NOT_JUDGED_FILL = "#D9D9D9"
HEADER_FILL = "#D9D9D9"
TEXT_COLOUR = "#000000"
PUBLIC_MARK = "PUBLIC VERSION: small numbers suppressed"
INTERNAL_MARK = "INTERNAL: not suppressed, not for publication"


def rag_fill(rag: Rag) -> str:
    return RAG_FILLS.get(rag.code, NOT_JUDGED_FILL)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def mark(pack: Pack) -> str:
    return PUBLIC_MARK if pack.public else INTERNAL_MARK


def cell_text(value, unit: str | None = None) -> str:
    """A table cell as text for Word, PowerPoint and PDF: numbers without a unit suffix
    (the column heading carries it), counts as whole numbers, the symbols as they are."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, numbers.Real):
        return format_figure(value, unit) if unit else str(value)
    return str(value)


def frame_text(frame: pd.DataFrame, units: dict[str, str]) -> list[list[str]]:
    return [[cell_text(v, units.get(c)) for c, v in zip(frame.columns, row)]
            for row in frame.itertuples(index=False, name=None)]


# Word and PowerPoint refuse document properties (title, subject, author) over 255 characters.
PROPERTY_MAX = 255


def doc_property(text: str) -> str:
    """Text for a document property, shortened with an ellipsis to the formats' limit (a long
    plan name would otherwise stop the whole pack)."""
    text = str(text)
    return text if len(text) <= PROPERTY_MAX else text[:PROPERTY_MAX - 1] + "…"


def pack_file_name(pack: Pack, fmt: str) -> str:
    # "area:Localities" -> "area-Localities"; several areas or teams joined by "_".
    scope = "_".join(t.replace(":", "-", 1) for t in pack.scope.tokens) or "authority"
    from ..charts import slugify

    version = "public" if pack.public else "internal"
    return f"performance-pack_{pack.as_at.isoformat()}_{slugify(scope)}_{version}{pack_format(fmt).extension}"


__all__ = ["MISSING", "RAG_FILLS", "rag_fill", "hex_rgb", "cell_text", "frame_text", "pack_file_name", "mark"]

"""Exports for reports: each chart as PNG, SVG, HTML, CSV and XLSX, and the monthly
performance pack in Word, PowerPoint, PDF and Excel. No Streamlit here: the dashboard's
pages and the `export` command both call these.

    from cipdash.exports import build_pack, write_pack
    pack = build_pack(snapshot, as_at, Scope("service_area", "Localities"), public=True)
    write_pack(pack, "docx", "pack.docx")          # starts Chromium once for all charts

Chart downloads: `chart_files.chart_download(chart, "png" | "svg" | "html" | "csv" | "xlsx")`.
The formats of both, their MIME types and writers: cipdash.export_formats.
Static images: `images.ImageRenderer` (one browser for many images), `images.ChromiumNotFound`.
"""
from __future__ import annotations

import concurrent.futures
import io
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import BinaryIO

from ..db import Snapshot
from ..export_formats import CHART_FORMATS, PACK_FORMATS, pack_format
from ..scope import Scope
from . import images
from .chart_files import Download, chart_download
from .images import ChromiumNotFound, ImageExportError, ImageRenderer, chromium_available, find_chromium
from .pack import Pack, UnknownScope, build_pack, resolve_scope
from .style import pack_file_name

__all__ = ["CHART_FORMATS", "PACK_FORMATS", "ChromiumNotFound", "Download", "ImageExportError", "ImageRenderer",
           "Pack", "Scope", "UnknownScope", "build_pack", "chart_download", "chromium_available", "export_pack",
           "find_chromium", "pack_bytes", "pack_file_name", "pack_format", "render_pack_images", "resolve_scope",
           "start_pack_images", "write_pack"]


class _Drawing:
    """A pack's chart images on their way from Chromium (Pack.drawing). `own`: a renderer
    started for this pack alone, closed once the images are in."""

    def __init__(self, pack: Pack, charts: list, future, own: ImageRenderer | None, timeout: float,
                 picture: str = "png"):
        self.pack, self.charts, self.future, self.own, self.timeout = pack, charts, future, own, timeout
        self.picture = picture

    def wait(self) -> None:
        try:
            pngs = self.future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            raise ImageExportError(f"Chromium did not draw the pack's {len(self.charts)} charts within "
                                   f"{self.timeout:.0f} s") from None
        finally:
            self.close()
        for c, drawn in zip(self.charts, pngs):
            setattr(c, self.picture, drawn)

    def close(self) -> None:
        own, self.own = self.own, None
        if own is not None:
            own.close()


def start_pack_images(pack: Pack, renderer: ImageRenderer | None = None, browser_path=None,
                      picture: str = "png") -> None:
    """Start drawing every chart of the pack that has no image yet, all in one go through
    one Chromium, and return at once: `pack.wait_for_images(picture)` waits for them.
    `picture`: "png" (images.PACK_DPI; Word and PowerPoint) or "svg" (the PDF, which prints
    it as vectors). Without a renderer, one is started for this pack (ChromiumNotFound here
    if there is no browser) and closed when the images are in."""
    todo = [c for c in pack.charts if getattr(c, picture) is None]
    if not todo or pack.drawing is not None:
        return
    own = None
    if renderer is None:
        renderer = own = ImageRenderer(browser_path).start()
    labels = [f'figure {c.number} ("{c.chart.title}")' for c in todo]
    try:
        future = renderer.submit_charts([c.chart for c in todo], picture, labels, images.PACK_DPI)
    except BaseException:
        if own is not None:
            own.close()
        raise
    # As long as render_charts would wait: each chart may take the renderer's timeout.
    timeout = getattr(renderer, "timeout", images.RENDER_TIMEOUT_S) * (len(todo) + 1)
    pack.drawing = _Drawing(pack, todo, future, own, timeout, picture)


def render_pack_images(pack: Pack, renderer: ImageRenderer | None = None, browser_path=None,
                       pictures: tuple[str, ...] = ("png", "svg")) -> None:
    """Draw every chart of the pack in each picture kind asked for (PNG at images.PACK_DPI
    for Word and PowerPoint, SVG for the PDF), all in one go through one Chromium; a chart
    that cannot be drawn is named by its figure number and title."""
    for picture in pictures:
        start_pack_images(pack, renderer, browser_path, picture)
        pack.wait_for_images(picture)


def write_pack(pack: Pack, fmt: str, out: BinaryIO | str | os.PathLike, renderer: ImageRenderer | None = None,
               browser_path=None) -> None:
    """Write the pack in `fmt` to a path (atomically: a temporary file renamed into place)
    or a binary file object. Raises ChromiumNotFound for docx/pptx/pdf without a browser.

    The charts still without images are drawn while the writer lays out the text (Chromium
    on one core, Python on the other); the writer waits for them only where it places them."""
    form = pack_format(fmt)
    writer = form.write
    if form.needs_browser:
        start_pack_images(pack, renderer, browser_path, "svg" if fmt == "pdf" else "png")
    try:
        _write(writer, pack, out)
    finally:
        drawing, pack.drawing = pack.drawing, None
        if drawing is not None:  # the writer failed before it waited: stop a renderer of our own
            drawing.close()


def _write(writer, pack: Pack, out: BinaryIO | str | os.PathLike) -> None:
    if not isinstance(out, (str, os.PathLike)):
        writer(pack, out)
        return
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            writer(pack, fh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pack_bytes(pack: Pack, fmt: str, renderer: ImageRenderer | None = None) -> bytes:
    buffer = io.BytesIO()
    write_pack(pack, fmt, buffer, renderer)
    return buffer.getvalue()


def export_pack(snap: Snapshot, fmt: str, out: BinaryIO | str | os.PathLike, as_at: date | None = None,
                scope: Scope | None = None, public: bool = False, renderer: ImageRenderer | None = None,
                meeting=None, trend_only: bool = False) -> Pack:
    """Build and write the pack in one go; returns the pack (for its counts). `meeting`: the
    meeting record (cipdash.meeting.MeetingStore) whose notes and actions it shows, if any;
    `trend_only`: the trend charts only, no SPC charts."""
    if not pack_format(fmt).needs_browser:  # (an unknown format fails here, before any work)
        pack = build_pack(snap, as_at, scope, public, meeting, trend_only)
        write_pack(pack, fmt, out)
        return pack
    own = renderer is None
    if own:
        renderer = ImageRenderer().start()  # no browser: ChromiumNotFound before any work
    try:
        pack = build_pack(snap, as_at, scope, public, meeting, trend_only)  # while Chromium starts
        write_pack(pack, fmt, out, renderer)
    finally:
        if own:
            renderer.close()
    return pack

"""Static chart images (PNG, SVG) through plotly's kaleido 1.x and Debian's Chromium.

How the browser is found. kaleido 1.x drives a headless Chrome/Chromium through
`choreographer`. Left to itself, choreographer (`Chromium.find_browser`) first takes a
browser it downloaded itself (`kaleido_get_chrome`), then `$BROWSER_PATH`, then `chrome`
and `chromium` on the PATH, then a few typical install paths. We do not rely on that
order: `find_chromium()` settles the path here and passes it to `kaleido.Kaleido(path=...)`
(kaleido hands it to `choreographer.Browser(path, ...)`), so the browser used is always
the one this module names:

  1. an explicit `browser_path` argument;
  2. else `$BROWSER_PATH` (choreographer's own override; if it is set and wrong, that is an
     error, never a silent fallback to another browser);
  3. else Debian's `/usr/bin/chromium` (package `chromium`), `/usr/bin/chromium-browser`;
  4. else `chromium` / `chromium-browser` / `google-chrome` on the PATH.

No browser: `ChromiumNotFound`, whose message says how to install it. HTML, CSV and XLSX
downloads never need a browser.

One browser for many images. An `ImageRenderer` owns one kaleido/Chromium process on an
event loop in a background thread; every render call from any thread goes to it, so a
pack of 30 charts starts Chromium once. It opens the browser on first use and, with
`idle_timeout`, closes it again when unused (the dashboard keeps one for the process).
MathJax is switched off (kaleido would otherwise fetch it from a CDN: these machines may
be offline) and plotly.js comes from the installed plotly package.

A whole batch in one go. `render_charts(charts)` hands every figure to kaleido at once;
kaleido keeps a queue of `tabs` pages in the one Chromium and each figure waits for a free
page, so at most `tabs` figures are drawn at the same time while Python prepares and
decodes the others (how many pages: see DEFAULT_TABS). The images are byte-identical to
drawing them one at a time (tests/test_exports_charts.py). If any figure fails, the browser is restarted once and
the failed ones tried again; what still fails is an `ImageExportError` naming each chart.
`submit_charts` hands the batch over without waiting (a Future): the pack's writer lays
out its text while Chromium draws (exports.write_pack).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import logging
import math
import os
import shutil
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import plotly.graph_objects as go

from ..charts import CHART_HEIGHT, Chart
from ..formatting import month_label

BROWSER_ENV = "BROWSER_PATH"
DEBIAN_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_COMMAND = "sudo apt-get install chromium"

# Print resolution: a chart fills a 16 cm text column at 300 dots per inch or better.
PRINT_WIDTH_CM = 16.0
PRINT_DPI = 300
# The pack's pictures (Word and PowerPoint; the PDF's are SVG): 200 dpi at 16 cm (1280 pixels wide), still
# print quality for line charts and their 7.5 pt labels. Drawing and encoding fewer pixels
# is the pack's largest saving: 30 charts take 2.1 s with the browser open against 2.7 s
# at 300 dpi, and a picture is 97 kB against 167 kB (issue 14: a 30-chart pack in 5 s on
# this 2-core machine). A chart downloaded on its own keeps PRINT_DPI.
PACK_DPI = 200
# The layout width the chart is drawn at (CSS pixels). Narrower than a screen, so text
# stays legible when the image is printed 16 cm wide (13 px font -> about 7.5 pt).
IMAGE_WIDTH_PX = 800
# A legend below the plot takes rows of its own: never draw shorter than this.
MIN_IMAGE_HEIGHT_PX = 480
RENDER_TIMEOUT_S = 90
# Pages drawing at the same time in the one Chromium. Each page loads and warms up
# plotly.js (about 1.5 s of a core here), so more pages pay off only in a browser that is
# kept open. Measured on this 2-core machine (benchmarks/export_benchmark.py, the sample's
# pack trimmed to 30 charts at 300 dpi, median of 5, other work on the machine, load average
# 7-11; the choice still held at 200 dpi: two pages 1.03x one page from a cold start):
#   from a cold start (the export command): 1 page 7.66 s for the whole .docx, 2 pages
#   8.61 s, 3 pages 9.79 s, 4 pages 11.55 s (images alone 4.21 / 5.26 / 5.71 / 6.61 s);
#   the images with the browser already open: 1 page 2.90 s, 2 pages 2.43 s, 3 pages
#   1.50 s, 4 pages 2.41 s.
# So a one-off renderer draws with one page, and one kept open (idle_timeout, as the
# dashboard keeps its renderer) with three.
DEFAULT_TABS = 1
KEPT_OPEN_TABS = 3
# kaleido reloads its page after every image, which takes longer than drawing it (about
# 0.13 s of 0.25 s). We reuse the page for this many images, then reload it, so memory
# stays bounded; the images are byte-identical either way (tests/test_exports_charts.py).
RELOAD_EVERY = 25
FORMATS = ("png", "svg")


class _ByeFilter(logging.Filter):
    """Chromium's pipe wrapper ends with "{bye}"; when it arrives in the same read as a last
    message, choreographer logs a JSON decoding traceback (and ignores it) as the browser
    closes. Keep that off a command's standard error; every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("JSONError decoding message")


_BYE_FILTER = _ByeFilter()


def _quiet_bye() -> None:
    """Install the filter on choreographer's logger — after choreographer is imported, so
    the logger is the logistro one it made (asking logging first would make a plain one)."""
    import choreographer.channels.pipe  # noqa: F401  (creates the logger)

    logger = logging.getLogger("choreographer.channels.pipe")
    if _BYE_FILTER not in logger.filters:
        logger.addFilter(_BYE_FILTER)


class ImageExportError(RuntimeError):
    """A static image could not be drawn. `charts`: the names of the charts that failed
    (empty when the browser itself could not start)."""

    def __init__(self, message: str, charts: Sequence[str] = ()):
        super().__init__(message)
        self.charts = list(charts)


class ChromiumNotFound(ImageExportError):
    """No Chromium to draw static images with."""


def print_scale(width_px: int = IMAGE_WIDTH_PX, width_cm: float = PRINT_WIDTH_CM, dpi: int = PRINT_DPI) -> float:
    """Scale factor so an image `width_px` wide has at least `dpi` at `width_cm` (to 0.1)."""
    needed = width_cm / 2.54 * dpi / width_px
    return math.ceil(needed * 10) / 10


def _missing_message(where: str) -> str:
    return (f"Static images (PNG and SVG) are drawn with the Chromium web browser, and {where}. "
            f"Install it with:  {INSTALL_COMMAND}  (or set {BROWSER_ENV} to a Chrome or Chromium "
            f"executable). HTML, CSV and XLSX downloads work without it.")


def _is_executable(path: str | os.PathLike) -> bool:
    p = Path(path)
    return p.is_file() and os.access(p, os.X_OK)


def find_chromium(browser_path: str | os.PathLike | None = None) -> str:
    """The browser kaleido will drive (see the module notes); raise ChromiumNotFound."""
    if browser_path is not None:
        if _is_executable(browser_path):
            return str(browser_path)
        raise ChromiumNotFound(_missing_message(f"there is no browser at {browser_path}"))
    env = os.environ.get(BROWSER_ENV)
    if env:
        if _is_executable(env):
            return env
        raise ChromiumNotFound(_missing_message(f"there is no browser at {BROWSER_ENV}={env}"))
    for candidate in DEBIAN_PATHS:
        if _is_executable(candidate):
            return candidate
    for name in PATH_NAMES:
        found = shutil.which(name)
        if found and _is_executable(found):
            return found
    raise ChromiumNotFound(_missing_message("it is not installed on this machine"))


def chromium_available(browser_path: str | os.PathLike | None = None) -> bool:
    try:
        find_chromium(browser_path)
        return True
    except ChromiumNotFound:
        return False


def image_size(chart: Chart) -> tuple[int, int]:
    height = chart.figure.layout.height or CHART_HEIGHT
    return IMAGE_WIDTH_PX, max(int(height), MIN_IMAGE_HEIGHT_PX)


def print_figure(chart: Chart) -> dict:
    """The chart's figure (as a plain dict) as drawn for a document: a fixed width, white
    background. The chart's own figure is not changed."""
    fig = chart.figure.to_dict()
    width, height = image_size(chart)
    layout = fig.setdefault("layout", {})
    layout.update(width=width, height=height, paper_bgcolor="white", plot_bgcolor="white")
    _widen_short_date_axis(fig)
    return fig


def _widen_short_date_axis(fig: dict) -> None:
    """A time axis over a month or two (one or two points) would be labelled in hours and
    minutes: show three months or more, with a tick at each point labelled by its month."""
    xs = []
    for trace in fig.get("data", []):
        if trace.get("type", "scatter") != "scatter":
            return
        for x in trace.get("x") or []:
            try:
                xs.append(datetime.date.fromisoformat(str(x)[:10]))
            except ValueError:
                return
    axis = fig["layout"].setdefault("xaxis", {})
    if not xs or axis.get("range") or (max(xs) - min(xs)).days >= 62:
        return
    pad = datetime.timedelta(days=45)
    ticks = sorted(set(xs))
    axis.update(range=[(min(xs) - pad).isoformat(), (max(xs) + pad).isoformat()], type="date",
                tickvals=[d.isoformat() for d in ticks], ticktext=[month_label(d) for d in ticks])


def set_png_dpi(png: bytes, dpi: int = PRINT_DPI) -> bytes:
    """Write the pHYs chunk so Word and image viewers size the PNG at `dpi` (no re-encode)."""
    signature, rest = png[:8], png[8:]
    if signature != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    ppm = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    out, pos = bytearray(signature), 0
    inserted = False
    while pos < len(rest):
        length = struct.unpack(">I", rest[pos:pos + 4])[0]
        kind = rest[pos + 4:pos + 8]
        end = pos + 12 + length
        if kind == b"pHYs":
            pos = end
            continue  # replace any existing one
        out += rest[pos:end]
        if kind == b"IHDR" and not inserted:
            out += chunk
            inserted = True
        pos = end
    return bytes(out)


def _kaleido_class():
    """kaleido.Kaleido, reusing its page for up to RELOAD_EVERY images (see above). Falls
    back to kaleido's own behaviour if a later kaleido no longer has the hook."""
    import kaleido

    _quiet_bye()
    base = kaleido.Kaleido
    if not hasattr(base, "_return_kaleido_tab"):
        return base

    class ReusingKaleido(base):
        _returned = 0

        async def _return_kaleido_tab(self, tab) -> None:
            self._returned += 1
            if self._returned % RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)  # reloads the page
            else:
                await self.tabs_ready.put(tab)

    return ReusingKaleido


class ImageRenderer:
    """One headless Chromium, via kaleido, for any number of images from any thread.

        with ImageRenderer() as r:            # Chromium starts on the first render
            pngs = r.render_charts(charts, "png")

    `ChromiumNotFound` is raised by the constructor when there is no browser, before
    anything starts. `tabs`: how many figures are drawn at the same time (1: one after
    another); by default DEFAULT_TABS, or KEPT_OPEN_TABS for a renderer kept open between
    uses (`idle_timeout` given), which pays for its extra pages once.
    """

    def __init__(self, browser_path: str | os.PathLike | None = None, idle_timeout: float | None = None,
                 timeout: float = RENDER_TIMEOUT_S, tabs: int | None = None):
        if tabs is None:
            tabs = KEPT_OPEN_TABS if idle_timeout else DEFAULT_TABS
        if tabs < 1:
            raise ValueError(f"tabs must be 1 or more, not {tabs}")
        self.browser_path = find_chromium(browser_path)
        self.idle_timeout = idle_timeout
        self.timeout = timeout
        self.tabs = tabs
        self.browser_starts = 0  # how many times Chromium was started (tests and benchmarks read it)
        self.last_drawn_at: float | None = None  # time.perf_counter() when the last batch ended (benchmarks)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._opening: asyncio.Future | None = None
        self._adding: asyncio.Future | None = None  # the pages being added after the first
        self._idle_handle: asyncio.TimerHandle | None = None
        self._busy = 0

    # --- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> "ImageRenderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="cipdash-kaleido", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    async def _browser(self):
        """The open kaleido browser, opening it once however many renders ask at once."""
        if self._kaleido is not None:
            return self._kaleido
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
        try:
            return await asyncio.shield(self._opening)
        finally:
            if self._opening is not None and self._opening.done():
                self._opening = None

    async def _open(self):
        from kaleido.errors import ChromeNotFoundError

        # Each page loads plotly.js and warms it up (about 1.5 s of a core here): open the
        # browser with one page, so drawing starts as soon as that one is ready, and add the
        # other pages beside it; each joins kaleido's queue of free pages when loaded.
        later = self.tabs - 1 if hasattr(kaleido_class := _kaleido_class(), "_create_kaleido_tab") else 0
        try:
            k = kaleido_class(path=self.browser_path, n=self.tabs - later, timeout=self.timeout, mathjax=False)
            await k.open()
        except ChromeNotFoundError:
            raise ChromiumNotFound(_missing_message(f"there is no browser at {self.browser_path}")) from None
        except Exception as exc:  # a browser that will not start: say which and why
            raise ImageExportError(f"Chromium at {self.browser_path} could not be started for static "
                                   f"images: {type(exc).__name__}: {exc}") from exc
        self._kaleido = k
        self.browser_starts += 1
        self._adding = asyncio.ensure_future(self._add_pages(k, later)) if later else None
        return k

    @staticmethod
    async def _add_pages(k, n: int) -> None:
        """Open `n` more pages, one after another (so they take one core, not both, from
        the drawing already under way). A page that will not open leaves fewer pages."""
        for _ in range(n):
            try:
                await k._create_kaleido_tab()
            except Exception:  # noqa: BLE001 (fewer pages is slower, not wrong)
                return

    async def _ready(self) -> None:
        await self._browser()
        if self._adding is not None:
            await asyncio.shield(self._adding)

    def ready(self, timeout: float | None = None) -> "ImageRenderer":
        """Wait until Chromium and all its pages are open (benchmarks and tests; rendering
        never needs to wait for this)."""
        asyncio.run_coroutine_threadsafe(self._ready(), self._ensure_loop()).result(timeout=timeout or self.timeout)
        return self

    async def _close_browser(self) -> None:
        k, self._kaleido = self._kaleido, None
        adding, self._adding = self._adding, None
        if adding is not None and not adding.done():
            adding.cancel()
        if k is not None:
            try:
                await k.close()
            except Exception:  # already gone: nothing left to close
                pass

    def start(self) -> "ImageRenderer":
        """Start Chromium in the background now (it takes a second or two), so it is ready
        by the time the first image is wanted; errors surface at the first render."""
        loop = self._ensure_loop()

        async def warm():
            try:
                await self._browser()
            except Exception:  # reported by the first render, which tries again
                pass
            finally:
                self._touch_idle()

        asyncio.run_coroutine_threadsafe(warm(), loop)
        return self

    def _touch_idle(self) -> None:
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        if self.idle_timeout and self._busy == 0 and self._loop is not None:
            self._idle_handle = self._loop.call_later(
                self.idle_timeout, lambda: asyncio.ensure_future(self._close_if_idle()))

    async def _close_if_idle(self) -> None:
        if self._busy == 0:
            await self._close_browser()

    def close(self) -> None:
        """Close Chromium and stop the background thread. The renderer can be used again."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._close_browser(), loop).result(timeout=30)
        except Exception:
            pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=10)
        loop.close()

    # --- rendering -------------------------------------------------------------------

    async def _restart(self, failed_in) -> object:
        """A fresh browser after `failed_in` failed, unless another batch (the dashboard
        shares one renderer between sessions) has already replaced it."""
        if self._kaleido is failed_in:
            await self._close_browser()
        return await self._browser()

    @staticmethod
    async def _draw(k, jobs: list[tuple[dict, dict]], which: Sequence[int]) -> dict[int, bytes | BaseException]:
        """Every job in `which` handed to kaleido at once; kaleido's queue of pages bounds
        how many are drawn together. A failure is kept, not raised, so the others finish."""
        results = await asyncio.gather(*(k.calc_fig(jobs[i][0], opts=jobs[i][1]) for i in which),
                                       return_exceptions=True)
        return dict(zip(which, results))

    async def _render_all(self, jobs: list[tuple[dict, dict]], labels: list[str]) -> list[bytes]:
        self._busy += 1
        try:
            k = await self._browser()
            results = await self._draw(k, jobs, range(len(jobs)))
            failed = [i for i, r in results.items() if isinstance(r, BaseException)]
            if failed:
                # A Chromium that died fails every figure still waiting: restart it once and
                # try those figures again. A figure that is itself at fault fails again.
                first = results[failed[0]]
                k = await self._restart(k)
                results.update(await self._draw(k, jobs, failed))
                still = [i for i in failed if isinstance(results[i], BaseException)]
                if still:
                    exc = results[still[0]]
                    names = [labels[i] for i in still]
                    which = names[0] if len(names) == 1 else f"{len(names)} charts ({'; '.join(names)})"
                    raise ImageExportError(f"The image of {which} could not be drawn: "
                                           f"{type(exc).__name__}: {exc}", names) from first
            return [results[i] for i in range(len(jobs))]
        finally:
            self._busy -= 1
            self._touch_idle()

    def render_figures(self, jobs: Sequence[tuple[go.Figure | dict, str, int, int, float]],
                       labels: Sequence[str] | None = None, dpi: int = PRINT_DPI) -> list[bytes]:
        """Each job is (figure, format, width, height, scale); bytes back in the same order,
        all drawn in one go. `labels` name the figures in an error (default "figure 1" ...);
        `dpi`: the resolution a PNG says it has (its pHYs chunk)."""
        return self.submit_figures(jobs, labels, dpi).result(timeout=self.timeout * (len(jobs) + 1))

    def submit_figures(self, jobs: Sequence[tuple[go.Figure | dict, str, int, int, float]],
                       labels: Sequence[str] | None = None, dpi: int = PRINT_DPI) -> concurrent.futures.Future:
        """As render_figures, without waiting: a Future of the list of images (or of the
        ImageExportError). The caller's thread is free while Chromium draws, so a writer
        can lay out a document's text meanwhile (exports.write_pack)."""
        specs = []
        for fig, fmt, width, height, scale in jobs:
            if fmt not in FORMATS:
                raise ValueError(f"unknown image format {fmt!r}; expected one of {FORMATS}")
            fig_dict = fig.to_dict() if isinstance(fig, go.Figure) else fig
            specs.append((fig_dict, dict(format=fmt, width=width, height=height, scale=scale)))
        names = list(labels) if labels is not None else [f"figure {i + 1}" for i in range(len(specs))]
        if len(names) != len(specs):
            raise ValueError(f"{len(names)} labels for {len(specs)} figures")
        out: concurrent.futures.Future = concurrent.futures.Future()
        out.set_running_or_notify_cancel()
        if not specs:
            out.set_result([])
            return out

        def finish(drawn: concurrent.futures.Future) -> None:
            # Runs on the renderer's thread as the last image arrives.
            self.last_drawn_at = time.perf_counter()
            try:
                images = drawn.result()
                out.set_result([set_png_dpi(img, dpi) if spec[1]["format"] == "png" else img
                                for img, spec in zip(images, specs)])
            except BaseException as exc:  # noqa: BLE001 (handed to whoever waits)
                out.set_exception(exc)

        loop = self._ensure_loop()
        asyncio.run_coroutine_threadsafe(self._render_all(specs, names), loop).add_done_callback(finish)
        return out

    def render_charts(self, charts: Iterable[Chart], fmt: str = "png",
                      labels: Sequence[str] | None = None, dpi: int = PRINT_DPI) -> list[bytes]:
        """The charts as PNG (`dpi` at PRINT_WIDTH_CM) or SVG, all in one go through one
        browser. An error names the chart by `labels` (default: each chart's title)."""
        charts = list(charts)
        return self.submit_charts(charts, fmt, labels, dpi).result(timeout=self.timeout * (len(charts) + 1))

    def submit_charts(self, charts: Iterable[Chart], fmt: str = "png", labels: Sequence[str] | None = None,
                      dpi: int = PRINT_DPI) -> concurrent.futures.Future:
        """As render_charts, without waiting: a Future of the list of images."""
        charts = list(charts)
        jobs = []
        for chart in charts:
            width, height = image_size(chart)
            jobs.append((print_figure(chart), fmt, width, height, print_scale(dpi=dpi) if fmt == "png" else 1))
        return self.submit_figures(jobs, labels if labels is not None else [f'the chart "{c.title}"' for c in charts],
                                   dpi)

    def render_chart(self, chart: Chart, fmt: str = "png") -> bytes:
        return self.render_charts([chart], fmt)[0]


def render_charts(charts: Sequence[Chart], fmt: str = "png", renderer: ImageRenderer | None = None,
                  browser_path: str | os.PathLike | None = None, labels: Sequence[str] | None = None) -> list[bytes]:
    """Render a batch: with the given renderer, else one started (once) for this batch."""
    if renderer is not None:
        return renderer.render_charts(charts, fmt, labels)
    with ImageRenderer(browser_path) as own:
        return own.render_charts(charts, fmt, labels)

"""The thin Streamlit layer the pages share: the database handle, cached queries, the
as-at choice, and rendering helpers that show CSV text as text.

Caching: `st.cache_resource` holds one open Snapshot per version of the database file;
`st.cache_data` holds query results keyed by that version, so a new load (a new file)
invalidates them without a restart. A page takes the version once at its start, so
every figure on it comes from the same load.
"""
from __future__ import annotations

import atexit
import functools
import gc
import re
import threading
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import pandas as pd
import streamlit as st

from . import queries
from .cells import RAG_NAMES
from .charts import RAG_SHAPES, Chart
from .db import FileVersion, Snapshot, file_version
from .errors import DatabaseUnavailable
from .formatting import month_label
from .scope import Scope, choices as scope_choices
from .store import resolve_db

LATEST = "latest"

# Garbage collection, tuned once for the dashboard process. A rerun allocates ~100,000
# objects (frames, figures, messages), so Python's default gen-0 threshold of 700 ran the
# collector ~15 times a rerun, and each full collection walked every object the imports
# made: ~14 ms of a 100 ms rerun at a million rows. gc.freeze() moves what exists now
# (the modules of Streamlit, pandas, plotly, DuckDB) out of the collector's sight for
# good; the higher threshold collects new garbage every 10,000 allocations, not 700.
# Cycles are still collected: only how often changes (benchmarks/dashboard_benchmark.py).
GC_GEN0_THRESHOLD = 10_000
if gc.get_threshold()[0] < GC_GEN0_THRESHOLD:
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])
    # Back under the collector at exit, so that shutdown frees them as usual (DuckDB's
    # bindings otherwise report the frozen objects as leaked when the process stops).
    atexit.register(gc.unfreeze)
# Streamlit badge colours for RAG: each badge also carries the word and a shape.
RAG_BADGE_COLOURS = {"R": "red", "A": "orange", "G": "green"}
# Arrows, never a RAG shape (● ▲ ■): "▲" once meant both Amber and "improved".
MOVEMENT_WORDS = {"improved": "↑ improved", "worsened": "↓ worsened", "same": "→ no change"}
# Every ASCII punctuation mark can be backslash-escaped in CommonMark; escaping them all
# means text from a CSV can never become a link, an image, emphasis, a Streamlit colour
# directive (:red[...]) or LaTeX ($...$).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&\"'=^%@;,/?])")


def md_text(text: object) -> str:
    """Text from a CSV, escaped so that st.markdown shows it literally."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def md_paragraphs(text: object) -> str:
    """Escaped text keeping its line breaks (two spaces before a newline is a markdown break)."""
    return "  \n".join(md_text(line) for line in str(text or "").splitlines())


class _Replaced(Exception):
    """A load replaced the database file between reading its version and opening it."""


@st.cache_resource(max_entries=3, show_spinner=False)
def _snapshot(path: str, version: FileVersion) -> Snapshot:
    snap = Snapshot(path)
    if snap.version != version:  # never keep a newer file under an older version's key
        snap.close()
        raise _Replaced()  # (an exception is not cached)
    return snap


@dataclass(frozen=True)
class PageContext:
    """The database version and as-at date this page view uses throughout."""

    path: str
    version: FileVersion
    as_at: date
    latest: date
    # The open snapshot itself, held for the whole page view: even if loads run meanwhile
    # and its cache entry is dropped, every query of this view reads this one version.
    snap: Snapshot | None = field(default=None, compare=False, repr=False)
    # Whose figures: chosen once in the sidebar, applied by every page.
    scope: Scope = field(default_factory=Scope)

    def snapshot(self) -> Snapshot:
        return self.snap if self.snap is not None else _snapshot(self.path, self.version)

    def get(self, fn: Callable, *args):
        """`ctx.get(queries.latest_figures, as_at, "ALL")`, cached for this database version."""
        return _query(self.path, self.version, fn.__name__, args, self.snapshot())

    def chart(self, fn: Callable, *args):
        """`ctx.chart(queries.chart_trend, measure_id, as_at, teams)`: the Chart, built once per
        database version and arguments and shared (never copied: pages only draw it)."""
        try:
            return _cached_chart(self.path, self.version, fn.__name__, args, self.snapshot())
        except DatabaseUnavailable as exc:
            st.error(str(exc))
            st.stop()


# Query results are kept as objects too (st.cache_resource), shared by every session and
# rerun: pages only read them (queries.py's rule for its memo too), and unpickling a copy
# of every frame and card set on each rerun was a tenth of a page's time. Pandas'
# copy-on-write keeps any derived frame a page makes from touching the cached one.
@st.cache_resource(max_entries=512, show_spinner=False)
def _cached_query(path: str, version: FileVersion, name: str, args: tuple, _snap: Snapshot):
    # `_snap` (not hashed: a leading underscore) is the snapshot of exactly `version`.
    return getattr(queries, name)(_snap, *args)


# Charts are kept as objects (st.cache_resource), not pickled copies: unpickling a plotly
# figure costs more than building it. A chart is a few tens of kB; 256 of them at most.
@st.cache_resource(max_entries=256, show_spinner=False)
def _cached_chart(path: str, version: FileVersion, name: str, args: tuple, _snap: Snapshot):
    return getattr(queries, name)(_snap, *args)


def _query(path: str, version: FileVersion, name: str, args: tuple, snap: Snapshot):
    """A cached query; a database file found damaged part-way gives the message, not a traceback."""
    try:
        return _cached_query(path, version, name, args, snap)
    except DatabaseUnavailable as exc:
        st.error(str(exc))
        st.stop()


def _open() -> tuple[str, FileVersion, Snapshot]:
    path = str(resolve_db())
    try:
        for _ in range(20):
            version = file_version(path)
            try:
                return path, version, _snapshot(path, version)
            except _Replaced:
                continue  # a load finished just now: open the new file
        raise DatabaseUnavailable(f"The database at {path} is being replaced continually; reload the page.")
    except DatabaseUnavailable as exc:
        st.error(str(exc))
        st.stop()


def _kept(key: str) -> str:
    return f"_kept_{key}"


def url_bound(widget: Callable, label: str, options: list, key: str, multi: bool = False, default=None, **kwargs):
    """A selectbox or multiselect whose value is kept in the URL as ids (?measure=x&teams=a&teams=b),
    so a link in an email reproduces the view. The URL wins when the page opens; after that
    the widget does, and the choice also survives a visit to another page."""
    if key not in st.session_state:
        wanted = [v for v in st.query_params.get_all(key) if v in options]
        kept = st.session_state.get(_kept(key))
        if multi:
            kept = [v for v in (kept or []) if v in options]
            st.session_state[key] = wanted if wanted else (kept if kept else list(default or []))
        else:
            fallback = kept if kept in options else (default if default in options else
                                                    (options[0] if options and kwargs.get("index", 0) is not None else None))
            st.session_state[key] = wanted[0] if wanted else fallback
    kwargs.pop("index", None)
    value = widget(label, options, key=key, **kwargs)
    st.session_state[_kept(key)] = value
    if value in (None, []) or value == default:
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = value
    return value


def as_at_label(value: str, latest: date) -> str:
    if value == LATEST:
        return f"Latest data ({month_label(latest)})"
    return month_label(date.fromisoformat(value))


def _leave_pages_directory_mode() -> None:
    """Run the page through dashboard.py's st.navigation, even on a server's first request.

    Streamlit starts in its old multipage mode whenever a `pages/` folder sits beside the
    entry point, and leaves it only once some session has run dashboard.py. Until then a
    deep link (/measures?measure=...) runs the page file on its own: Streamlit's file-name
    navigation ("dashboard", "data", ...) and the narrow layout. Found by the browser
    tests; this switches the server out of that mode and reruns the same page and URL."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the old mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


# Set by dashboard.py, which draws the month and scope in the sidebar before any page runs:
# widgets drawn by the entry point keep their state across pages (a page's own widgets are
# reset when another page opens, which is how the month used to be lost on navigation).
_SIDEBAR_IN_ENTRY_POINT = "_sidebar_in_entry_point"
SCOPE_HELP = ("Whose figures every page shows: the whole authority (leave empty), one or more service "
              "areas, or teams. Team figures are shown beside the whole authority's.")


def _choose_month_and_scope(path: str, version: FileVersion, snap: Snapshot) -> tuple[str | None, list[str]]:
    months = _query(path, version, "available_months", (), snap)
    latest = months[0] if months else date.today()
    options = [LATEST] + [m.isoformat() for m in months]
    teams = _query(path, version, "teams", (), snap)
    choices = scope_choices(teams)
    with st.sidebar:
        month = url_bound(st.selectbox, "As at", options, key="as_at", default=LATEST,
                          format_func=lambda v: as_at_label(v, latest),
                          help="The month the whole dashboard shows: ratings and figures on or before it.")
        tokens = []
        if choices:
            _adopt_old_scope_links(choices)
            tokens = url_bound(st.multiselect, "Figures for", list(choices), key="scope", multi=True,
                               format_func=choices.get, placeholder="Whole authority", help=SCOPE_HELP)
    return month, tokens


# Links made before the scope moved to the sidebar: ?teams=a&teams=b (Measures), ?area=X,
# ?pack_scope=area:X (Report pack). They still open the view they were sent for.
_OLD_SCOPE_KEYS = ("teams", "area", "pack_scope")


def _adopt_old_scope_links(choices: dict[str, str]) -> None:
    if "scope" in st.session_state or "scope" in st.query_params:
        return
    tokens = []
    for key in _OLD_SCOPE_KEYS:
        for value in st.query_params.get_all(key):
            token = {"teams": "team:", "area": "area:"}.get(key, "") + value
            if token in choices:
                tokens.append(token)
        if key in st.query_params:
            del st.query_params[key]
    if tokens:
        st.query_params["scope"] = tokens


def sidebar() -> None:
    """The month and the scope, drawn once per run by dashboard.py for whichever page runs."""
    st.session_state[_SIDEBAR_IN_ENTRY_POINT] = True
    _leave_pages_directory_mode()
    _choose_month_and_scope(*_open())


def page_context() -> PageContext:
    """Open the current database version, with the as-at month and the scope chosen in the
    sidebar (kept in the URL as ?as_at=YYYY-MM-DD&scope=area:Localities)."""
    _leave_pages_directory_mode()
    path, version, snap = _open()
    if st.session_state.get(_SIDEBAR_IN_ENTRY_POINT):
        month, tokens = st.session_state.get("as_at"), st.session_state.get("scope") or []
    else:  # a page script run on its own (tests): it draws the sidebar itself
        month, tokens = _choose_month_and_scope(path, version, snap)
    months = _query(path, version, "available_months", (), snap)
    latest = months[0] if months else date.today()
    valid = {m.isoformat() for m in months}
    as_at = date.fromisoformat(month) if month in valid else latest
    return PageContext(path, version, as_at, latest, snap, Scope.from_tokens(tokens))


def plan_title(ctx: PageContext) -> tuple[str, str]:
    info = ctx.get(queries.plan_info)
    return info.get("name") or "Improvement plan", info.get("authority") or ""


def rag_badge(kind: str, code: str | None) -> None:
    """A RAG rating as a word, a shape and a colour (never colour alone)."""
    if code not in RAG_NAMES:
        st.badge(f"{kind}: not yet judged", color="gray")
        return
    st.badge(f"{kind}: {RAG_SHAPES[code]} {RAG_NAMES[code]}", color=RAG_BADGE_COLOURS[code])


VARIATION_BADGES = {"special_cause_improvement": ("blue", ":material/trending_up:"),
                    "special_cause_concern": ("orange", ":material/warning:"),
                    "common_cause": ("gray", ":material/swap_vert:"), None: ("gray", ":material/more_horiz:")}
ASSURANCE_BADGES = {"consistent_pass": ("blue", ":material/check_circle:"),
                    "consistent_fail": ("orange", ":material/cancel:"),
                    "hit_or_miss": ("gray", ":material/help:"), None: ("gray", ":material/more_horiz:")}


def spc_badges(reading) -> None:
    """Making Data Count variation and assurance: icon, words and a tooltip (never colour alone)."""
    from .spc import describe_assurance, describe_variation

    if reading is None:
        return
    variation = describe_variation(reading.variation)
    colour, icon = VARIATION_BADGES.get(reading.variation, VARIATION_BADGES[None])
    st.badge(variation.label, icon=icon, color=colour, help=variation.tooltip)
    assurance = describe_assurance(reading.assurance)
    colour, icon = ASSURANCE_BADGES.get(reading.assurance, ASSURANCE_BADGES[None])
    st.badge(assurance.label, icon=icon, color=colour, help=assurance.tooltip)


# Arrow tables of the shared, cached frames (chart figures, query results), made once per
# frame rather than on every rerun: st.dataframe converts a pandas frame to Arrow each
# time it is drawn (~1.5 ms a table; a Recommendation page draws eight). Keyed by the
# frame's identity and dropped when the frame is: the frames are never changed in place.
_ARROW_TABLES: dict[int, tuple[weakref.ref, object]] = {}
_ARROW_LOCK = threading.Lock()


def _arrow_table(frame: pd.DataFrame):
    import pyarrow as pa

    key = id(frame)
    with _ARROW_LOCK:
        found = _ARROW_TABLES.get(key)
    if found is not None and found[0]() is frame:
        return found[1]
    try:
        # preserve_index=None, as Streamlit converts: a default index is metadata only.
        table = pa.Table.from_pandas(frame, preserve_index=None)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError, TypeError):
        return frame  # a column Arrow cannot take as it is: Streamlit's own fixes apply
    ref = weakref.ref(frame, lambda _, k=key: _forget_arrow(k))
    with _ARROW_LOCK:
        _ARROW_TABLES[key] = (ref, table)
    return table


def _forget_arrow(key: int) -> None:
    with _ARROW_LOCK:
        found = _ARROW_TABLES.get(key)
        if found is not None and found[0]() is None:
            del _ARROW_TABLES[key]


def show_table(frame: pd.DataFrame, key: str | None = None) -> None:
    """A cached (shared, never changed) frame as a table, converted to Arrow once."""
    st.dataframe(_arrow_table(frame), hide_index=True, key=key)


def show_chart(chart: Chart, key: str, table_label: str = "The figures in this chart",
               downloads: bool = True) -> None:
    """The chart, its text alternative, its data as a table, and download buttons."""
    # theme=None: the chart's own layout (dark tick labels, our palette), not Streamlit's greys.
    st.plotly_chart(chart.figure, key=key, alt=chart.alt, theme=None, config={"displaylogo": False})
    st.caption(md_text(chart.alt))
    with st.expander(table_label):
        show_table(chart.data, key=f"{key}-table")
    if downloads:
        chart_downloads(chart, key)


# --- downloads (the files are made by cipdash.exports; this is only the buttons) ---------

IMAGE_BROWSER_IDLE_S = 600


@st.cache_resource(show_spinner=False)
def image_renderer():
    """One Chromium for the dashboard process, for every user: started on the first image
    asked for, closed after ten idle minutes (see cipdash/exports/images.py)."""
    from .exports.images import ImageRenderer

    return ImageRenderer(idle_timeout=IMAGE_BROWSER_IDLE_S)


@st.cache_data(ttl=300, show_spinner=False)
def chromium_problem() -> str | None:
    """Why static images cannot be made (no Chromium, with how to install it), or None."""
    from .exports.images import ChromiumNotFound, find_chromium

    try:
        find_chromium()
        return None
    except ChromiumNotFound as exc:
        return str(exc)


def _chart_file(chart: Chart, fmt: str, renderer) -> bytes:
    from .exports.chart_files import chart_download

    return chart_download(chart, fmt, renderer).data


def chart_downloads(chart: Chart, key: str) -> None:
    """PNG, SVG, HTML, CSV and XLSX of one chart. Each file is made only when its button is
    clicked (a deferred download, on its own thread), so a page rerun costs nothing; the
    images come from the one shared Chromium."""
    from .exports import chart_files

    problem = chromium_problem()
    renderer = None if problem else image_renderer()
    with st.popover("Download", icon=":material/download:", key=f"{key}-downloads",
                    help="This chart as an image or a web page, or its figures as a spreadsheet"):
        for fmt in chart_files.FORMATS:
            if fmt in chart_files.STATIC_FORMATS and problem:
                continue
            st.download_button(chart_files.FORMAT_LABELS[fmt], data=functools.partial(_chart_file, chart, fmt, renderer),
                               file_name=chart_files.file_name(chart, fmt), mime=chart_files.MIME_TYPES[fmt],
                               key=f"{key}-download-{fmt}", on_click="ignore", width="stretch")
        st.caption("PNG is print resolution (300 dpi at 16 cm wide). The CSV and Excel files hold exactly the "
                   "figures plotted, with the chart's title, unit and as-at date.")
        if problem:
            st.caption(md_text(problem))


def nav_link(page: str, label: str, **params) -> None:
    st.page_link(page, label=label, query_params=params or None)


def as_date(value) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


@st.cache_data(max_entries=8, show_spinner=False)
def _pack_file(path: str, version: FileVersion, as_at: date, kind: str, value, public: bool,
               fmt: str, _snap: Snapshot) -> tuple[str, str, bytes]:
    from .exports import MIME_TYPES, build_pack, pack_bytes, pack_file_name

    pack = build_pack(_snap, as_at, queries.Scope(kind, value), public)
    renderer = image_renderer() if fmt in ("docx", "pptx", "pdf") else None
    return pack_file_name(pack, fmt), MIME_TYPES[fmt], pack_bytes(pack, fmt, renderer)


def pack_file(ctx: PageContext, scope: "queries.Scope", public: bool, fmt: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of the performance pack, cached for this database
    version, so asking again for the same pack is instant."""
    return _pack_file(ctx.path, ctx.version, ctx.as_at, scope.kind, scope.value, public, fmt, ctx.snapshot())

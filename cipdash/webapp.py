"""The thin Streamlit layer the pages share: the database handle, cached queries, the
as-at choice, and rendering helpers that show CSV text as text.

Caching: `st.cache_resource` holds one open Snapshot per version of the database file;
`st.cache_data` holds query results keyed by that version, so a new load (a new file)
invalidates them without a restart. A page takes the version once at its start, so
every figure on it comes from the same load.
"""
from __future__ import annotations

import logging
import os
import secrets
import html
import functools
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st

from . import access, audit, queries
from .cache import function_key
from .access import Grant
from .cells import RAG_NAMES
from .charts import RAG_SHAPES, Chart
from .db import FileVersion, Snapshot, file_version
from .errors import DatabaseUnavailable
from .formatting import month_label
from .gate import account_box, gate, refuse, require, who  # noqa: F401 (require: the pages' API)
from . import page_style
from .headings import in_words
from .scope import Scope, choices as scope_choices
from .store import resolve_db

LATEST = "latest"

# Streamlit badge colours for RAG: each badge also carries the word and a shape.
RAG_BADGE_COLOURS = {"R": "red", "A": "orange", "G": "green"}
# Every ASCII punctuation mark can be backslash-escaped in CommonMark; escaping them all
# means text from a CSV can never become a link, an image, emphasis, a Streamlit colour
# directive (:red[...]) or LaTeX ($...$).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&\"'=^%@;,/?])")
# Escaping is not enough for web and e-mail addresses: Streamlit's Markdown (remark-gfm)
# turns bare "http://...", "www...." and "name@host" into live links after unescaping
# (seen in Chromium). An invisible WORD JOINER (U+2060) after the scheme or "www" and
# before "@" breaks the pattern while the text reads and prints the same.
WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(?i)(https?|ftp|mailto|www)(?=[:.])|(?=@)")


def md_text(text: object) -> str:
    """Text from a CSV, escaped so that st.markdown shows it literally, never as a link."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    unlinked = _AUTOLINK_STARTS.sub(lambda m: (m.group(1) or "") + WORD_JOINER, str(text))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)


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
    # What the person viewing may see and do (cipdash/access.py), from the gate.
    grant: Grant = field(default=access.LOCAL_ADMIN, compare=False, repr=False)

    def snapshot(self) -> Snapshot:
        return self.snap if self.snap is not None else _snapshot(self.path, self.version)

    @property
    def sees_every_team(self) -> bool:
        return self.grant.all_areas

    def get(self, fn: Callable, *args):
        """`ctx.get(queries.latest_figures, as_at, "ALL")`: any module-level function of a
        snapshot, cached for this database version and these arguments."""
        self._check_teams(fn.__name__, args)
        result = _query(self.path, self.version, fn, args, self.snapshot())
        if fn.__name__ == "teams":
            return access.visible_teams(result, self.grant)
        return result

    def _check_teams(self, name: str, args: tuple) -> None:
        """Every query passes here: one asking for a team outside the person's service areas
        (a forged URL or session value, or a page that forgot) is refused on the server."""
        if self.grant.all_areas:
            return
        if name in EVERY_TEAM_QUERIES:
            refuse(self.grant, "figures of every team", query=name)
        team_areas = _team_areas(self.path, self.version, self.snapshot())
        forbidden = forbidden_in(self.grant, team_areas, args)
        if forbidden:
            refuse(self.grant, "figures of teams outside your service areas", query=name, asked=forbidden)

    def view(self, fn: Callable, *args):
        """`ctx.view(overview)`, `ctx.view(measure_view, measure_id, "trend")`: a page's view
        (cipdash/views), worked out once per database version, month, scope, what the person
        may see, and the page's choices. A rerun that changes none of them only renders: one
        cache lookup, not one per query (at 1m rows a cached Overview rerun spent ~8 ms in
        Streamlit's argument hashing and copying of its seven queries)."""
        try:
            return _cached_view(self.path, self.version, *function_key(fn), self.as_at, self.latest,
                                self.scope.tokens, _grant_key(self.grant), args, fn, self)
        except DatabaseUnavailable as exc:
            st.error(str(exc))
            st.stop()

    def chart(self, fn: Callable, *args):
        """`ctx.chart(queries.chart_trend, measure_id, as_at, teams)`: the Chart, built once per
        database version and arguments and shared (never copied: pages only draw it)."""
        self._check_teams(fn.__name__, args)
        try:
            return _cached_chart(self.path, self.version, *function_key(fn), args, fn, self.snapshot())
        except DatabaseUnavailable as exc:
            st.error(str(exc))
            st.stop()


# Queries whose answer shows every team's figures whatever their arguments: a person
# limited to some service areas is never given them.
EVERY_TEAM_QUERIES = frozenset({"league", "chart_league"})


def _team_areas(path: str, version: FileVersion, snap: Snapshot) -> dict[str, str | None]:
    """Every team's service area (shared, only read: the check runs for every query of a
    person limited to some areas)."""
    try:
        return _every_team_area(path, version, snap)
    except DatabaseUnavailable as exc:
        st.error(str(exc))
        st.stop()


@st.cache_resource(max_entries=8, show_spinner=False)
def _every_team_area(path: str, version: FileVersion, _snap: Snapshot) -> dict[str, str | None]:
    teams = queries.teams(_snap)
    return dict(zip(teams["team_id"], teams["service_area"].where(teams["service_area"].notna(), None)))


def _scope_parts(scope) -> tuple[list[str], list[str]]:
    """(service areas, team ids) a scope object (cipdash.scope.Scope) names."""
    if hasattr(scope, "areas") and hasattr(scope, "teams") and not callable(scope.areas):
        return list(scope.areas), list(scope.teams)
    kind, value = getattr(scope, "kind", ""), getattr(scope, "value", "")
    if kind == "service_area":
        return [value], []
    if kind == "team":
        return [], [value]
    return [], []


def forbidden_in(grant: Grant, team_areas: dict[str, str | None], args) -> list[str]:
    """The teams (and service areas, as area:NAME) named anywhere in `args` that the grant may
    not see: ids in strings, tuples and lists, and scope objects."""
    found: list[str] = []

    def visit(value) -> None:
        if isinstance(value, str):
            if value in team_areas and not access.may_see_team(grant, value, team_areas):
                found.append(value)
        elif isinstance(value, (tuple, list, set, frozenset)):
            for item in value:
                visit(item)
        elif hasattr(value, "kind") and hasattr(value, "value"):
            areas, teams = _scope_parts(value)
            found.extend(f"area:{a}" for a in areas if not access.may_see_scope(grant, "service_area", a, team_areas))
            found.extend(t for t in teams if not access.may_see_team(grant, t, team_areas))

    visit(tuple(args))
    return found


# The dashboard's caches, like cipdash/cache.py's, key on the function (its module and
# qualified name: cache.function_key), the database file and version, and the arguments.
# The function itself and the snapshot are passed with a leading underscore (not hashed):
# the names stand for the function, and `_snap` is the snapshot of exactly `version`.
# Data (frames, card sets, readings) is st.cache_data: each run gets its own copy, so a
# page can never change what another session reads.
@st.cache_data(max_entries=512, show_spinner=False)
def _cached_query(path: str, version: FileVersion, module: str, name: str, args: tuple, _fn: Callable,
                  _snap: Snapshot):
    return _fn(_snap, *args)


# A built Chart is only drawn (never changed) by the pages, so it is shared as an object
# (st.cache_resource); a pickled copy per rerun would cost more than building it. A chart
# is a few tens of kB; 256 of them at most.
@st.cache_resource(max_entries=256, show_spinner=False)
def _cached_chart(path: str, version: FileVersion, module: str, name: str, args: tuple, _fn: Callable,
                  _snap: Snapshot):
    return _fn(_snap, *args)


def _grant_key(grant: Grant) -> tuple:
    """What a view may depend on of the person: their role, what it allows and their service
    areas (a view never shows one person's answer to another who may see less)."""
    areas = None if grant.service_areas is None else tuple(sorted(grant.service_areas))
    return grant.role, tuple(sorted(grant.permissions)), areas, tuple(grant.default_areas), grant.local


# A view is frozen dataclasses of display text, frames and Charts, and the pages only render
# it, so it is shared as an object (st.cache_resource) like a Chart: a pickled copy per rerun
# would copy its Charts' figures too. pandas' copy-on-write keeps any frame derived from a
# shared one apart. The view is computed with `_ctx`, the page view's context: its queries
# are checked against the person's service areas as always.
@st.cache_resource(max_entries=256, show_spinner=False)
def _cached_view(path: str, version: FileVersion, module: str, name: str, as_at: date, latest: date,
                 scope: tuple, grant: tuple, args: tuple, _fn: Callable, _ctx: "PageContext"):
    return _fn(_ctx, *args)


def _query(path: str, version: FileVersion, fn: Callable, args: tuple, snap: Snapshot):
    """A cached query; a database file found damaged part-way gives the message, not a traceback."""
    try:
        return _cached_query(path, version, *function_key(fn), args, fn, snap)
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


@dataclass(frozen=True)
class Choices:
    """What the month and scope pickers offer one person in one database version: the months
    (newest first) as the pickers' options with their labels, the teams and service areas
    they may see, and every team's service area (to check a scope on the server)."""

    months: tuple[date, ...]
    latest: date
    month_options: tuple[str, ...]  # LATEST, then each month end as YYYY-MM-DD
    month_labels: dict[str, str]
    scopes: dict[str, str]  # token -> label (cipdash/scope.py), only what the person may see
    team_names: dict[str, str]  # team_id -> name, likewise
    team_areas: dict[str, str | None]  # every team -> its service area

    def month_label(self, option: str) -> str:
        """"Latest data (Mar 2021)" or "Sep 2020"; an unknown option is an error (KeyError)."""
        return self.month_labels[option]


def choices_for(path: str, version: FileVersion, snap: Snapshot, grant: Grant) -> Choices:
    """The pickers' choices; a database file found damaged part-way gives the message."""
    try:
        return _choices(path, version, _grant_key(grant), snap, grant)
    except DatabaseUnavailable as exc:
        st.error(str(exc))
        st.stop()


# Worked out once per database version and person's grant, and shared (st.cache_resource:
# frozen, only read): every run of every page draws both pickers, and making their options
# and labels afresh from the plan's tables cost ~5 ms a run (1m rows: 120 months, 200 teams).
@st.cache_resource(max_entries=64, show_spinner=False)
def _choices(path: str, version: FileVersion, grant_key: tuple, _snap: Snapshot, _grant: Grant) -> Choices:
    months = tuple(queries.available_months(_snap))
    latest = months[0] if months else date.today()
    options = (LATEST,) + tuple(m.isoformat() for m in months)
    every_team = queries.teams(_snap)
    # Only the teams and service areas this person may see are offered.
    teams = access.visible_teams(every_team, _grant)
    return Choices(months, latest, options, {o: as_at_label(o, latest) for o in options}, scope_choices(teams),
                   dict(zip(teams["team_id"], teams["team_name"])), _every_team_area(path, version, _snap))


def _choose_month_and_scope(choices: Choices, grant: Grant) -> tuple[str | None, list[str]]:
    scopes = choices.scopes
    # A head of service's own areas are their default scope.
    own = [t for t in (f"area:{a}" for a in grant.default_areas) if t in scopes]
    with st.sidebar:
        month = url_bound(st.selectbox, "As at", list(choices.month_options), key="as_at", default=LATEST,
                          format_func=choices.month_label,
                          help="The month the whole dashboard shows: ratings and figures on or before it.")
        tokens = []
        if scopes:
            _adopt_old_scope_links(scopes)
            tokens = url_bound(st.multiselect, "Figures for", list(scopes), key="scope", multi=True,
                               default=own, format_func=scopes.get, placeholder="Whole authority",
                               help=SCOPE_HELP)
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


# The database version the sidebar opened in this run, handed to the page: the sidebar's
# months and team names and the page's figures must come from one version, though a load
# may replace the file between the two (a browser test caught a sidebar of one data set
# above a page of the next).
_THIS_RUN = "_this_run_database"


def sidebar() -> None:
    """The month and the scope, drawn once per run by dashboard.py for whichever page runs."""
    page_style.apply()
    st.session_state[_SIDEBAR_IN_ENTRY_POINT] = True
    _leave_pages_directory_mode()
    st.session_state.pop(_THIS_RUN, None)  # never a version left by an earlier run
    opened = _open()
    st.session_state[_THIS_RUN] = opened
    grant = gate()
    _choose_month_and_scope(choices_for(*opened, grant), grant)


def page_context() -> PageContext:
    """Open the current database version, with the as-at month and the scope chosen in the
    sidebar (kept in the URL as ?as_at=YYYY-MM-DD&scope=area:Localities). The gate comes
    first: nobody without a grant gets as far as opening the database."""
    _leave_pages_directory_mode()
    grant = gate()
    # Taken, not read: a later run opens whatever version is current then.
    opened = st.session_state.pop(_THIS_RUN, None)
    path, version, snap = opened or _open()
    choices = choices_for(path, version, snap, grant)
    if st.session_state.get(_SIDEBAR_IN_ENTRY_POINT):
        month, tokens = st.session_state.get("as_at"), st.session_state.get("scope") or []
    else:  # a page script run on its own (tests): it draws the sidebar itself
        month, tokens = _choose_month_and_scope(choices, grant)
    as_at = date.fromisoformat(month) if month in choices.month_labels and month != LATEST else choices.latest
    scope = Scope.from_tokens(tokens)
    # The scope came from session state, which a forged request can set to anything.
    forbidden = forbidden_in(grant, choices.team_areas, (scope,))
    if forbidden:
        refuse(grant, "figures of teams outside your service areas", asked=forbidden)
    ctx = PageContext(path, version, as_at, choices.latest, snap, scope, grant)
    month_and_scope_line(ctx, choices)
    return ctx


# The main area's own month and scope choosers: on a phone the sidebar is folded away, and
# with it the month and the scope. Each is a second widget bound to the sidebar's (the one
# every page reads, kept in the URL), so there is still one month and one scope.
MAIN_MONTH_KEY = "as_at_main"
MAIN_SCOPE_KEY = "scope_main"


def _follow_main_month() -> None:
    st.session_state["as_at"] = st.session_state[MAIN_MONTH_KEY]


def _follow_main_scope() -> None:
    st.session_state["scope"] = list(st.session_state[MAIN_SCOPE_KEY])


def month_and_scope_line(ctx: PageContext, choices: Choices) -> None:
    """At the top of every page, one line saying whose figures at which month, and a "Change
    month or scope" button beside it whose menu sets the sidebar's month and scope."""
    scope = ctx.scope.name(choices.team_names)  # only the teams this person may see
    scopes = choices.scopes
    chosen = st.session_state.get("as_at")
    # Set before the widgets are drawn, so they always show the sidebar's month and scope.
    st.session_state[MAIN_MONTH_KEY] = chosen if chosen in choices.month_labels else LATEST
    if scopes:
        st.session_state[MAIN_SCOPE_KEY] = [t for t in (st.session_state.get("scope") or []) if t in scopes]
    words, button = st.columns([3, 1], vertical_alignment="center")
    words.caption(md_text(f"Figures as at {month_label(ctx.as_at)} · {scope}"))
    label = "Change month or scope" if scopes else "Change month"
    with button.popover(label, icon=":material/calendar_month:", width="stretch"):
        # Their own labels: two widgets both named "As at" (or "Figures for") could not be told
        # apart by a screen reader's list of form fields (or a test).
        st.selectbox("Month shown", list(choices.month_options), key=MAIN_MONTH_KEY, on_change=_follow_main_month,
                     format_func=choices.month_label,
                     help="The month the whole dashboard shows, the same as “As at” in the sidebar.")
        if scopes:
            st.multiselect("Figures shown for", list(scopes), key=MAIN_SCOPE_KEY, on_change=_follow_main_scope,
                           format_func=scopes.get, placeholder="Whole authority",
                           help=SCOPE_HELP + " The same as “Figures for” in the sidebar.")


def rag_badge(kind: str, code: str | None) -> None:
    """A RAG rating as a word, a shape and a colour (never colour alone)."""
    if code not in RAG_NAMES:
        st.badge(f"{kind}: not yet judged", color="gray")
        return
    st.badge(f"{kind}: {RAG_SHAPES[code]} {RAG_NAMES[code]}", color=RAG_BADGE_COLOURS[code])


VARIATION_BADGES = {"special_cause_improvement": ("blue", ":material/trending_up:"),
                    "special_cause_concern": ("orange", ":material/warning:"),
                    # Neither direction is better: MDC's purple, an arrow both ways.
                    "special_cause_neutral": ("violet", ":material/unfold_more:"),
                    "common_cause": ("gray", ":material/swap_vert:"), None: ("gray", ":material/more_horiz:")}
ASSURANCE_BADGES = {"consistent_pass": ("blue", ":material/check_circle:"),
                    "consistent_fail": ("orange", ":material/cancel:"),
                    "hit_or_miss": ("gray", ":material/help:"), None: ("gray", ":material/more_horiz:")}


def spc_badges(reading, polarity: str | None = None) -> None:
    """Making Data Count variation and assurance: icon, words and a tooltip (never colour
    alone). A withheld assurance is said in words instead of a badge (a badge would read as
    one more assurance level); a neutral measure has no assurance at all (no better
    direction to be assured of), so no assurance badge either."""
    from .analysis import withheld_words
    from .spc import NEUTRAL, describe_assurance, describe_variation

    if reading is None:
        return
    variation = describe_variation(reading.variation)
    colour, icon = VARIATION_BADGES.get(reading.variation, VARIATION_BADGES[None])
    st.badge(variation.label, icon=icon, color=colour, help=variation.tooltip)
    withheld = withheld_words(getattr(reading, "assurance_withheld", None))
    if withheld:
        st.caption(md_text(withheld))
        return
    spc = getattr(reading, "spc", None)
    if (polarity or (spc.polarity if spc is not None else None)) == NEUTRAL:
        return
    assurance = describe_assurance(reading.assurance)
    colour, icon = ASSURANCE_BADGES.get(reading.assurance, ASSURANCE_BADGES[None])
    st.badge(assurance.label, icon=icon, color=colour, help=assurance.tooltip)


# A table's first column names its rows (the measure, the team, the file). Sized to its
# longest name it took a phone's whole width, leaving the figures off-screen with nothing to
# say which row they were in. On a phone it is pinned, so it stays in view while the figures
# scroll beside it, and no wider than this, so the next columns show too. A cut name is whole
# in the cell's overlay (tap it) and in the table read by a screen reader. A wide screen keeps
# the whole names: there a pinned column does not share out the spare width, and cut them.
NAME_COLUMN_PX = 170
_CHAR_PX = 7.5  # the table's 14 px font, an average character, and the cell's padding
_CELL_PADDING_PX = 24


def name_column(table) -> dict:
    """The column_config for a table (a frame or an Arrow table) that pins its first column
    (whatever it holds: a load's number names its row too), capped at NAME_COLUMN_PX when its
    longest text would be wider."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(table, pa.Table):
        if table.num_columns == 0:
            return {}
        first, kind = table.column_names[0], table.schema.field(0).type
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        longest = (pc.max(pc.utf8_length(table.column(0))).as_py() or 0) if text else 0
    else:
        if len(table.columns) == 0:
            return {}
        first, column = table.columns[0], table.iloc[:, 0]
        text = pd.api.types.is_string_dtype(column) or column.dtype == object
        longest = int(column.astype(str).str.len().max() or 0) if text and len(column) else 0
    wide = max(longest, len(str(first))) * _CHAR_PX + _CELL_PADDING_PX > NAME_COLUMN_PX
    return {first: st.column_config.Column(pinned=True, width=NAME_COLUMN_PX if wide else None)}


def on_phone() -> bool:
    """Whether the browser says it is a phone: Chromium's client hint (Sec-CH-UA-Mobile: ?1),
    or "Mobile" in the user agent (iPhone Safari, Android browsers; tablets leave it out).
    The server cannot see the screen's width; CSS can, but not inside a table's canvas."""
    try:
        headers = st.context.headers
    except (AttributeError, RuntimeError):  # no browser session (a page run by a test)
        return False
    return headers.get("Sec-CH-UA-Mobile") == "?1" or "Mobile" in (headers.get("User-Agent") or "")


def phone_columns(frame) -> dict | None:
    """column_config for st.dataframe: the name column pinned and narrowed on a phone, else
    None (each column as wide as its contents). For a table not drawn by show_table."""
    return name_column(frame) if on_phone() else None


def show_table(frame: pd.DataFrame, key: str | None = None) -> None:
    """A frame as a table, in words (cipdash/headings.py: headings and dates as people say them);
    on a phone its name column pinned and narrowed (name_column)."""
    show_words_table(in_words(frame), key)


def show_words_table(shown: pd.DataFrame, key: str | None = None) -> None:
    """A table already in words (a Chart's `table`), on a phone its name column pinned."""
    st.dataframe(shown, hide_index=True, key=key, column_config=phone_columns(shown))


def show_chart(chart: Chart, key: str, grant: Grant, table_label: str = "The figures in this chart",
               downloads: bool = True) -> None:
    """The chart, its text alternative, its data as a table, and download buttons. A chart
    of a single figure is said in words instead (with its table): one dot is no trend."""
    if not chart.worth_drawing:
        # The title is escaped for plotly (it reads tags); the words are shown as plain text.
        st.markdown(md_text(f"{html.unescape(chart.title)}: only one figure so far, so there is no chart yet. "
                            f"{chart.alt}"))
        with st.expander(table_label):
            show_words_table(chart.table, key=f"{key}-table")
        return
    # theme=None: the chart's own layout (dark tick labels, our palette), not Streamlit's greys.
    # No "Download plot as a PNG" in the chart's toolbar: that file is made in the browser,
    # unmarked and unrecorded; the Download menu below makes it marked, recorded and only
    # for the roles allowed it.
    st.plotly_chart(chart.figure, key=key, alt=chart.alt, theme=None,
                    config={"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]})
    st.caption(md_text(chart.alt))
    with st.expander(table_label):
        show_words_table(chart.table, key=f"{key}-table")
    if downloads:
        chart_downloads(chart, key, grant)


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


def record(action: str, outcome: str, grant: Grant, **detail) -> None:
    """An audit row for the person viewing; if the log cannot be written, a plain message and
    nothing more (the action it would record does not happen unrecorded)."""
    try:
        audit.record(action, outcome, who(), grant.role, "dashboard", **detail)
    except audit.AuditUnavailable as exc:
        st.error(str(exc))
        st.stop()


def record_upload(check, outcome=None, failure: str = "") -> None:
    """The audit row of one upload (pages/data.py calls it once per upload applied or
    refused): each file with its sha256 and size, the outcome, and the figures added,
    revised and withdrawn."""
    import hashlib

    files = [{"file": name, "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
             for name, raw in check.files.items()]
    detail: dict = {"files": files}
    if outcome is not None:
        r = outcome.result
        detail |= {"load_id": r.load_id, "added": r.rows_added, "revised": r.rows_revised,
                   "withdrawn": getattr(r, "rows_withdrawn", 0), "unchanged": r.rows_unchanged,
                   "written": list(outcome.written), "backups": dict(outcome.kept)}
    else:
        detail["reason"] = failure
    record(audit.UPLOAD, "ok" if outcome is not None else "failed", gate(), **detail)


# Chart downloads hold the figures as plotted, never suppressed: internal files, for the
# roles allowed internal exports, and named so (the reports to publish are public packs).
INTERNAL_FILE_PREFIX = "INTERNAL_"


def _chart_file(chart: Chart, fmt: str, renderer, who: str = "local", role: str = access.ADMIN) -> bytes:
    """Made when its button is clicked, on a thread of its own (no page context there): the
    person and role were taken when the button was drawn, which only the allowed roles get."""
    from .exports.chart_files import chart_download, chart_title

    data = chart_download(chart, fmt, renderer).data
    audit.record(audit.EXPORT, "ok", who, role, "dashboard", kind="chart", format=fmt, version="internal",
                 scope=chart_title(chart), bytes=len(data))
    return data


def chart_downloads(chart: Chart, key: str, grant: Grant) -> None:
    """PNG, SVG, HTML, CSV and XLSX of one chart, for the page view's grant (the page's
    context has it: the gate runs once per page view, not once per chart). Each file is made
    only when its button is clicked (a deferred download, on its own thread), so a page
    rerun costs nothing; the images come from the one shared Chromium."""
    from .exports import CHART_FORMATS, chart_files

    if not grant.allows(access.INTERNAL_EXPORTS):
        return  # the figures are on the page; files of them are the public Report pack's job
    problem = chromium_problem()
    renderer = None if problem else image_renderer()
    person = who()
    with st.popover("Download", icon=":material/download:", key=f"{key}-downloads",
                    help="This chart as an image or a web page, or its figures as a spreadsheet"):
        for fmt, form in CHART_FORMATS.items():
            if form.needs_browser and problem:
                continue
            st.download_button(form.label,
                               data=functools.partial(_chart_file, chart, fmt, renderer, person, grant.role),
                               file_name=INTERNAL_FILE_PREFIX + chart_files.file_name(chart, fmt),
                               mime=form.mime,
                               key=f"{key}-download-{fmt}", on_click="ignore", width="stretch")
        st.caption("Internal: these files hold the figures NOT suppressed; not for publication. "
                   "PNG is print resolution (300 dpi at 16 cm wide). The CSV and Excel files hold exactly the "
                   "figures plotted, with the chart's title, unit and as-at date.")
        if problem:
            st.caption(md_text(problem))


def nav_link(page: str, label: str, **params) -> None:
    st.page_link(page, label=label, query_params=params or None)


@st.cache_data(max_entries=8, show_spinner=False)
def _pack_file(path: str, version: FileVersion, as_at: date, kind: str, value, public: bool,
               fmt: str, record_stamp: tuple | None, _snap: Snapshot, _meeting,
               trend_only: bool = False) -> tuple[str, str, bytes]:
    # record_stamp: the meeting record's version, so a note written since gives a new pack.
    from .exports import PACK_FORMATS, build_pack, pack_bytes, pack_file_name

    pack = build_pack(_snap, as_at, Scope(kind, value), public, _meeting, trend_only)
    renderer = image_renderer() if fmt in ("docx", "pptx", "pdf") else None
    return pack_file_name(pack, fmt), PACK_FORMATS[fmt].mime, pack_bytes(pack, fmt, renderer)


def pack_file(ctx: PageContext, scope: Scope, public: bool, fmt: str,
              trend_only: bool = False) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of the performance pack, cached for this database
    version, so asking again for the same pack is instant. Checked on the server: the
    version (public or internal) and the scope must be the person's to take, and every
    pack made is recorded in the audit log."""
    grant = ctx.grant
    if not access.may_export(grant, public):
        refuse(grant, "internal (unsuppressed) exports", scope=list(getattr(scope, "tokens", ())) or str(scope))
    forbidden = forbidden_in(grant, _team_areas(ctx.path, ctx.version, ctx.snapshot()), (scope,))
    if forbidden:
        refuse(grant, "a pack of teams outside your service areas", asked=forbidden)
    meeting, stamp = _meeting_for_pack()
    made = _pack_file(ctx.path, ctx.version, ctx.as_at, scope.kind, scope.value, public, fmt, stamp,
                      ctx.snapshot(), meeting, trend_only)
    record(audit.EXPORT, "ok", grant, kind="pack", format=fmt,
                 version="public" if public else "internal", as_at=ctx.as_at.isoformat(),
                 scope=list(getattr(scope, "tokens", ())) or ["authority"], file=made[0], bytes=len(made[2]))
    return made


def _meeting_for_pack():
    """(the meeting record, its version) for the pack; (None, None) when there is none yet.
    A record that cannot be read is still passed: the pack then says it could not be read."""
    from .meeting.cli import meeting_for_pack
    from .meeting.store import StoreUnavailable

    meeting = meeting_for_pack(None)
    if meeting is None:
        return None, None
    try:
        return meeting, meeting.stamp()
    except StoreUnavailable:
        return meeting, ("unavailable",)


def open_overview() -> None:
    """/overview: the Overview is the default page, served at "/"; old links and bookmarks
    to /overview open it with their month and scope (every value of a repeated key)."""
    st.switch_page("pages/overview.py", query_params={k: st.query_params.get_all(k) for k in st.query_params})


# --- failures ----------------------------------------------------------------------------
# Set by the test suite (tests/conftest.py): a failure then surfaces as the exception it is,
# for AppTest and the browser tests to report. Unset, as in every deployment, a person sees a
# plain message and a reference; the traceback goes to the server's log only.
SHOW_ERRORS_ENV = "CIPDASH_SHOW_ERRORS"
_log = logging.getLogger("cipdash.dashboard")


def plainly(step: Callable[[], None]) -> None:
    """Run a step of the page (the sidebar, the page itself) so that an unexpected failure
    never shows a traceback, a file path or Streamlit's own wording."""
    if os.environ.get(SHOW_ERRORS_ENV):
        step()
        return
    try:
        step()
    except Exception:  # st.stop/st.rerun are BaseExceptions and pass through untouched
        reference = secrets.token_hex(4)
        _log.exception("a page failed (reference %s)", reference)
        st.error(f"Sorry, something went wrong while showing this page, and it could not be finished. "
                 f"Nothing was changed. Please try again; if it happens again, tell your performance team "
                 f"the reference {reference}.", icon=":material/error:")


@st.cache_resource(show_spinner=False)
def _recovered_at_start(db_path: str, data_dir: str) -> str | None:
    """Once per dashboard process (and database): finish or undo an upload a crash left
    half-done, before anyone reads the files or the database."""
    from .uploads import recover_pending

    return recover_pending(Path(db_path), Path(data_dir))


def recover_interrupted_upload() -> None:
    from .uploads import folders

    what = _recovered_at_start(str(resolve_db()), str(folders()[1]))
    if what:
        _log.warning("recovered an interrupted upload at start: %s", what)

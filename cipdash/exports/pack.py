"""The monthly performance pack as a model: everything the Word, PowerPoint, PDF and Excel
writers put on the page, worked out once, so the four formats say the same thing.

    pack = build_pack(snapshot, as_at, Scope("team", "loc_east"), public=True)

- a cover: plan name, authority, scope, as-at month, whether the figures are suppressed;
- the summary table in the committee-appendix shape: reference, recommendation,
  implementation and impact RAG (words), the measures with latest value, previous figure
  and target, evidence, further actions, lead;
- a section per recommendation: its ratings, evidence and actions, a table of its
  measures (the scope's figures beside the whole authority's), and a chart per measure
  with a caption, a text description and a short narrative;
- "Other measures": the measures tied to no recommendation (vacancy rate, vacant posts),
  with their table and charts, after the recommendations;
- each section's measures table is the Making Data Count summary table: latest figure with
  its date (a stale one with its age), target, status (never plainly Met / Not met for a
  stale figure), team range, Variation and Assurance (an icon as letters and the words;
  a withheld assurance in words);
- each measure with SPC_MIN_POINTS or more monthly points gets its SPC chart after its trend
  chart (`trend_only=True` keeps the trend charts only);
- a key to what Red, Amber and Green mean: plan.toml's [rag] where the plan sets it, else
  DEFAULT_RAG_KEY (domain.md's reading);
- appendix tables: the data behind every chart.

Public packs (`public=True`) are suppressed throughout (publish.py): tables show "c",
charts leave suppressed points out, narratives never quote them, and the notes say so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from .. import analysis, queries, spc, trajectory, units
from ..cells import AUTHORITY_TEAM, RAG_NAMES
from ..charts import RAG_SHAPES, Chart, plot_text, spc_chart, trend_chart
from ..db import Snapshot
from ..formatting import MISSING, format_value, month_label, period_label
from ..scope import Scope
from ..suppression import NOT_AVAILABLE, SUPPRESSED
from ..targets import status
from . import narrative, publish

AUTHORITY_LABEL = "Whole authority"
PACK_TITLE = "Monthly performance pack"
MAX_TEAMS_PER_CHART = 7  # one line per colour of the palette; more is unreadable
NOT_JUDGED = "Not yet judged"

SUPPRESSION_NOTE = (
    "Published version: small numbers are suppressed, following the Department for Education's "
    "convention for children's social care statistics. Counts of 1 to 5, numerators and denominators "
    "of 1 to 5, and percentages whose denominator is 1 to 5 are shown as 'c'. Where a total (the whole "
    "authority's figure) would reveal a suppressed team figure, a further figure is also suppressed "
    "(secondary suppression). Suppressed figures are left out of the charts and never quoted in the "
    "text. 0 is a true zero; ':' means not available. Figures supplied without their underlying counts "
    "(averages such as weeks, and rates) are shown as supplied.")
INTERNAL_NOTE = (
    "Internal version: figures are NOT suppressed and may include small numbers. Not for publication; "
    "for a committee report or any published paper, produce the public version (Public pack, or "
    "python -m cipdash export --public).")
NO_CHILD_DATA_NOTE = (
    "This pack holds only aggregate figures (totals for teams and for the whole authority). The "
    "dashboard holds no child-level data, and nothing in this pack names or could identify a child.")
APPENDIX_INTRO = (
    "The figures behind each chart, as plotted: periods down, series across. Targets and comparators are "
    "in their own columns. The Excel version of this pack has the same figures as long tables, with the "
    "numerators and denominators.")
# What the colours mean when plan.toml has no [rag] table: domain.md's reading of the plan.
DEFAULT_RAG_KEY = {
    "red": "needs focused work, or is blocked",
    "amber": "on track within an agreed (longer) timescale",
    "green": "good progress, moving to completion",
}
RAG_KEY_PLAN_NOTE = "As the plan defines them (plan.toml)."
RAG_KEY_DEFAULT_NOTE = ("The plan does not define its RAG colours (plan.toml has no [rag] table), so this is "
                        "the usual meaning in improvement plans.")
OTHER_MEASURES_TITLE = "Other measures"
OTHER_MEASURES_INTRO = ("Measures the plan tracks that are not tied to a recommendation, such as "
                        "recruitment and retention.")
# An SPC chart (and a Variation reading) needs at least this many monthly points.
SPC_MIN_POINTS = spc.MIN_POINTS
# Making Data Count's icons as text: variation shows H or L (the side of the signal), an
# assurance P (pass), F (fail) or ? (hit or miss); the words follow, so no colour is needed.
ASSURANCE_ICONS = {spc.CONSISTENT_PASS: "(P)", spc.CONSISTENT_FAIL: "(F)", spc.HIT_OR_MISS: "(?)"}
COMMON_CAUSE_ICON = "(~)"
NO_READING = "–"
ACCESSIBILITY_NOTE = (
    "RAG ratings are given as words (Red, Amber, Green) as well as colours and shapes. Every chart has "
    "a text description, and the figures behind every chart are in the appendix tables.")


@dataclass(frozen=True)
class Rag:
    code: str | None  # R / A / G / None

    @property
    def word(self) -> str:
        return RAG_NAMES.get(self.code, NOT_JUDGED)

    @property
    def shape(self) -> str:
        return RAG_SHAPES.get(self.code, "")

    @property
    def label(self) -> str:
        """'● Green': the shape and the word (never the colour alone)."""
        return f"{self.shape} {self.word}" if self.shape else self.word


@dataclass
class PackTable:
    """A table for the pack: cells are numbers, dates, text, or the symbols c / : ."""

    title: str
    frame: pd.DataFrame
    units: dict[str, str] = field(default_factory=dict)  # column -> unit, for number formats
    note: str = ""


@dataclass
class PackChart:
    number: int
    rec_id: str
    measure_id: str
    chart: Chart            # as published: suppressed points are not in it
    caption: str
    narrative: list[str]    # sentences, shown under the chart
    table: PackTable        # the data behind it (suppressed cells "c" when public)
    png: bytes | None = None
    svg: bytes | None = None  # the PDF's picture: printed as vectors, drawn in about half the time
    notes: list["PackNote"] = field(default_factory=list)  # the meeting's commentary for the month
    kind: str = "trend"     # "trend" (against targets) or "spc" (process limits)

    @property
    def alt(self) -> str:
        return self.chart.alt


@dataclass
class MeasureLine:
    """One measure's figures for the summary and the section table."""

    measure_id: str
    name: str
    text: str  # "Assessments ...: 93.0% in Mar 2021 (previous 95.9% in Feb 2021); target ..."


@dataclass
class Section:
    rec_id: str
    title: str
    source: str
    aim: str
    lead: str
    implementation: Rag
    impact: Rag
    rated_at: date | None
    evidence: str
    further_actions: str
    measures: PackTable
    measure_lines: list[MeasureLine]
    charts: list[PackChart]
    notes: list["PackNote"] = field(default_factory=list)  # the meeting's commentary for the month


@dataclass
class Pack:
    plan_name: str
    authority: str
    as_at: date
    scope: Scope
    scope_label: str
    scope_name: str
    scope_team_ids: list[str]
    public: bool
    created: datetime
    notes: list[str]
    rag_counts: dict[str, dict[str, int]]
    sections: list[Section]

    title: str = PACK_TITLE
    # The measures tied to no recommendation (rec_id "", no ratings), or None.
    other_measures: Section | None = None
    # What Red, Amber and Green mean: (word, meaning) in that order, and where it comes from.
    rag_key: list[tuple[str, str]] = field(default_factory=list)
    rag_key_note: str = ""
    trend_only: bool = False
    # The meeting record (cipdash/meeting): open and recently closed actions, and what to
    # say about the record when the pack has none of it (unavailable, public version).
    actions: PackTable | None = None
    meeting_status: str = ""
    # The chart images while Chromium is still drawing them (exports.write_pack starts the
    # drawing, then the writer lays out the text and calls wait_for_images()).
    drawing: object = field(default=None, repr=False, compare=False)

    def wait_for_images(self, picture: str = "png") -> None:
        """Wait for images still being drawn, and set each chart's picture, "png" or "svg"
        (or raise the drawing's error); then check that every chart has that picture."""
        drawing, self.drawing = self.drawing, None
        if drawing is not None:
            drawing.wait()
        if any(getattr(c, picture) is None for c in self.charts):
            raise ValueError("render the pack's chart images first (exports.render_pack_images)")

    @property
    def all_sections(self) -> list[Section]:
        """The recommendations' sections, then Other measures (when there are any)."""
        return self.sections + ([self.other_measures] if self.other_measures is not None else [])

    @property
    def charts(self) -> list[PackChart]:
        return [c for s in self.all_sections for c in s.charts]

    @property
    def appendix(self) -> list[PackTable]:
        return [c.table for c in self.charts]

    @property
    def as_at_label(self) -> str:
        return month_label(self.as_at)

    @property
    def status_line(self) -> str:
        return ("Public version: small numbers suppressed" if self.public
                else "Internal version: not suppressed, not for publication")

    def summary_table(self) -> PackTable:
        """The committee-appendix table, one row per recommendation (RAG as words)."""
        rows = [{"Ref": s.rec_id, "Recommendation": s.title, "Implementation": s.implementation.word,
                 "Impact": s.impact.word, "Measures": "\n".join(f"• {m.text}" for m in s.measure_lines),
                 "Evidence": s.evidence, "Further actions": s.further_actions, "Lead": s.lead}
                for s in self.sections]
        return PackTable("Summary of progress", pd.DataFrame(rows, columns=SUMMARY_COLUMNS))

    def cover_facts(self) -> list[tuple[str, str]]:
        return [("Plan", self.plan_name), ("Authority", self.authority), ("Figures for", self.scope_label),
                ("As at", self.as_at_label), ("Version", self.status_line),
                ("Produced", self.created.strftime("%d %b %Y %H:%M"))]


SUMMARY_COLUMNS = ["Ref", "Recommendation", "Implementation", "Impact", "Measures", "Evidence",
                   "Further actions", "Lead"]
# The Making Data Count summary table (issue 13), one row per measure and series.
MEASURE_COLUMNS = ["Measure", "Figures for", "Latest", "Target", "Status", "Team range", "Variation",
                   "Assurance"]


@dataclass(frozen=True)
class PackNote:
    """A note from the meeting record, as text (never markup) for every format."""

    author: str
    written_at: str  # "04 Dec 2026 10:15" (UTC)
    text: str
    edited: bool

    @property
    def byline(self) -> str:
        return f"{self.author}, {self.written_at}" + (" (edited)" if self.edited else "")


RECENTLY_CLOSED_DAYS = 62  # closed actions stay in the pack for about two meetings
MEETING_PUBLIC_NOTE = ("Published version: the meeting's commentary and actions are left out (free text written "
                       "in the meeting may quote small numbers); they are in the internal version.")
MEETING_UNAVAILABLE_NOTE = ("The meeting record (commentary and actions) could not be read when this pack was "
                            "made, so it is not in this pack: {reason}")


class UnknownScope(ValueError):
    """--team / --service-area names nothing in the plan."""


def resolve_scope(snap: Snapshot, team: str | None = None, service_area: str | None = None) -> Scope:
    """The scope for a team id or service-area name (case-insensitive); UnknownScope lists
    what there is."""
    teams = queries.teams(snap)
    if team and service_area:
        raise UnknownScope("choose a team or a service area, not both")
    if team and team.upper() != AUTHORITY_TEAM:
        ids = list(teams["team_id"])
        match = [t for t in ids if t == team] or [t for t in ids if t.lower() == team.lower()]
        if not match:
            known = ", ".join(ids) or "none: the plan has no teams.csv"
            raise UnknownScope(f"no team '{team}' in the plan's teams.csv (teams: {known})")
        return Scope("team", match[0])
    if service_area:
        areas = sorted(a for a in teams["service_area"].dropna().unique())
        match = [a for a in areas if a == service_area] or [a for a in areas if a.lower() == service_area.lower()]
        if not match:
            known = ", ".join(areas) or "none: no team in teams.csv has a service_area"
            raise UnknownScope(f"no service area '{service_area}' in the plan's teams.csv (service areas: {known})")
        return Scope("service_area", match[0])
    return Scope("authority")


_CONTROL = {c: None for c in range(32) if c not in (9, 10, 13)}


def xml_safe(text) -> str:
    """Text with the control characters XML cannot hold removed (a vertical tab from an
    Excel Alt+Enter would otherwise stop the Word and PowerPoint files being written),
    line endings as \\n."""
    return str(text).translate(_CONTROL).replace("\r\n", "\n").replace("\r", "\n")


def _text(value) -> str:
    """Plan text for the pack: '' for missing, control characters removed."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) or pd.isna(value) \
        else xml_safe(value)


def _date(value) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


class _Measure:
    """One measure's series, suppression mask and targets, read once for the pack."""

    def __init__(self, snap: Snapshot, measure: dict, as_at: date, public: bool, rebase: pd.DataFrame,
                 baseline: int | None = None, chosen: dict | None = None):
        self.measure = measure | {"name": _text(measure["name"])}
        self.id = measure["measure_id"]
        self.unit = measure["unit"]
        self.polarity = measure["polarity"]
        self.tolerance = measure.get("tolerance")
        series = queries.measure_series(snap, self.id, as_at)
        series["period_end"] = pd.to_datetime(series["period_end"])
        self.series = series.reset_index(drop=True)
        self.mask = publish.series_mask(self.series, self.unit, public)
        self.targets = queries.measure_targets(snap, self.id)
        self.benchmarks = queries.measure_benchmarks(snap, self.id, as_at)
        self.rebase_dates = list(rebase.loc[rebase["measure_id"] == self.id, "rebase_date"])
        self.public = public
        self.as_at = as_at
        self.baseline = baseline  # the plan's fixed SPC baseline (measures.csv spc_baseline_points)
        # team_id -> (period end, period type) of its latest figure, as the latest_by_month mart chose it
        self.chosen = chosen or {}
        self._rows: dict[str, pd.DataFrame] | None = None
        self._latest: dict[str, narrative.Latest | None] = {}
        self._readings: dict[str, analysis.MeasureReading | None] = {}

    def team_rows(self, team_id: str) -> pd.DataFrame:
        """One team's rows with a value (the whole authority is team ALL)."""
        if self._rows is None:
            with_value = self.series[self.series["value"].notna()]
            self._rows = {t: g for t, g in with_value.groupby("team_id", sort=False)}
        return self._rows.get(team_id, self.series.iloc[0:0])

    def latest(self, team_id: str) -> narrative.Latest | None:
        if team_id not in self._latest:
            end, kind = self.chosen.get(team_id, (None, None))
            self._latest[team_id] = narrative.latest_of(self.team_rows(team_id), end, kind)
        return self._latest[team_id]

    def hidden(self, index) -> bool:
        return bool(self.mask.value.loc[index])

    def shown(self, row: pd.Series | None, with_period: bool = False):
        """A figure as display text: "c" when suppressed."""
        if row is None:
            return MISSING
        if self.hidden(row.name):
            return SUPPRESSED
        text = format_value(float(row["value"]), self.unit)
        return f"{text} ({period_label(_date(row['period_end']), row['period_type'])})" if with_period else text

    def figures(self, team_id: str, label: str) -> dict:
        """One row of the section's measures table (the Making Data Count summary table)."""
        latest = self.latest(team_id)
        row = {"Measure": self.measure["name"], "Figures for": label}
        if latest is None:
            return row | {"Latest": "No figures yet", "Target": MISSING, "Status": MISSING,
                          "Team range": self.team_range(None) if team_id == AUTHORITY_TEAM else MISSING,
                          "Variation": NO_READING, "Assurance": NO_READING}
        r = latest.row
        hidden = self.hidden(r.name)
        end, kind = _date(r["period_end"]), r["period_type"]
        target = r.get("target")
        has_target = target is not None and not pd.isna(target)
        state = status(float(r["value"]), float(target), self.polarity, self.tolerance) if has_target else None
        # A stale figure says its age beside it, and its status is never plainly Met / Not met.
        old = analysis.stale_words(end, kind, self.as_at)
        when = old if old else period_label(end, kind)
        variation, assurance = self.mdc_words(team_id)
        return row | {
            "Latest": f"{self.shown(r)} ({when})",
            "Target": (f"{format_value(float(target), self.unit)} by {month_label(_date(r['target_date']))}"
                       if has_target else "No target"),
            "Status": (SUPPRESSED if hidden and has_target else
                       analysis.status_words(state, end, kind, self.as_at) or MISSING),
            "Team range": self.team_range(r) if team_id == AUTHORITY_TEAM else MISSING,
            "Variation": variation, "Assurance": assurance,
        }

    def team_range(self, latest: pd.Series | None) -> str:
        """'71.4% to 97.2%': the lowest and highest team figure for the authority's latest
        period (suppressed team figures left out of a public pack, so the range never
        reveals one); '–' without two team figures."""
        if latest is None:
            return MISSING
        rows = self.series[(self.series["team_id"] != AUTHORITY_TEAM) & self.series["value"].notna()
                           & (self.series["period_end"] == latest["period_end"])
                           & (self.series["period_type"] == latest["period_type"])]
        if self.public:
            rows = rows[~self.mask.value.loc[rows.index].to_numpy(bool)]
        if len(rows) < 2:
            return MISSING
        return f"{format_value(float(rows['value'].min()), self.unit)} to {format_value(float(rows['value'].max()), self.unit)}"

    def mdc_words(self, team_id: str) -> tuple[str, str]:
        """(Variation, Assurance) as Making Data Count's icon in letters and the words; a
        withheld assurance in words; '–' with no reading (too few points, or a suppressed
        monthly point in a public pack)."""
        reading = self.analysed(team_id)
        if reading is None or reading.spc is None or reading.variation is None:
            return NO_READING, NO_READING
        result = reading.spc
        words = spc.describe_variation(reading.variation).label
        if reading.variation == spc.COMMON_CAUSE:
            variation = f"{COMMON_CAUSE_ICON} {words}"
        else:
            high = float(result.values[-1]) > float(result.centre[-1])
            variation = f"({'H' if high else 'L'}) {words}"
        if reading.assurance_withheld is not None:
            assurance = analysis.withheld_words(reading.assurance_withheld)
        elif self.polarity == spc.NEUTRAL or reading.assurance is None:
            assurance = NO_READING  # no target, or no better direction to be assured of
        else:
            assurance = f"{ASSURANCE_ICONS[reading.assurance]} {spc.describe_assurance(reading.assurance).label}"
        return variation, assurance

    def summary_text(self, team_ids: list[str], names: dict[str, str]) -> str:
        """"Name: 93.0% in Mar 2021 (previous 95.9%, Feb 2021); target 95.0% by Mar 2021: not met"
        for the whole authority, then the scope's teams."""
        auth = self.figures(AUTHORITY_TEAM, AUTHORITY_LABEL)
        latest = self.latest(AUTHORITY_TEAM)
        if latest is None:
            text = f"{self.measure['name']}: no figures yet"
        else:
            r = latest.row
            end = _date(r["period_end"])
            text = f"{self.measure['name']}: {self.shown(r)} in {period_label(end, r['period_type'])}"
            if analysis.is_stale(end, r["period_type"], self.as_at):
                age = analysis.age_in_months(end, self.as_at)
                text += f" ({age} months old)"
            if latest is not None and latest.previous is not None:
                before = latest.previous
                text += (f" (previous {self.shown(before)} in "
                         f"{period_label(_date(before['period_end']), before['period_type'])})")
            if auth["Target"] != "No target":
                state = auth["Status"] if auth["Status"] == SUPPRESSED else auth["Status"][0].lower() + auth["Status"][1:]
                text += f"; target {auth['Target']}: {state}"
        teams = []
        for t in team_ids:
            if self.latest(t) is not None:
                teams.append(f"{names.get(t, t)} {self.shown(self.latest(t).row)}")
        if teams:
            text += "; " + ", ".join(teams)
        return text

    def analysed(self, team_id: str) -> analysis.MeasureReading | None:
        """One team's reading (SPC, forecast, honest readings) of its monthly series, with the
        plan's fixed baseline, against the target of its latest figure; None when it has no
        monthly figures, or a monthly point is suppressed (the SPC words may quote any point)."""
        if team_id in self._readings:
            return self._readings[team_id]
        rows = self.team_rows(team_id)
        monthly = rows[rows["period_type"] == "month"]
        found = None
        if not monthly.empty and not bool(self.mask.value.loc[monthly.index].any()):
            latest = self.latest(team_id)
            r = latest.row
            target = r.get("target")
            target = None if target is None or pd.isna(target) else float(target)
            # The latest figure of any period type: its age and its status rule the reading.
            figure = self.measure | {"latest_value": r["value"], "latest_period_end": r["period_end"],
                                     "period_type": r["period_type"]}
            found = analysis.read_measure(
                figure, monthly[["period_end", "period_type", "value", "numerator", "denominator"]], target,
                _date(r.get("target_date")), self.rebase_dates, team_id, baseline_points=self.baseline,
                as_at=self.as_at)
        self._readings[team_id] = found
        return found

    def reading(self, team_id: str) -> str:
        """The analysis narrative (SPC, forecast) in plain words for the pack: too few points
        said as such, never 'trial limits'."""
        found = self.analysed(team_id)
        if found is None:
            return ""
        return plain_reading(found, self.unit, self.polarity, _date(self.latest(team_id).row.get("target_date")))

    def spc_sentences(self, team_id: str, label: str) -> list[str]:
        """Under an SPC chart: its Variation and Assurance in words, and a suggested restart
        of the limits where a sustained shift calls for one."""
        variation, assurance = self.mdc_words(team_id)
        if assurance == NO_READING:
            out = [f"{label}: variation {variation}."]
        elif assurance.startswith(spc.WITHHELD_WORDS.label):
            out = [f"{label}: variation {variation}. {assurance}."]
        else:
            out = [f"{label}: variation {variation}; assurance {assurance}."]
        found = self.analysed(team_id)
        suggestion = analysis.rebase_suggestion(self.id, found.suggested_rebase_date if found else None)
        if suggestion is not None:
            out.append(f"{suggestion.sentence}: a sustained shift means the earlier months no longer describe "
                       f"the process.")
        return out

    def spc_pack_chart(self, team_id: str, label: str) -> tuple[Chart, pd.DataFrame] | None:
        """The SPC chart of one series with SPC_MIN_POINTS or more monthly points, and its
        figures as the appendix shows them; None otherwise."""
        found = self.analysed(team_id)
        if found is None or found.spc is None or found.spc.n_points < SPC_MIN_POINTS:
            return None
        result = found.spc
        fc = found.forecast
        chart = spc_chart(self.measure, result, self.as_at, result.target, fc.target_date if fc is not None else None)
        chart.alt = chart.alt.replace(" Trial limits: fewer than 12 points.",
                                      " The latest limits rest on fewer than 12 months, so they may still move.")
        ends = [pd.Timestamp(d).date() for d in result.dates]
        periods = [month_label(d) for d in ends]
        frames = []
        for series, values in ((label, result.values), ("Average", result.centre),
                               ("Lower process limit", result.lower), ("Upper process limit", result.upper)):
            frames.append(pd.DataFrame({"Series": series, "Period": periods, "Period end": ends,
                                        "value": [float(v) for v in values]}))
        return chart, pd.concat(frames, ignore_index=True)

    def headline(self, team_id: str, label: str) -> str:
        return narrative.headline(self.latest(team_id), self.unit, self.polarity, self.tolerance, label,
                                  self.mask.value, self.as_at)

    def chart(self, team_ids: list[str], names: dict[str, str], as_at: date, public: bool) -> tuple[Chart, Chart]:
        """(the chart as published, the same chart unsuppressed: its data feeds the table)."""
        shown = [t for t in team_ids if not self.team_rows(t).empty][:MAX_TEAMS_PER_CHART]
        full = trend_chart(self.measure, self.series, self.targets, self.benchmarks, shown, as_at, names)
        if not public or not self.mask.any_hidden():
            return full, full
        plotted = publish.visible(self.series, self.mask)
        shown_public = [t for t in shown if ((plotted["team_id"] == t) & plotted["value"].notna()).any()]
        published = trend_chart(self.measure, plotted, self.targets, self.benchmarks, shown_public, as_at, names)
        dropped = self.series.loc[self.mask.value & self.series["team_id"].isin([AUTHORITY_TEAM, *shown])]
        if not dropped.empty:
            _show_gaps(published, dropped, names)
            note = (f"{len(dropped)} point(s) based on small numbers are suppressed and not plotted "
                    f"(gaps in the lines).")
            published.notes.append(note)
            published.alt = f"{published.alt} {note}"
        return published, full

    def table(self, full: Chart, title: str, public: bool) -> PackTable:
        """The data behind a chart: the unsuppressed chart's rows with hidden cells as "c"."""
        data = full.data.copy()
        data["team_id"] = data["team_id"].astype(object)
        value_col = value_heading(self.unit)
        out = pd.DataFrame({"Series": data["series"].astype(object), "Period": data["period"].astype(object),
                            "Period end": data["period_end"].astype(object)})
        values, nums, dens = [], [], []
        series = self.series
        hidden = dict(zip(zip(series["team_id"], series["period_end"].dt.date, series["period_type"]),
                          zip(self.mask.value, self.mask.numerator, self.mask.denominator)))
        has_counts = any(c in data and data[c].notna().any() for c in ("numerator", "denominator"))
        nothing = (False, False, False)
        cols = [data[c] if c in data else pd.Series([None] * len(data)) for c in ("value", "numerator", "denominator")]
        for team, end, kind, value, num, den in zip(data["team_id"], data["period_end"], data["period_type"], *cols):
            found = hidden.get((team, end, kind)) if isinstance(team, str) else None
            hv, hn, hd = found or nothing
            values.append(_cell(value, hv, public))
            nums.append(_cell(num, hn, public and found is not None))
            dens.append(_cell(den, hd, public and found is not None))
        out[value_col] = pd.Series(values, dtype=object)
        units = {value_col: self.unit}
        if has_counts:
            out["Numerator"] = pd.Series(nums, dtype=object)
            out["Denominator"] = pd.Series(dens, dtype=object)
            units |= {"Numerator": "count", "Denominator": "count"}
        note = "Suppressed cells are shown as 'c'." if public and self.mask.any_hidden() else ""
        return PackTable(title, out, units, note)


_TRIAL_LIMITS = re.compile(r" The limits are trial limits: only (\d+) points?( [^.]*)?\.")


def _plain_trial(match: re.Match) -> str:
    k = int(match[1])
    where = (match[2] or "").strip()
    where = "" if where == "in total" else f" {where}"
    return (f" The limits rest on only {k} month{'s' if k != 1 else ''}{where}, so they may still move as "
            f"more months come in.")


def plain_reading(reading: analysis.MeasureReading, unit: str, polarity: str, target_date: date | None) -> str:
    """The reading as the pack says it: the SPC sentence (spc.spc_sentence, with the
    withheld assurance in words) and the forecast, but in plain words where there are too
    few monthly points to judge variation, and 'trial limits' said as what they mean."""
    parts = []
    result = reading.spc
    if result is not None and result.n_points:
        n = result.n_points
        if result.variation is None:
            parts.append(f"With {n} monthly figure{'s' if n != 1 else ''} it is too soon to tell a real change "
                         f"from ordinary month-to-month variation ({SPC_MIN_POINTS} months are needed).")
        else:
            text = spc.spc_sentence(result, unit, polarity, result.target, target_date, reading.assurance_withheld)
            parts.append(_TRIAL_LIMITS.sub(_plain_trial, text))
    fc = reading.forecast
    if fc is not None and fc.status is not None:
        parts.append(trajectory.forecast_sentence(fc, unit))
    return " ".join(parts)


def wide_table(table: PackTable) -> PackTable:
    """A chart's figures as periods down and series across, as the Word, PDF and PowerPoint
    appendices print them (a fifth of the pages of the long table). The values are the
    ones plotted ('c' where suppressed); the Excel pack keeps the long table, with the
    numerators and denominators."""
    frame = table.frame
    value_col = next(c for c in frame.columns if str(c).startswith("Value"))
    order = list(dict.fromkeys(frame["Series"]))
    wide = frame.pivot_table(index="Period end", columns="Series", values=value_col, aggfunc="first",
                             dropna=False, sort=True)
    wide = wide.reindex(columns=[s for s in order if s in wide.columns])
    wide.insert(0, "Period ending", [month_label(d) for d in wide.index])
    wide = wide.reset_index(drop=True).astype(object).where(wide.reset_index(drop=True).notna(), None)
    wide.columns = [str(c) for c in wide.columns]
    unit = table.units.get(value_col)
    note = " ".join(filter(None, [table.note, f"{value_col}, as plotted. Numerators and denominators are in the "
                                              f"Excel version of this pack."]))
    return PackTable(table.title, wide, {c: unit for c in wide.columns[1:]}, note)


def untitled(chart: Chart) -> Chart:
    """The chart as a pack draws it: without its title inside the picture. The caption
    beside it says the title once, as text a screen reader and a search find; the title
    stays in Chart.title and the alt text names the measure. The top margin the title took
    is given back to the plot."""
    chart.figure.update_layout(title_text="", margin_t=20)
    return chart


def _show_gaps(chart: Chart, dropped: pd.DataFrame, names: dict[str, str]) -> None:
    """Break each monthly line where a suppressed point was left out, so the line does not
    join its neighbours across it as if nothing were missing (plotly leaves a gap at None)."""
    gaps: dict[str, set[str]] = {}
    for team, end, kind in zip(dropped["team_id"], dropped["period_end"], dropped["period_type"]):
        if kind == "month":
            label = AUTHORITY_LABEL if team == AUTHORITY_TEAM else plot_text(names.get(team, team))
            gaps.setdefault(label, set()).add(pd.Timestamp(end).strftime("%Y-%m-%d"))
    for trace in chart.figure.data:
        missing = gaps.get(trace.name)
        if not missing or trace.x is None:
            continue
        points = [(str(x)[:10], y) for x, y in zip(trace.x, trace.y)]
        known = {x for x, _ in points}
        first, last = (min(known), max(known)) if known else ("", "")
        points += [(d, None) for d in missing if d not in known and first < d < last]
        points.sort(key=lambda p: p[0])
        trace.x, trace.y = [p[0] for p in points], [p[1] for p in points]


def value_heading(unit: str) -> str:
    """The heading of a table's figures: "Value (%)", "Value (per 10,000)"."""
    known = units.find(unit)
    return f"Value ({known.heading if known else unit})"


def _cell(value, hidden: bool, published: bool):
    if hidden:
        return SUPPRESSED
    if value is None or (isinstance(value, float) and pd.isna(value)) or pd.isna(value):
        return NOT_AVAILABLE if published else None
    return float(value)


def scope_name(scope: Scope, names: dict[str, str]) -> str:
    """"Localities East", "Localities service area", "Whole authority"."""
    return AUTHORITY_LABEL if scope.is_authority else scope.name(names)


def scope_label(scope: Scope, names: dict[str, str]) -> str:
    if scope.kind == "team":
        return f"Team: {names.get(scope.value, scope.value)} (beside the whole authority)"
    if scope.kind == "service_area":
        return f"Service area: {scope.value} (its teams beside the whole authority)"
    if not scope.is_authority:
        return f"{scope.name(names)} (their teams beside the whole authority)"
    return AUTHORITY_LABEL


def shorten(text: str, limit: int) -> str:
    """Text cut at `limit` characters with a marker, for a slide that cannot hold more."""
    return text if len(text) <= limit else text[:limit].rstrip() + f"… [{len(text) - limit:,} more characters]"


def _pack_notes(notes: list[dict]) -> list[PackNote]:
    from ..meeting.views import when

    return [PackNote(_text(n["author"]), when(n["written_at"]), _text(n["text"]), n["revision"] > 1) for n in notes]


def rag_key(info: dict[str, str]) -> tuple[list[tuple[str, str]], str]:
    """What Red, Amber and Green mean, as (word, meaning), and a note of where that comes
    from: the plan's own words (plan.toml [rag], stored as plan_info rag_red / rag_amber /
    rag_green) where it has any, the stated default for a colour it leaves out."""
    own = {k: _text(info.get(f"rag_{k}") or "") for k in DEFAULT_RAG_KEY}
    key = [(k.capitalize(), own[k] or DEFAULT_RAG_KEY[k]) for k in ("red", "amber", "green")]
    if not any(own.values()):
        return key, RAG_KEY_DEFAULT_NOTE
    if all(own.values()):
        return key, RAG_KEY_PLAN_NOTE
    missing = ", ".join(k.capitalize() for k, v in own.items() if not v)
    return key, f"{RAG_KEY_PLAN_NOTE} The plan does not define {missing}: the usual meaning is given."


def build_pack(snap: Snapshot, as_at: date | None = None, scope: Scope | None = None,
               public: bool = False, meeting=None, trend_only: bool = False) -> Pack:
    """The pack at `as_at` (default: the latest data) for the whole authority, a team or a
    service area, suppressed for publication when `public`. `meeting` (a
    cipdash.meeting.MeetingStore, optional) adds the meeting's commentary for the as-at
    month under each chart and recommendation, and the open and recently closed actions.
    `trend_only`: no SPC charts (the trend charts against the targets only)."""
    scope = scope or Scope("authority")
    as_at = as_at or queries.latest_data_date(snap) or date.today()
    info = queries.plan_info(snap)
    teams = queries.teams(snap)
    names = {t: _text(n) for t, n in zip(teams["team_id"], teams["team_name"])}
    team_ids = [] if scope.kind == "authority" else scope.team_ids(teams)
    ratings = queries.ratings_at(snap, as_at)
    # Each measure's latest figure for the pack's teams and the whole authority: the mart's choice.
    latest = queries.latest_figures_for(snap, as_at, (AUTHORITY_TEAM, *team_ids))
    chosen: dict[str, dict] = {}
    for m, t, end, kind in zip(latest["measure_id"], latest["team_id"], latest["latest_period_end"],
                               latest["period_type"]):
        chosen.setdefault(m, {})[t] = (end, kind)
    measures = queries.measures(snap)
    rebase = snap.query("spc_rebase")
    baselines = analysis.baseline_points(snap)
    cache: dict[str, _Measure] = {}
    record = None
    if meeting is not None and not public:
        from ..meeting.views import RecordRead, month_key

        record = RecordRead(meeting, month_key(as_at))

    def measure_data(m: dict) -> _Measure:
        if m["measure_id"] not in cache:
            cache[m["measure_id"]] = _Measure(snap, m, as_at, public, rebase, baselines.get(m["measure_id"]),
                                              chosen.get(m["measure_id"]))
        return cache[m["measure_id"]]

    label = scope_label(scope, names)
    primary = scope.value if scope.kind == "team" else AUTHORITY_TEAM
    who = AUTHORITY_LABEL if primary == AUTHORITY_TEAM else names.get(primary, primary)
    number = 0

    def measures_block(linked: pd.DataFrame, rec_id: str):
        """The table rows, summary lines and charts of a section's measures."""
        nonlocal number
        rows, lines, pack_charts = [], [], []
        for m in linked.to_dict("records"):
            md = measure_data(m)
            for t in team_ids:
                rows.append(md.figures(t, names.get(t, t)))
            rows.append(md.figures(AUTHORITY_TEAM, AUTHORITY_LABEL))
            lines.append(MeasureLine(md.id, md.measure["name"], md.summary_text(team_ids, names)))
            if md.team_rows(AUTHORITY_TEAM).empty and not any(not md.team_rows(t).empty for t in team_ids):
                continue  # nothing to plot yet: the table says "No figures yet"
            number += 1
            published, full = md.chart(team_ids, names, as_at, public)
            untitled(published)
            sentences = [md.headline(t, names.get(t, t)) for t in team_ids]
            sentences.append(md.headline(AUTHORITY_TEAM, AUTHORITY_LABEL))
            reading = md.reading(primary)
            if reading:
                sentences.append(f"{who}: {reading}" if team_ids else reading)
            where = "" if scope.kind == "authority" else f", {scope_name(scope, names)}"
            caption = f"Figure {number}: {md.measure['name']}{where}, to {month_label(as_at)}"
            table = md.table(full, f"Table A{number}: the figures in Figure {number} ({md.measure['name']})", public)
            notes = _pack_notes(record.notes_for(measure_id=md.id)) if record else []
            pack_charts.append(PackChart(number, rec_id, md.id, published, caption, sentences, table, notes=notes))
            drawn = None if trend_only else md.spc_pack_chart(primary, who)
            if drawn is not None:
                chart, figures = drawn
                untitled(chart)
                number += 1
                caption = f"Figure {number}: {md.measure['name']}{where}, SPC chart ({who}), to {month_label(as_at)}"
                value_col = value_heading(md.unit)
                table = PackTable(f"Table A{number}: the figures in Figure {number} ({md.measure['name']}, SPC)",
                                  figures.rename(columns={"value": value_col}), {value_col: md.unit},
                                  "Monthly figures with the average and process limits the SPC chart draws.")
                pack_charts.append(PackChart(number, rec_id, md.id, chart, caption, md.spc_sentences(primary, who),
                                             table, kind="spc"))
        return rows, lines, pack_charts

    sections = []
    linked_ids: set[str] = set()
    for rec in ratings.to_dict("records"):
        linked = measures[measures["rec_ids"].fillna("").str.split(";").apply(lambda ids: rec["rec_id"] in ids)]
        linked_ids.update(linked["measure_id"])
        rows, lines, pack_charts = measures_block(linked, rec["rec_id"])
        frame = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
        measures_table = PackTable(f"Measures for recommendation {rec['rec_id']}", frame)
        sections.append(Section(
            rec_id=rec["rec_id"], title=_text(rec["title"]), source=_text(rec["source"]), aim=_text(rec["aim"]),
            lead=_text(rec["lead"]), implementation=Rag(rec["implementation"]), impact=Rag(rec["impact"]),
            rated_at=_date(rec["rated_at"]), evidence=_text(rec["evidence"]),
            further_actions=_text(rec["further_actions"]), measures=measures_table, measure_lines=lines,
            charts=pack_charts, notes=_pack_notes(record.notes_for(rec_id=rec["rec_id"])) if record else []))

    # Measures tied to no recommendation (vacancy rate, vacant posts): their own section.
    other = measures[~measures["measure_id"].isin(linked_ids)]
    other_section = None
    if not other.empty:
        rows, lines, pack_charts = measures_block(other, "")
        other_section = Section(
            rec_id="", title=OTHER_MEASURES_TITLE, source="", aim="", lead="", implementation=Rag(None),
            impact=Rag(None), rated_at=None, evidence="", further_actions="",
            measures=PackTable(OTHER_MEASURES_TITLE, pd.DataFrame(rows, columns=MEASURE_COLUMNS)),
            measure_lines=lines, charts=pack_charts)

    notes = [SUPPRESSION_NOTE if public else INTERNAL_NOTE, NO_CHILD_DATA_NOTE, ACCESSIBILITY_NOTE]
    if scope.kind != "authority":
        notes.insert(1, f"Figures for {scope_name(scope, names)} are shown beside the whole authority's. "
                        f"Team figures are held to the target that applies to each team where the plan sets one.")
    counts = {kind: queries.rag_counts(ratings, kind) for kind in ("implementation", "impact")}
    created = datetime.now().replace(microsecond=0)
    actions, meeting_status = None, ""
    if meeting is not None and public:
        meeting_status = MEETING_PUBLIC_NOTE
    elif record is not None and record.unavailable:
        meeting_status = MEETING_UNAVAILABLE_NOTE.format(reason=record.unavailable)
    elif record is not None:
        actions = _actions_table(record.actions, measures, created)
    if meeting_status:
        notes.append(meeting_status)
    key, key_note = rag_key(info)
    return Pack(plan_name=_text(info.get("name") or "Improvement plan"), authority=_text(info.get("authority") or ""),
                as_at=as_at, scope=scope, scope_label=label,
                scope_name=scope_name(scope, names), scope_team_ids=team_ids, public=public,
                created=created, notes=notes, rag_counts=counts, sections=sections, actions=actions,
                meeting_status=meeting_status, other_measures=other_section, rag_key=key, rag_key_note=key_note,
                trend_only=trend_only)


def _actions_table(actions: list[dict], measures: pd.DataFrame, created: datetime) -> PackTable:
    """Open actions (overdue first) and those closed in the last RECENTLY_CLOSED_DAYS."""
    from ..meeting.views import actions_frame, open_actions, recently_closed

    today = created.date()
    names = {m: _text(n) for m, n in zip(measures["measure_id"], measures["name"])}
    shown = open_actions(actions, today) + recently_closed(actions, created.astimezone(), RECENTLY_CLOSED_DAYS)
    frame = actions_frame(shown, names, today)
    for column in ("About", "Action", "Owner", "Raised by"):
        frame[column] = frame[column].map(_text)
    note = (f"Open actions, overdue first, then actions closed in the last {RECENTLY_CLOSED_DAYS} days. "
            "From the meeting record; the text is as written in the meeting.")
    return PackTable("Actions from the meeting", frame, note=note if shown else "No open or recently closed actions.")

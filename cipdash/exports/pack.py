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
- appendix tables: the data behind every chart.

Public packs (`public=True`) are suppressed throughout (publish.py): tables show "c",
charts leave suppressed points out, narratives never quote them, and the notes say so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from .. import analysis, queries
from ..cells import AUTHORITY_TEAM, RAG_NAMES
from ..charts import RAG_SHAPES, Chart, plot_text, trend_chart
from ..db import Snapshot
from ..formatting import MISSING, format_value, month_label, period_label
from ..suppression import NOT_AVAILABLE, SUPPRESSED
from ..targets import STATUS_WORDS, status
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


@dataclass
class Pack:
    plan_name: str
    authority: str
    as_at: date
    scope: queries.Scope
    scope_label: str
    scope_name: str
    scope_team_ids: list[str]
    public: bool
    created: datetime
    notes: list[str]
    rag_counts: dict[str, dict[str, int]]
    sections: list[Section]

    title: str = PACK_TITLE

    @property
    def charts(self) -> list[PackChart]:
        return [c for s in self.sections for c in s.charts]

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
MEASURE_COLUMNS = ["Measure", "Figures for", "Period", "Latest", "Previous", "A year earlier", "Target",
                   "Status"]


class UnknownScope(ValueError):
    """--team / --service-area names nothing in the plan."""


def resolve_scope(snap: Snapshot, team: str | None = None, service_area: str | None = None) -> queries.Scope:
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
        return queries.Scope("team", match[0])
    if service_area:
        areas = sorted(a for a in teams["service_area"].dropna().unique())
        match = [a for a in areas if a == service_area] or [a for a in areas if a.lower() == service_area.lower()]
        if not match:
            known = ", ".join(areas) or "none: no team in teams.csv has a service_area"
            raise UnknownScope(f"no service area '{service_area}' in the plan's teams.csv (service areas: {known})")
        return queries.Scope("service_area", match[0])
    return queries.Scope("authority")


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

    def __init__(self, snap: Snapshot, measure: dict, as_at: date, public: bool, rebase: pd.DataFrame):
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
        self._rows: dict[str, pd.DataFrame] | None = None
        self._latest: dict[str, narrative.Latest | None] = {}

    def team_rows(self, team_id: str) -> pd.DataFrame:
        """One team's rows with a value (the whole authority is team ALL)."""
        if self._rows is None:
            with_value = self.series[self.series["value"].notna()]
            self._rows = {t: g for t, g in with_value.groupby("team_id", sort=False)}
        return self._rows.get(team_id, self.series.iloc[0:0])

    def latest(self, team_id: str) -> narrative.Latest | None:
        if team_id not in self._latest:
            self._latest[team_id] = narrative.latest_of(self.team_rows(team_id))
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
        """One row of the section's measures table."""
        latest = self.latest(team_id)
        row = {"Measure": self.measure["name"], "Figures for": label}
        if latest is None:
            return row | {"Period": MISSING, "Latest": "No figures yet", "Previous": MISSING,
                          "A year earlier": MISSING, "Target": MISSING, "Status": MISSING}
        r = latest.row
        hidden = self.hidden(r.name)
        target = r.get("target")
        has_target = target is not None and not pd.isna(target)
        state = status(float(r["value"]), float(target), self.polarity, self.tolerance) if has_target else None
        return row | {
            "Period": period_label(_date(r["period_end"]), r["period_type"]),
            "Latest": self.shown(r),
            "Previous": self.shown(latest.previous, with_period=True),
            "A year earlier": self.shown(latest.year_earlier),
            "Target": (f"{format_value(float(target), self.unit)} by {month_label(_date(r['target_date']))}"
                       if has_target else "No target"),
            "Status": SUPPRESSED if hidden and has_target else STATUS_WORDS.get(state, MISSING),
        }

    def summary_text(self, team_ids: list[str], names: dict[str, str]) -> str:
        """"Name: 93.0% in Mar 2021 (previous 95.9%, Feb 2021); target 95.0% by Mar 2021: not met"
        for the whole authority, then the scope's teams."""
        auth = self.figures(AUTHORITY_TEAM, AUTHORITY_LABEL)
        latest = self.latest(AUTHORITY_TEAM)
        if auth["Period"] == MISSING:
            text = f"{self.measure['name']}: no figures yet"
        else:
            text = f"{self.measure['name']}: {auth['Latest']} in {auth['Period']}"
            if latest is not None and latest.previous is not None:
                before = latest.previous
                text += (f" (previous {self.shown(before)} in "
                         f"{period_label(_date(before['period_end']), before['period_type'])})")
            if auth["Target"] != "No target":
                state = auth["Status"] if auth["Status"] == SUPPRESSED else auth["Status"].lower()
                text += f"; target {auth['Target']}: {state}"
        teams = []
        for t in team_ids:
            f = self.figures(t, names.get(t, t))
            if f["Period"] != MISSING:
                teams.append(f"{names.get(t, t)} {f['Latest']}")
        if teams:
            text += "; " + ", ".join(teams)
        return text

    def reading(self, team_id: str) -> str:
        """The analysis narrative (SPC, forecast) of one team's monthly series, unless a
        monthly point in it is suppressed (the SPC sentence may quote any point)."""
        rows = self.team_rows(team_id)
        monthly = rows[rows["period_type"] == "month"]
        if monthly.empty or bool(self.mask.value.loc[monthly.index].any()):
            return ""
        latest = self.latest(team_id)
        target = latest.row.get("target") if latest is not None else None
        target_date = _date(latest.row.get("target_date")) if latest is not None else None
        if target is not None and pd.isna(target):
            target = None
        reading = analysis.read_measure(self.measure, monthly[["period_end", "period_type", "value", "numerator",
                                                                "denominator"]],
                                        target, target_date, self.rebase_dates, team_id)
        return reading.narrative

    def headline(self, team_id: str, label: str) -> str:
        rows = self.team_rows(team_id)
        return narrative.headline(rows, self.unit, self.polarity, self.tolerance, label, self.mask.value,
                                  self.latest(team_id))

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
        value_col = f"Value ({'%' if self.unit == 'percent' else _unit_words(self.unit)})"
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


def _unit_words(unit: str) -> str:
    return {"weeks": "weeks", "days": "days", "count": "count", "rate": "per 10,000", "number": "number"}.get(unit, unit)


def _cell(value, hidden: bool, published: bool):
    if hidden:
        return SUPPRESSED
    if value is None or (isinstance(value, float) and pd.isna(value)) or pd.isna(value):
        return NOT_AVAILABLE if published else None
    return float(value)


def scope_name(scope: queries.Scope, names: dict[str, str]) -> str:
    """"Localities East", "Localities service area", "Whole authority"."""
    return AUTHORITY_LABEL if scope.is_authority else scope.name(names)


def scope_label(scope: queries.Scope, names: dict[str, str]) -> str:
    if scope.kind == "team":
        return f"Team: {names.get(scope.value, scope.value)} (beside the whole authority)"
    if scope.kind == "service_area":
        return f"Service area: {scope.value} (its teams beside the whole authority)"
    if not scope.is_authority:
        return f"{scope.name(names)} (their teams beside the whole authority)"
    return AUTHORITY_LABEL


def build_pack(snap: Snapshot, as_at: date | None = None, scope: queries.Scope | None = None,
               public: bool = False) -> Pack:
    """The pack at `as_at` (default: the latest data) for the whole authority, a team or a
    service area, suppressed for publication when `public`."""
    scope = scope or queries.Scope("authority")
    as_at = as_at or queries.latest_data_date(snap) or date.today()
    info = queries.plan_info(snap)
    teams = queries.teams(snap)
    names = {t: _text(n) for t, n in zip(teams["team_id"], teams["team_name"])}
    team_ids = [] if scope.kind == "authority" else scope.team_ids(teams)
    ratings = queries.ratings_at(snap, as_at)
    measures = queries.measures(snap)
    rebase = snap.query("spc_rebase")
    cache: dict[str, _Measure] = {}

    def measure_data(m: dict) -> _Measure:
        if m["measure_id"] not in cache:
            cache[m["measure_id"]] = _Measure(snap, m, as_at, public, rebase)
        return cache[m["measure_id"]]

    label = scope_label(scope, names)
    primary = scope.value if scope.kind == "team" else AUTHORITY_TEAM
    sections, number = [], 0
    for rec in ratings.to_dict("records"):
        linked = measures[measures["rec_ids"].fillna("").str.split(";").apply(lambda ids: rec["rec_id"] in ids)]
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
            sentences = [md.headline(t, names.get(t, t)) for t in team_ids]
            sentences.append(md.headline(AUTHORITY_TEAM, AUTHORITY_LABEL))
            reading = md.reading(primary)
            if reading:
                who = AUTHORITY_LABEL if primary == AUTHORITY_TEAM else names.get(primary, primary)
                sentences.append(f"{who}: {reading}" if team_ids else reading)
            caption = (f"Figure {number}: {md.measure['name']}"
                       + ("" if scope.kind == "authority" else f", {scope_name(scope, names)}")
                       + f", to {month_label(as_at)}")
            table = md.table(full, f"Table A{number}: the figures in Figure {number} ({md.measure['name']})", public)
            pack_charts.append(PackChart(number, rec["rec_id"], md.id, published, caption, sentences, table))
        frame = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
        measures_table = PackTable(f"Measures for recommendation {rec['rec_id']}", frame)
        sections.append(Section(
            rec_id=rec["rec_id"], title=_text(rec["title"]), source=_text(rec["source"]), aim=_text(rec["aim"]),
            lead=_text(rec["lead"]), implementation=Rag(rec["implementation"]), impact=Rag(rec["impact"]),
            rated_at=_date(rec["rated_at"]), evidence=_text(rec["evidence"]),
            further_actions=_text(rec["further_actions"]), measures=measures_table, measure_lines=lines,
            charts=pack_charts))

    notes = [SUPPRESSION_NOTE if public else INTERNAL_NOTE, NO_CHILD_DATA_NOTE, ACCESSIBILITY_NOTE]
    if scope.kind != "authority":
        notes.insert(1, f"Figures for {scope_name(scope, names)} are shown beside the whole authority's. "
                        f"Team figures are held to the target that applies to each team where the plan sets one.")
    counts = {kind: queries.rag_counts(ratings, kind) for kind in ("implementation", "impact")}
    return Pack(plan_name=_text(info.get("name") or "Improvement plan"), authority=_text(info.get("authority") or ""),
                as_at=as_at, scope=scope, scope_label=label,
                scope_name=scope_name(scope, names), scope_team_ids=team_ids, public=public,
                created=datetime.now().replace(microsecond=0), notes=notes, rag_counts=counts, sections=sections)

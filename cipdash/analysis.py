"""Reading a measure's series: SPC variation and assurance, the forecast to the next
target, and the plain-English narrative — one place, so the overview cards, the charts,
the pack and `summary --json` all say the same thing.

The honest readings (data-contract.md) are ruled here too, once: `stale` (is_stale),
`assurance_withheld` (assurance_withheld; the reading's assurance is then None and the
narrative does not read the target against the limits), `suggested_rebase_date`
(spc.suggested_rebase), the fixed baseline's note, and the outturns of passed targets
(passed_targets); and worded for users by stale_words, status_words, withheld_words,
rebase_suggestion, PassedTarget.words and reading_words (all of them for one card).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from . import spc, trajectory, units
from .cache import per_version
from .cells import AUTHORITY_TEAM
from .db import Snapshot
from .formatting import format_value, month_label, period_label
from .targets import meets

# XmR is what the data contract (and summary --json) specify. The p′ chart is offered
# beside it for percentages that come with numerators and denominators.
METHOD_XMR = "xmr"
METHOD_P_PRIME = "p_prime"
FORECAST_STATUS_WORDS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}


# --- Honest readings (data-contract.md, "Honest readings") ----------------------------
# A latest figure is stale when it is more than this many calendar months before the
# as-at month, by its period type.
STALE_AFTER_MONTHS = {"month": 2, "quarter": 4, "year": 13}
PROCESS_CHANGED = spc.PROCESS_CHANGED


def age_in_months(period_end, as_at) -> int:
    """Calendar months between the period end's month and the as-at month (0: same month)."""
    pe, at = pd.Timestamp(period_end), pd.Timestamp(as_at)
    return (at.year * 12 + at.month) - (pe.year * 12 + pe.month)


def is_stale(period_end, period_type: str, as_at) -> bool:
    """The contract's rule: older than 2 months (month), 4 (quarter) or 13 (year)."""
    limit = STALE_AFTER_MONTHS.get(str(period_type))
    if limit is None or period_end is None or pd.isna(period_end):
        return False
    return age_in_months(period_end, as_at) > limit


def assurance_withheld(assurance: str | None, target_met: bool | None) -> str | None:
    """PROCESS_CHANGED when the MDC assurance would contradict the latest figure's own
    status (met, yet "consistently failing"; not met, yet "consistently passing"): the
    latest figures already lie outside the limits earlier months set. Else None."""
    if target_met is True and assurance == spc.CONSISTENT_FAIL:
        return PROCESS_CHANGED
    if target_met is False and assurance == spc.CONSISTENT_PASS:
        return PROCESS_CHANGED
    return None


@dataclass
class MeasureReading:
    measure_id: str
    team_id: str
    spc: spc.SpcResult | None
    forecast: trajectory.Forecast | None
    narrative: str
    # The honest-reading fields (data-contract.md); stale/age_months need the latest figure
    # and the as-at date, so readers without them leave them False / None.
    stale: bool = False
    age_months: int | None = None
    assurance_withheld: str | None = None
    latest_period_end: date | None = None
    period_type: str | None = None

    @property
    def variation(self) -> str | None:
        return self.spc.variation if self.spc is not None else None

    @property
    def assurance(self) -> str | None:
        """The MDC assurance, or None where it is withheld (see assurance_withheld)."""
        if self.spc is None or self.assurance_withheld is not None:
            return None
        return self.spc.assurance

    @property
    def suggested_rebase_date(self) -> date | None:
        return self.spc.suggested_rebase if self.spc is not None else None

    @property
    def baseline_note(self) -> str | None:
        return self.spc.baseline_note if self.spc is not None else None


def monthly_points(points: pd.DataFrame) -> pd.DataFrame:
    """The monthly points of one series, oldest first, without gaps in value."""
    p = points[(points["period_type"] == "month") & points["value"].notna()] if "period_type" in points else points
    return p.sort_values("period_end")


def spc_for(points: pd.DataFrame, polarity: str, target: float | None, rebase_dates=(),
            method: str = METHOD_XMR, baseline_points: int | None = None) -> spc.SpcResult | None:
    """SPC on monthly points (columns period_end, value[, numerator, denominator])."""
    p = monthly_points(points)
    if p.empty:
        return None
    dates = [pd.Timestamp(d).date() for d in p["period_end"]]
    rebase = [pd.Timestamp(d).date() for d in rebase_dates]
    if method == METHOD_P_PRIME:
        if p["numerator"].isna().any() or p["denominator"].isna().any() or (p["denominator"] <= 0).any():
            return None
        return spc.laney_p_prime(p["numerator"].to_numpy(float), p["denominator"].to_numpy(float), dates,
                                 polarity, rebase, target, baseline_points)
    return spc.xmr(p["value"].to_numpy(float), dates, polarity, rebase, target, baseline_points)


def forecast_for(points: pd.DataFrame, polarity: str, target: float | None,
                 target_date: date | None, result: spc.SpcResult | None = None,
                 unit: str | None = None) -> trajectory.Forecast | None:
    p = monthly_points(points)
    if p.empty or target_date is None:
        return None
    dates = [pd.Timestamp(d).date() for d in p["period_end"]]
    return forecast_of_current_process(dates, p["value"].to_numpy(float), result, target_date, target, polarity,
                                       unit)


def process_start(result: spc.SpcResult | None) -> date | None:
    """Where the process as it is now began: the plan's latest rebase within the series, or
    a sustained shift's start (the suggested restart), whichever is later; None when the
    series is one process throughout."""
    if result is None or result.dates is None or not result.n_points:
        return None
    starts = [result.dates[result.segment_starts[-1]]] if result.segment_starts[-1] > 0 else []
    if result.suggested_rebase is not None:
        starts.append(result.suggested_rebase)
    return max(starts) if starts else None


def forecast_of_current_process(dates, values, result: spc.SpcResult | None, target_date, target, polarity: str,
                                unit: str | None = None) -> trajectory.Forecast:
    """The forecast from the monthly points since the process last changed (process_start):
    a straight line fitted across a step change projects neither process (the sample's
    care proceedings, down from 30 to 17 weeks, projected -4.8 to 10.4 weeks). Its range
    is kept within what the unit can be (no negative weeks, no 104%)."""
    since = process_start(result)
    values = np.asarray(values, dtype=float)
    if since is not None:
        keep = [i for i, d in enumerate(dates) if d >= since]
        dates, values = [dates[i] for i in keep], values[keep]
    window = trajectory.DEFAULT_WINDOW
    fc = trajectory.forecast(list(dates)[-window:], values[-window:], target_date, target, polarity)
    if since is not None and fc.n_points < trajectory.MIN_FORECAST_POINTS:
        fc = replace(fc, reason=(f"Only {fc.n_points} monthly point{'s' if fc.n_points != 1 else ''} since the "
                                 f"process changed in {month_label(since)}; a forecast needs at least "
                                 f"{trajectory.MIN_FORECAST_POINTS}."))
    known = units.find(unit)
    low, high = known.range if known else (None, None)
    if fc.projected is not None and (low is not None or high is not None):
        fc = replace(fc, **{k: float(np.clip(getattr(fc, k), low, high))
                            for k in ("projected", "lower", "upper") if getattr(fc, k) is not None})
    return fc


def narrative(result: spc.SpcResult | None, fc: trajectory.Forecast | None, unit: str, polarity: str,
              target: float | None, target_date: date | None, withheld: str | None = None) -> str:
    parts = []
    if result is not None and result.n_points:
        parts.append(spc.spc_sentence(result, unit, polarity, target, target_date, withheld))
    if fc is not None and fc.status is not None:
        parts.append(trajectory.forecast_sentence(fc, unit, _trend_disagrees(result, fc, target, withheld)))
    return " ".join(parts)


def _trend_disagrees(result: spc.SpcResult | None, fc: trajectory.Forecast, target: float | None,
                     withheld: str | None) -> bool:
    """The assurance says the target will not be met (or always will) without a change to
    the process, and the trend's projection says it may be (or may not)."""
    if result is None or withheld is not None:
        return False
    assurance = spc.assurance_for(result, target)
    return ((assurance == spc.CONSISTENT_FAIL and fc.status in (trajectory.ON_TRACK, trajectory.AT_RISK))
            or (assurance == spc.CONSISTENT_PASS and fc.status in (trajectory.OFF_TRACK, trajectory.AT_RISK)))


def _baseline(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def read_measure(measure: dict, points: pd.DataFrame, target: float | None, target_date: date | None,
                 rebase_dates=(), team_id: str = AUTHORITY_TEAM, method: str = METHOD_XMR,
                 baseline_points: int | None = None, as_at: date | None = None) -> MeasureReading:
    """One measure's reading. `measure`: its plan row, or its latest_figures row (whose
    latest_value, latest_period_end and period_type are then the latest figure; without
    them the latest monthly point is). baseline_points: measure["spc_baseline_points"]
    unless given. as_at: for `stale` (no as-at, never stale)."""
    target = None if target is None or (isinstance(target, float) and np.isnan(target)) else float(target)
    if baseline_points is None:
        baseline_points = _baseline(measure.get("spc_baseline_points"))
    polarity = measure["polarity"]
    result = spc_for(points, polarity, target, rebase_dates, method, baseline_points)
    fc = forecast_for(points, polarity, target, target_date, result, measure["unit"])
    latest, period_end, period_type = (measure.get("latest_value"), measure.get("latest_period_end"),
                                       measure.get("period_type"))
    if latest is None or pd.isna(latest):
        monthly = monthly_points(points)
        latest = period_end = period_type = None
        if not monthly.empty:
            latest, period_end, period_type = monthly["value"].iloc[-1], monthly["period_end"].iloc[-1], "month"
    return _reading(measure["measure_id"], team_id, result, fc, measure["unit"], polarity, target, target_date,
                    latest, period_end, period_type, as_at)


def _reading(measure_id: str, team_id: str, result: spc.SpcResult | None, fc: trajectory.Forecast | None,
             unit: str, polarity: str, target: float | None, target_date: date | None, latest_value,
             latest_period_end, period_type: str | None, as_at: date | None) -> MeasureReading:
    """The reading's words and honest-reading fields, the same for every path in."""
    latest_value = None if latest_value is None or pd.isna(latest_value) else float(latest_value)
    withheld = assurance_withheld(result.assurance if result is not None else None,
                                  meets(latest_value, target, polarity))
    text = narrative(result, fc, unit, polarity, target, target_date, withheld)
    end = None if latest_period_end is None or pd.isna(latest_period_end) else pd.Timestamp(latest_period_end).date()
    age = age_in_months(end, as_at) if end is not None and as_at is not None else None
    stale = is_stale(end, period_type, as_at) if age is not None else False
    return MeasureReading(measure_id, team_id, result, fc, text, stale, age, withheld, end, period_type)


def baseline_points(snap: Snapshot) -> dict[str, int]:
    """measure_id -> its fixed SPC baseline (measures.csv spc_baseline_points), where set."""
    return dict(_baseline_points(snap))


# Read once per database version (read_all runs per as-at date and team; ~1.4 ms a query).
@per_version
def _baseline_points(snap: Snapshot) -> dict[str, int]:
    rows = snap.query("spc_baselines")
    return {m: int(n) for m, n in zip(rows["measure_id"], rows["spc_baseline_points"])}


def rebase_dates(snap: Snapshot) -> dict[str, list[date]]:
    """measure_id -> its SPC rebase dates (spc_rebase.csv), oldest first."""
    return rebase_by_measure(snap.query("spc_rebase"))


def rebase_by_measure(rebase: pd.DataFrame) -> dict[str, list[date]]:
    """The rows of queries/spc_rebase.sql as measure_id -> its rebase dates, oldest first."""
    out: dict[str, list[date]] = {}
    for m, d in zip(rebase["measure_id"], rebase["rebase_date"]):
        out.setdefault(m, []).append(pd.Timestamp(d).date())
    return out


def _monthly_by_measure(points: pd.DataFrame) -> dict[str, tuple[np.ndarray, tuple[date, ...]]]:
    """measure_id -> (values, dates) of its monthly points, oldest first: one pass over the
    frame with numpy rather than a pandas filter per measure (40 filters cost ~10 ms)."""
    p = points
    if "period_type" in p:
        p = p[p["period_type"] == "month"]
    p = p[p["value"].notna()]
    if p.empty:
        return {}
    p = p.sort_values(["measure_id", "period_end"], kind="stable")
    ids = p["measure_id"].to_numpy()
    values = p["value"].to_numpy(float)
    days = pd.to_datetime(p["period_end"]).to_numpy().astype("datetime64[D]").tolist()  # dates, made in C
    cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    bounds = zip(np.concatenate(([0], cuts)).tolist(), np.concatenate((cuts, [len(ids)])).tolist())
    return {ids[a]: (values[a:b], tuple(days[a:b])) for a, b in bounds}


def _column(figures, name: str, n: int) -> list:
    """A column of `figures` (a frame or a dict of arrays) as a list; Nones if absent."""
    return list(figures[name].tolist()) if name in figures else [None] * n


def read_all(snap: Snapshot, as_at: date, team: str, figures: pd.DataFrame,
             points: pd.DataFrame | None = None,
             rebase: dict[str, list[date]] | None = None,
             baselines: dict[str, int] | None = None) -> dict[str, MeasureReading]:
    """A reading for each measure in `figures` (latest_figures rows), from its monthly points
    up to as_at, against the next target of its latest figure. `points`: the team's figures
    up to as_at when the caller has them already (any period types; only monthly points
    with a value are read); `rebase`: rebase_dates(snap), when the caller keeps it;
    `baselines`: baseline_points(snap) likewise (else figures' spc_baseline_points column,
    else the snapshot's)."""
    readings = {}
    for m in _series_of(snap, as_at, team, figures, points, rebase, baselines):
        result = fc = None
        if m.values is not None:
            # As spc_for and forecast_for, on arrays already in date order.
            result = spc.xmr(m.values, m.dates, m.polarity, m.rebase, m.target, m.baseline)
            if m.target_date is not None:
                fc = forecast_of_current_process(list(m.dates), m.values, result, m.target_date, m.target,
                                                 m.polarity, m.unit)
        readings[m.measure_id] = _reading(m.measure_id, team, result, fc, m.unit, m.polarity, m.target,
                                          m.target_date, m.latest, m.period_end, m.period_type, as_at)
    return readings


def variations(snap: Snapshot, as_at: date, team: str, figures: pd.DataFrame,
               points: pd.DataFrame | None = None,
               rebase: dict[str, list[date]] | None = None,
               baselines: dict[str, int] | None = None) -> dict[str, str | None]:
    """measure_id -> the SPC variation of its monthly points up to as_at (None without any):
    read_all's `variation`, from the same points and limits, without the forecast and the
    words, for a table that shows only the variation (a team's row of every measure)."""
    return {m.measure_id: (spc.xmr(m.values, m.dates, m.polarity, m.rebase, m.target, m.baseline).variation
                           if m.values is not None else None)
            for m in _series_of(snap, as_at, team, figures, points, rebase, baselines)}


@dataclass(frozen=True)
class _Series:
    """One measure's inputs to its reading: its monthly points in date order (values None
    without any), its plan and target, and its latest figure."""

    measure_id: str
    values: np.ndarray | None
    dates: tuple
    polarity: str
    unit: str
    target: float | None
    target_date: date | None
    rebase: tuple
    baseline: int | None
    latest: object
    period_end: object
    period_type: str | None


def _series_of(snap: Snapshot, as_at: date, team: str, figures: pd.DataFrame, points: pd.DataFrame | None,
               rebase: dict[str, list[date]] | None, baselines: dict[str, int] | None):
    """The _Series of each measure in `figures`, in its order (see read_all for the arguments)."""
    if points is None:
        points = snap.query("monthly_points", teams=[team], as_at=as_at, measure_id=None)
    series = _monthly_by_measure(points)
    rebase = rebase_dates(snap) if rebase is None else rebase
    if baselines is None:
        if "spc_baseline_points" in figures:
            baselines = {m: int(n) for m, n in zip(figures["measure_id"].tolist(),
                                                     figures["spc_baseline_points"].tolist())
                         if n is not None and not pd.isna(n)}
        else:
            baselines = baseline_points(snap) if snap is not None else {}
    # Column by column: to_dict("records") boxes every cell and cost more than the loop.
    n = len(figures["measure_id"])
    columns = [figures[c].tolist() for c in ("measure_id", "target", "target_date", "polarity", "unit")]
    columns += [_column(figures, c, n) for c in ("latest_value", "latest_period_end", "period_type")]
    for mid, target, target_date, polarity, unit, latest, period_end, period_type in zip(*columns):
        target = None if target is None or pd.isna(target) else float(target)
        target_date = None if pd.isna(target_date) else pd.Timestamp(target_date).date()
        values, dates = series.get(mid, (None, ()))
        yield _Series(mid, values, dates, polarity, unit, target, target_date, tuple(rebase.get(mid, ())),
                      baselines.get(mid), latest, period_end, period_type)


# --- The honest readings in words (for cards, pages and the pack alike) ----------------
STALE_STATUS_WORDS = {"met": "Met", "within_tolerance": "Within tolerance", "not_met": "Not met"}


def figure_label(period_end, period_type: str) -> str:
    """'Oct 2019' (month), 'Q3 2019/20' (quarter), '2019/20' (year)."""
    return period_label(period_end, period_type)


def stale_words(period_end, period_type: str, as_at) -> str | None:
    """'Oct 2019 figure, 12 months old' for a stale latest figure; None when it is not stale."""
    if period_end is None or not is_stale(period_end, period_type, as_at):
        return None
    age = age_in_months(period_end, as_at)
    return f"{figure_label(period_end, period_type)} figure, {age} month{'s' if age != 1 else ''} old"


def status_words(status: str | None, period_end, period_type: str, as_at) -> str | None:
    """The status of the latest figure against its target in words: 'Met', 'Not met', ...;
    for a stale figure never plainly so, but 'Met in Oct 2019 (12 months old)'."""
    if status is None:
        return None
    word = STALE_STATUS_WORDS[status]
    if period_end is None or not is_stale(period_end, period_type, as_at):
        return word
    age = age_in_months(period_end, as_at)
    return f"{word} in {figure_label(period_end, period_type)} ({age} month{'s' if age != 1 else ''} old)"


def withheld_words(withheld: str | None) -> str | None:
    """'Assurance not assessed: the latest figures lie outside the limits set by earlier
    months' where the assurance is withheld; None otherwise."""
    return spc.WITHHELD_WORDS.tooltip if withheld == PROCESS_CHANGED else None


@dataclass(frozen=True)
class RebaseSuggestion:
    """Where a measure's SPC limits probably need restarting, and how to accept it: the
    row to add to cip_data/spc_rebase.csv (measure_id,rebase_date,reason)."""

    measure_id: str
    rebase_date: date
    sentence: str
    csv_row: str


def rebase_suggestion(measure_id: str, suggested: date | None) -> RebaseSuggestion | None:
    if suggested is None:
        return None
    when = month_label(suggested)
    # No comma, quote or line break in the reason: the row is pasted into a CSV file as is.
    reason = f"Sustained shift from {when} (suggested by the dashboard)"
    return RebaseSuggestion(measure_id, suggested, f"The limits probably need restarting from {when}",
                            f"{measure_id},{suggested.isoformat()},{reason}")


@dataclass(frozen=True)
class PassedTarget:
    """A target whose date has passed, with its outturn: the figure for the period ending
    on the target date, or else the latest one before it (None when there is none)."""

    target_date: date
    target: float
    applies_to: str
    outturn: float | None
    outturn_period_end: date | None
    outturn_period_type: str | None
    met: bool | None

    def words(self, unit: str) -> str:
        """'Mar 2020 target 85.0%: outturn 73.6%, not met' (the outturn's period named
        when it is not the target's month)."""
        head = f"{month_label(self.target_date)} target {format_value(self.target, unit)}"
        if self.outturn is None:
            return f"{head}: no figure by then"
        when = ""
        if month_label(self.outturn_period_end) != month_label(self.target_date) or self.outturn_period_type != "month":
            when = f" ({figure_label(self.outturn_period_end, self.outturn_period_type)})"
        verdict = "met" if self.met else "not met"
        return f"{head}: outturn {format_value(self.outturn, unit)}{when}, {verdict}"


_PERIOD_RANK = {"month": 0, "quarter": 1, "year": 2}


def _targets_for_scope(targets: pd.DataFrame, scope: str) -> list[tuple[date, float, str]]:
    """One target per date: for the authority its own target where both kinds share a date
    (else the each_team one, which applies to it too); for a team, each_team targets only
    (as next_targets in marts.sql chooses)."""
    chosen: dict[date, tuple[float, str]] = {}
    for d, t, applies in zip(targets["target_date"], targets["target"], targets["applies_to"]):
        if t is None or pd.isna(t) or d is None or pd.isna(d):
            continue
        if scope != "authority" and applies != "each_team":
            continue
        d = pd.Timestamp(d).date()
        if d not in chosen or applies == ("authority" if scope == "authority" else "each_team"):
            chosen[d] = (float(t), applies)
    return sorted((d, t, a) for d, (t, a) in chosen.items())


def passed_targets(series: pd.DataFrame, targets: pd.DataFrame, polarity: str, as_at: date,
                   scope: str = "authority") -> list[PassedTarget]:
    """Targets of one measure dated before as_at, oldest first, each with its outturn.

    series: the figures of the series shown (period_end, period_type, value; any period
    types; the shortest period wins at a shared period end, as for the latest figure);
    targets: the measure's rows of targets.csv (target_date, target, applies_to);
    scope: 'authority' or 'team'."""
    figures = series[series["value"].notna()] if len(series) else series
    ends = [pd.Timestamp(d).date() for d in figures["period_end"]] if len(figures) else []
    kinds = list(figures["period_type"]) if len(figures) else []
    values = [float(v) for v in figures["value"]] if len(figures) else []
    out = []
    cutoff = pd.Timestamp(as_at).date()
    for when, target, applies in _targets_for_scope(targets, scope):
        if when >= cutoff:
            continue
        best = None
        for end, kind, value in zip(ends, kinds, values):
            if end > when:
                continue
            key = (end, -_PERIOD_RANK.get(kind, 3))
            if best is None or key > best[0]:
                best = (key, end, kind, value)
        if best is None:
            out.append(PassedTarget(when, target, applies, None, None, None, None))
        else:
            _, end, kind, value = best
            out.append(PassedTarget(when, target, applies, value, end, kind, meets(value, target, polarity)))
    return out


def upcoming_target(targets: pd.DataFrame, as_at: date, scope: str = "authority") -> tuple[date, float] | None:
    """The target to show beside the passed ones: the earliest dated on or after as_at."""
    cutoff = pd.Timestamp(as_at).date()
    for when, target, _ in _targets_for_scope(targets, scope):
        if when >= cutoff:
            return when, target
    return None


def reading_words(reading: MeasureReading, status: str | None, as_at: date) -> dict[str, str | None]:
    """Everything a card (or a row of the pack) says of the honest readings, in words:
    status ('Met', or 'Met in Oct 2019 (12 months old)' when stale), stale ('Oct 2019
    figure, 12 months old'), assurance_withheld, rebase (the suggestion's sentence),
    rebase_row (the line to add to cip_data/spc_rebase.csv) and baseline (the note)."""
    end, kind = reading.latest_period_end, reading.period_type
    suggestion = rebase_suggestion(reading.measure_id, reading.suggested_rebase_date)
    return {
        "status": status_words(status, end, kind, as_at) if end is not None else
                  (STALE_STATUS_WORDS[status] if status else None),
        "stale": stale_words(end, kind, as_at) if end is not None else None,
        "assurance_withheld": withheld_words(reading.assurance_withheld),
        "rebase": suggestion.sentence if suggestion else None,
        "rebase_row": suggestion.csv_row if suggestion else None,
        "baseline": reading.baseline_note,
    }

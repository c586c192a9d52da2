"""Measures: one measure's trend against its targets, or its SPC chart, for the authority
and the sidebar scope's teams, with its honest readings in words."""
from __future__ import annotations

from dataclasses import dataclass

from .. import analysis, charts, queries
from ..charts import Chart
from . import scope_team_ids, team_names

# The page's views of a measure, in the order the View control offers them.
VIEWS = {"trend": "Trend against targets", "xmr": "SPC (XmR)", "p_prime": "SPC (p′, for percentages)"}


@dataclass(frozen=True)
class MeasureChoices:
    """The measure picker: ids grouped by the recommendation each evidences (its first one,
    in plan order), with their labels."""

    options: tuple[str, ...]
    labels: dict[str, str]
    # "How it is counted", shown under the picker, for the measures whose measures.csv row says.
    definitions: dict[str, str]


@dataclass(frozen=True)
class Rebase:
    """A suggested restart of the SPC limits: the sentence, the chart as it would be, and
    the spc_rebase.csv row that accepts it."""

    sentence: str
    preview: Chart | None
    suggestion: analysis.RebaseSuggestion | None
    row: str


@dataclass(frozen=True)
class MeasureView:
    measure_id: str
    reading: object  # analysis.MeasureReading or None: the SPC badges and narrative
    polarity: str | None
    narrative: str | None
    honest_lines: tuple[str, ...]  # the honest readings, one bullet each
    trend: Chart | None  # the trend view's chart and its figures
    # The SPC views: what to say when there is no SPC chart, or the chart and its notes.
    no_spc: str | None = None
    spc_caption: str | None = None
    trial_limits: bool = False
    spc: Chart | None = None
    rebase: Rebase | None = None
    spc_method: str = "xmr"


def measure_choices(reader) -> MeasureChoices:
    """Empty options when the plan has no measures yet."""
    measures = reader.get(queries.measures)
    if measures.empty:
        return MeasureChoices((), {}, {})
    recommendations = reader.get(queries.recommendations)
    rec_order = {r: i for i, r in enumerate(recommendations["rec_id"])}
    measures = measures.assign(first_rec=measures["rec_ids"].fillna("").str.split(";").str[0])
    measures = measures.sort_values(by=["first_rec", "sort_order"],
                                    key=lambda s: s.map(rec_order).fillna(len(rec_order)) if s.name == "first_rec" else s)
    labels = {m.measure_id: (f"{m.first_rec} · {m.name}" if m.first_rec else m.name) for m in measures.itertuples()}
    definitions = {m: d for m, d in zip(measures["measure_id"], measures["definition"])
                   if isinstance(d, str) and d.strip()}
    return MeasureChoices(tuple(labels), labels, definitions)


def measure_view(reader, measure_id: str, view: str) -> MeasureView:
    """`view`: a key of VIEWS. The SPC chart is of the one team chosen in the sidebar, else
    of the whole authority."""
    as_at = reader.as_at
    measures = reader.get(queries.measures)
    measure = measures.set_index("measure_id").loc[measure_id].to_dict() | {"measure_id": measure_id}
    chosen = scope_team_ids(reader)
    spc_team = chosen[0] if view != "trend" and len(chosen) == 1 else "ALL"
    method = "p_prime" if view == "p_prime" else "xmr"
    reading = reader.get(queries.measure_reading, measure_id, as_at, spc_team, method)
    words = reader.get(queries.measure_words, measure_id, as_at, spc_team, method)
    shown = dict(measure_id=measure_id, reading=reading, polarity=measure["polarity"],
                 narrative=reading.narrative if reading is not None and reading.narrative else None,
                 honest_lines=honest_lines(words, reading), spc_method=method)
    if view == "trend":
        return MeasureView(trend=reader.chart(queries.chart_trend, measure_id, as_at, chosen), **shown)
    if reading is None or reading.spc is None:
        return MeasureView(trend=None, no_spc="SPC needs monthly figures"
                           + (" with numerators and denominators (p′)." if view == "p_prime" else "."), **shown)
    names = team_names(reader.get(queries.teams))
    who = names.get(spc_team, "whole authority") if spc_team != "ALL" else "whole authority"
    caption = f"SPC for the {who}" + (" (choose exactly one team under “Figures for” in the sidebar to see a "
                                      "team's chart)" if spc_team == "ALL" else "")
    fc = reading.forecast
    spc_chart = charts.spc_chart(measure, reading.spc, as_at, reading.spc.target,
                                 fc.target_date if fc is not None else None,
                                 VIEWS[view].replace("SPC ", "").strip("()"))
    return MeasureView(trend=None, spc_caption=caption, trial_limits=bool(reading.spc.trial_limits), spc=spc_chart,
                       rebase=_rebase(reader, measure_id, spc_team, method, reading, words), **shown)


def honest_lines(words: dict | None, reading) -> tuple[str, ...]:
    """The figure's age when stale, the team range, every passed target's outturn beside the
    next target, and why there is no forecast (queries.measure_words, as the cards say them)."""
    if not words:
        return ()
    lines = [w for w in (words["stale"], words["team_range"]) if w]
    if words["status"]:
        lines.insert(0, f"Latest figure against its target: {words['status']}")
    lines += words["passed_targets"]
    if words["next_target"]:
        lines.append(f"Next: {words['next_target']}")
    fc = reading.forecast if reading is not None else None
    if fc is not None and fc.status is None and fc.projected is None and fc.reason:
        lines.append(f"No forecast to the target: {fc.reason}")
    return tuple(lines)


def _rebase(reader, measure_id: str, spc_team: str, method: str, reading, words) -> Rebase | None:
    if not words or not words["rebase"]:
        return None
    preview = reader.chart(queries.chart_rebase_preview, measure_id, reader.as_at, spc_team, method)
    return Rebase(words["rebase"], preview, analysis.rebase_suggestion(measure_id, reading.suggested_rebase_date),
                  words["rebase_row"])


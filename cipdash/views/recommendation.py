"""Recommendation: one recommendation's ratings at the as-at month, their history, its
evidence and further actions, and the measures that evidence it."""
from __future__ import annotations

from dataclasses import dataclass

from .. import queries
from ..charts import Chart
from ..formatting import month_label
from . import as_date, scope_team_ids

NO_RECOMMENDATIONS = "The plan has no recommendations yet."
NO_MEASURES = "No measures are linked to this recommendation in measures.csv."


@dataclass(frozen=True)
class RecommendationView:
    rec_id: str
    title: str
    facts: tuple[tuple[str, str], ...]  # ("Source", ...), ("Aim", ...), ("Lead", ...) that are given
    rating_heading: str
    implementation: str | None
    impact: str | None
    rated: str  # "Rated Mar 2020" or "Not yet rated at this date"
    timeline: Chart | None  # the ratings over time; None before the first rating
    evidence: str | None  # text as written (line breaks kept by the page)
    further_actions: str | None
    measure_charts: tuple[tuple[str, Chart], ...]  # (measure_id, its trend with the scope's teams)


def recommendation_titles(reader) -> dict[str, str]:
    """rec_id -> title, in plan order: the picker's options (empty when the plan has none)."""
    recs = reader.get(queries.recommendations)
    return dict(zip(recs["rec_id"], recs["title"]))


def recommendation(reader, rec_id: str) -> RecommendationView:
    as_at = reader.as_at
    rec = reader.get(queries.recommendations).set_index("rec_id").loc[rec_id]
    facts = tuple((k, v) for k, v in (("Source", rec["source"]), ("Aim", rec["aim"]), ("Lead", rec["lead"]))
                  if isinstance(v, str) and v)
    ratings = reader.get(queries.ratings_at, as_at).set_index("rec_id").loc[rec_id]
    rated = as_date(ratings["rated_at"])
    history = reader.get(queries.rating_history, rec_id, as_at)
    timeline = None if history.empty else reader.chart(queries.chart_ratings, rec_id, as_at)
    measures = reader.get(queries.measures)
    linked = measures[measures["rec_ids"].fillna("").str.split(";").apply(lambda recs: rec_id in recs)]
    # The sidebar's scope: its teams beside the whole authority on every chart.
    team_ids = scope_team_ids(reader)
    charts = tuple((m, reader.chart(queries.chart_trend, m, as_at, team_ids)) for m in linked["measure_id"])
    return RecommendationView(
        rec_id=rec_id, title=rec["title"], facts=facts, rating_heading=f"Rating at {month_label(as_at)}",
        implementation=ratings["implementation"], impact=ratings["impact"],
        rated=f"Rated {month_label(rated)}" if rated else "Not yet rated at this date",
        timeline=timeline, evidence=ratings["evidence"], further_actions=ratings["further_actions"],
        measure_charts=charts)

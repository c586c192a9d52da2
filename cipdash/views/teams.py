"""Teams: a head of service's view of their service area or team: every measure against the
team target, the league of all teams at a period, and the teams month by month."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import queries
from ..charts import HEATMAP_MONTHS, Chart
from ..formatting import period_label
from ..headings import in_words
from ..scope import Scope
from . import as_date, team_names

NO_TEAMS = "The plan has no teams (teams.csv), so there are only whole-authority figures."
NO_TEAM_FIGURES = "No team has figures at this month yet."
LEAGUE_FOR_EVERY_AREA = "The league of every team is for roles that see all service areas."


@dataclass(frozen=True)
class TeamsView:
    """`message`: said instead of everything else (no teams, or no team figures yet)."""

    message: str | None = None
    caption: str | None = None  # why this service area is shown when none is chosen
    heading: str = ""
    team_ids: tuple[str, ...] = ()
    figures: pd.DataFrame | None = None
    league_measures: dict[str, str] | None = None  # measure_id -> name, those with team figures


@dataclass(frozen=True)
class League:
    chart: Chart | None  # None for a role that does not see every service area
    caption: str | None
    heatmap: Chart | None
    no_heatmap: str | None  # said when there is no heat map


def teams_view(reader) -> TeamsView:
    teams = reader.get(queries.teams)
    if teams.empty:
        return TeamsView(message=NO_TEAMS)
    scope, caption = reader.scope, None
    if scope.is_authority:
        # The whole authority is every team: too wide for one table. Show the service area
        # with the most figures, and say how to choose another.
        busiest = reader.get(queries.busiest_service_area, reader.as_at)
        if not reader.grant.all_areas:  # someone limited to some areas: the first of theirs
            busiest = next(iter(sorted(teams["service_area"].dropna().unique())), None)
        if busiest is None:
            return TeamsView(message=NO_TEAM_FIGURES)
        scope = Scope("service_area", busiest)
        caption = (f"Showing {busiest}, the service area with the most team figures. Choose service areas "
                   f"or teams under “Figures for” in the sidebar, or with “Change month or scope” above.")
    team_ids = tuple(scope.team_ids(teams))
    return TeamsView(caption=caption, heading=scope.name(team_names(teams)), team_ids=team_ids,
                     figures=in_words(reader.get(queries.scope_figures, reader.as_at, team_ids)),
                     league_measures=reader.get(queries.measures_with_team_figures, reader.as_at))


def league_periods(reader, measure_id: str) -> dict[str, str]:
    """The periods at which teams have figures for the measure, newest first, as
    "YYYY-MM-DD|period_type" -> its label: the Period picker's options."""
    periods = reader.get(queries.team_periods, measure_id, reader.as_at)
    return {f"{as_date(p.period_end).isoformat()}|{p.period_type}":
            period_label(as_date(p.period_end), p.period_type) for p in periods.itertuples()}


def league(reader, shown: TeamsView, measure_id: str, period: str, months: int = HEATMAP_MONTHS) -> League:
    """The league at `period` (a key of league_periods) and the heat map of `shown`'s teams
    over the last `months` months."""
    end, _, period_type = period.partition("|")
    chart, caption = None, LEAGUE_FOR_EVERY_AREA
    if reader.grant.all_areas:  # the league ranks every team: not for a role limited to some areas
        chart = reader.chart(queries.chart_league, measure_id, as_date(end), period_type, reader.as_at,
                             shown.team_ids)
        caption = None
    heatmap = reader.chart(queries.chart_heatmap, measure_id, reader.as_at, shown.team_ids, months)
    no_heatmap = None
    if heatmap is None:
        name = shown.league_measures.get(measure_id, measure_id)
        no_heatmap = (f"{shown.heading} has no monthly team figures for {name}: choose another measure "
                      f"or service area.")
    return League(chart, caption, heatmap, no_heatmap)

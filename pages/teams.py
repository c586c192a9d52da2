"""Teams: a head of service's view of their service area or team."""
import streamlit as st

from cipdash import queries
from cipdash.formatting import period_label
from cipdash.scope import Scope
from cipdash.webapp import url_bound, as_date, md_text, page_context, show_chart, show_table


def teams_page():
    ctx = page_context()
    st.title("Teams")
    teams = ctx.get(queries.teams)
    if teams.empty:
        st.info("The plan has no teams (teams.csv), so there are only whole-authority figures.")
        return
    names = dict(zip(teams["team_id"], teams["team_name"]))
    scope = ctx.scope
    if scope.is_authority:
        # The whole authority is every team: too wide for one table. Show the service
        # area with the most figures, and say how to choose another.
        busiest = ctx.get(queries.busiest_service_area, ctx.as_at)
        if not ctx.sees_every_team:  # someone limited to some areas: the first of theirs
            busiest = next(iter(sorted(teams["service_area"].dropna().unique())), None)
        if busiest is None:
            st.info("No team has figures at this month yet.")
            return
        scope = Scope("service_area", busiest)
        st.caption(md_text(f"Showing {busiest}, the service area with the most team figures. Choose service areas "
                           f"or teams under “Figures for” in the sidebar."))
    team_ids = tuple(scope.team_ids(teams))
    heading = scope.name(names)
    st.subheader(md_text(f"{heading}: every measure against the team target"))
    show_table(ctx.get(queries.scope_figures, ctx.as_at, team_ids), key="scope-figures")

    measures = ctx.get(queries.measures)
    labels = ctx.get(queries.measures_with_team_figures, ctx.as_at)
    if not labels:
        return
    st.subheader("League of all teams")
    measure_id = url_bound(st.selectbox, "Measure", list(labels), key="league_measure", format_func=labels.get)
    measure = measures.set_index("measure_id").loc[measure_id].to_dict() | {"measure_id": measure_id}
    periods = ctx.get(queries.team_periods, measure_id, ctx.as_at)
    period_options = {f"{as_date(p.period_end).isoformat()}|{p.period_type}":
                      period_label(as_date(p.period_end), p.period_type) for p in periods.itertuples()}
    chosen = st.selectbox("Period", list(period_options), key="league_period", format_func=period_options.get)
    end, _, period_type = chosen.partition("|")
    if ctx.sees_every_team:  # the league ranks every team: not for a role limited to some areas
        show_chart(ctx.chart(queries.chart_league, measure_id, as_date(end), period_type, ctx.as_at, team_ids),
                   key="league")
    else:
        st.caption("The league of every team is for roles that see all service areas.")

    st.subheader("Teams by month")
    heatmap = ctx.chart(queries.chart_heatmap, measure_id, ctx.as_at, team_ids)
    if heatmap is None:
        st.info(md_text(f"{heading} has no monthly team figures for {measure['name']}: choose another measure "
                        f"or service area."))
    else:
        show_chart(heatmap, key="heatmap")


teams_page()

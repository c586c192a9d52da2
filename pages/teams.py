"""Teams: a head of service's view of their service area or team."""
import streamlit as st

from cipdash.charts import HEATMAP_MONTHS, HEATMAP_MONTHS_ON_A_PHONE
from cipdash.views.teams import league, league_periods, teams_view
from cipdash.webapp import md_text, on_phone, page_context, show_chart, show_words_table, url_bound


def teams_page():
    ctx = page_context()
    st.title("Teams")
    shown = ctx.view(teams_view)
    if shown.message:
        st.info(shown.message)
        return
    if shown.caption:
        st.caption(md_text(shown.caption))
    st.subheader(md_text(f"{shown.heading}: every measure against the team target"))
    show_words_table(shown.figures, key="scope-figures")
    labels = shown.league_measures
    if not labels:
        return
    st.subheader("League of all teams")
    measure_id = url_bound(st.selectbox, "Measure", list(labels), key="league_measure", format_func=labels.get)
    periods = ctx.view(league_periods, measure_id)
    period = st.selectbox("Period", list(periods), key="league_period", format_func=periods.get)
    drawn = league(ctx, shown, measure_id, period, HEATMAP_MONTHS_ON_A_PHONE if on_phone() else HEATMAP_MONTHS)
    if drawn.chart is not None:
        show_chart(drawn.chart, key="league", grant=ctx.grant)
    else:
        st.caption(drawn.caption)

    st.subheader("Teams by month")
    if drawn.heatmap is None:
        st.info(md_text(drawn.no_heatmap))
    else:
        show_chart(drawn.heatmap, key="heatmap", grant=ctx.grant)


teams_page()

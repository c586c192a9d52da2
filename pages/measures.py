"""Measures: one measure's trend against its targets, for the authority and chosen teams."""
import streamlit as st

from cipdash import charts, queries
from cipdash.webapp import md_text, page_context, show_chart, show_table, spc_badges, url_bound


def choose_measure(ctx, measures, recommendations):
    """Measures grouped by the recommendation they evidence (first one, in plan order)."""
    rec_order = {r: i for i, r in enumerate(recommendations["rec_id"])}
    measures = measures.assign(first_rec=measures["rec_ids"].fillna("").str.split(";").str[0])
    measures = measures.sort_values(by=["first_rec", "sort_order"],
                                    key=lambda s: s.map(rec_order).fillna(len(rec_order)) if s.name == "first_rec" else s)
    labels = {m.measure_id: (f"{m.first_rec} · {m.name}" if m.first_rec else m.name) for m in measures.itertuples()}
    return url_bound(st.selectbox, "Measure (grouped by recommendation)", list(labels), key="measure",
                     format_func=labels.get)


def measures_page():
    ctx = page_context()
    st.title("Measures")
    all_measures = ctx.get(queries.measures)
    if all_measures.empty:
        st.info("The plan has no measures yet.")
        return
    measure_id = choose_measure(ctx, all_measures, ctx.get(queries.recommendations))
    measure = all_measures.set_index("measure_id").loc[measure_id].to_dict() | {"measure_id": measure_id}
    if isinstance(measure.get("definition"), str) and measure["definition"].strip():
        st.caption("How it is counted: " + md_text(measure["definition"]))
    teams = ctx.get(queries.teams)
    names = dict(zip(teams["team_id"], teams["team_name"]))
    # The sidebar's scope: its teams beside the whole authority (none for the authority).
    chosen = [] if ctx.scope.is_authority else ctx.scope.team_ids(teams)
    chart = ctx.chart(queries.chart_trend, measure_id, ctx.as_at, tuple(chosen))
    views = {"trend": "Trend against targets", "xmr": "SPC (XmR)", "p_prime": "SPC (p′, for percentages)"}
    view = url_bound(st.segmented_control, "View", list(views), key="view", default="trend", format_func=views.get,
                     required=True)
    spc_team = chosen[0] if view != "trend" and len(chosen) == 1 else "ALL"
    reading = ctx.get(queries.measure_reading, measure_id, ctx.as_at, spc_team,
                      "p_prime" if view == "p_prime" else "xmr")
    spc_badges(reading)
    if reading is not None and reading.narrative:
        st.markdown(md_text(reading.narrative))
    if view == "trend":
        show_chart(chart, key="trend")
        st.markdown("**The figures plotted**")
        show_table(chart.data, key="trend-figures")
        return
    if reading is None or reading.spc is None:
        st.info("SPC needs monthly figures" + (" with numerators and denominators (p′)." if view == "p_prime" else "."))
        return
    who = names.get(spc_team, "whole authority") if spc_team != "ALL" else "whole authority"
    st.caption(md_text(f"SPC for the {who}" + (" (choose exactly one team under “Figures for” in the sidebar to see a team's chart)" if spc_team == "ALL"
                                              else "")))
    if reading.spc.trial_limits:
        st.warning("Fewer than 12 monthly points: these are trial limits, to be read with caution.")
    fc = reading.forecast
    spc_view = charts.spc_chart(measure, reading.spc, ctx.as_at, reading.spc.target,
                                fc.target_date if fc is not None else None, views[view].replace("SPC ", "").strip("()"))
    show_chart(spc_view, key=f"spc-{view}")


measures_page()

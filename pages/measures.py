"""Measures: one measure's trend against its targets, for the authority and chosen teams."""
import streamlit as st

from cipdash import access, analysis, audit, charts, queries
from cipdash.meeting.render import meeting_panel
from cipdash.webapp import md_text, page_context, show_chart, show_table, spc_badges, url_bound, who


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
    method = "p_prime" if view == "p_prime" else "xmr"
    spc_badges(reading, measure["polarity"])
    if reading is not None and reading.narrative:
        st.markdown(md_text(reading.narrative))
    honest_words(ctx.get(queries.measure_words, measure_id, ctx.as_at, spc_team, method), reading)
    if view == "trend":
        show_chart(chart, key="trend")
        st.markdown("**The figures plotted**")
        show_table(chart.data, key="trend-figures")
        meeting_panel(ctx, measure_id=measure_id)  # the month's commentary and the actions
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
    rebase_preview(ctx, measure_id, spc_team, method, reading)
    meeting_panel(ctx, measure_id=measure_id)


def honest_words(words, reading):
    """The figure's age when stale, the team range, every passed target's outturn beside the
    next target, and why there is no forecast (queries.measure_words, as the cards say them)."""
    if not words:
        return
    lines = [w for w in (words["stale"], words["team_range"]) if w]
    if words["status"]:
        lines.insert(0, f"Latest figure against its target: {words['status']}")
    lines += words["passed_targets"]
    if words["next_target"]:
        lines.append(f"Next: {words['next_target']}")
    fc = reading.forecast if reading is not None else None
    if fc is not None and fc.status is None and fc.projected is None and fc.reason:
        lines.append(f"No forecast to the target: {fc.reason}")
    if lines:
        st.markdown("\n".join(f"- {md_text(line)}" for line in lines))


def rebase_preview(ctx, measure_id, spc_team, method, reading):
    """A suggested restart of the limits: the chart as it would be, and how to accept it: a
    button that adds the row to cip_data/spc_rebase.csv for a person allowed to change the
    plan (the local user without sign-in acts as administrator), the row to add for others."""
    words = ctx.get(queries.measure_words, measure_id, ctx.as_at, spc_team, method)
    flash = st.session_state.pop(f"rebase-flash-{measure_id}", None)
    if flash:
        (st.success if flash[0] == "ok" else st.error)(md_text(flash[1]))
    if not words or not words["rebase"]:
        return
    st.markdown(f"**{md_text(words['rebase'])}**")
    preview = ctx.chart(queries.chart_rebase_preview, measure_id, ctx.as_at, spc_team, method)
    with st.expander("Preview: this chart with the limits restarted there"):
        if preview is not None:
            show_chart(preview, key=f"rebase-{method}", downloads=False)
    suggestion = analysis.rebase_suggestion(measure_id, reading.suggested_rebase_date)
    if ctx.grant.allows(access.CHANGE_PLAN):
        # A form: its submit button survives AppTest and reruns alike; the callback checks again.
        with st.form(f"rebase-accept-{measure_id}-{method}", border=False):
            st.caption("Accepting adds this row to cip_data/spc_rebase.csv; the next load restarts the limits there.")
            st.code(words["rebase_row"], language=None)
            st.form_submit_button("Accept: restart the limits there", on_click=accept_rebase,
                                  args=(ctx, suggestion))
        return
    st.caption("To accept it, add this row to cip_data/spc_rebase.csv (measure_id,rebase_date,reason) and load again:")
    st.code(words["rebase_row"], language=None)


def accept_rebase(ctx, suggestion):
    """Append the accepted restart to spc_rebase.csv (plan_files.accept_rebase: the grant
    checked on the server, atomic, audited, a duplicate refused)."""
    from cipdash.plan_files import AppendRefused, accept_rebase as accept
    from cipdash.uploads import folders

    try:
        accept(ctx.grant, folders()[0], suggestion, who())
    except (AppendRefused, audit.AuditUnavailable) as exc:
        st.session_state[f"rebase-flash-{suggestion.measure_id}"] = ("error", f"Not added: {exc}")
        return
    st.session_state[f"rebase-flash-{suggestion.measure_id}"] = (
        "ok", f"Added to cip_data/spc_rebase.csv: {suggestion.csv_row}. The next load applies it "
              f"(load the data again to restart the limits).")


measures_page()

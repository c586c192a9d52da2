"""Measures: one measure's trend against its targets, for the authority and chosen teams."""
import streamlit as st

from cipdash import access, audit
from cipdash.meeting.render import meeting_panel
from cipdash.views.measures import VIEWS, measure_choices, measure_view
from cipdash.webapp import md_text, page_context, show_chart, show_words_table, spc_badges, url_bound, who


def measures_page():
    ctx = page_context()
    st.title("Measures")
    choices = ctx.view(measure_choices)
    if not choices.options:
        st.info("The plan has no measures yet.")
        return
    measure_id = url_bound(st.selectbox, "Measure (grouped by recommendation)", list(choices.options), key="measure",
                           format_func=choices.labels.get)
    if measure_id in choices.definitions:
        st.caption("How it is counted: " + md_text(choices.definitions[measure_id]))
    view = url_bound(st.segmented_control, "View", list(VIEWS), key="view", default="trend", format_func=VIEWS.get,
                     required=True)
    shown = ctx.view(measure_view, measure_id, view)
    spc_badges(shown.reading, shown.polarity)
    if shown.narrative:
        st.markdown(md_text(shown.narrative))
    if shown.honest_lines:
        st.markdown("\n".join(f"- {md_text(line)}" for line in shown.honest_lines))
    if shown.trend is not None:
        show_chart(shown.trend, key="trend", grant=ctx.grant)
        st.markdown("**The figures plotted**")
        show_words_table(shown.trend.table, key="trend-figures")
        meeting_panel(ctx, measure_id=measure_id)  # the month's commentary and the actions
        return
    if shown.no_spc:
        st.info(shown.no_spc)
        return
    st.caption(md_text(shown.spc_caption))
    if shown.trial_limits:
        st.warning("Fewer than 12 monthly points: these are trial limits, to be read with caution.")
    show_chart(shown.spc, key=f"spc-{view}", grant=ctx.grant)
    rebase_preview(ctx, shown)
    meeting_panel(ctx, measure_id=measure_id)


def rebase_preview(ctx, shown):
    """A suggested restart of the limits: the chart as it would be, and how to accept it: a
    button that adds the row to cip_data/spc_rebase.csv for a person allowed to change the
    plan (the local user without sign-in acts as administrator), the row to add for others."""
    flash = st.session_state.pop(f"rebase-flash-{shown.measure_id}", None)
    if flash:
        (st.success if flash[0] == "ok" else st.error)(md_text(flash[1]))
    rebase = shown.rebase
    if rebase is None:
        return
    st.markdown(f"**{md_text(rebase.sentence)}**")
    with st.expander("Preview: this chart with the limits restarted there"):
        if rebase.preview is not None:
            show_chart(rebase.preview, key=f"rebase-{shown.spc_method}", grant=ctx.grant, downloads=False)
    if ctx.grant.allows(access.CHANGE_PLAN):
        # A form: its submit button survives AppTest and reruns alike; the callback checks again.
        with st.form(f"rebase-accept-{shown.measure_id}-{shown.spc_method}", border=False):
            st.caption("Accepting adds this row to cip_data/spc_rebase.csv; the next load restarts the limits there.")
            st.code(rebase.row, language=None)
            st.form_submit_button("Accept: restart the limits there", on_click=accept_rebase,
                                  args=(ctx, rebase.suggestion))
        return
    st.caption("To accept it, add this row to cip_data/spc_rebase.csv (measure_id,rebase_date,reason) and load again:")
    st.code(rebase.row, language=None)


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

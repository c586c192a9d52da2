"""Recommendation: one recommendation's ratings, evidence, actions and measures."""
import streamlit as st

from cipdash.meeting.render import measure_notes, meeting_panel
from cipdash.views.recommendation import NO_MEASURES, NO_RECOMMENDATIONS, recommendation, recommendation_titles
from cipdash.webapp import url_bound, md_paragraphs, md_text, page_context, rag_badge, show_chart


def recommendation_page():
    ctx = page_context()
    titles = ctx.view(recommendation_titles)
    if not titles:
        st.title("Recommendation")
        st.info(NO_RECOMMENDATIONS)
        return
    rec_id = url_bound(st.selectbox, "Recommendation", list(titles), key="rec",
                       format_func=lambda r: f"{r} · {titles[r][:90]}")
    shown = ctx.view(recommendation, rec_id)
    st.title(f"Recommendation {md_text(rec_id)}")
    st.markdown(md_text(shown.title))
    st.caption(" · ".join(f"{k}: {md_text(v)}" for k, v in shown.facts))

    st.subheader(shown.rating_heading)
    rag_badge("Implementation", shown.implementation)
    rag_badge("Impact", shown.impact)
    st.caption(shown.rated)
    if shown.timeline is not None:
        show_chart(shown.timeline, key="timeline", grant=ctx.grant, table_label="The ratings as a table")

    left, right = st.columns(2)
    with left:
        st.subheader("Evidence of progress")
        st.markdown(md_paragraphs(shown.evidence) or "_None recorded_")
    with right:
        st.subheader("Further actions")
        st.markdown(md_paragraphs(shown.further_actions) or "_None recorded_")

    meeting_panel(ctx, rec_id=rec_id)  # the month's commentary, the actions and rating updates

    st.subheader("Measures that evidence it")
    if not shown.measure_charts:
        st.info(NO_MEASURES)
    for measure_id, chart in shown.measure_charts:
        show_chart(chart, key=f"measure-{measure_id}", grant=ctx.grant)
        measure_notes(ctx, measure_id)  # the meeting's commentary on it for the month


recommendation_page()

"""Recommendation: one recommendation's ratings, evidence, actions and measures."""
import streamlit as st

from cipdash import queries
from cipdash.formatting import month_label
from cipdash.meeting.render import measure_notes, meeting_panel
from cipdash.webapp import url_bound, as_date, md_paragraphs, md_text, page_context, rag_badge, show_chart


def recommendation_page():
    ctx = page_context()
    recs = ctx.get(queries.recommendations)
    if recs.empty:
        st.title("Recommendation")
        st.info("The plan has no recommendations yet.")
        return
    titles = dict(zip(recs["rec_id"], recs["title"]))
    rec_id = url_bound(st.selectbox, "Recommendation", list(titles), key="rec",
                       format_func=lambda r: f"{r} · {titles[r][:90]}")
    rec = recs.set_index("rec_id").loc[rec_id]
    st.title(f"Recommendation {md_text(rec_id)}")
    st.markdown(md_text(rec["title"]))
    facts = [("Source", rec["source"]), ("Aim", rec["aim"]), ("Lead", rec["lead"])]
    st.caption(" · ".join(f"{k}: {md_text(v)}" for k, v in facts if isinstance(v, str) and v))

    ratings = ctx.get(queries.ratings_at, ctx.as_at).set_index("rec_id").loc[rec_id]
    rated = as_date(ratings["rated_at"])
    st.subheader(f"Rating at {month_label(ctx.as_at)}")
    rag_badge("Implementation", ratings["implementation"])
    rag_badge("Impact", ratings["impact"])
    st.caption(f"Rated {month_label(rated)}" if rated else "Not yet rated at this date")

    history = ctx.get(queries.rating_history, rec_id, ctx.as_at)
    if not history.empty:
        show_chart(ctx.chart(queries.chart_ratings, rec_id, ctx.as_at), key="timeline",
                   table_label="The ratings as a table")

    left, right = st.columns(2)
    with left:
        st.subheader("Evidence of progress")
        st.markdown(md_paragraphs(ratings["evidence"]) or "_None recorded_")
    with right:
        st.subheader("Further actions")
        st.markdown(md_paragraphs(ratings["further_actions"]) or "_None recorded_")

    meeting_panel(ctx, rec_id=rec_id)  # the month's commentary, the actions and rating updates

    st.subheader("Measures that evidence it")
    measures = ctx.get(queries.measures)
    linked = measures[measures["rec_ids"].fillna("").str.split(";").apply(lambda recs: rec_id in recs)]
    if linked.empty:
        st.info("No measures are linked to this recommendation in measures.csv.")
    # The sidebar's scope: its teams beside the whole authority on every chart.
    team_ids = () if ctx.scope.is_authority else tuple(ctx.scope.team_ids(ctx.get(queries.teams)))
    for measure_id in linked["measure_id"]:
        show_chart(ctx.chart(queries.chart_trend, measure_id, ctx.as_at, team_ids), key=f"measure-{measure_id}")
        measure_notes(ctx, measure_id)  # the meeting's commentary on it for the month


recommendation_page()

"""Overview: the monthly meeting's first screen."""
import streamlit as st

from cipdash import queries
from cipdash.cells import AUTHORITY_TEAM
from cipdash.formatting import format_change, format_value, month_label, period_label, target_label
from cipdash.targets import STATUS_WORDS
from cipdash.webapp import MOVEMENT_WORDS, as_date, md_text, page_context, plan_title, rag_badge, spc_badges

TILES_PER_ROW = 3
CARDS_PER_ROW = 3
SPARKLINE_MONTHS = 24


def recommendation_tiles(ctx, ratings):
    st.subheader("Recommendations")
    impl, impact = queries.rag_counts(ratings, "implementation"), queries.rag_counts(ratings, "impact")
    st.markdown(f"**Implementation:** {queries.rag_counts_sentence(impl)}  \n"
                f"**Impact:** {queries.rag_counts_sentence(impact)}")
    for start in range(0, len(ratings), TILES_PER_ROW):
        for col, rec in zip(st.columns(TILES_PER_ROW), ratings.iloc[start:start + TILES_PER_ROW].itertuples()):
            with col.container(border=True):
                st.markdown(f"**{md_text(rec.rec_id)}** {md_text(rec.title)}")
                rag_badge("Implementation", rec.implementation)
                rag_badge("Impact", rec.impact)
                moves = [f"{k} {MOVEMENT_WORDS[m]}" for k, m in
                         (("Implementation", rec.implementation_movement), ("impact", rec.impact_movement)) if m]
                rated = as_date(rec.rated_at)
                st.caption(md_text(
                    (f"Rated {month_label(rated)}" if rated else "Not yet rated")
                    + (f" · since {month_label(as_date(rec.previous_rated_at))}: " + ", ".join(moves) if moves else "")
                    + (f" · Lead: {rec.lead}" if rec.lead else "")))
                st.page_link("pages/recommendation.py", label="Details", icon=":material/arrow_forward:",
                             query_params={"rec": rec.rec_id, "as_at": ctx.as_at.isoformat()})


def headline_cards(ctx, figures, series, readings):
    st.subheader("Measures")
    for start in range(0, len(figures), CARDS_PER_ROW):
        for col, f in zip(st.columns(CARDS_PER_ROW), figures.iloc[start:start + CARDS_PER_ROW].itertuples()):
            points = series[(series["measure_id"] == f.measure_id) & (series["period_type"] == f.period_type)]
            spark = points["value"].tail(SPARKLINE_MONTHS).round(1).tolist()
            period = period_label(as_date(f.latest_period_end), f.period_type)
            change = None
            if f.previous_value is not None and f.previous_value == f.previous_value:
                change = format_change(f.change, f.unit)
            with col:
                st.metric(md_text(f.name), format_value(f.latest_value, f.unit), delta=change,
                          delta_color="normal" if f.polarity == "higher_better" else "inverse",
                          delta_description=f"since {period_label(as_date(f.previous_period_end), f.period_type)}"
                          if change else None,
                          help=md_text(f"{f.name}. {period} figure."), border=True,
                          chart_data=spark if len(spark) > 1 else None, chart_type="line")
                target = (target_label(f.target, f.unit, as_date(f.target_date)) if f.target == f.target
                          and f.target is not None else "No target set")
                status = STATUS_WORDS.get(f.status, "")
                st.caption(f"{period} · {target}" + (f" · **{status}**" if status else ""))
                spc_badges(readings.get(f.measure_id))


def what_changed(figures, readings):
    """Plain-English sentences for measures whose latest month shows special cause."""
    st.subheader("What changed this month")
    notes = [(f.name, readings[f.measure_id].narrative) for f in figures.itertuples()
             if f.measure_id in readings and readings[f.measure_id].variation in
             ("special_cause_improvement", "special_cause_concern")]
    if not notes:
        st.caption("No measure shows special cause variation in its latest month: changes are within normal variation.")
        return
    st.markdown("\n".join(f"- **{md_text(name)}**: {md_text(text)}" for name, text in notes))


def needs_attention(figures):
    st.subheader("Needs attention")
    flagged = queries.needs_attention(figures)
    if flagged.empty:
        st.success("Every measure meets its next target and none is worsening.")
        return
    table = flagged.assign(
        Measure=flagged["name"],
        Latest=[format_value(v, u) for v, u in zip(flagged["latest_value"], flagged["unit"])],
        Period=[period_label(as_date(d), p) for d, p in zip(flagged["latest_period_end"], flagged["period_type"])],
        Target=[target_label(t, u, as_date(d)) if t == t and t is not None else "–"
                for t, u, d in zip(flagged["target"], flagged["unit"], flagged["target_date"])],
        Why=flagged["reason"],
    )[["Measure", "Latest", "Period", "Target", "Why"]]
    st.dataframe(table, hide_index=True, key="needs-attention")


def inspections(ctx):
    judgements = ctx.get(queries.inspections, ctx.as_at)
    if judgements.empty:
        return
    st.subheader("Inspection judgements")
    st.dataframe(judgements.rename(columns=str.capitalize), hide_index=True, key="inspections")


def overview():
    ctx = page_context()
    name, authority = plan_title(ctx)
    st.title(md_text(name))
    st.caption(md_text(f"{authority} · as at {month_label(ctx.as_at)}"))
    ratings = ctx.get(queries.ratings_at, ctx.as_at)
    figures = ctx.get(queries.latest_figures, ctx.as_at, AUTHORITY_TEAM)
    series = ctx.get(queries.authority_series, ctx.as_at)
    recommendation_tiles(ctx, ratings)
    readings = ctx.get(queries.readings, ctx.as_at, AUTHORITY_TEAM)
    headline_cards(ctx, figures, series, readings)
    what_changed(figures, readings)
    needs_attention(figures)
    inspections(ctx)


overview()

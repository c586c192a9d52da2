"""Overview: the monthly meeting's first screen."""
from types import SimpleNamespace

import streamlit as st

from cipdash import queries
from cipdash.cells import AUTHORITY_TEAM
from cipdash.formatting import month_label
from cipdash.webapp import MOVEMENT_WORDS, as_date, md_text, page_context, plan_title, rag_badge, show_table, spc_badges
from cipdash.meeting.render import open_actions_panel

TILES_PER_ROW = 3
CARDS_PER_ROW = 3


def recommendation_tiles(ctx, ratings):
    st.subheader("Recommendations")
    impl, impact = queries.rag_counts(ratings, "implementation"), queries.rag_counts(ratings, "impact")
    st.markdown(f"**Implementation:** {queries.rag_counts_sentence(impl)}  \n"
                f"**Impact:** {queries.rag_counts_sentence(impact)}")
    recs = [SimpleNamespace(**r) for r in ratings.to_dict("records")]
    for start in range(0, len(recs), TILES_PER_ROW):
        for col, rec in zip(st.columns(TILES_PER_ROW), recs[start:start + TILES_PER_ROW]):
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
                st.page_link("pages/recommendation.py", label=f"Details of recommendation {md_text(rec.rec_id)}",
                             icon=":material/arrow_forward:",
                             query_params={"rec": rec.rec_id, "as_at": ctx.as_at.isoformat()})


def headline_cards(cards):
    st.subheader("Measures")
    for start in range(0, len(cards), CARDS_PER_ROW):
        for col, card in zip(st.columns(CARDS_PER_ROW), cards[start:start + CARDS_PER_ROW]):
            with col:
                st.metric(md_text(card["name"]), card["value"], delta=card["change"],
                          delta_color=card["delta_colour"],
                          delta_description=f"since {card['since']}" if card["change"] else None,
                          help=md_text(f"{card['name']}. {card['period']} figure."), border=True,
                          chart_data=card["sparkline"], chart_type="line")
                card_words(card)
                spc_badges(card["reading"], card["polarity"])


def card_words(card):
    """The card's honest readings in words (queries.honest_words): a stale figure's age in
    place of its period and never a plain Met / Not met, the team range, a passed target's
    outturn beside the next target, and the suggested restart of the limits."""
    when = card["stale"] or card["period"]
    # A target whose date has passed is said as its outturn (below), not as the target ahead.
    target = card["target"] if not (card["passed_target"] and card["next_target"]) else None
    st.caption(md_text(" · ".join(p for p in (when, target) if p))
               + (f" · **{md_text(card['status'])}**" if card["status"] else ""))
    if card["team_range"]:
        st.caption(md_text(card["team_range"]))
    if card["passed_target"]:
        st.caption(md_text(card["passed_target"] + (f" · next: {card['next_target']}" if card["next_target"] else "")))
    if card["rebase"]:
        st.caption(md_text(card["rebase"]))


def what_changed(ctx, cards):
    """One sentence for each measure whose special cause is new this month (a shift that
    has run for months is on its card, not repeated here)."""
    st.subheader("What changed this month")
    notes = ctx.get(queries.what_changed, ctx.as_at, AUTHORITY_TEAM)
    if not notes:
        ongoing = sum(1 for c in cards if c["reading"] is not None and c["reading"].variation in queries.SPECIAL_CAUSES)
        st.caption("No measure shows new special cause variation this month"
                   + (f": {ongoing} continue a signal first shown in an earlier month (see their cards)."
                      if ongoing else ": changes are within normal variation."))
        return
    st.markdown("\n".join(f"- **{md_text(n['name'])}**: {md_text(n['sentence'])}" for n in notes))


def needs_attention(table):
    st.subheader("Needs attention")
    if table.empty:
        st.success("Every measure meets its next target and none is worsening.")
        return
    show_table(table, key="needs-attention")


def scope_figures(ctx, scope_name, team_ids):
    """The sidebar's scope beside the whole authority: its teams' figures and what needs attention."""
    st.subheader(md_text(f"{scope_name}: every measure against the team target"))
    show_table(ctx.get(queries.scope_figures, ctx.as_at, team_ids), key="scope-figures")
    flagged = ctx.get(queries.scope_attention_table, ctx.as_at, team_ids)
    st.markdown(md_text(f"**Needs attention in {scope_name}**"))
    if flagged.empty:
        st.caption(md_text(f"Every figure in {scope_name} with a team target meets it."))
    else:
        show_table(flagged, key="scope-attention")


def inspections(ctx):
    judgements = ctx.get(queries.inspections, ctx.as_at)
    if judgements.empty:
        return
    st.subheader("Inspection judgements")
    show_table(judgements, key="inspections")


def overview():
    ctx = page_context()
    name, authority = plan_title(ctx)
    st.title(md_text(name))
    st.caption(md_text(f"{authority} · as at {month_label(ctx.as_at)}"))
    ratings = ctx.get(queries.ratings_at, ctx.as_at)
    cards = ctx.get(queries.headline_cards, ctx.as_at, AUTHORITY_TEAM)
    recommendation_tiles(ctx, ratings)
    headline_cards(cards)
    what_changed(ctx, cards)
    needs_attention(ctx.get(queries.attention_table, ctx.as_at, AUTHORITY_TEAM))
    open_actions_panel(ctx)  # the meeting record's open actions, overdue first
    if not ctx.scope.is_authority:
        teams = ctx.get(queries.teams)
        scope_figures(ctx, ctx.scope.name(dict(zip(teams["team_id"], teams["team_name"]))),
                      tuple(ctx.scope.team_ids(teams)))
    inspections(ctx)


overview()

"""Overview: the monthly meeting's first screen."""
import streamlit as st

from cipdash.views.overview import overview
from cipdash.webapp import md_text, page_context, rag_badge, show_words_table, spc_badges
from cipdash.meeting.render import open_actions_panel

TILES_PER_ROW = 3
CARDS_PER_ROW = 3


def recommendation_tiles(view):
    st.subheader("Recommendations")
    st.markdown(f"**Implementation:** {view.implementation}  \n"
                f"**Impact:** {view.impact}")
    tiles = view.tiles
    for start in range(0, len(tiles), TILES_PER_ROW):
        for col, tile in zip(st.columns(TILES_PER_ROW), tiles[start:start + TILES_PER_ROW]):
            with col.container(border=True):
                st.markdown(f"**{md_text(tile.rec_id)}** {md_text(tile.title)}")
                rag_badge("Implementation", tile.implementation)
                rag_badge("Impact", tile.impact)
                st.caption(md_text(tile.caption))
                st.page_link("pages/recommendation.py", label=md_text(tile.link_label),
                             icon=":material/arrow_forward:", query_params=tile.link_params)


def headline_cards(cards):
    st.subheader("Measures")
    for start in range(0, len(cards), CARDS_PER_ROW):
        for col, card in zip(st.columns(CARDS_PER_ROW), cards[start:start + CARDS_PER_ROW]):
            with col:
                st.metric(md_text(card.name), card.value, delta=card.change, delta_color=card.delta_colour,
                          delta_description=card.delta_description, help=md_text(card.help), border=True,
                          chart_data=card.sparkline, chart_type="line")
                # One caption, a line each (a markdown line break: two spaces, a newline): 40
                # cards of three or four captions each were ~100 of the page's ~380 elements.
                lines = [md_text(card.when_and_target) + (f" · **{md_text(card.status)}**" if card.status else "")]
                st.caption("  \n".join(lines + [md_text(note) for note in card.notes]))
                spc_badges(card.reading, card.polarity)


def what_changed(view):
    """One sentence for each measure whose special cause is new this month."""
    st.subheader("What changed this month")
    if not view.changes:
        st.caption(view.no_change)
        return
    st.markdown("\n".join(f"- **{md_text(name)}**: {md_text(sentence)}" for name, sentence in view.changes))


def needs_attention(table):
    st.subheader("Needs attention")
    if table.empty:
        st.success("Every measure meets its next target and none is worsening.")
        return
    show_words_table(table, key="needs-attention")


def scope_figures(scope):
    st.subheader(md_text(f"{scope.name}: every measure against the team target"))
    show_words_table(scope.figures, key="scope-figures")
    st.markdown(md_text(f"**Needs attention in {scope.name}**"))
    if scope.attention.empty:
        st.caption(md_text(f"Every figure in {scope.name} with a team target meets it."))
    else:
        show_words_table(scope.attention, key="scope-attention")


def overview_page():
    ctx = page_context()
    view = ctx.view(overview)
    st.title(md_text(view.title))
    st.caption(md_text(view.caption))
    recommendation_tiles(view)
    headline_cards(view.cards)
    what_changed(view)
    needs_attention(view.attention)
    open_actions_panel(ctx)  # the meeting record's open actions, overdue first
    if view.scope is not None:
        scope_figures(view.scope)
    if view.inspections is not None:
        st.subheader("Inspection judgements")
        show_words_table(view.inspections, key="inspections")


overview_page()

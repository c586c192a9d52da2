"""The Overview, the monthly meeting's first screen: the recommendations' ratings, a card
per measure, what changed this month, what needs attention, the sidebar scope's figures and
the inspection judgements, all at the as-at month."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import queries
from ..cells import AUTHORITY_TEAM
from ..formatting import month_label
from ..headings import in_words
from . import as_date, plan_title, scope_team_ids, team_names

# Arrows, never a RAG shape (● ▲ ■): "▲" once meant both Amber and "improved".
MOVEMENT_WORDS = {"improved": "↑ improved", "worsened": "↓ worsened", "same": "→ no change"}


@dataclass(frozen=True)
class Tile:
    """One recommendation: its ratings and a line on when it was rated, what moved, its lead."""

    rec_id: str
    title: str
    implementation: str | None
    impact: str | None
    caption: str
    link_label: str
    link_params: dict


@dataclass(frozen=True)
class Card:
    """One measure's card: the figure, its change, a sparkline, and its honest readings in
    words (queries.honest_words): a stale figure's age in place of its period, never a
    plain Met / Not met, the team range, a passed target's outturn beside the next target,
    and the suggested restart of the limits."""

    name: str
    value: str
    change: str | None
    delta_colour: str
    delta_description: str | None
    help: str
    sparkline: list | None
    when_and_target: str  # "Sep 2020 · Target 80% by Mar 2021", shown as text
    status: str  # shown in bold after it, when not empty
    notes: tuple[str, ...]  # one caption each: team range, passed target and next, restart
    reading: object  # what the SPC badges read (queries.CardReading or None)
    polarity: str | None


@dataclass(frozen=True)
class ScopeFigures:
    """The sidebar's scope beside the whole authority: its teams' figures and what needs
    attention. The frames here and in Overview are as shown: headings and dates in words."""

    name: str
    figures: pd.DataFrame
    attention: pd.DataFrame


@dataclass(frozen=True)
class Overview:
    title: str
    caption: str
    implementation: str  # "4 Green, 2 Amber"
    impact: str
    tiles: tuple[Tile, ...]
    cards: tuple[Card, ...]
    changes: tuple[tuple[str, str], ...]  # (measure name, sentence) new special cause this month
    no_change: str  # said when `changes` is empty
    attention: pd.DataFrame
    scope: ScopeFigures | None
    inspections: pd.DataFrame | None  # None when there are none yet


def overview(reader) -> Overview:
    as_at = reader.as_at
    name, authority = plan_title(reader)
    ratings = reader.get(queries.ratings_at, as_at)
    cards = reader.get(queries.headline_cards, as_at, AUTHORITY_TEAM)
    impl = queries.rag_counts(ratings, "implementation")
    impact = queries.rag_counts(ratings, "impact")
    tiles = tuple(_tile(rec, as_at) for rec in ratings.to_dict("records"))
    shown_cards = tuple(_card(c) for c in cards)
    notes = reader.get(queries.what_changed, as_at, AUTHORITY_TEAM)
    attention = reader.get(queries.attention_table, as_at, AUTHORITY_TEAM)
    scope = None
    if not reader.scope.is_authority:
        team_ids = scope_team_ids(reader)
        scope_name = reader.scope.name(team_names(reader.get(queries.teams)))
        scope = ScopeFigures(scope_name, in_words(reader.get(queries.scope_figures, as_at, team_ids)),
                             in_words(reader.get(queries.scope_attention_table, as_at, team_ids)))
    judgements = reader.get(queries.inspections, as_at)
    return Overview(
        title=name, caption=f"{authority} · as at {month_label(as_at)}",
        implementation=queries.rag_counts_sentence(impl), impact=queries.rag_counts_sentence(impact),
        tiles=tiles, cards=shown_cards,
        changes=tuple((n["name"], n["sentence"]) for n in notes), no_change=_no_change(cards),
        attention=in_words(attention), scope=scope, inspections=None if judgements.empty else in_words(judgements))


def _tile(rec: dict, as_at) -> Tile:
    moves = [f"{k} {MOVEMENT_WORDS[m]}" for k, m in
             (("Implementation", rec["implementation_movement"]), ("impact", rec["impact_movement"])) if m]
    rated = as_date(rec["rated_at"])
    caption = ((f"Rated {month_label(rated)}" if rated else "Not yet rated")
               + (f" · since {month_label(as_date(rec['previous_rated_at']))}: " + ", ".join(moves) if moves else "")
               + (f" · Lead: {rec['lead']}" if rec["lead"] else ""))
    return Tile(rec["rec_id"], rec["title"], rec["implementation"], rec["impact"], caption,
                f"Details of recommendation {rec['rec_id']}", {"rec": rec["rec_id"], "as_at": as_at.isoformat()})


def _card(card: dict) -> Card:
    when = card["stale"] or card["period"]
    # A target whose date has passed is said as its outturn (below), not as the target ahead.
    target = card["target"] if not (card["passed_target"] and card["next_target"]) else None
    notes = []
    if card["team_range"]:
        notes.append(card["team_range"])
    if card["passed_target"]:
        notes.append(card["passed_target"] + (f" · next: {card['next_target']}" if card["next_target"] else ""))
    if card["rebase"]:
        notes.append(card["rebase"])
    return Card(
        name=card["name"], value=card["value"], change=card["change"], delta_colour=card["delta_colour"],
        delta_description=f"since {card['since']}" if card["change"] else None,
        help=f"{card['name']}. {card['period']} figure.", sparkline=card["sparkline"],
        when_and_target=" · ".join(p for p in (when, target) if p), status=card["status"] or "",
        notes=tuple(notes), reading=card["reading"], polarity=card["polarity"])


def _no_change(cards: list[dict]) -> str:
    """No measure's special cause is new this month: say how many continue an earlier one (a
    shift that has run for months is on its card, not repeated here)."""
    ongoing = sum(1 for c in cards if c["reading"] is not None and c["reading"].variation in queries.SPECIAL_CAUSES)
    return ("No measure shows new special cause variation this month"
            + (f": {ongoing} continue a signal first shown in an earlier month (see their cards)."
               if ongoing else ": changes are within normal variation."))

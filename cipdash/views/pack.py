"""Report pack: what the page says before the pack is built: the plan, the month, and whose
figures the pack holds."""
from __future__ import annotations

from dataclasses import dataclass

from .. import queries
from ..formatting import month_label
from . import plan_title, team_names


@dataclass(frozen=True)
class PackView:
    caption: str  # the plan, the authority and the month
    figures_for: str  # whose figures, and how to choose others


def pack_view(reader) -> PackView:
    name, authority = plan_title(reader)
    scope = reader.scope
    teams = reader.get(queries.teams)
    return PackView(
        caption=f"{name} · {authority} · as at {month_label(reader.as_at)} (change it in the sidebar)",
        figures_for=(f"Figures for: {scope.name(team_names(teams))}"
                     + ("" if scope.is_authority else ", beside the whole authority")
                     + ". Choose service areas or teams under “Figures for” in the sidebar, or with “Change month"
                       " or scope” above."))

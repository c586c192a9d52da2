"""Whose figures a view shows: the whole authority, service areas, or teams.

One scope is chosen in the dashboard's sidebar and every page applies it (the Overview,
Measures, Teams, Recommendation and the Report pack), so a head of service who picks
their area once sees it everywhere. It travels in the URL as tokens, `?scope=area:Localities`
or `?scope=team:fr_north` (repeated for several), so a link in an e-mail reproduces it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .cells import AUTHORITY_TEAM

AUTHORITY = "authority"
SERVICE_AREA = "service_area"
TEAM = "team"
SEVERAL = "several"  # more than one area or team: value is a tuple of tokens

AREA_PREFIX = "area:"
TEAM_PREFIX = "team:"


@dataclass(frozen=True)
class Scope:
    """`Scope("team", "fr_north")`, `Scope("service_area", "Localities")`, `Scope("authority")`;
    several areas or teams: `Scope.from_tokens(["area:Localities", "team:fr_north"])`."""

    kind: str = AUTHORITY
    value: str | tuple[str, ...] = AUTHORITY_TEAM

    @classmethod
    def from_tokens(cls, tokens) -> "Scope":
        """The scope for the sidebar's chosen tokens (order kept, repeats dropped)."""
        tokens = tuple(dict.fromkeys(t for t in tokens if t.startswith((AREA_PREFIX, TEAM_PREFIX))))
        if not tokens:
            return cls(AUTHORITY)
        if len(tokens) == 1:
            token = tokens[0]
            if token.startswith(AREA_PREFIX):
                return cls(SERVICE_AREA, token[len(AREA_PREFIX):])
            return cls(TEAM, token[len(TEAM_PREFIX):])
        return cls(SEVERAL, tokens)

    @property
    def tokens(self) -> tuple[str, ...]:
        if self.kind == SERVICE_AREA:
            return (AREA_PREFIX + self.value,)
        if self.kind == TEAM:
            return (TEAM_PREFIX + self.value,)
        if self.kind == SEVERAL:
            return tuple(self.value)
        return ()

    @property
    def is_authority(self) -> bool:
        return self.kind == AUTHORITY

    @property
    def areas(self) -> list[str]:
        return [t[len(AREA_PREFIX):] for t in self.tokens if t.startswith(AREA_PREFIX)]

    @property
    def teams(self) -> list[str]:
        return [t[len(TEAM_PREFIX):] for t in self.tokens if t.startswith(TEAM_PREFIX)]

    def team_ids(self, teams_frame: pd.DataFrame) -> list[str]:
        """The teams this scope covers, in the plan's team order (every team for the
        whole authority)."""
        if self.is_authority:
            return list(teams_frame["team_id"])
        areas, teams = set(self.areas), set(self.teams)
        return [t for t, a in zip(teams_frame["team_id"], teams_frame["service_area"])
                if t in teams or (a in areas)]

    def name(self, team_names: dict[str, str]) -> str:
        """In words, for headings and file covers: "Localities service area", "North team"."""
        parts = [f"{a} service area" for a in self.areas] + [team_names.get(t, t) for t in self.teams]
        if not parts:
            return "Whole authority"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def choices(teams_frame: pd.DataFrame) -> dict[str, str]:
    """token -> label for the sidebar: service areas (alphabetical), then teams (plan order)."""
    out = {AREA_PREFIX + a: f"Service area: {a}"
           for a in sorted(teams_frame["service_area"].dropna().unique())}
    out |= {TEAM_PREFIX + t: f"Team: {n}" for t, n in zip(teams_frame["team_id"], teams_frame["team_name"])}
    return out

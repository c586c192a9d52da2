"""The read layer: one module per page, each of plain functions (no Streamlit) that take a
reader and the page's choices and return what the page shows, display-ready.

A reader is anything with `.get(fn, *args)`, `.chart(fn, *args)`, `.as_at`, `.latest`,
`.scope` and `.grant`. On the dashboard it is the page's PageContext (webapp.py), which
caches each query per database version and refuses teams outside the person's service
areas; in the tests and the CLI it is a SnapshotReader, which calls the query directly.
Views call queries through the reader as `queries.name` (looked up when called), so the
dashboard's cache, which finds a query by its name in queries.py, keeps working.

Pages read their widgets, call a view, and render its fields: no SQL, no queries and no
pandas reshaping in pages/ (tests/test_views.py checks their imports).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import pandas as pd

from .. import access, queries
from ..access import Grant
from ..db import Snapshot
from ..scope import Scope


@dataclass(frozen=True)
class SnapshotReader:
    """A reader straight on an open snapshot: no cache, the same team rule as the dashboard
    (the teams query gives only the teams the grant may see)."""

    snap: Snapshot
    as_at: date
    scope: Scope = field(default_factory=Scope)
    grant: Grant = access.LOCAL_ADMIN
    latest: date | None = None

    def __post_init__(self) -> None:
        if self.latest is None:  # the newest month loaded, as the sidebar's "Latest data"
            months = queries.available_months(self.snap)
            object.__setattr__(self, "latest", months[0] if months else self.as_at)

    @property
    def sees_every_team(self) -> bool:
        return self.grant.all_areas

    def get(self, fn: Callable, *args):
        result = fn(self.snap, *args)
        if fn.__name__ == "teams":
            return access.visible_teams(result, self.grant)
        return result

    def chart(self, fn: Callable, *args):
        return fn(self.snap, *args)


def plan_title(reader) -> tuple[str, str]:
    """(the plan's name, the authority's name), with a general name when the plan has none."""
    info = reader.get(queries.plan_info)
    return info.get("name") or "Improvement plan", info.get("authority") or ""


def team_names(teams: pd.DataFrame) -> dict[str, str]:
    return dict(zip(teams["team_id"], teams["team_name"]))


def scope_team_ids(reader) -> tuple[str, ...]:
    """The sidebar scope's teams, shown beside the whole authority (none for the authority)."""
    if reader.scope.is_authority:
        return ()
    return tuple(reader.scope.team_ids(reader.get(queries.teams)))


def as_date(value) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()

"""Who may see what: cip_data/access.csv, and the role rules, in one place.

A row names a principal (an e-mail address, matched without regard to case, or
`group:<id>`, matched against the identity token's `groups` claim), a role and the
service areas it covers. The rules of the four roles live in ROLE_PERMISSIONS and the
functions below; the dashboard (cipdash/webapp.py) only asks them. Free of Streamlit,
so tests call it directly.

The dashboard re-reads the file whenever it changes (its size, time or identity), so a
change applies at the next page view with no load and no restart.
"""
from __future__ import annotations

import os
import re
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .csvfile import display_name, read_table
from .errors import Problem, Problems

ACCESS_FILE = "access.csv"
TEAMS_FILE = "teams.csv"
ACCESS_COLUMNS = {"principal": True, "role": True, "service_areas": False}
TEAMS_COLUMNS = {"team_id": True, "team_name": True, "service_area": False, "head_of_service": False}
GROUP_PREFIX = "group:"
AREA_SEPARATOR = ";"
# Who a person on no row is told to ask, when plan.toml names nobody (key access_contact).
DEFAULT_CONTACT = "your performance team"

VIEWER, HEAD_OF_SERVICE, PERFORMANCE, ADMIN = "viewer", "head_of_service", "performance", "admin"
ROLES = (VIEWER, HEAD_OF_SERVICE, PERFORMANCE, ADMIN)  # least to most
ROLE_NAMES = {VIEWER: "Viewer", HEAD_OF_SERVICE: "Head of service", PERFORMANCE: "Performance team",
              ADMIN: "Administrator"}

# What a role may do. Every page shows authority-wide figures to every role on the list;
# team figures only of the role's service areas unless it has ALL_AREAS.
SEE_FIGURES = "see figures"
PUBLIC_EXPORTS = "public exports"
ALL_AREAS = "all service areas"
UPLOAD = "upload extracts"
LOAD = "load"
INTERNAL_EXPORTS = "internal exports"
AUDIT_LOG = "audit log"
FILE_DETAILS = "file details"
# The meeting record: commentary and actions are written by those who run the services
# and the performance team; a viewer reads them. Changing the plan itself (appending an
# agreed rating to ratings.csv, accepting a suggested restart of the SPC limits) is the
# performance team's, who own cip_data/.
WRITE_RECORD = "write commentary and actions"
CHANGE_PLAN = "change the plan"
_VIEWER_PERMISSIONS = frozenset({SEE_FIGURES, PUBLIC_EXPORTS})
_PERFORMANCE_PERMISSIONS = _VIEWER_PERMISSIONS | {ALL_AREAS, UPLOAD, LOAD, INTERNAL_EXPORTS, WRITE_RECORD,
                                                  CHANGE_PLAN}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    VIEWER: _VIEWER_PERMISSIONS,
    HEAD_OF_SERVICE: _VIEWER_PERMISSIONS | {WRITE_RECORD},
    PERFORMANCE: _PERFORMANCE_PERMISSIONS,
    ADMIN: _PERFORMANCE_PERMISSIONS | {AUDIT_LOG, FILE_DETAILS},
}

_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")
_GROUP_ID = re.compile(r"^[^\s;,]+$")


@dataclass(frozen=True)
class Entry:
    """One row of access.csv. `principal` is lower-case; `service_areas` empty means all."""

    principal: str
    role: str
    service_areas: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Person:
    """Who signed in, from the identity token: e-mail and group ids (Entra sends object ids)."""

    email: str
    groups: tuple[str, ...] = ()
    name: str = ""

    @property
    def principals(self) -> set[str]:
        return {self.email.strip().lower()} | {GROUP_PREFIX + g.strip().lower() for g in self.groups if g.strip()}


@dataclass(frozen=True)
class Grant:
    """What one person may do: the union of every row that names them or one of their groups."""

    role: str
    permissions: frozenset[str]
    service_areas: frozenset[str] | None  # None: every service area
    default_areas: tuple[str, ...] = ()  # a head of service's own areas, their default scope
    lines: tuple[int, ...] = ()
    local: bool = False  # no sign-in (served on loopback only): the person at this machine

    def allows(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def all_areas(self) -> bool:
        return self.service_areas is None

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]

    def describe(self) -> str:
        areas = "all service areas" if self.all_areas else ("; ".join(sorted(self.service_areas))
                                                               or "no service area")
        return f"{self.role_name} ({areas})"


# Without sign-in the dashboard serves this machine only; whoever sits at it owns the files.
LOCAL_ADMIN = Grant(ADMIN, ROLE_PERMISSIONS[ADMIN], None, local=True)


@dataclass
class AccessList:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    exists: bool = True

    def grant_for(self, person: Person) -> Grant | None:
        return grant_for(person, self.entries)


def _split_areas(text: str) -> list[str]:
    return [a.strip() for a in text.split(AREA_SEPARATOR) if a.strip()]


def read_access(path: Path, known_areas: set[str] | None, problems: Problems) -> list[Entry]:
    """The good rows of access.csv; each bad cell is reported as file:line:column and its
    row left out (so a mistake never grants more than the file meant). `known_areas` are
    the service areas of teams.csv (None: not checked)."""
    table = read_table(Path(path), ACCESS_COLUMNS, problems)
    if table is None:
        return []
    by_folded = {a.casefold(): a for a in known_areas} if known_areas is not None else None
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for row in table.frame.to_dict("records"):
        line, ok = int(row["line"]), True

        def fail(column: str, message: str, hint: str = "") -> None:
            nonlocal ok
            problems.add(table.problem(line, column, message, hint))
            ok = False

        principal = row.get("principal", "").strip()
        folded = principal.lower()
        if not principal:
            fail("principal", "a principal is required here", "an e-mail address or group:<id>")
        elif folded.startswith(GROUP_PREFIX):
            if not _GROUP_ID.match(principal[len(GROUP_PREFIX):]):
                fail("principal", f"'{principal}' names no group id",
                     "write group: then the group's id, e.g. group:6f1c...; Entra ID sends object ids")
        elif not _EMAIL.match(principal):
            fail("principal", f"'{principal}' is neither an e-mail address nor group:<id>",
                 "one person's e-mail address, or group: then the group's id")
        role = row.get("role", "").strip().lower()
        if role not in ROLES:
            fail("role", f"'{row.get('role', '')}' is not a role" if role else "a role is required here",
                 "one of: " + ", ".join(ROLES))
        areas: list[str] = []
        for area in _split_areas(row.get("service_areas", "")):
            if by_folded is None:
                areas.append(area)
            elif area.casefold() in by_folded:
                areas.append(by_folded[area.casefold()])
            else:
                fail("service_areas", f"'{area}' is not a service area in teams.csv",
                     ("service areas: " + ", ".join(sorted(known_areas))) if known_areas else
                     "teams.csv names no service areas: leave this blank for all")
        if principal and folded in seen:
            fail("principal", f"'{principal}' appears twice (also line {seen[folded]})", "keep one row per principal")
        elif principal:
            seen[folded] = line
        if ok:
            entries.append(Entry(folded, role, tuple(dict.fromkeys(areas)), line))
    return entries


def grant_for(person: Person, entries: list[Entry]) -> Grant | None:
    """The person's grant from every row naming them or a group of theirs; None if no row does."""
    wanted = person.principals
    rows = [e for e in entries if e.principal in wanted]
    if not rows:
        return None
    role = max((e.role for e in rows), key=ROLES.index)
    permissions = frozenset().union(*(ROLE_PERMISSIONS[e.role] for e in rows))
    if ALL_AREAS in permissions or any(not e.service_areas for e in rows):
        areas = None
    else:
        areas = frozenset(a for e in rows for a in e.service_areas)
    own = tuple(dict.fromkeys(a for e in rows if e.role == HEAD_OF_SERVICE for a in e.service_areas))
    return Grant(role, permissions, areas, own, tuple(e.line for e in rows))


def allowed_team_ids(grant: Grant, team_areas: dict[str, str | None]) -> set[str] | None:
    """The teams whose figures the grant may see (`team_areas`: team id -> service area);
    None means every team."""
    if grant.all_areas:
        return None
    return {t for t, area in team_areas.items() if area in grant.service_areas}


def visible_teams(teams, grant: Grant):
    """The plan's teams frame (team_id, service_area, ...) cut to the teams the grant may see
    (the whole frame for all areas): what the dashboard and the views offer a person."""
    allowed = allowed_team_ids(grant, dict(zip(teams["team_id"], teams["service_area"])))
    if allowed is None:
        return teams
    return teams[teams["team_id"].isin(allowed)].reset_index(drop=True)


def may_see_team(grant: Grant, team_id: str, team_areas: dict[str, str | None]) -> bool:
    allowed = allowed_team_ids(grant, team_areas)
    return allowed is None or team_id in allowed


def may_see_scope(grant: Grant, kind: str, value: str, team_areas: dict[str, str | None]) -> bool:
    """A pack or view's scope: "authority" (everyone), a "service_area" or a "team"."""
    if kind == "authority" or grant.all_areas:
        return True
    if kind == "service_area":
        return value in grant.service_areas
    return may_see_team(grant, value, team_areas)


def may_export(grant: Grant, public: bool) -> bool:
    return grant.allows(PUBLIC_EXPORTS if public else INTERNAL_EXPORTS)


def teams_areas(plan_dir: Path, problems: Problems) -> set[str] | None:
    """The service areas teams.csv names (None when there is no teams.csv)."""
    path = Path(plan_dir) / TEAMS_FILE
    if not path.exists():
        return None
    table = read_table(path, TEAMS_COLUMNS, problems)
    if table is None:
        return None
    return {a for a in table.frame["service_area"] if a}


def check(plan_dir: Path, known_areas: set[str] | None, problems: Problems) -> None:
    """For `cipdash check`: the access file's problems, if there is one."""
    path = Path(plan_dir) / ACCESS_FILE
    if path.exists():
        read_access(path, known_areas if known_areas is not None else set(), problems)


_CACHE: dict[str, tuple[tuple, AccessList]] = {}
_CONTACTS: dict[str, tuple[tuple | None, str]] = {}
_CACHE_LOCK = threading.Lock()


def access_contact(plan_dir: Path) -> str:
    """Who to ask for access: plan.toml's access_contact, else the performance team (read
    again only when plan.toml changes: every page view asks)."""
    path = Path(plan_dir) / "plan.toml"
    key = _stamp(path)
    with _CACHE_LOCK:
        cached = _CONTACTS.get(str(path))
    if cached is not None and cached[0] == key:
        return cached[1]
    contact = _read_contact(path)
    with _CACHE_LOCK:
        _CONTACTS[str(path)] = (key, contact)
    return contact


def _read_contact(path: Path) -> str:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return DEFAULT_CONTACT
    contact = data.get("access_contact")
    return contact.strip() if isinstance(contact, str) and contact.strip() else DEFAULT_CONTACT


def _stamp(path: Path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)




def current_access(plan_dir: Path) -> AccessList:
    """access.csv as it is now, checked against teams.csv; re-read only when either changed."""
    path = Path(plan_dir) / ACCESS_FILE
    key = (_stamp(path), _stamp(Path(plan_dir) / TEAMS_FILE))
    with _CACHE_LOCK:
        cached = _CACHE.get(str(path))
    if cached is not None and cached[0] == key:
        return cached[1]
    if key[0] is None:
        result = AccessList(exists=False, problems=[Problem(display_name(path), 1, 1, "", "there is no access list",
                                                            "sign-in is on, so access.csv must name who may see what")])
    else:
        problems = Problems()
        areas = teams_areas(Path(plan_dir), problems)
        entries = read_access(path, areas if areas is not None else set(), problems)
        result = AccessList(entries, problems.all())
    with _CACHE_LOCK:
        _CACHE[str(path)] = (key, result)
    return result

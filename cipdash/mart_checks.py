"""The marts' keys, checked at load the way dbt tests a model (unique, not null, accepted values).

The declarations are cipdash/sql/checks/marts.toml; the checks are the SQL files beside it. A
load runs them inside its transaction once the marts are built (store._build): a failing check
raises MartCheckFailed, a LoadFailed, so the load stops, its transaction is never committed and
the live database file is never replaced. The message names the mart, the check and one
offending key, so the fault in the mart's SQL can be found.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

import duckdb

from .errors import LoadFailed, Problem
from .sqlfiles import MART_FILES, SQL_DIR, sql

DECLARATIONS = SQL_DIR / "checks" / "marts.toml"
KINDS = ("unique", "not_null", "accepted_values")


@dataclass(frozen=True)
class Check:
    mart: str
    kind: str                          # unique | not_null | accepted_values
    columns: tuple[str, ...]           # the key (unique) or the one column checked
    key: tuple[str, ...]               # the mart's key, to name an offending row
    accepted: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        cols = ", ".join(self.columns)
        if self.kind == "accepted_values":
            return f"accepted_values {cols} in ({', '.join(self.accepted)})"
        return f"{self.kind} ({cols})"


@cache
def declarations() -> dict[str, dict]:
    """marts.toml as read: mart name -> its declaration."""
    with open(DECLARATIONS, "rb") as handle:
        return tomllib.load(handle)


def checks() -> list[Check]:
    """Every declared check, mart by mart in the file's order."""
    out = []
    for mart, spec in declarations().items():
        unknown = set(spec) - set(KINDS)
        if unknown:
            raise ValueError(f"{DECLARATIONS}: [{mart}] has no such check: {', '.join(sorted(unknown))}")
        key = tuple(spec["unique"])
        out.append(Check(mart, "unique", key, key))
        out += [Check(mart, "not_null", (c,), key) for c in spec.get("not_null", ())]
        out += [Check(mart, "accepted_values", (c,), key, tuple(values))
                for c, values in spec.get("accepted_values", {}).items()]
    return out


def mart_file(mart: str) -> str:
    """The SQL file that builds `mart` (where a failing check sends the reader)."""
    for name in MART_FILES:
        if f"create or replace table {mart} as" in sql(name):
            return f"cipdash/sql/{name}.sql"
    return str(DECLARATIONS)


class MartCheckFailed(LoadFailed):
    """A mart failed a declared check: the load stopped and nothing was written."""

    def __init__(self, check: Check, example: str):
        self.check = check
        message = (f"mart {check.mart} failed its check {check.name}: {example}. This is a fault in the "
                   f"mart's SQL, not in the files; the load was stopped and the database is as it was")
        super().__init__([Problem(mart_file(check.mart), 1, 1, ", ".join(check.columns), message)])


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Each table's column names, read in one query: asking the catalogue once per check
    (128 of them) took about 0.2 s of a million-row load."""
    held: dict[str, set[str]] = {}
    for table, column in con.execute("select table_name, column_name from duckdb_columns() "
                                     "where schema_name = 'main'").fetchall():
        held.setdefault(table, set()).add(column)
    return held


def _quoted(held: dict[str, set[str]], mart: str, columns: tuple[str, ...]) -> str:
    """The column names as SQL identifiers, each checked to be one of the mart's own columns
    (names cannot be bound as parameters, so none goes in unchecked)."""
    own = held.get(mart, set())
    missing = [c for c in columns if c not in own]
    if not own or missing:
        raise ValueError(f"{DECLARATIONS}: [{mart}] names {', '.join(missing) or 'a table'} that the mart "
                         f"does not have")
    return ", ".join(f'"{c}"' for c in columns)


def _describe(check: Check, row: tuple, names: list[str]) -> str:
    values = dict(zip(names, row))
    key = ", ".join(f"{c}={values[c]!s}" for c in check.key)
    if check.kind == "unique":
        return f"{values['rows_with_it']} rows share the key {key}"
    if check.kind == "not_null":
        return f"{check.columns[0]} is missing in the row {key}"
    return f"{check.columns[0]} is {values['found']!r} in the row {key}"


def run(con: duckdb.DuckDBPyConnection) -> None:
    """Run every check on the marts `con` holds; raise MartCheckFailed at the first that fails."""
    held = _columns(con)
    for check in checks():
        text = sql(f"checks/{check.kind}").format(
            table=f'"{check.mart}"', key=_quoted(held, check.mart, check.key),
            column=_quoted(held, check.mart, check.columns))
        params = {"accepted": list(check.accepted)} if check.kind == "accepted_values" else {}
        cursor = con.execute(text, params)
        row = cursor.fetchone()
        if row is not None:
            raise MartCheckFailed(check, _describe(check, row, [d[0] for d in cursor.description]))

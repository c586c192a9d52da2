"""Reading the database: one consistent version of the file per page view.

A load replaces the file rather than writing into it (see store.py), so a reader holds a
`Snapshot`: one version of the file, opened read-only, that every query of a page view
uses. A page never mixes figures from before and after a load.

Each snapshot attaches the file to a private in-memory DuckDB instance. Connecting to
the path directly would go through DuckDB's per-process instance cache, which is keyed
by path and would keep handing back the replaced (old) file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from .errors import DatabaseUnavailable
from .sqlfiles import build_fingerprint, sql

REBUILD_HINT = "Build it from the plan and extracts with:  python -m cipdash load"
# What DuckDB says when the file itself is damaged (truncated, overwritten, a bad block):
# such a file fails when a query first reaches the damaged part, not necessarily on opening.
_DAMAGE = ("corrupt database file", "checksum", "could not read enough bytes", "not a valid duckdb database",
           "database has been invalidated", "invalidated")


def damaged_file_error(exc: BaseException) -> bool:
    """True when a DuckDB error means the database file cannot be read (rather than, say,
    a query that is wrong): a truncated or overwritten file, a block that fails its checksum."""
    if isinstance(exc, (duckdb.IOException, duckdb.FatalException, duckdb.InternalException)):
        return True
    return isinstance(exc, duckdb.Error) and any(s in str(exc).lower() for s in _DAMAGE)


def unreadable_message(path: Path, exc: BaseException) -> str:
    return (f"The database at {path} cannot be read ({str(exc).splitlines()[0]}). Move it aside, then "
            f"rebuild it: python -m cipdash load (the figures come back from cip_data/ and data/; "
            f"revision history held only in the old file is not).")


@dataclass(frozen=True)
class FileVersion:
    """What identifies one version of the database file: a load makes a new inode."""

    inode: int
    mtime_ns: int
    size: int


def file_version(path: Path) -> FileVersion:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DatabaseUnavailable(f"There is no database at {path}. {REBUILD_HINT}") from None
    return FileVersion(st.st_ino, st.st_mtime_ns, st.st_size)


class Snapshot:
    """A read-only view of one version of the database; safe to share between threads
    (each query takes its own cursor)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._instance = duckdb.connect(":memory:")
        try:
            # The version is the file's identity just before and just after attaching it: were
            # a load to replace the file in between, the two would differ, so try again.
            for _ in range(10):
                self.version = file_version(self.path)
                self._instance.execute("attach ? as cip (read_only)", [str(self.path)])
                if file_version(self.path) == self.version:
                    break
                self._instance.execute("detach cip")
            self._instance.execute("use cip")
            self._instance.execute("select count(*) from loads").fetchone()
            built = self._instance.execute(
                "select value from build_info where key = 'sql_sha256'").fetchone() if self._instance.execute(
                "select count(*) from duckdb_tables() where database_name = 'cip' and table_name = 'build_info'"
            ).fetchone()[0] else None
        except duckdb.Error as exc:
            self._instance.close()
            raise DatabaseUnavailable(unreadable_message(self.path, exc)) from None
        except DatabaseUnavailable:
            self._instance.close()  # the file went away while being opened
            raise
        if built is None or built[0] != build_fingerprint():
            self._instance.close()
            # The pages' queries expect the marts and views of this version of the code.
            raise DatabaseUnavailable(
                f"The database at {self.path} was built by another version of the dashboard. Bring it up to "
                f"date with: python -m cipdash load (nothing is lost: the figures and their history stay).")

    def query(self, name: str, **params) -> pd.DataFrame:
        """Run the query file cipdash/sql/queries/<name>.sql with bound parameters."""
        return self.execute(sql(f"queries/{name}"), params)

    def execute(self, text: str, params: dict | list | None = None) -> pd.DataFrame:
        return self._run(text, params, lambda cursor: cursor.df())

    def _run(self, text: str, params: dict | list | None, fetch):
        try:
            cursor = self._instance.cursor()
            try:
                cursor.execute("use cip")
                return fetch(cursor.execute(text, params or {}))
            finally:
                cursor.close()
        except duckdb.Error as exc:
            if damaged_file_error(exc):  # a damaged block met only now: the same clear message
                raise DatabaseUnavailable(unreadable_message(self.path, exc)) from None
            raise

    def is_current(self) -> bool:
        try:
            return file_version(self.path) == self.version
        except DatabaseUnavailable:
            return False

    def close(self) -> None:
        self._instance.close()


def open_snapshot(path: Path) -> Snapshot:
    return Snapshot(Path(path))

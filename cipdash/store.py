"""Validating and loading the plan and extracts into the DuckDB file, all or nothing.

How the dashboard keeps serving while a load runs: DuckDB allows one writing process or
many readers of a file, never both. So a load never writes the live file. It copies it
to a temporary file beside it, applies the whole load there in one transaction, closes
it (DuckDB checkpoints on close), flushes it to disk and then renames it over the live
file (`os.replace`, atomic on POSIX). Readers that opened the old file keep reading the
old version until they reopen; the dashboard reopens when the file's identity changes.
A load killed at any point leaves either the old file or the new one, never a mixture.
Two loads at once are serialised by a lock file.

The files are the truth: a load makes the database show exactly the figures in the files
it reads. A figure held whose row is in none of them is withdrawn (kept in the revision
history as withdrawn by that load). A load that would withdraw more than a tenth of the
figures shown (an emptied or unmounted folder, a rolling extract that dropped its early
months) is refused, writing nothing, unless the caller allows it.

A second lock (<db>.files-lock) is held from reading the files to writing the database, so
an upload (uploads.py), which changes data/ and the database together, never interleaves
with a load; an upload left half-done by a crash is finished or undone (uploads.recover)
before any load reads data/.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from . import access, mart_checks
from .db import damaged_file_error
from .errors import DatabaseUnavailable, LoadFailed, Problem, Problems
from .extracts import Extracts, read_extracts
from .plan import LoadedFile, Plan, read_plan
from .sqlfiles import MART_FILES, build_fingerprint, sql, statements

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PLAN_DIR = PROJECT_DIR / "cip_data"
DEFAULT_DATA_DIR = PROJECT_DIR / "data"
DEFAULT_DB = PROJECT_DIR / "var" / "cipdash.duckdb"
DB_ENV = "CIPDASH_DB"

PLAN_TABLES = ("plan_info", "recommendations", "ratings", "measures", "measure_recommendations",
               "targets", "teams", "inspections", "spc_rebase")


def default_folder(name: str) -> Path:
    """`cip_data` or `data` in the current folder when it has one, else the project's own:
    `python -m cipdash load` run from a council's own folder (a scheduled job's working
    directory) reads that folder's files, as a relative `cip_data/` says; run from anywhere
    else it reads the project's."""
    here = Path.cwd() / name
    return here if here.is_dir() else PROJECT_DIR / name


def resolve_db(option: str | os.PathLike | None = None) -> Path:
    """--db wins, then $CIPDASH_DB, then the project's own (git-ignored) file."""
    if option:
        return Path(option)
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return DEFAULT_DB


@dataclass
class Validated:
    plan: Plan
    extracts: Extracts
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def files(self) -> list[LoadedFile]:
        return self.plan.files + self.extracts.files


# More than this share of the figures shown withdrawn by one load is refused unless allowed.
WITHDRAW_GUARD_SHARE = 0.1


class WithdrawalRefused(Exception):
    """The load would withdraw more than a tenth of the figures shown; nothing was written."""

    def __init__(self, withdrawn: int, shown: int):
        self.withdrawn, self.shown = withdrawn, shown
        super().__init__(
            f"This load would withdraw {withdrawn:,} of the {shown:,} figures shown (more than a tenth): their "
            f"rows are in no file read. Nothing was loaded. If the folder is right (not emptied or unmounted, "
            f"not an extract that dropped its early months), load again with --allow-withdraw.")


@dataclass
class LoadResult:
    changed: bool
    load_id: int | None
    rows_added: int = 0
    rows_revised: int = 0
    rows_unchanged: int = 0
    rows_withdrawn: int = 0   # held figures whose rows are in no file: no longer shown
    rows_returned: int = 0    # of rows_added, figures withdrawn earlier whose rows came back
    plan_changed: bool = False
    files: list[LoadedFile] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Nothing new was loaded, but the marts and views were rebuilt for a newer cipdash.
    rebuilt: bool = False


def _sql_fingerprint() -> str:
    """Identifies the stored schema: the tables, marts and views (see build_info in schema.sql)."""
    return build_fingerprint()


def validate(plan_dir: Path = DEFAULT_PLAN_DIR, data_dir: Path = DEFAULT_DATA_DIR,
             named_as: Path | None = None) -> Validated:
    """Read and check everything; never writes. Every problem is collected. `named_as`: the
    folder the files are named after (an upload checks a staged copy of data/, but its
    figures must record the names they will have in data/)."""
    problems = Problems()
    plan = read_plan(Path(plan_dir), problems)
    # access.csv (who may see what) is checked like every plan file, against teams.csv's areas.
    access.check(Path(plan_dir), set(plan.teams["service_area"].dropna()) if len(plan.teams) else set(), problems)
    extracts = read_extracts(Path(data_dir), plan, problems, named_as=named_as)
    return Validated(plan, extracts, problems.all())


@contextmanager
def files_lock(db_path: Path, wait=None, only_if_free: bool = False):
    """Held from reading the files to writing the database: loads and uploads one at a time.
    `wait` is called (once) when another holds it, before waiting for it. With
    `only_if_free`, never waits: yields False when another holds it (else True)."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with open(db_path.with_name(db_path.name + ".files-lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if only_if_free:
                yield False
                return
            if wait is not None:
                wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _load_lock(db_path: Path):
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries (a rename), to disk (uploads use it too)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_leftovers(db_path: Path) -> None:
    """Temporary files of a load that was killed: never the live file. Includes the
    folder DuckDB spills to under memory pressure (<file>.tmp), named after the copy."""
    for p in db_path.parent.glob(db_path.name + ".tmp-*"):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def load(plan_dir: Path = DEFAULT_PLAN_DIR, data_dir: Path = DEFAULT_DATA_DIR, db_path: Path | None = None,
         validated: Validated | None = None, allow_withdraw: bool = False) -> LoadResult:
    """Validate everything, then apply all of it or none of it. Raises LoadFailed, or
    WithdrawalRefused when it would withdraw more than a tenth of the figures shown and
    `allow_withdraw` is not set."""
    from .uploads import recover

    db_path = Path(db_path or resolve_db())
    with files_lock(db_path):
        recover(db_path, Path(data_dir))  # an upload a crash left half-done: finished or undone first
        checked = validated or validate(plan_dir, data_dir)
        return load_checked(checked, plan_dir, data_dir, db_path, allow_withdraw=allow_withdraw)


def load_checked(checked: Validated, plan_dir: Path, data_dir: Path, db_path: Path,
                 allow_withdraw: bool = False, max_withdraw: int | None = None) -> LoadResult:
    """Apply what `validate` read (the caller holds files_lock). `max_withdraw`: refuse to
    withdraw more than this many figures whatever the share (an upload confirmed for that
    many)."""
    if checked.errors:
        raise LoadFailed(checked.problems)
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _load_lock(db_path):
        _remove_leftovers(db_path)
        tmp = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
        try:
            if db_path.exists():
                shutil.copyfile(db_path, tmp)
            try:
                con = duckdb.connect(str(tmp))
            except duckdb.Error as exc:
                raise _unreadable(db_path, tmp, exc) from None
            try:
                result = _apply(con, checked, Path(plan_dir), Path(data_dir), allow_withdraw, max_withdraw)
            except duckdb.Error as exc:
                # A damaged file may open and fail only when the load reaches the damaged
                # part (a truncated file, a block that fails its checksum); a full disk fails
                # on writing the copy. Either way the live file was never touched.
                if "no space left" in str(exc).lower():
                    raise OSError(f"the disk is full while writing {tmp} ({str(exc).splitlines()[0]})") from None
                if damaged_file_error(exc):
                    raise _unreadable(db_path, tmp, exc) from None
                raise
            finally:
                con.close()
            if not result.changed:
                tmp.unlink(missing_ok=True)
                return result
            fsync_path(tmp)
            os.replace(tmp, db_path)
            fsync_path(db_path.parent)
            return result
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def _unreadable(db_path: Path, tmp: Path, exc: BaseException) -> DatabaseUnavailable:
    reason = str(exc).splitlines()[0].replace(str(tmp.resolve()), str(db_path)).replace(str(tmp), str(db_path))
    return DatabaseUnavailable(
        f"The database file {db_path} cannot be read ({reason}). Nothing was loaded. Move it aside "
        f"and rebuild it from the plan and extracts (cip_data/ and data/) with: python -m cipdash load")


def _run(con: duckdb.DuckDBPyConnection, statement: str, params: dict) -> None:
    """Execute with only the parameters the statement names (DuckDB rejects extras)."""
    con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})


def _stage_plan(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    for name, frame in plan.tables().items():
        # Typed like the live table, built in one CREATE TABLE AS (see _apply on why not
        # CREATE ... LIMIT 0 then INSERT from a frame).
        types = con.execute(f"select column_name, data_type from duckdb_columns() "
                            f"where table_name = '{name}' and schema_name = 'main' order by column_index").fetchall()
        if len(frame):
            con.register("plan_frame", frame)
            select = ", ".join(f'"{c}"::{t} as "{c}"' for c, t in types)
            con.execute(f"create or replace temp table new_{name} as select {select} from plan_frame")
            con.unregister("plan_frame")
        else:
            con.execute(f"create or replace temp table new_{name} as select * from {name} limit 0")


def _plan_changed(con: duckdb.DuckDBPyConnection) -> bool:
    for name in PLAN_TABLES:
        diff = con.execute(
            f"select count(*) from ((select * from {name} except all select * from new_{name}) "
            f"union all (select * from new_{name} except all select * from {name}))").fetchone()[0]
        if diff:
            return True
    return False


@dataclass(frozen=True)
class Changes:
    """What loading a set of files would do to the figures held."""

    added: int
    revised: int
    unchanged: int
    withdrawn: int
    shown: int  # figures (and comparator figures) shown before the load

    @property
    def over_guard(self) -> bool:
        return self.withdrawn > WITHDRAW_GUARD_SHARE * self.shown


def _classify(con: duckdb.DuckDBPyConnection, checked: Validated) -> Changes:
    """Stage the checked figures and compare them with those held (temp tables only)."""
    con.register("observations_frame", checked.extracts.observations_table)
    con.register("benchmarks_frame", checked.extracts.benchmarks_table)
    for statement in statements("load/stage"):
        con.execute(statement)
    for statement in statements("load/classify_observations") + statements("load/classify_benchmarks"):
        con.execute(statement)
    for name in ("staged_observations", "staged_benchmarks"):
        con.execute(f"drop view {name}")
    con.unregister("observations_frame")
    con.unregister("benchmarks_frame")
    return Changes(*con.execute(sql("load/counts")).fetchall()[0])


def preview(checked: Validated, db_path: Path) -> Changes:
    """What loading `checked` into the database would do, writing nothing (the database is
    opened read-only, so this runs while the dashboard serves it)."""
    db_path = Path(db_path)
    empty = Changes(sum(f.rows for f in checked.extracts.files), 0, 0, 0, 0)
    if not db_path.exists():
        return empty
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute("attach ? as cip (read_only)", [str(db_path)])
        except duckdb.Error as exc:
            raise _unreadable(db_path, db_path, exc) from None
        con.execute("use cip")
        if not con.execute("select count(*) from duckdb_tables() where database_name = 'cip' "
                           "and table_name = 'observations'").fetchall()[0][0]:
            return empty
        return _classify(con, checked)
    finally:
        con.close()


def _apply(con: duckdb.DuckDBPyConnection, checked: Validated, plan_dir: Path, data_dir: Path,
           allow_withdraw: bool = False, max_withdraw: int | None = None) -> LoadResult:
    for statement in statements("schema"):
        con.execute(statement)
    con.execute("begin transaction")
    changes = _classify(con, checked)
    if (changes.over_guard and not allow_withdraw) or (max_withdraw is not None and changes.withdrawn > max_withdraw):
        con.execute("rollback")
        raise WithdrawalRefused(changes.withdrawn, changes.shown)
    _stage_plan(con, checked.plan)
    added, revised, same, withdrawn = changes.added, changes.revised, changes.unchanged, changes.withdrawn
    plan_changed = _plan_changed(con)
    result = LoadResult(bool(added or revised or withdrawn or plan_changed), None, added, revised, same, withdrawn,
                        0, plan_changed, checked.files, checked.warnings)
    fingerprint = _sql_fingerprint()
    built = con.execute("select value from build_info where key = 'sql_sha256'").fetchone()
    if not result.changed:
        if built is not None and built[0] == fingerprint:
            # Loading the same files twice changes nothing: not even the load log.
            con.execute("rollback")
            return result
        # The same files, but a newer cipdash: rebuild its marts and views, log no load.
        _build(con, fingerprint)
        result.changed = result.rebuilt = True
        return result

    load_id = con.execute("select coalesce(max(load_id), 0) + 1 from loads").fetchone()[0]
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    params = {"load_id": load_id, "loaded_at": loaded_at}
    result.rows_returned = con.execute(sql("load/returned_count")).fetchall()[0][0]
    for statement in statements("load/apply_observations") + statements("load/apply_benchmarks"):
        _run(con, statement, params)
    for name in PLAN_TABLES:
        con.execute(f"insert into plan_revisions select '{name}', to_json(changed), $load_id, $loaded_at "
                    f"from (select * from {name} except all select * from new_{name}) as changed", params)
        con.execute(f"delete from {name}")
        con.execute(f"insert into {name} select * from new_{name}")
    con.execute("insert into loads (load_id, loaded_at, plan_dir, data_dir, rows_added, rows_revised, "
                "rows_unchanged, plan_changed, rows_withdrawn) values ($load_id, $loaded_at, $plan_dir, $data_dir, "
                "$added, $revised, $same, $plan_changed, $withdrawn)",
                params | {"plan_dir": str(plan_dir), "data_dir": str(data_dir), "added": added, "revised": revised,
                          "same": same, "plan_changed": plan_changed, "withdrawn": withdrawn})
    files = pd.DataFrame([{"file": f.file, "sha256": f.sha256, "rows": f.rows} for f in checked.files],
                         columns=["file", "sha256", "rows"])
    con.register("files_frame", files)
    con.execute("insert into load_files select $load_id, file, sha256, rows, $loaded_at from files_frame", params)
    con.unregister("files_frame")
    _build(con, fingerprint)
    result.load_id = load_id
    return result


def _build(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """(Re)build the marts (in MART_FILES' order) and views, check the marts' declared keys
    (mart_checks: a failure rolls the whole load back), record which code built them, commit."""
    for name in MART_FILES:
        for statement in statements(name):
            con.execute(statement)
    try:
        mart_checks.run(con)
    except mart_checks.MartCheckFailed:
        con.execute("rollback")
        raise
    for statement in statements("views"):
        con.execute(statement)
    con.execute("delete from build_info where key = 'sql_sha256'")
    con.execute("insert into build_info values ('sql_sha256', $sha)", {"sha": fingerprint})
    con.execute("commit")
    con.execute("checkpoint")

"""Validating and loading the plan and extracts into the DuckDB file, all or nothing.

How the dashboard keeps serving while a load runs: DuckDB allows one writing process or
many readers of a file, never both. So a load never writes the live file. It copies it
to a temporary file beside it, applies the whole load there in one transaction, closes
it (DuckDB checkpoints on close), flushes it to disk and then renames it over the live
file (`os.replace`, atomic on POSIX). Readers that opened the old file keep reading the
old version until they reopen; the dashboard reopens when the file's identity changes.
A load killed at any point leaves either the old file or the new one, never a mixture.
Two loads at once are serialised by a lock file.
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

from .db import damaged_file_error
from .errors import DatabaseUnavailable, LoadFailed, Problem, Problems
from .extracts import Extracts, read_extracts
from .plan import LoadedFile, Plan, read_plan
from .sqlfiles import build_fingerprint, sql, statements

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


@dataclass
class LoadResult:
    changed: bool
    load_id: int | None
    rows_added: int = 0
    rows_revised: int = 0
    rows_unchanged: int = 0
    plan_changed: bool = False
    files: list[LoadedFile] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Nothing new was loaded, but the marts and views were rebuilt for a newer cipdash.
    rebuilt: bool = False


def _sql_fingerprint() -> str:
    """Identifies the SQL that builds the marts and views (see build_info in schema.sql)."""
    return build_fingerprint()


def validate(plan_dir: Path = DEFAULT_PLAN_DIR, data_dir: Path = DEFAULT_DATA_DIR) -> Validated:
    """Read and check everything; never writes. Every problem is collected."""
    problems = Problems()
    plan = read_plan(Path(plan_dir), problems)
    extracts = read_extracts(Path(data_dir), plan, problems)
    return Validated(plan, extracts, problems.all())


@contextmanager
def _load_lock(db_path: Path):
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
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
         validated: Validated | None = None) -> LoadResult:
    """Validate everything, then apply all of it or none of it. Raises LoadFailed."""
    db_path = Path(db_path or resolve_db())
    checked = validated or validate(plan_dir, data_dir)
    if checked.errors:
        raise LoadFailed(checked.problems)
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
                result = _apply(con, checked, Path(plan_dir), Path(data_dir))
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
            _fsync(tmp)
            os.replace(tmp, db_path)
            _fsync(db_path.parent)
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


def _apply(con: duckdb.DuckDBPyConnection, checked: Validated, plan_dir: Path, data_dir: Path) -> LoadResult:
    for statement in statements("schema"):
        con.execute(statement)
    con.execute("begin transaction")
    con.register("observations_frame", checked.extracts.observations_table)
    con.register("benchmarks_frame", checked.extracts.benchmarks_table)
    for statement in statements("load/stage"):
        con.execute(statement)
    _stage_plan(con, checked.plan)

    con.execute(sql("load/classify_observations"))
    con.execute(sql("load/classify_benchmarks"))
    for name in ("staged_observations", "staged_benchmarks"):
        con.execute(f"drop view {name}")
    con.unregister("observations_frame")
    con.unregister("benchmarks_frame")
    counts = dict(con.execute(
        "select status, count(*) from (select status from observation_status "
        "union all select status from benchmark_status) group by status").fetchall())
    added, revised, same = counts.get("new", 0), counts.get("revised", 0), counts.get("same", 0)
    plan_changed = _plan_changed(con)
    result = LoadResult(bool(added or revised or plan_changed), None, added, revised, same, plan_changed,
                        checked.files, checked.warnings)
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
    for statement in statements("load/apply_observations") + statements("load/apply_benchmarks"):
        _run(con, statement, params)
    for name in PLAN_TABLES:
        con.execute(f"insert into plan_revisions select '{name}', to_json(changed), $load_id, $loaded_at "
                    f"from (select * from {name} except all select * from new_{name}) as changed", params)
        con.execute(f"delete from {name}")
        con.execute(f"insert into {name} select * from new_{name}")
    con.execute("insert into loads values ($load_id, $loaded_at, $plan_dir, $data_dir, $added, $revised, $same, "
                "$plan_changed)", params | {"plan_dir": str(plan_dir), "data_dir": str(data_dir), "added": added,
                                             "revised": revised, "same": same, "plan_changed": plan_changed})
    files = pd.DataFrame([{"file": f.file, "sha256": f.sha256, "rows": f.rows} for f in checked.files],
                         columns=["file", "sha256", "rows"])
    con.register("files_frame", files)
    con.execute("insert into load_files select $load_id, file, sha256, rows, $loaded_at from files_frame", params)
    con.unregister("files_frame")
    _build(con, fingerprint)
    result.load_id = load_id
    return result


def _build_card_readings(con: duckdb.DuckDBPyConnection) -> None:
    """The authority_card_readings mart: SPC and forecast in Python (analysis.py), so it is
    built here rather than in marts.sql, in the same transaction as the other marts."""
    from .analysis import card_readings_by_month, rebase_by_measure

    readings = card_readings_by_month(con.execute(sql("load/card_reading_figures")).df(),
                                      con.execute(sql("load/card_reading_points")).df(),
                                      rebase_by_measure(con.execute(sql("queries/spc_rebase")).df()))
    if len(readings):  # the table itself is made empty by marts.sql
        con.register("readings_frame", readings)
        con.execute(sql("load/insert_card_readings"))
        con.unregister("readings_frame")


def _build(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """(Re)build the marts and views, record which code built them, commit."""
    for statement in statements("marts") + statements("views"):
        con.execute(statement)
    _build_card_readings(con)
    con.execute("delete from build_info where key = 'sql_sha256'")
    con.execute("insert into build_info values ('sql_sha256', $sha)", {"sha": fingerprint})
    con.execute("commit")
    con.execute("checkpoint")

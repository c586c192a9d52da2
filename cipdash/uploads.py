"""Extract files uploaded in the browser: checked together with everything already in
data/ (the next load reads them all), then saved into data/ and loaded, all or nothing.

An accepted upload becomes a file in data/, so the next scheduled load keeps it. A file
with the same name as one already there replaces it; the old file is kept in
data/replaced/ (which loads do not read) under a name no other upload can take, and its
figures stay in the revision history.

How an upload cannot lose a file, whatever happens part-way:
- Loads and uploads hold one lock (store.files_lock) from reading data/ to writing the
  database, so two uploads never interleave; a second uploader is told it is waiting.
  Under the lock the upload is checked again against data/ as it is then (another upload
  may have changed it since the first check).
- The new files are written complete (and flushed to disk) under a hidden staging folder
  inside data/ that loads do not read, beside links to the files they keep.
- Then a journal (an intent file beside the database) records the plan: which files, their
  sha256, the backup names. Only then are backups made: each is a hard link to the file
  being replaced, so it is complete the moment it exists (a copy, written under a hidden
  name and renamed when complete, where links are not possible).
- The database is loaded from the staged set (the figures named as they will be in data/),
  and the staged files are renamed into data/ (atomic), then the journal is removed.
- A crash (or a kill) at any moment is put right by recover(), run before any load or
  upload and when the dashboard starts: with a journal, the upload is finished (its staged
  files are complete, so the files are renamed and data/ loaded), or, if that cannot be
  done, undone (old files back, data/ loaded); without one, the staging folder is removed.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .csvfile import display_name
from .errors import LoadFailed, Problem
from .store import (Changes, LoadResult, WithdrawalRefused, default_folder, files_lock, fsync_path, load_checked,
                    preview, validate)

MAX_UPLOAD_MB = 50
MAX_FILES = 20
REPLACED_DIR = "replaced"
STAGE_PREFIX = ".upload-"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def folders() -> tuple[Path, Path]:
    """The plan and extracts folders the dashboard uses: $CIPDASH_PLAN_DIR and
    $CIPDASH_DATA_DIR, else the ones `python -m cipdash load` reads by default."""
    return (Path(os.environ.get("CIPDASH_PLAN_DIR") or default_folder("cip_data")),
            Path(os.environ.get("CIPDASH_DATA_DIR") or default_folder("data")))


def safe_file_name(name: str) -> str:
    """A plain file name for data/: no folders, no odd characters, ending .csv."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    stem, dot, ext = base.rpartition(".")
    if not dot or ext.lower() != "csv":
        raise ValueError(f"'{name}' is not a .csv file")
    stem = _UNSAFE.sub("_", stem).strip("._") or "upload"
    return f"{stem[:100]}.csv"


def _has_rows(raw: bytes) -> bool:
    """A file with something below its header (the 'empties a file' test needs no parsing:
    a line of commas only is no row)."""
    return any(line.strip(b", \t\r") for line in raw.splitlines()[1:])


@dataclass
class UploadCheck:
    files: dict[str, bytes]
    problems: list[Problem] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    # What loading would do to the figures shown (None: no database to compare with).
    changes: Changes | None = None
    # Files in data/ that hold figures and would be replaced by one holding none.
    empties: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.files) and not any(p.severity == "error" for p in self.problems)

    @property
    def needs_confirmation(self) -> bool:
        """The upload would withdraw figures or empty a file: ask before writing."""
        return bool(self.empties) or bool(self.changes and self.changes.withdrawn)


class NeedsConfirmation(Exception):
    """The upload would withdraw figures (or empty a file) that were not confirmed: nothing
    was written. Carries the counts as they are now."""

    def __init__(self, changes: Changes, empties: list[str]):
        self.changes, self.empties = changes, empties
        what = [f"withdraw {changes.withdrawn:,} of the {changes.shown:,} figures shown"] if changes.withdrawn else []
        what += [f"empty {', '.join(empties)}"] if empties else []
        super().__init__(f"This upload would {' and '.join(what)}. Nothing was written; confirm to go ahead.")


@dataclass
class UploadOutcome:
    """What an applied upload did, for telling the uploader the truth."""

    result: LoadResult
    written: list[str]                 # files saved into data/ (new or replacing one)
    kept: dict[str, str]               # replaced file -> its backup in data/replaced/
    already_there: list[str]           # uploaded files identical to the one already in data/

    def message(self) -> str:
        r = self.result
        parts = []
        if self.already_there:
            parts.append(f"{', '.join(self.already_there)}: already in the extracts folder exactly as uploaded.")
        if r.changed and not r.rebuilt:
            parts.append(f"Loaded: {_count(r.rows_added, 'new figure')}, {r.rows_revised:,} revised (earlier "
                         f"values kept), {r.rows_withdrawn:,} withdrawn (their rows are in no file; kept in the "
                         f"revision history), {r.rows_unchanged:,} unchanged (load {r.load_id}).")
            if r.rows_returned:
                parts.append(f"{r.rows_returned:,} of the new figures had been withdrawn and are shown again.")
        else:
            parts.append(f"The database already held exactly these figures ({r.rows_unchanged:,}): "
                         f"no figure was added, revised or withdrawn.")
        saved = [n for n in self.written if n not in self.kept]
        parts += [f"Saved {', '.join(saved)} in the extracts folder."] if saved else []
        parts += [f"Replaced {n} (the old file is kept as {REPLACED_DIR}/{b})." for n, b in self.kept.items()]
        return " ".join(parts)


WAITING = "Another upload is being applied; this one will be checked again and applied as soon as it is done."


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def check_note(check: UploadCheck) -> str:
    """What the page says about a valid upload before it is applied, with the counts."""
    warnings = sum(p.severity == "warning" for p in check.problems)
    note = f"{len(check.files)} file(s) are valid" + (f" ({_count(warnings, 'warning')} above)" if warnings else "")
    note += "."
    c = check.changes
    if c is not None:
        note += (f" Loading would add {_count(c.added, 'figure')}, revise {c.revised:,} and withdraw "
                 f"{c.withdrawn:,} of the {c.shown:,} figures shown ({c.unchanged:,} unchanged).")
    if check.replaces:
        note += f" These replace files of the same name (the old ones are kept): {', '.join(check.replaces)}."
    if check.empties:
        note += f" These hold no rows, so the files they replace are emptied: {', '.join(check.empties)}."
    if check.needs_confirmation:
        note += (" Figures withdrawn are no longer shown anywhere (they are kept in the revision history). "
                 "Nothing is written until you confirm.")
    return note


def button_label(check: UploadCheck) -> str:
    if not check.needs_confirmation:
        return "Load these files"
    withdrawn = check.changes.withdrawn if check.changes else 0
    return f"Confirm: load these files and withdraw {_count(withdrawn, 'figure')}"


def confirmed_count(check: UploadCheck) -> int | None:
    """What pressing the button confirms: the withdrawals shown (None: none were shown)."""
    if not check.needs_confirmation:
        return None
    return check.changes.withdrawn if check.changes else 0


def failure_message(exc: OSError) -> str:
    full = exc.errno == errno.ENOSPC or "disk is full" in str(exc) or "No space left" in str(exc)
    why = "the disk is full" if full else f"the files could not be written ({exc.strerror or exc})"
    return (f"The upload could not be applied: {why}. Nothing was changed: the extracts folder and the "
            f"database are as they were, and no partial file was kept.")


def _staged_copy(files: dict[str, bytes], data_dir: Path, stage: Path, link: bool) -> None:
    """data/ as the next load would see it with these files: its other *.csv files and its
    benchmarks (linked when `link`, else copied), and the uploaded files, written whole."""
    stage.mkdir()
    if data_dir.is_dir():
        for p in data_dir.iterdir():
            if p.is_file() and p.suffix.lower() == ".csv" and p.name not in files:
                _link_or_copy(p, stage / p.name) if link else shutil.copyfile(p, stage / p.name)
        bench = data_dir / "benchmarks"
        if bench.is_dir():
            (stage / "benchmarks").mkdir()
            for p in bench.iterdir():
                if p.is_file():
                    _link_or_copy(p, stage / "benchmarks" / p.name) if link else \
                        shutil.copyfile(p, stage / "benchmarks" / p.name)
    for name, raw in files.items():
        _write_durably(stage / name, raw)


def _link_or_copy(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def _write_durably(path: Path, raw: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())


def check_upload(uploads: list[tuple[str, bytes]], plan_dir: Path, data_dir: Path,
                 db_path: Path | None = None) -> UploadCheck:
    """Validate the uploads as the next load would see data/: its files plus these. With
    `db_path`, also what loading them would do (added, revised, withdrawn), so the page can
    ask before an upload that withdraws or empties anything."""
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    if len(uploads) > MAX_FILES:
        problems.append(Problem("(upload)", 1, 1, "", f"at most {MAX_FILES} files at once"))
    for name, raw in uploads:
        try:
            safe = safe_file_name(name)
        except ValueError as exc:
            problems.append(Problem(name[:200], 1, 1, "", str(exc), "upload CSV extracts only"))
            continue
        if len(raw) > MAX_UPLOAD_MB * 1024 * 1024:
            problems.append(Problem(safe, 1, 1, "", f"the file is larger than {MAX_UPLOAD_MB} MB"))
            continue
        if safe in files:
            problems.append(Problem(safe, 1, 1, "", "two uploaded files have this name"))
            continue
        files[safe] = raw
    check = UploadCheck(files, problems)
    if problems or not files:
        return check
    data_dir = Path(data_dir)
    old = {n: (data_dir / n).read_bytes() for n in files if (data_dir / n).is_file()}
    check.replaces = sorted(n for n in old if old[n] != files[n])
    check.empties = sorted(n for n in check.replaces if _has_rows(old[n]) and not _has_rows(files[n]))
    with tempfile.TemporaryDirectory(prefix="cipdash-upload-") as tmp:
        checked = validate(Path(plan_dir), _stage_for_check(files, data_dir, Path(tmp)), named_as=data_dir)
        check.problems.extend(_marked(checked.problems, files, data_dir))
        if db_path is not None and not checked.errors:
            check.changes = preview(checked, Path(db_path))
    return check


def _stage_for_check(files: dict[str, bytes], data_dir: Path, tmp: Path) -> Path:
    stage = tmp / "data"
    _staged_copy(files, data_dir, stage, link=False)
    return stage


def _marked(problems: list[Problem], files: dict[str, bytes], data_dir: Path) -> list[Problem]:
    """Problems in an uploaded file name it as the uploader knows it: 'x.csv (uploaded)'."""
    uploaded = {display_name(data_dir / n): n for n in files}
    return [Problem(f"{uploaded[p.file]} (uploaded)", p.line, p.column, p.column_name, p.message, p.hint,
                    p.severity) if p.file in uploaded else p for p in problems]


# --------------------------------------------------------------------------- applying

def journal_path(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".upload-journal.json")


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        return _sha256(path.read_bytes())
    except FileNotFoundError:
        return None


def _write_journal(path: Path, plan: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        _write_durably(tmp, json.dumps(plan, indent=1).encode("utf-8"))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_path(path.parent)


def _backup_name(name: str) -> str:
    """Never the name of another backup: the time to the microsecond and a random part."""
    stem = name[:-4]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stem}.{stamp}.{uuid.uuid4().hex[:12]}.csv"


def _keep(dest: Path, backup: Path) -> None:
    """Keep the file being replaced as `backup`: a hard link (complete the moment it exists);
    else a copy written under a hidden name and renamed only when complete and flushed."""
    backup.parent.mkdir(exist_ok=True)
    try:
        os.link(dest, backup)
    except FileExistsError:
        raise
    except OSError:
        part = backup.with_name(f".{backup.name}.part")
        try:
            with open(dest, "rb") as source, open(part, "xb") as out:
                shutil.copyfileobj(source, out)
                out.flush()
                os.fsync(out.fileno())
            os.link(part, backup)  # never replaces an existing backup
        finally:
            part.unlink(missing_ok=True)
    fsync_path(backup.parent)


def apply_upload(check: UploadCheck, plan_dir: Path, data_dir: Path, db_path: Path,
                 confirmed_withdrawals: int | None = None, on_wait=None) -> UploadOutcome:
    """Save the checked files into data/ and load, all or nothing (see the module's notes).

    `confirmed_withdrawals`: the uploader saw and confirmed that many figures withdrawn (and
    the files emptied); None: nothing may be withdrawn or emptied. Raises NeedsConfirmation
    when the upload, checked again under the lock, would withdraw more than confirmed or
    empty a file unconfirmed; LoadFailed when it is no longer valid. `on_wait` is called
    when another upload or load holds the lock, before waiting for it."""
    if not check.ok:
        raise LoadFailed(check.problems)
    plan_dir, data_dir, db_path = Path(plan_dir), Path(data_dir), Path(db_path)
    with files_lock(db_path, wait=on_wait):
        recover(db_path, data_dir)
        return _apply_locked(check, plan_dir, data_dir, db_path, confirmed_withdrawals)


def _apply_locked(check: UploadCheck, plan_dir: Path, data_dir: Path, db_path: Path,
                  confirmed: int | None) -> UploadOutcome:
    # As data/ is now: another upload may have replaced a file since the check.
    current = {n: (data_dir / n).read_bytes() for n in check.files if (data_dir / n).is_file()}
    already = sorted(n for n in check.files if current.get(n) == check.files[n])
    changing = {n: raw for n, raw in check.files.items() if n not in already}
    empties = sorted(n for n in changing if n in current and _has_rows(current[n]) and not _has_rows(changing[n]))
    stage = data_dir / f"{STAGE_PREFIX}{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex}"
    journal = journal_path(db_path)
    plan: dict | None = None
    loaded = False
    owner = None
    try:
        stage.mkdir()
        owner = _own(stage)
        _staged_copy(changing, data_dir, stage / "data", link=True)
        stage = stage / "data"
        fsync_path(stage)
        checked = validate(plan_dir, stage, named_as=data_dir)
        if checked.errors:
            raise LoadFailed(_marked(checked.problems, check.files, data_dir))
        if empties and confirmed is None:
            raise NeedsConfirmation(preview(checked, db_path), empties)
        plan = {
            "data_dir": str(data_dir.resolve()), "plan_dir": str(plan_dir.resolve()),
            "stage": str(stage.relative_to(data_dir)),
            "max_withdraw": confirmed or 0,
            "files": [{"name": n, "sha256": _sha256(raw),
                       "old_sha256": _sha256(current[n]) if n in current else None,
                       "backup": _backup_name(n) if n in current else None} for n, raw in changing.items()],
        }
        if changing:
            _write_journal(journal, plan)
            for f in plan["files"]:
                if f["backup"]:
                    _keep(data_dir / f["name"], data_dir / REPLACED_DIR / f["backup"])
        try:
            result = load_checked(checked, plan_dir, data_dir, db_path, allow_withdraw=True,
                                  max_withdraw=confirmed or 0)
        except WithdrawalRefused:
            raise NeedsConfirmation(preview(checked, db_path), empties) from None
        loaded = result.changed
        for f in plan["files"]:
            os.replace(stage / f["name"], data_dir / f["name"])
        fsync_path(data_dir)
        journal.unlink(missing_ok=True)
        fsync_path(journal.parent)
        return UploadOutcome(result, sorted(changing),
                             {f["name"]: f["backup"] for f in plan["files"] if f["backup"]}, already)
    except BaseException:
        if plan is not None and journal.exists():
            _undo(plan, plan_dir, data_dir, db_path, reload=loaded)
            journal.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(data_dir / stage.relative_to(data_dir).parts[0], ignore_errors=True)
        if owner is not None:
            owner.close()


_OWNER = ".owner"


def _own(stage: Path):
    """A lock held on the staging folder for as long as its upload runs (the system drops it
    when the process dies), so a clean-up by another process, even one using another
    database with the same data/, never removes a staging folder in use."""
    handle = open(stage / _OWNER, "a+")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _abandoned(stage: Path) -> bool:
    try:
        with open(stage / _OWNER, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True
    except OSError:
        return True


def _undo(plan: dict, plan_dir: Path, data_dir: Path, db_path: Path, reload: bool) -> None:
    """Put back the files an upload replaced, remove the ones it added and its backups;
    reload data/ when the database may already hold the upload's figures."""
    for f in plan["files"]:
        dest = data_dir / f["name"]
        backup = data_dir / REPLACED_DIR / f["backup"] if f["backup"] else None
        if _file_sha256(dest) == f["sha256"]:  # already renamed into place
            if backup is not None and backup.exists():
                tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.restore")
                os.link(backup, tmp)
                os.replace(tmp, dest)
            elif backup is None:
                dest.unlink()
        if backup is not None and backup.exists() and _file_sha256(dest) == f["old_sha256"]:
            backup.unlink()
    fsync_path(data_dir)
    if reload:
        load_checked(validate(plan_dir, data_dir), plan_dir, data_dir, db_path, allow_withdraw=True)


def recover_pending(db_path: Path, data_dir: Path) -> str | None:
    """recover() when there is anything to put right (a journal, a staging folder), taking
    the lock for it; cheap otherwise. For the dashboard's start and the Data page."""
    data_dir = Path(data_dir)
    pending = journal_path(db_path).exists() or (data_dir.is_dir() and any(data_dir.glob(STAGE_PREFIX + "*")))
    if not pending:
        return None
    with files_lock(Path(db_path), only_if_free=True) as free:
        # Held: an upload or load is running, and it puts right anything left before it.
        return recover(Path(db_path), data_dir) if free else None


def recover(db_path: Path, data_dir: Path | None = None) -> str | None:
    """Finish or undo an upload a crash left half-done (the caller holds files_lock), and
    remove staging folders no journal names. Returns what was done, or None."""
    db_path = Path(db_path)
    journal = journal_path(db_path)
    done = None
    folders_ = {Path(data_dir)} if data_dir is not None else set()
    if journal.exists():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = None  # written whole then renamed, so this is not ours: leave it for a person
        if plan is not None:
            data, plans = Path(plan["data_dir"]), Path(plan["plan_dir"])
            folders_.add(data)
            done = _finish(plan, plans, data, db_path)
            journal.unlink(missing_ok=True)
            fsync_path(journal.parent)
    for folder in folders_:
        if folder.is_dir():
            for p in folder.glob(STAGE_PREFIX + "*"):
                if p.is_dir() and _abandoned(p):
                    shutil.rmtree(p, ignore_errors=True)
            replaced = folder / REPLACED_DIR
            if replaced.is_dir():
                for p in replaced.glob(".*.part"):
                    p.unlink(missing_ok=True)
    return done


def _finish(plan: dict, plan_dir: Path, data_dir: Path, db_path: Path) -> str:
    """Roll an interrupted upload forward: its staged files were complete before the journal
    was written. If that cannot be done (a staged file gone, data/ changed by hand, the
    load now refused), roll it back."""
    stage = data_dir / plan["stage"]
    try:
        for f in plan["files"]:
            dest, staged = data_dir / f["name"], stage / f["name"]
            if _file_sha256(dest) == f["sha256"]:
                continue
            if _file_sha256(staged) != f["sha256"] or _file_sha256(dest) != f["old_sha256"]:
                raise FileNotFoundError(errno.ENOENT, "the upload's staged file is not as recorded", str(staged))
            backup = data_dir / REPLACED_DIR / f["backup"] if f["backup"] else None
            if backup is not None and not backup.exists():
                _keep(dest, backup)
        for f in plan["files"]:
            if _file_sha256(data_dir / f["name"]) != f["sha256"]:
                os.replace(stage / f["name"], data_dir / f["name"])
        fsync_path(data_dir)
        load_checked(validate(plan_dir, data_dir), plan_dir, data_dir, db_path, allow_withdraw=True,
                     max_withdraw=plan["max_withdraw"])
        return "finished"
    except (OSError, LoadFailed, WithdrawalRefused):
        _undo(plan, plan_dir, data_dir, db_path, reload=True)
        return "undone"

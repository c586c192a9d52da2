"""Extract files uploaded in the browser: checked together with everything already in
data/ (the next load reads them all), then saved into data/ and loaded, all or nothing.

An accepted upload becomes a file in data/, so the next scheduled load keeps it. A file
with the same name as one already there replaces it; the old file is moved to
data/replaced/ (which loads do not read) and its figures stay in the revision history.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .errors import LoadFailed, Problem
from .store import LoadResult, default_folder, load, validate

MAX_UPLOAD_MB = 50
MAX_FILES = 20
REPLACED_DIR = "replaced"
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


@dataclass
class UploadCheck:
    files: dict[str, bytes]
    problems: list[Problem] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.files) and not any(p.severity == "error" for p in self.problems)


def check_upload(uploads: list[tuple[str, bytes]], plan_dir: Path, data_dir: Path) -> UploadCheck:
    """Validate the uploads as the next load would see data/: its files plus these."""
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
    check.replaces = sorted(n for n in files if (data_dir / n).exists() and (data_dir / n).read_bytes() != files[n])
    with tempfile.TemporaryDirectory(prefix="cipdash-upload-") as tmp:
        staged = Path(tmp) / "data"
        staged.mkdir()
        if data_dir.is_dir():
            for p in data_dir.iterdir():
                if p.is_file() and p.suffix.lower() == ".csv" and p.name not in files:
                    shutil.copyfile(p, staged / p.name)
            if (data_dir / "benchmarks").is_dir():
                shutil.copytree(data_dir / "benchmarks", staged / "benchmarks")
        for n, raw in files.items():
            (staged / n).write_bytes(raw)
        checked = validate(Path(plan_dir), staged)
        prefix = str(staged) + os.sep
        for p in checked.problems:
            shown = p.file
            if shown.startswith(prefix):
                rel = shown[len(prefix):]
                shown = f"{rel} (uploaded)" if rel in files else str(Path(data_dir) / rel)
            check.problems.append(Problem(shown, p.line, p.column, p.column_name, p.message, p.hint, p.severity))
    return check


def apply_upload(check: UploadCheck, plan_dir: Path, data_dir: Path, db_path: Path) -> LoadResult:
    """Save the checked files into data/ and load. On any failure the folder is put back."""
    if not check.ok:
        raise LoadFailed(check.problems)
    data_dir = Path(data_dir)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    moved: list[tuple[Path, Path]] = []
    written: list[Path] = []
    try:
        for name, raw in check.files.items():
            dest = data_dir / name
            if dest.exists():
                if dest.read_bytes() == raw:
                    continue
                keep = data_dir / REPLACED_DIR / f"{dest.stem}.{stamp}.csv"
                keep.parent.mkdir(exist_ok=True)
                shutil.copy2(dest, keep)
                moved.append((keep, dest))
            tmp = data_dir / f".{name}.uploading"
            tmp.write_bytes(raw)
            os.replace(tmp, dest)
            written.append(dest)
        return load(Path(plan_dir), data_dir, Path(db_path))
    except BaseException:
        for dest in written:
            dest.unlink(missing_ok=True)
        for keep, dest in moved:
            shutil.copy2(keep, dest)
            keep.unlink(missing_ok=True)
        raise

"""What the Data page shows administrators: where every file is, its size and sha256, the
access list's problems, and the audit log as a table. Free of Streamlit."""
from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import access

HASH_CHUNK = 1 << 20


def _sha256(path: Path, stat) -> str:
    """The file's digest, worked out once per version of the file: the Data page runs on
    every rerun, and hashing a million rows of extracts took ~40 ms each time (1m rows)."""
    return _digest(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


# Keyed on what changes whenever the file's bytes do: a write changes the modified and
# changed times, an upload renames a new file in (a new inode). 256 files is several plans'
# worth.
@functools.lru_cache(maxsize=256)
def _digest(path: str, size: int, mtime_ns: int, ctime_ns: int, inode: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):  # a chunk at a time: extracts can be large
            digest.update(chunk)
    return digest.hexdigest()


def file_details(plan_dir: Path, data_dir: Path, db_path: Path, audit_path: Path) -> pd.DataFrame:
    """One row per file the dashboard reads or writes: its role, full path, size, modified
    time (UTC) and sha256 (the sha256 of the database and audit files is left out: they
    change as they are used)."""
    rows = []

    def add(kind: str, path: Path, hashed: bool = True) -> None:
        try:
            stat = path.stat()
        except OSError:
            rows.append({"What": kind, "Path": str(path), "Bytes": None, "Modified (UTC)": "missing", "SHA-256": ""})
            return
        rows.append({"What": kind, "Path": str(path.resolve()), "Bytes": stat.st_size,
                     "Modified (UTC)": datetime.fromtimestamp(stat.st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                     "SHA-256": _sha256(path, stat) if hashed else ""})

    for path in sorted(Path(plan_dir).glob("*")):
        if path.is_file() and path.suffix.lower() in (".csv", ".toml"):
            add("plan", path)
    for path in sorted(Path(data_dir).glob("*.csv")):
        add("extract", path)
    for path in sorted((Path(data_dir) / "benchmarks").glob("*.csv")):
        add("benchmarks", path)
    add("database", Path(db_path), hashed=False)
    add("audit log", Path(audit_path), hashed=False)
    return pd.DataFrame(rows, columns=["What", "Path", "Bytes", "Modified (UTC)", "SHA-256"])


def access_problems(plan_dir: Path) -> pd.DataFrame:
    """access.csv's problems as the Data page lists them (rows with errors grant nothing)."""
    found = access.current_access(Path(plan_dir))
    return pd.DataFrame([p.as_row() for p in found.problems],
                        columns=["file", "line", "column", "column name", "problem", "hint", "severity"])


def audit_table(entries: list[dict]) -> pd.DataFrame:
    """The audit rows (newest first) as a table; the detail as compact JSON text."""
    return pd.DataFrame({
        "When (UTC)": [e["at"] for e in entries], "Who": [e["who"] for e in entries],
        "Role": [e["role"] for e in entries], "Action": [e["action"] for e in entries],
        "Outcome": [e["outcome"] for e in entries],
        "Detail": [json.dumps(e["detail"], ensure_ascii=False, sort_keys=True) for e in entries],
        "From": [e["source"] for e in entries],
    })

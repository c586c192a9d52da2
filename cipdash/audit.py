"""The audit trail: sign-ins, refusals, uploads, loads and exports, appended and never changed.

Kept in its own SQLite file (`$CIPDASH_AUDIT`, else `audit.sqlite` beside the database
file: `var/audit.sqlite` by default), so a load, which replaces the database file
whole, never touches it. Triggers in the file refuse UPDATE and DELETE, so even code
that tried could not rewrite history. Several dashboard sessions and the command line
append at once: SQLite's own locking serialises them (WAL, with a busy timeout).
"""
from __future__ import annotations

import csv
import getpass
import io
import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from .safe_cells import neutralise
from .sqlfiles import sql

AUDIT_ENV = "CIPDASH_AUDIT"
AUDIT_FILE = "audit.sqlite"
BUSY_TIMEOUT_S = 30
COLUMNS = ("id", "at", "who", "role", "action", "outcome", "detail", "source")

# What is recorded (the `action` column).
SIGN_IN, DENIED, UPLOAD, LOAD, EXPORT, AUDIT_EXPORT = "sign-in", "denied", "upload", "load", "export", "audit-export"


class AuditUnavailable(Exception):
    """The audit file cannot be written or read; the action it would record must not go ahead."""


def audit_path(db_path: str | os.PathLike | None = None) -> Path:
    """$CIPDASH_AUDIT, else audit.sqlite in the database file's folder."""
    if os.environ.get(AUDIT_ENV):
        return Path(os.environ[AUDIT_ENV])
    from .store import resolve_db

    return Path(resolve_db(db_path)).parent / AUDIT_FILE


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.executescript(sql("audit/schema"))
    return con


def command_line_user() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        return f"cli:uid {os.getuid()}"


def record(action: str, outcome: str, who: str, role: str = "", source: str = "dashboard",
           path: Path | None = None, **detail) -> None:
    """Append one row. Raises AuditUnavailable when it cannot be written."""
    path = Path(path) if path is not None else audit_path()
    row = {"at": datetime.now(timezone.utc).isoformat(timespec="microseconds"), "who": who, "role": role,
           "action": action, "outcome": outcome, "source": source,
           "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)}
    try:
        con = _connect(path)
        try:
            con.execute(sql("audit/append"), row)
        finally:
            con.close()
    except (sqlite3.Error, OSError) as exc:
        raise AuditUnavailable(f"The audit log at {path} cannot be written ({exc}); nothing was done.") from exc


def entries(path: Path | None = None, limit: int | None = None) -> list[dict]:
    """Rows newest first, `detail` as a dict; [] when nothing has been recorded yet."""
    path = Path(path) if path is not None else audit_path()
    if not path.exists():
        return []
    try:
        con = _connect(path)
        try:
            rows = con.execute(sql("audit/entries"), {"limit": -1 if limit is None else int(limit)}).fetchall()
        finally:
            con.close()
    except (sqlite3.Error, OSError) as exc:
        raise AuditUnavailable(f"The audit log at {path} cannot be read ({exc}).") from exc
    out = []
    for row in rows:
        entry = dict(zip(COLUMNS, row))
        try:
            entry["detail"] = json.loads(entry["detail"])
        except (TypeError, ValueError):
            entry["detail"] = {"text": entry["detail"]}
        out.append(entry)
    return out


def entries_csv(rows: list[dict]) -> bytes:
    """The rows as a CSV file (detail as its JSON text), for the admins' download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for r in rows:
        # Names and file names come from people: never let a spreadsheet run one as a formula.
        writer.writerow([neutralise(r[c] if c != "detail" else json.dumps(r[c], ensure_ascii=False, sort_keys=True))
                         for c in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")  # Excel opens a UTF-8 CSV right only with the BOM

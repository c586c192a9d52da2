"""Appending one row to a plan file (cip_data/*.csv) from the dashboard, safely.

The plan files stay the record (the next load reads them), so the dashboard only ever
appends a row, and only in a way that cannot leave a file half-written or invalid:
- under a lock beside the file (cip_data/.<name>.lock), so two appends never interleave;
- the new file is the old bytes unchanged plus one row, in the file's own column order and
  line endings, quoted where a value needs it (a new file starts with its header);
- the caller checks the whole new file with the load's own reader and rules before it
  replaces the old one;
- written to a temporary file beside it, flushed to disk, then renamed over it.

Used by the meeting's agreed ratings (meeting/ratings.py, ratings.csv) and by accepting a
suggested restart of a measure's SPC limits (append_rebase, spc_rebase.csv).
"""
from __future__ import annotations

import csv
import fcntl
import io
import os
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from .errors import Problem, Problems

REBASE_FILE = "spc_rebase.csv"
REBASE_HEADER = ["measure_id", "rebase_date", "reason"]
REBASE_APPEND = "spc-rebase-append"  # the audit log's action for an accepted restart


class AppendRefused(Exception):
    """The row cannot be appended; `problems` say why (file:line:column where it applies)."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@contextmanager
def locked(plan_dir: Path, file_name: str):
    """Hold the append lock of plan_dir/file_name (an flock on a file beside it)."""
    with open(Path(plan_dir) / f".{file_name}.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def row_bytes(existing: bytes, header: list[str], values: dict[str, str]) -> bytes:
    """`values` as one CSV row in the existing file's column order and line ending (a new
    file: `header` first). Columns the row has no value for are left empty."""
    text = existing.decode("utf-8-sig") if existing else ""
    header_line = text.splitlines()[0] if text.strip() else ",".join(header)
    names = [h.strip().lower() for h in next(csv.reader([header_line]))]
    ending = "\r\n" if b"\r\n" in existing[:4096] else "\n"
    out = io.StringIO()
    # Quote a value only where it needs it (a comma, a quote, a line break); never a space
    # before a quote (the reader refuses that). Line breaks inside a value use the file's ending.
    writer = csv.writer(out, lineterminator=ending, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([str(values.get(n) or "").replace("\n", ending) for n in names])
    row = out.getvalue().encode("utf-8")
    prefix = b""
    if not text.strip():
        prefix = (",".join(header) + ending).encode("utf-8")
        existing_kept = b""
    else:
        existing_kept = existing
        if not existing.endswith((b"\n", b"\r")):
            prefix = ending.encode("utf-8")
    return existing_kept + prefix + row


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: a temporary file beside it, flushed, renamed over it (the
    file's permissions kept), and the rename flushed too."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)  # mkstemp makes 0600: keep the file's own
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # a new plan file is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself on disk
    finally:
        os.close(dir_fd)


def check_new_file(plan_dir: Path, file_name: str, new_bytes: bytes, check_rows) -> list[Problem]:
    """Every problem plan_dir/file_name would have with new_bytes as its contents, read
    exactly as a load reads it: `check_rows(table, problems, plan)` is the file's own row
    checker from plan.py. The plan's other problems come first (fix those first)."""
    from .csvfile import read_table
    from .plan import PLAN_FILES, read_plan

    problems = Problems()
    plan = read_plan(plan_dir, problems)
    others = [p for p in problems.errors if not p.file.endswith(file_name)]
    if others:
        return others
    checked = Problems()
    table = read_table(plan_dir / file_name, PLAN_FILES[file_name], checked, raw=new_bytes)
    if table is not None:
        check_rows(table, checked, plan)
    return checked.errors


def _check_rebase(plan_dir: Path, new_bytes: bytes) -> list[Problem]:
    """spc_rebase.csv's rows: a measure in measures.csv, a valid date, one row per
    (measure_id, rebase_date)."""
    from .plan import _rebase

    return check_new_file(plan_dir, REBASE_FILE, new_bytes,
                          lambda table, checked, plan: _rebase(table, checked, plan.known_measures))


def append_rebase(plan_dir: Path, measure_id: str, rebase_date: date, reason: str, who: str,
                  role: str = "") -> dict:
    """Append "measure_id,rebase_date,reason" to plan_dir/spc_rebase.csv (created with its
    header when absent) and record it in the audit log; returns what was appended.
    Raises AppendRefused, writing nothing, when the row would make the file invalid (a
    duplicate (measure_id, rebase_date), a measure not in the plan), and
    audit.AuditUnavailable, writing nothing, when the append cannot be audited."""
    from . import audit

    plan_dir = Path(plan_dir)
    if not plan_dir.is_dir():
        raise AppendRefused(f"the plan folder {plan_dir} does not exist")
    path = plan_dir / REBASE_FILE
    values = {"measure_id": measure_id, "rebase_date": rebase_date.isoformat(), "reason": reason}
    with locked(plan_dir, REBASE_FILE):
        existing = path.read_bytes() if path.exists() else b""
        new_bytes = row_bytes(existing, REBASE_HEADER, values)
        problems = _check_rebase(plan_dir, new_bytes)
        if problems:
            raise AppendRefused(f"the row cannot be added to {path.name}: "
                                + "; ".join(str(p) for p in problems[:5]), problems)
        details = {"file": str(path), **values, "bytes_before": len(existing), "bytes_after": len(new_bytes)}
        audit.record(REBASE_APPEND, "appended", who, role, **details)  # first: unaudited, nothing happens
        write_atomically(path, new_bytes)
    return details


class NotAllowed(AppendRefused):
    """The person's grant does not allow changing the plan (access.CHANGE_PLAN)."""


def accept_rebase(grant, plan_dir: Path, suggestion, who: str) -> dict:
    """Accept a suggested restart of a measure's limits (analysis.RebaseSuggestion) for the
    person holding `grant`: checked here, on the server, whatever the page showed. A
    refusal is recorded in the audit log and raised as NotAllowed; otherwise append_rebase."""
    from . import access, audit

    if not grant.allows(access.CHANGE_PLAN):
        audit.record(audit.DENIED, "refused", who, grant.role, attempted=access.CHANGE_PLAN,
                     measure_id=suggestion.measure_id, rebase_date=suggestion.rebase_date.isoformat())
        raise NotAllowed(f"your role ({grant.role_name}) does not allow changing the plan")
    reason = suggestion.csv_row.split(",", 2)[2]  # the row's own reason (it has no comma)
    return append_rebase(plan_dir, suggestion.measure_id, suggestion.rebase_date, reason, who, grant.role)

"""Rating updates agreed in the meeting, appended to cip_data/ratings.csv.

The file stays the record of ratings (the next load reads it), so the dashboard only ever
appends one row to it, and only in a way that cannot leave it half-written or invalid
(the append itself is cipdash/plan_files.py, shared with accepting an SPC restart):
- under a lock (cip_data/.ratings.csv.lock), so two appends never interleave;
- the new file is the old bytes unchanged plus one row, in the file's own column order
  and line endings, quoted where a value needs it;
- the whole new file is checked by the same reader and rules as a load (the plan's
  recommendations, one row per (rec_id, as_at)) before it replaces the old one;
- written to a temporary file beside it, flushed to disk, then renamed over it.
The proposal is marked applied, and the append audited, in a store transaction held open
across the rename: if the rename fails, neither is recorded.
"""
from __future__ import annotations

from pathlib import Path

from .. import plan_files
from ..errors import Problem
from ..plan_files import AppendRefused  # noqa: F401  (raised here; callers import it from here)
from .store import BadRecord, MeetingStore

RATINGS_FILE = "ratings.csv"
LOCK_FILE = f".{RATINGS_FILE}.lock"  # plan_files.locked's lock beside the file
NEW_FILE_HEADER = ["rec_id", "as_at", "implementation", "impact", "evidence", "further_actions"]


def _locked(plan_dir: Path):
    return plan_files.locked(plan_dir, RATINGS_FILE)


def _new_bytes(existing: bytes, proposal: dict) -> bytes:
    """The file with the proposal appended as one row, in its own column order and line ending."""
    values = {"rec_id": proposal["rec_id"], "as_at": proposal["as_at"], "implementation": proposal["implementation"],
              "impact": proposal.get("impact") or "", "evidence": proposal.get("evidence") or "",
              "further_actions": proposal.get("further_actions") or ""}
    return plan_files.row_bytes(existing, NEW_FILE_HEADER, values)


def _check(plan_dir: Path, new_bytes: bytes) -> list[Problem]:
    """Every problem the new ratings.csv would have, read exactly as a load reads it."""
    from ..plan import _ratings

    return plan_files.check_new_file(plan_dir, RATINGS_FILE, new_bytes,
                                     lambda table, checked, plan: _ratings(table, checked,
                                                                           plan.known_recommendations))


def apply_proposal(store: MeetingStore, proposal_id: int, plan_dir: Path, author: str) -> dict:
    """Append the proposal's row to plan_dir/ratings.csv; returns the proposal as applied.
    Raises AppendRefused (with the problems) and writes nothing when the row cannot go in."""
    plan_dir = Path(plan_dir)
    proposal = store.proposal(proposal_id)
    if proposal["applied_at"]:
        raise AppendRefused(f"rating proposal {proposal_id} was already applied ({proposal['applied_at']} by "
                            f"{proposal['applied_by']})")
    path = plan_dir / RATINGS_FILE
    if not plan_dir.is_dir():
        raise AppendRefused(f"the plan folder {plan_dir} does not exist")
    with _locked(plan_dir):
        existing = path.read_bytes() if path.exists() else b""
        new_bytes = _new_bytes(existing, proposal)
        problems = _check(plan_dir, new_bytes)
        if problems:
            raise AppendRefused(f"the rating cannot be added to {path}: " + "; ".join(str(p) for p in problems[:5]),
                                problems)
        details = {"file": str(path), "rec_id": proposal["rec_id"], "as_at": proposal["as_at"],
                   "implementation": proposal["implementation"], "impact": proposal["impact"],
                   "bytes_before": len(existing), "bytes_after": len(new_bytes)}
        with store.applying(proposal_id, author, details):
            _general_audit(author, details)  # first: an append that cannot be audited does not happen
            plan_files.write_atomically(path, new_bytes)
    return store.proposal(proposal_id)


RATINGS_APPEND = "ratings-append"


def _general_audit(author: str, details: dict) -> None:
    """The dashboard's audit trail (cipdash/audit.py), as well as the meeting record's own
    log. audit.AuditUnavailable propagates: then nothing is appended."""
    from .. import audit

    audit.record(RATINGS_APPEND, "appended", author, **details)


def propose_and_apply(store: MeetingStore, plan_dir: Path | None, *, author: str, apply: bool, **rating) -> dict:
    """Record a proposal and, when `apply`, append it to ratings.csv (BadRecord/AppendRefused)."""
    proposal = store.propose_rating(author=author, **rating)
    if apply:
        if plan_dir is None:
            raise BadRecord("plan_dir", "no plan folder to append to")
        return apply_proposal(store, proposal["id"], plan_dir, author)
    return proposal

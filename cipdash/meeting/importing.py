"""`python -m cipdash actions import FILE`: last year's actions from a CSV, checked like
every file this project reads (csvfile.read_table: encoding, quoting, header; every
problem as file:line:column), then added all together in one transaction, or not at all.

Columns (names in any case, as everywhere): measure_id or rec_id (one of the two on
each row), text, owner, due (YYYY-MM-DD or DD/MM/YYYY) required; status (open, done or
dropped; default open) and author (default: --author) optional.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..csvfile import display_name, read_table
from ..errors import Problem, Problems
from .store import BadRecord, MeetingStore

ACTION_COLUMNS = {"measure_id": False, "rec_id": False, "text": True, "owner": True, "due": True,
                  "status": False, "author": False}


@dataclass
class KnownIds:
    """The loaded plan's ids, to refuse an action against a measure that does not exist.
    None: no loaded database to check against (then any id is accepted)."""

    measures: set[str] | None = None
    recommendations: set[str] | None = None
    why_unchecked: str = ""  # when None: why there is nothing to check against

    def problem(self, measure_id: str | None, rec_id: str | None) -> tuple[str, str] | None:
        """(field, message) when the id is not in the loaded plan."""
        if measure_id and self.measures is not None and measure_id not in self.measures:
            return "measure_id", f"there is no measure '{measure_id}' in the loaded plan"
        if rec_id and self.recommendations is not None and rec_id not in self.recommendations:
            return "rec_id", f"there is no recommendation '{rec_id}' in the loaded plan"
        return None


def known_ids(db_path: Path | None) -> KnownIds:
    """The ids of the loaded plan in the DuckDB file, or KnownIds() when there is none."""
    from ..db import open_snapshot
    from ..errors import DatabaseUnavailable
    from .. import queries

    if db_path is None or not Path(db_path).exists():
        return KnownIds(why_unchecked=f"no loaded database at {db_path}")
    try:
        snap = open_snapshot(Path(db_path))
    except DatabaseUnavailable as exc:
        return KnownIds(why_unchecked=str(exc).split(". ")[0])
    try:
        return KnownIds(set(queries.measures(snap)["measure_id"]), set(queries.recommendations(snap)["rec_id"]))
    finally:
        snap.close()


def read_actions(path: Path, author: str | None, known: KnownIds) -> tuple[list[dict], list[Problem]]:
    """The file's actions, checked; (actions, problems). Any error: use none of them."""
    problems = Problems()
    file = display_name(Path(path))
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return [], [Problem(file, 1, 1, "", f"cannot read the file: {exc.strerror or exc}")]
    table = read_table(Path(path), ACTION_COLUMNS, problems, raw=raw, file=file)
    if table is None:
        return [], problems.all()
    if "measure_id" not in table.column_numbers and "rec_id" not in table.column_numbers:
        problems.add(Problem(file, 1, len(table.column_numbers) + 1, "rec_id",
                             "the file needs a measure_id or a rec_id column",
                             "each action is raised against a measure or a recommendation"))
        return [], problems.all()
    actions = []
    frame = table.frame
    for row in frame.to_dict("records"):
        line = int(row["line"])
        cells = {name: row.get(name) or "" for name in ACTION_COLUMNS}
        try:
            values = MeetingStore.action_values(author=cells["author"] or author or "", text=cells["text"],
                                                owner=cells["owner"], due=cells["due"],
                                                measure_id=cells["measure_id"], rec_id=cells["rec_id"],
                                                status=cells["status"] or "open")
        except BadRecord as exc:
            column = exc.field if exc.field in ACTION_COLUMNS else "text"
            hint = exc.hint
            if exc.field == "author":
                hint = "give an author column or --author"
            problems.add(table.problem(line, column, str(exc), hint), rule=str(exc.field))
            continue
        unknown = known.problem(values["measure_id"], values["rec_id"])
        if unknown:
            problems.add(table.problem(line, unknown[0], unknown[1],
                                       "check the id against measures.csv / recommendations.csv"), rule="unknown id")
            continue
        actions.append(values)
    return actions, problems.all()


def import_actions(store: MeetingStore, path: Path, author: str | None, known: KnownIds) -> tuple[list[dict], list[Problem]]:
    """Check the whole file, then add every action in one transaction; nothing on any error."""
    actions, problems = read_actions(path, author, known)
    if any(p.severity == "error" for p in problems):
        return [], problems
    return (store.add_actions(actions) if actions else []), problems

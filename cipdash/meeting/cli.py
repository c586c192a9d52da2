"""The meeting record's commands (`notes`, `actions`, `state`), added to `python -m cipdash`
by cipdash/cli.py. Exit codes as everywhere: 0 done; 1 the input has problems (nothing
written); 2 the command could not run (the store unreachable, a file missing).

Ids are checked against the loaded database (--db, $CIPDASH_DB, var/cipdash.duckdb) when
there is one: a note or an action against a measure or recommendation the plan does not
have is refused. Without a loaded database any id is accepted, with a warning.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .store import BadRecord, EditConflict, MeetingStore, NotFound, StoreUnavailable

EXIT_OK, EXIT_BAD_INPUT, EXIT_CANNOT_RUN = 0, 1, 2
STATE_HELP = ("the meeting record: a SQLite file or a postgresql:// URL (default: $CIPDASH_STATE, else "
              "var/meeting.sqlite)")
OPTION_OF = {"measure_id": "--measure", "rec_id": "--rec", "month": "--month", "author": "--author",
             "text": "--text", "owner": "--owner", "due": "--due", "status": "--status", "update": "--text"}


def _store(args) -> MeetingStore:
    return MeetingStore(args.state)


def _known(args, quiet: bool = False):
    from ..store import resolve_db
    from .importing import known_ids

    known = known_ids(resolve_db(getattr(args, "db", None)))
    if known.measures is None and not quiet:
        print(f"warning: {known.why_unchecked}: the measure and recommendation ids were not checked",
              file=sys.stderr)
    return known


def _check_subject(args) -> int | None:
    problem = _known(args).problem(args.measure, args.rec)
    if problem:
        print(f"{OPTION_OF[problem[0]]}: {problem[1]} (run `python -m cipdash summary` to see the plan's ids)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    return None


def _print_json(rows) -> None:
    json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
    print()


def _note_json(note: dict) -> dict:
    return {k: note[k] for k in ("id", "measure_id", "rec_id", "month", "author", "text", "created_at",
                                 "created_by", "written_at", "revision")} | (
        {"history": note["history"]} if "history" in note else {})


def _action_json(action: dict) -> dict:
    return {k: action[k] for k in ("id", "measure_id", "rec_id", "due", "status", "owner", "author", "text",
                                   "created_at", "updated_at", "revision")}


def _subject(row: dict) -> str:
    return f"measure {row['measure_id']}" if row["measure_id"] else f"recommendation {row['rec_id']}"


def _notes_add(args) -> int:
    refused = _check_subject(args)
    if refused is not None:
        return refused
    note = _store(args).add_note(author=args.author, text=args.text, month=args.month, measure_id=args.measure,
                                 rec_id=args.rec)
    if args.json:
        _print_json(_note_json(note))
    else:
        print(f"Added note {note['id']} on {_subject(note)} for {note['month']}.")
    return EXIT_OK


def _notes_edit(args) -> int:
    store = _store(args)
    revision = args.revision
    if revision is None:
        found = [n for n in store.notes() if n["id"] == args.id]
        if not found:
            raise NotFound(f"there is no note {args.id}")
        revision = found[0]["revision"]
    note = store.edit_note(args.id, author=args.author, text=args.text, revision=revision)
    print(f"Note {note['id']} is now at revision {note['revision']}; the earlier text is kept in its history.")
    return EXIT_OK


def _notes_list(args) -> int:
    notes = _store(args).notes_with_history(args.month, args.measure, args.rec)
    if args.json:
        _print_json([_note_json(n) for n in notes])
        return EXIT_OK
    for n in notes:
        print(f"#{n['id']} {n['month']} {_subject(n)} · {n['author']} · {n['written_at']}"
              + (f" (edited, revision {n['revision']})" if n["revision"] > 1 else ""))
        for line in n["text"].splitlines():
            print(f"    {line}")
    if not notes:
        print("No notes.")
    return EXIT_OK


def _actions_add(args) -> int:
    refused = _check_subject(args)
    if refused is not None:
        return refused
    action = _store(args).add_action(author=args.author, text=args.text, owner=args.owner, due=args.due,
                                     measure_id=args.measure, rec_id=args.rec)
    if args.json:
        _print_json(_action_json(action))
    else:
        print(f"Added action {action['id']} on {_subject(action)}: {action['owner']} by {action['due']}.")
    return EXIT_OK


def _actions_update(args) -> int:
    store = _store(args)
    current = [a for a in store.actions() if a["id"] == args.id]
    if not current:
        raise NotFound(f"there is no action {args.id}")
    action = store.update_action(args.id, author=args.author, status=args.status or current[0]["status"],
                                 text=args.text or "")
    print(f"Action {action['id']} is {action['status']}.")
    return EXIT_OK


def _actions_list(args) -> int:
    actions = _store(args).actions("open" if args.open else None)
    if args.json:
        _print_json([_action_json(a) for a in actions])
        return EXIT_OK
    for a in actions:
        print(f"#{a['id']} [{a['status']}] due {a['due']} · {a['owner']} · {_subject(a)}: {a['text']}")
    if not actions:
        print("No actions.")
    return EXIT_OK


def _actions_import(args) -> int:
    from ..cli import _print_problems
    from .importing import import_actions

    path = Path(args.file)
    if not path.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return EXIT_CANNOT_RUN
    store = _store(args)
    added, problems = import_actions(store, path, args.author, _known(args))
    _print_problems(problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print(f"{len(errors)} problem(s) found. No action was imported.", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"Imported {len(added)} action(s) from {path} into {store.name}.")
    return EXIT_OK


def _state_backup(args) -> int:
    import os
    import tempfile

    store = _store(args)
    dump = store.backup()
    out = Path(args.file)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(dump, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    counts = ", ".join(f"{len(rows)} {t}" for t, rows in dump["tables"].items())
    print(f"Wrote {out}: the meeting record at {store.name} ({counts}).")
    return EXIT_OK


def _state_restore(args) -> int:
    path = Path(args.file)
    try:
        dump = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"{args.file}: no such file", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line, column = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (1, 1)
        print(f"{args.file}:{line}:{column}: not a meeting record backup ({exc})", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = _store(args)
    counts = store.restore(dump, replace=args.replace)
    print(f"Restored {', '.join(f'{n} {t}' for t, n in counts.items())} into {store.name}.")
    return EXIT_OK


def run(fn):
    """A command with the store's errors as messages and exit codes, never a traceback."""
    def wrapped(args) -> int:
        try:
            return fn(args)
        except BadRecord as exc:
            option = OPTION_OF.get(exc.field, exc.field)
            print(f"{option}: {exc}" + (f" (hint: {exc.hint})" if exc.hint else "") + ". Nothing was written.",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        except (EditConflict, NotFound) as exc:
            print(f"{exc}. Nothing was written.", file=sys.stderr)
            return EXIT_BAD_INPUT
        except StoreUnavailable as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_CANNOT_RUN
    return wrapped


DB_HELP = "the loaded database the ids are checked against (default: $CIPDASH_DB or var/cipdash.duckdb)"


def _command(subparsers, name: str, fn, db: bool = False, json: str | None = None, **kwargs):
    """One subcommand calling fn (through run()): --state always, --db where ids are checked
    against the loaded plan, --json where it prints JSON."""
    p = subparsers.add_parser(name, **kwargs)
    p.add_argument("--state", metavar="URL", help=STATE_HELP)
    if db:
        p.add_argument("--db", metavar="FILE", help=DB_HELP)
    if json:
        p.add_argument("--json", action="store_true", help=json)
    p.set_defaults(run=run(fn))
    return p


def _about(p) -> None:
    """--measure or --rec: what a note or action is about (one of them, required)."""
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--measure", metavar="ID", help="a measure_id from measures.csv")
    which.add_argument("--rec", metavar="REC_ID", help="a rec_id from recommendations.csv")


def add_parsers(sub) -> None:
    """`notes`, `actions` and `state` under `python -m cipdash`."""
    notes = sub.add_parser("notes", help="the meeting's commentary on a measure or recommendation for a month",
                           description="Commentary per measure or recommendation for a month. An edit keeps the "
                                       "earlier text in the note's history. Kept in the meeting record "
                                       "(--state), which a load never touches.")
    notes_sub = notes.add_subparsers(dest="notes_command", required=True, metavar="add|list|edit")
    p = _command(notes_sub, "add", _notes_add, db=True, json="print the note added as JSON", help="add a note")
    _about(p)
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the month the note is about")
    p.add_argument("--author", required=True, metavar="EMAIL", help="who wrote it")
    p.add_argument("--text", required=True, help="the note (shown as text, never as HTML or Markdown)")
    p = _command(notes_sub, "list", _notes_list, json="print a JSON array",
                 help="list notes (with --json: a JSON array)")
    p.add_argument("--month", metavar="YYYY-MM", help="only this month's notes")
    p.add_argument("--measure", metavar="ID", help="only this measure's notes")
    p.add_argument("--rec", metavar="REC_ID", help="only this recommendation's notes")
    p = _command(notes_sub, "edit", _notes_edit,
                 help="replace a note's text (the earlier text is kept in its history)")
    p.add_argument("id", type=int, help="the note's id (notes list)")
    p.add_argument("--author", required=True, metavar="EMAIL")
    p.add_argument("--text", required=True)
    p.add_argument("--revision", type=int, help="the revision you edited (refused if someone saved since)")

    actions = sub.add_parser("actions", help="actions raised in the meeting: owner, due date, status",
                             description="Actions against a measure or recommendation: text, owner, due date and "
                                         "status (open, done, dropped), with an update trail. Kept in the meeting "
                                         "record (--state), which a load never touches.")
    actions_sub = actions.add_subparsers(dest="actions_command", required=True, metavar="add|list|update|import")
    p = _command(actions_sub, "add", _actions_add, db=True, json="print the action added as JSON",
                 help="add an action")
    _about(p)
    p.add_argument("--owner", required=True, metavar="NAME", help="who will do it")
    p.add_argument("--due", required=True, metavar="YYYY-MM-DD", help="by when")
    p.add_argument("--author", required=True, metavar="EMAIL", help="who recorded it")
    p.add_argument("--text", required=True, help="what is to be done")
    p = _command(actions_sub, "list", _actions_list, json="print a JSON array",
                 help="list actions (with --json: a JSON array)")
    p.add_argument("--open", action="store_true", help="only open actions (earliest due first)")
    p = _command(actions_sub, "update", _actions_update,
                 help="change an action's status or add a progress note to its trail")
    p.add_argument("id", type=int, help="the action's id (actions list)")
    p.add_argument("--status", choices=("open", "done", "dropped"))
    p.add_argument("--author", required=True, metavar="EMAIL")
    p.add_argument("--text", help="a short update for the trail")
    p = _command(actions_sub, "import", _actions_import, db=True, help="import actions from a CSV (all or nothing)",
                 description="Columns: measure_id or rec_id, text, owner, due; optional status "
                             "(open, done, dropped) and author. Every problem is listed as "
                             "file:line:column and nothing is imported unless the whole file is valid.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--author", metavar="EMAIL", help="the author of rows without an author column value")

    state = sub.add_parser("state", help="back up or restore the meeting record (portable JSON)",
                           description="A JSON copy of the whole meeting record (notes with their history, "
                                       "actions with their trails, rating proposals, the audit log), readable by "
                                       "either engine: back up from SQLite, restore into PostgreSQL, or back.")
    state_sub = state.add_subparsers(dest="state_command", required=True, metavar="backup|restore")
    p = _command(state_sub, "backup", _state_backup, help="write the whole record to a JSON file")
    p.add_argument("file", metavar="FILE")
    p = _command(state_sub, "restore", _state_restore, help="read a backup into an empty record (all or nothing)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--replace", action="store_true", help="replace whatever the record holds now")


def meeting_for_pack(state: str | None):
    """The store whose notes and actions `export` puts in the pack, or None when none was
    named and the default file does not exist. Not opened here: if it cannot be reached,
    the pack is written without the meeting's record and says so."""
    import os

    from .store import DEFAULT_STATE, STATE_ENV, resolve_state

    if not state and not os.environ.get(STATE_ENV) and not DEFAULT_STATE.exists():
        return None
    try:
        return MeetingStore(resolve_state(state))
    except StoreUnavailable:
        return MeetingStore(resolve_state(state), migrate=False)  # the pack notes it is unavailable

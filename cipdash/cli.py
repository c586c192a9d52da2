"""`python -m cipdash`: the monthly refresh from a script or a scheduler.

Exit codes: 0 success; 1 the input has problems (listed on standard error, nothing
written); 2 the command could not run (bad option, no database, unknown team).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .cells import AUTHORITY_TEAM
from .dates import BadDate, parse_date
from .errors import DatabaseUnavailable, LoadFailed, Problem
from .export_formats import PACK_FORMATS, names_in_words

EXIT_OK, EXIT_BAD_INPUT, EXIT_CANNOT_RUN = 0, 1, 2

_DRAWN = [f.name for f in PACK_FORMATS.values() if f.needs_browser]  # charts drawn by Chromium
_UNDRAWN = [f.name for f in PACK_FORMATS.values() if not f.needs_browser]

DESCRIPTION = f"""\
Load and check the improvement plan and its performance extracts, and report on them.

  python -m cipdash check                 check cip_data/ and data/ without loading
  python -m cipdash load                  check, then load everything (all or nothing)
  python -m cipdash summary --json        the plan at the latest date, as JSON
  python -m cipdash export --public --format docx --out pack.docx
                                          the monthly performance pack ({', '.join(PACK_FORMATS)})
  python -m cipdash audit --json          the audit log (sign-ins, refusals, uploads, loads, exports)
  python -m cipdash notes add --measure ID --month YYYY-MM --author EMAIL --text TEXT
  python -m cipdash actions list --json --open
                                          the meeting record (commentary, actions; --state)

The database file is --db, else $CIPDASH_DB, else var/cipdash.duckdb in the project.
"""


def _print_problems(problems: list[Problem], stream=None) -> None:
    stream = stream or sys.stderr  # looked up now, not at import: tests and callers may swap it
    for p in problems:
        prefix = "warning: " if p.severity == "warning" else ""
        print(f"{prefix}{p}", file=stream)


def _as_at(text: str | None):
    if not text:
        return None
    try:
        return parse_date(text, allow_year_month=True)
    except BadDate as exc:
        raise SystemExit(f"--as-at: {exc} ({exc.hint})")


def _folders(args) -> str:
    """Which folders were read: with the defaults, that depends on the current folder."""
    return f"plan {Path(args.plan).resolve()}, extracts {Path(args.data).resolve()}"


def _cmd_check(args) -> int:
    from .store import validate

    checked = validate(Path(args.plan), Path(args.data))
    _print_problems(checked.problems)
    if checked.errors:
        print(f"{len(checked.errors)} problem(s) found. Nothing was loaded.", file=sys.stderr)
        return EXIT_BAD_INPUT
    rows = sum(f.rows for f in checked.extracts.files)
    print(f"OK: {len(checked.files)} files ({_folders(args)}), {rows:,} extract rows, no problems"
          + (f" ({len(checked.warnings)} warning(s))" if checked.warnings else "") + ".")
    return EXIT_OK


def _cmd_load(args) -> int:
    from .store import WithdrawalRefused, load, resolve_db

    db = resolve_db(args.db)
    try:
        result = load(Path(args.plan), Path(args.data), db, allow_withdraw=args.allow_withdraw)
    except WithdrawalRefused as refused:
        print(str(refused), file=sys.stderr)
        return EXIT_BAD_INPUT
    except LoadFailed as failed:
        _print_problems(failed.problems)
        errors = [p for p in failed.problems if p.severity == "error"]
        args.audit_detail = {"problems": len(errors)}  # for the audit row (_cmd_load_audited)
        print(f"{len(errors)} problem(s) found. Nothing was loaded; the database is as it was.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except DatabaseUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CANNOT_RUN
    _print_problems(result.warnings)
    args.audit_detail = {"load_id": result.load_id, "changed": result.changed, "added": result.rows_added,
                         "revised": result.rows_revised, "withdrawn": getattr(result, "rows_withdrawn", 0),
                         "unchanged": result.rows_unchanged, "plan_changed": result.plan_changed,
                         "files": [{"file": f.file, "sha256": f.sha256, "rows": f.rows} for f in result.files]}
    if result.rebuilt:
        print(f"No new figures or plan changes; rebuilt the summary tables and views in {db} for this "
              f"version of cipdash ({result.rows_unchanged:,} figures).")
    elif not result.changed:
        print(f"No changes: {db} already holds exactly these files ({result.rows_unchanged:,} figures).")
    else:
        print(f"Loaded {_folders(args)} into {db} (load {result.load_id}): {result.rows_added:,} new figures, "
              f"{result.rows_revised:,} revised (earlier values kept in the revision history), "
              f"{result.rows_withdrawn:,} withdrawn (their rows are in no file; kept in the revision history)"
              + (f", {result.rows_returned:,} shown again (their rows came back)" if result.rows_returned else "")
              + f", {result.rows_unchanged:,} unchanged; plan {'updated' if result.plan_changed else 'unchanged'}.")
    return EXIT_OK


LOAD_OUTCOMES = {EXIT_OK: "ok", EXIT_BAD_INPUT: "refused", EXIT_CANNOT_RUN: "failed"}


def _cmd_load_audited(args) -> int:
    """A load from the command line, recorded in the audit log (who, outcome, counts, files)
    whatever its outcome. The audit file is beside the database (or $CIPDASH_AUDIT)."""
    from . import audit
    from .store import resolve_db

    code = _cmd_load(args)
    try:
        audit.record(audit.LOAD, LOAD_OUTCOMES.get(code, "failed"), audit.command_line_user(), "", "cli",
                     path=audit.audit_path(args.db), db=str(resolve_db(args.db)), plan=str(Path(args.plan).resolve()),
                     data=str(Path(args.data).resolve()), exit_code=code, **getattr(args, "audit_detail", {}))
    except audit.AuditUnavailable as exc:  # the load itself is done (or refused): say so, and that it is unrecorded
        print(f"warning: {exc}", file=sys.stderr)
    return code


def _cmd_audit(args) -> int:
    from . import audit

    try:
        rows = audit.entries(audit.audit_path(args.db), args.limit)
    except audit.AuditUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CANNOT_RUN
    if args.json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    for r in rows:
        print(f"{r['at']}  {r['who']}  {r['role'] or '-'}  {r['action']}  {r['outcome']}  "
              f"{json.dumps(r['detail'], ensure_ascii=False, sort_keys=True)}")
    return EXIT_OK


def _open(args):
    from .db import open_snapshot
    from .store import resolve_db

    return open_snapshot(resolve_db(args.db))


def _check_team(snap, team: str | None) -> str:
    if not team or team.upper() == AUTHORITY_TEAM:
        return AUTHORITY_TEAM
    if snap.query("team_exists", team=team)["n"].iloc[0] == 0:
        raise SystemExit(f"--team: no team '{team}' in the plan's teams.csv")
    return team


def _cmd_summary(args) -> int:
    from .summary import build_summary

    from . import queries
    from .summary_text import summary_lines

    snap = _open(args)
    try:
        team = _check_team(snap, args.team)
        summary = build_summary(snap, _as_at(args.as_at), team)
        plan = queries.measures(snap)
        measures = {m: (n, u) for m, n, u in zip(plan["measure_id"], plan["name"], plan["unit"])}
        teams = queries.teams(snap)
        who = "whole authority" if team == AUTHORITY_TEAM else dict(zip(teams["team_id"], teams["team_name"]))[team]
    finally:
        snap.close()
    if args.json:
        json.dump(summary, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    print("\n".join(summary_lines(summary, measures, who)))
    return EXIT_OK


def _cmd_export(args) -> int:
    from .exports import ImageExportError, UnknownScope, export_pack, resolve_scope
    from .meeting.cli import meeting_for_pack

    out = Path(args.out)
    extension = PACK_FORMATS[args.format].extension
    if out.suffix.lower() != extension:
        print(f"warning: --out {out.name} does not end in {extension}; writing {args.format} anyway",
              file=sys.stderr)
    snap = _open(args)
    try:
        try:
            scope = resolve_scope(snap, args.team, args.service_area)
        except UnknownScope as exc:
            raise SystemExit(f"--{'team' if args.team else 'service-area'}: {exc}")
        try:
            pack = export_pack(snap, args.format, out, _as_at(args.as_at), scope, args.public,
                               meeting=meeting_for_pack(args.state), trend_only=args.trend_only)
        except ImageExportError as exc:  # no Chromium for the charts: says how to install it
            print(f"{exc}\nNothing was written. (--format {names_in_words(_UNDRAWN)} needs no browser.)",
                  file=sys.stderr)
            return EXIT_CANNOT_RUN
    finally:
        snap.close()
    print(f"Wrote {out}: {pack.title.lower()} for {pack.scope_name}, as at {pack.as_at_label}; "
          f"{len(pack.sections)} recommendations, {len(pack.charts)} charts; "
          + ("public version, small numbers suppressed." if pack.public else
             "internal version, NOT suppressed: not for publication."))
    if pack.meeting_status and not pack.public:  # the meeting record could not be read
        print(f"warning: {pack.meeting_status}", file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from .store import default_folder

    parser = argparse.ArgumentParser(prog="python -m cipdash", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def folders(p):
        p.add_argument("--plan", default=str(default_folder("cip_data")), metavar="DIR",
                       help="the plan folder (recommendations.csv, ratings.csv, ...); default cip_data/ "
                            "in the current folder if there is one, else the project's")
        p.add_argument("--data", default=str(default_folder("data")), metavar="DIR",
                       help="the extracts folder (*.csv, benchmarks/*.csv); default data/ in the current "
                            "folder if there is one, else the project's")

    p = sub.add_parser("check", help="check the plan and extracts; never writes",
                       description="Check every plan and extract file and list every problem as "
                                   "file:line:column. Writes nothing. Exit 1 if there are problems.")
    folders(p)
    p.set_defaults(run=_cmd_check)

    p = sub.add_parser("load", help="check, then load everything into the database (all or nothing)",
                       description="Check every file, then load all of it or none of it. A figure that "
                                   "restates a period already loaded replaces it; the earlier figure is "
                                   "kept in the revision history. Loading the same files twice changes "
                                   "nothing. The dashboard keeps serving while this runs.")
    folders(p)
    p.add_argument("--db", metavar="FILE", help="database file (default: $CIPDASH_DB or var/cipdash.duckdb)")
    p.add_argument("--allow-withdraw", action="store_true",
                   help="load even if more than a tenth of the figures shown would be withdrawn (their rows "
                        "are in no file); without it such a load stops and writes nothing")
    p.set_defaults(run=_cmd_load_audited)

    p = sub.add_parser("summary", help="the plan's state at a date (RAG ratings, latest figures, targets)",
                       description="The state of the plan at a date: each recommendation's ratings, "
                                   "RAG counts and each measure's latest figure against its next target.")
    p.add_argument("--db", metavar="FILE", help="database file (default: $CIPDASH_DB or var/cipdash.duckdb)")
    p.add_argument("--as-at", metavar="DATE", help="YYYY-MM-DD, DD/MM/YYYY or YYYY-MM (default: the latest data)")
    p.add_argument("--team", metavar="TEAM_ID", help="a team's figures instead of the whole authority's")
    p.add_argument("--json", action="store_true", help="print JSON (the scripting interface)")
    p.set_defaults(run=_cmd_summary)

    p = sub.add_parser("export", help=f"the monthly performance pack as {names_in_words(PACK_FORMATS)}",
                       description="The monthly performance pack: a cover, the summary table (RAG as "
                                   "words), a section per recommendation with its measures' charts and "
                                   "narrative, and the figures behind every chart. --public suppresses small "
                                   "numbers (DfE convention) for reports that will be published. "
                                   f"{names_in_words(_DRAWN, 'and')} draw charts with Chromium (apt-get install "
                                   f"chromium); {names_in_words(_UNDRAWN)} needs no browser.")
    p.add_argument("--db", metavar="FILE", help="database file (default: $CIPDASH_DB or var/cipdash.duckdb)")
    p.add_argument("--as-at", metavar="DATE", help="YYYY-MM-DD, DD/MM/YYYY or YYYY-MM (default: the latest data)")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--team", metavar="TEAM_ID", help="a team's figures beside the whole authority's")
    scope.add_argument("--service-area", metavar="NAME",
                       help="a service area's teams beside the whole authority (as in teams.csv)")
    p.add_argument("--public", action="store_true",
                   help="suppress small numbers for publication (counts 1-5 shown as c, with secondary "
                        "suppression)")
    p.add_argument("--format", required=True, choices=tuple(PACK_FORMATS), help="the file format")
    p.add_argument("--trend-only", action="store_true",
                   help="trend charts only: no SPC chart (by default each measure with 12 or more monthly "
                        "figures gets one after its trend chart)")
    p.add_argument("--out", required=True, metavar="FILE", help="the file to write (replaced if it exists)")
    p.add_argument("--state", metavar="URL", help="the meeting record whose notes and actions the pack shows "
                                                  "(default: $CIPDASH_STATE, else var/meeting.sqlite)")
    p.set_defaults(run=_cmd_export)

    p = sub.add_parser("audit", help="the audit log: sign-ins, refusals, uploads, loads and exports",
                       description="Print the audit log, newest first: who signed in, who was refused, every "
                                   "upload, load and export. It is kept beside the database file (or in "
                                   "$CIPDASH_AUDIT) and can only be added to.")
    p.add_argument("--db", metavar="FILE", help="database file whose audit log to read (default: $CIPDASH_DB or "
                                                "var/cipdash.duckdb)")
    p.add_argument("--limit", type=int, metavar="N", help="only the newest N rows")
    p.add_argument("--json", action="store_true", help="print a JSON array of objects: id, at, who, role, action, "
                                                       "outcome, detail, source")
    p.set_defaults(run=_cmd_audit)

    from .meeting.cli import add_parsers as meeting_record_parsers  # notes, actions, state

    meeting_record_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:
        # `summary --json | head`: the reader left; not an error worth a traceback. Standard
        # output now points at /dev/null, so the final flush has nothing left to fail on.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("Interrupted; nothing was half-loaded (a load applies all or nothing).", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except DatabaseUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CANNOT_RUN
    except OSError as exc:
        # The database path is a folder, not writable, the disk is full...: the command
        # could not run; the input is not at fault and nothing was half-written.
        print(f"Cannot run: {exc}. Nothing was loaded.", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return EXIT_CANNOT_RUN
        raise

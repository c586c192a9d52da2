"""`notes`, `actions` and `state` on the command line, as the data contract words them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cipdash.meeting import MeetingStore
from cipdash.store import load
from meeting_support import ROOT, cli, closed_port_url, new_state, state  # noqa: F401 (fixtures)

PLAN, DATA = ROOT / "cip_data", ROOT / "data"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("meeting-cli") / "sample.duckdb"
    load(PLAN, DATA, db)
    return db


def run(state: str, db: Path | None, *args: str):
    env = {"CIPDASH_DB": str(db) if db else "/nonexistent/cipdash.duckdb"}
    return cli(*args, "--state", state, env=env) if args[0] != "export" else cli(*args, env=env)


def test_notes_add_and_list_as_the_contract_says(state, sample_db):
    done = run(state, sample_db, "notes", "add", "--measure", "assessment_timeliness", "--month", "2020-09",
               "--author", "ann@council.example", "--text", "<b>Why</b> it fell: [link](http://x)")
    assert done.returncode == 0, done.stderr
    assert run(state, sample_db, "notes", "add", "--rec", "2019-1", "--month", "2020-10", "--author",
               "bob@council.example", "--text", "=1+1").returncode == 0
    listed = run(state, sample_db, "notes", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    notes = json.loads(listed.stdout)
    for n in notes:
        assert {"id", "measure_id", "rec_id", "month", "author", "text", "created_at"} <= set(n)
    assert [(n["measure_id"], n["rec_id"], n["month"], n["author"], n["text"]) for n in notes] == [
        ("assessment_timeliness", None, "2020-09", "ann@council.example", "<b>Why</b> it fell: [link](http://x)"),
        (None, "2019-1", "2020-10", "bob@council.example", "=1+1")]
    only = json.loads(run(state, sample_db, "notes", "list", "--json", "--month", "2020-10").stdout)
    assert [n["rec_id"] for n in only] == ["2019-1"]


def test_a_note_edit_on_the_command_line_keeps_the_earlier_text(state, sample_db):
    assert run(state, sample_db, "notes", "add", "--rec", "2019-1", "--month", "2020-10", "--author", "a@x.example",
               "--text", "first").returncode == 0
    done = run(state, sample_db, "notes", "edit", "1", "--author", "b@x.example", "--text", "second")
    assert done.returncode == 0, done.stderr
    [note] = json.loads(run(state, sample_db, "notes", "list", "--json").stdout)
    assert (note["text"], note["revision"]) == ("second", 2)
    assert [(h["text"], h["author"]) for h in note["history"]] == [("first", "a@x.example")]


def test_actions_add_and_list_open_as_the_contract_says(state, sample_db):
    assert run(state, sample_db, "actions", "add", "--rec", "2019-1", "--owner", "Head of Service", "--due",
               "2099-04-30", "--author", "a@x.example", "--text", "Re-audit twenty assessments").returncode == 0
    assert run(state, sample_db, "actions", "add", "--measure", "assessment_timeliness", "--owner", "Team manager",
               "--due", "2020-01-31", "--author", "a@x.example", "--text", "Overdue one").returncode == 0
    assert run(state, sample_db, "actions", "update", "1", "--status", "done", "--author", "b@x.example",
               "--text", "Complete").returncode == 0
    everything = json.loads(run(state, sample_db, "actions", "list", "--json").stdout)
    for a in everything:
        assert {"id", "measure_id", "rec_id", "due", "status", "author", "text", "created_at"} <= set(a)
    assert [(a["id"], a["status"]) for a in everything] == [(2, "open"), (1, "done")]
    open_only = json.loads(run(state, sample_db, "actions", "list", "--json", "--open").stdout)
    assert [(a["id"], a["due"], a["owner"]) for a in open_only] == [(2, "2020-01-31", "Team manager")]


@pytest.mark.parametrize("args, option", [
    (["notes", "add", "--measure", "no_such_measure", "--month", "2020-09"], "--measure"),
    (["notes", "add", "--rec", "R99", "--month", "2020-09"], "--rec"),
    (["notes", "add", "--rec", "2019-1", "--month", "2020-9x"], "--month"),
    (["actions", "add", "--rec", "2019-1", "--owner", "O", "--due", "31/02/2021"], "--due"),
    (["actions", "add", "--rec", "R99", "--owner", "O", "--due", "2021-02-01"], "--rec"),
])
def test_bad_input_exits_1_names_the_option_and_writes_nothing(state, sample_db, args, option):
    done = run(state, sample_db, *args, "--author", "a@x.example", "--text", "t")
    assert done.returncode == 1
    assert [l for l in done.stderr.splitlines() if l.startswith(option + ":")], done.stderr
    assert "Traceback" not in done.stderr
    store = MeetingStore(state)
    assert store.notes() == [] and store.actions() == []


def test_without_a_loaded_database_ids_are_accepted_with_a_warning(state):
    done = run(state, None, "notes", "add", "--measure", "anything", "--month", "2020-09", "--author", "a@x.example",
               "--text", "t")
    assert done.returncode == 0 and "were not checked" in done.stderr


def test_an_unreachable_store_exits_2_without_a_traceback(sample_db):
    done = run(closed_port_url(), sample_db, "notes", "list", "--json")
    assert done.returncode == 2 and "cannot be reached" in done.stderr and "Traceback" not in done.stderr


GOOD_IMPORT = (
    "rec_id,measure_id,text,owner,due,status,author\n"
    '2019-1,,"Audit 20 cases, report back",Head of Service,2021-04-30,open,perf@council.example\n'
    ',assessment_timeliness,"Review ""late"" cases",Team manager,15/05/2021,done,\n'
)


def test_actions_import_adds_every_row(state, sample_db, tmp_path):
    path = tmp_path / "last_year.csv"
    path.write_text(GOOD_IMPORT, encoding="utf-8")
    done = run(state, sample_db, "actions", "import", str(path), "--author", "importer@council.example")
    assert done.returncode == 0, done.stderr
    actions = sorted(MeetingStore(state).actions(), key=lambda a: a["id"])
    assert [(a["rec_id"], a["measure_id"], a["text"], a["due"], a["status"], a["author"]) for a in actions] == [
        ("2019-1", None, "Audit 20 cases, report back", "2021-04-30", "open", "perf@council.example"),
        (None, "assessment_timeliness", 'Review "late" cases', "2021-05-15", "done", "importer@council.example")]


def test_actions_import_lists_every_problem_by_line_and_column_and_imports_nothing(state, sample_db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(GOOD_IMPORT
                    + "2019-1,,Fine row,Owner,2021-06-30,,\n"
                    + "R99,,Unknown rec,Owner,2021-06-30,,\n"          # line 5: unknown recommendation
                    + "2019-1,,No due date,Owner,,open,\n"              # line 6: due missing
                    + "2019-1,,Bad status,Owner,2021-06-30,finished,\n"  # line 7: status
                    + "2019-1,assessment_timeliness,Both,Owner,2021-06-30,,\n", encoding="utf-8")  # line 8
    done = run(state, sample_db, "actions", "import", str(path), "--author", "a@x.example")
    assert done.returncode == 1
    lines = [l for l in done.stderr.splitlines() if "bad.csv:" in l]
    where = [l.split(": column")[0].rsplit("bad.csv:", 1)[1] for l in lines]
    assert where == ["5:1", "6:5", "7:6", "8:2"], done.stderr
    assert "No action was imported" in done.stderr
    assert MeetingStore(state).actions() == []


def test_actions_import_refuses_a_file_that_is_not_utf8_csv(state, sample_db, tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes(GOOD_IMPORT.replace("report back", "report back \u2019now\u2019").encode("cp1252"))
    done = run(state, sample_db, "actions", "import", str(path), "--author", "a@x.example")
    assert done.returncode == 1 and "cp1252.csv:2:" in done.stderr and "not UTF-8" in done.stderr
    assert MeetingStore(state).actions() == []


def test_state_backup_and_restore_move_the_record_between_engines(new_state, sample_db, tmp_path):
    source, target = new_state("sqlite"), new_state("postgresql")
    assert run(source, sample_db, "notes", "add", "--rec", "2019-1", "--month", "2020-10", "--author", "a@x.example",
               "--text", "<i>portable</i>").returncode == 0
    assert run(source, sample_db, "actions", "add", "--rec", "2019-1", "--owner", "O", "--due", "2021-01-31",
               "--author", "a@x.example", "--text", "act").returncode == 0
    backup = tmp_path / "meeting.json"
    done = run(source, sample_db, "state", "backup", str(backup))
    assert done.returncode == 0, done.stderr
    done = run(target, sample_db, "state", "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert json.loads(run(target, sample_db, "notes", "list", "--json").stdout) == \
        json.loads(run(source, sample_db, "notes", "list", "--json").stdout)
    assert json.loads(run(target, sample_db, "actions", "list", "--json").stdout) == \
        json.loads(run(source, sample_db, "actions", "list", "--json").stdout)
    again = run(target, sample_db, "state", "restore", str(backup))
    assert again.returncode == 1 and "not empty" in again.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ', encoding="utf-8")
    done = run(target, sample_db, "state", "restore", str(broken))
    assert done.returncode == 1 and "broken.json:1:" in done.stderr

"""The meeting record's store, on SQLite and on PostgreSQL: the same tests, the same code."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, timedelta

import pytest

from cipdash.meeting import BadRecord, EditConflict, MeetingStore, StoreUnavailable
from cipdash.meeting.store import MAX_TEXT, migrations
from meeting_support import HOSTILE_TEXTS, ROOT, cli, closed_port_url, new_state, state  # noqa: F401 (fixtures)


def test_a_note_keeps_every_earlier_text_with_who_and_when(state):
    store = MeetingStore(state)
    note = store.add_note(author="ann@council.example", text="First reading", month="2020-09",
                          measure_id="assessment_timeliness")
    assert (note["revision"], note["author"], note["created_by"]) == (1, "ann@council.example", "ann@council.example")
    second = store.edit_note(note["id"], author="bob@council.example", text="Second reading", revision=1)
    third = store.edit_note(note["id"], author="cat@council.example", text="Third reading", revision=2)
    assert (third["text"], third["author"], third["revision"]) == ("Third reading", "cat@council.example", 3)
    history = store.note_history(note["id"])
    assert [(h["revision"], h["author"], h["text"], h["replaced_by"]) for h in history] == [
        (2, "bob@council.example", "Second reading", "cat@council.example"),
        (1, "ann@council.example", "First reading", "bob@council.example")]
    assert history[1]["written_at"] == note["created_at"]
    assert history[0]["written_at"] == second["written_at"] and history[0]["replaced_at"] == third["written_at"]
    listed = store.notes_with_history("2020-09")
    assert [n["text"] for n in listed] == ["Third reading"] and len(listed[0]["history"]) == 2
    assert store.notes("2020-10") == [] and store.notes(measure_id="other") == []


def test_an_edit_of_an_old_revision_is_refused_and_writes_nothing(state):
    store = MeetingStore(state)
    note = store.add_note(author="a@x.example", text="v1", month="2021-03", rec_id="2019-1")
    store.edit_note(note["id"], author="b@x.example", text="v2", revision=1)
    with pytest.raises(EditConflict):
        store.edit_note(note["id"], author="c@x.example", text="v2 from a stale form", revision=1)
    assert [n["text"] for n in store.notes()] == ["v2"]
    assert len(store.note_history(note["id"])) == 1


def test_actions_keep_a_trail_and_list_open_ones_overdue_first(state):
    store = MeetingStore(state)
    today = date.today()
    later = store.add_action(author="a@x.example", text="later", owner="Owen", due=today + timedelta(days=30),
                             rec_id="2019-1")
    overdue = store.add_action(author="a@x.example", text="overdue", owner="Olga", due=today - timedelta(days=3),
                               measure_id="m1")
    done = store.add_action(author="a@x.example", text="finished", owner="Omar", due="01/02/2020", rec_id="2019-2")
    assert done["due"] == "2020-02-01"  # DD/MM/YYYY read day first, stored ISO
    store.update_action(done["id"], author="b@x.example", status="done", text="Audit complete")
    store.update_action(later["id"], author="c@x.example", status="open", text="Started")
    assert [a["text"] for a in store.actions()] == ["overdue", "later", "finished"]
    assert [a["text"] for a in store.actions("open")] == ["overdue", "later"]
    trail = store.action_updates(done["id"])
    assert [(u["author"], u["status"], u["text"]) for u in trail] == [
        ("a@x.example", "open", "raised"), ("b@x.example", "done", "Audit complete")]
    with pytest.raises(EditConflict):
        store.update_action(later["id"], author="d@x.example", status="done", revision=1)  # it is at revision 2
    assert overdue["status"] == "open"


@pytest.mark.parametrize("change, field", [
    (dict(text="   "), "text"), (dict(month="2020-13"), "month"), (dict(month="09/2020"), "month"),
    (dict(author=""), "author"), (dict(author="a\nb"), "author"), (dict(rec_id="2019-1"), "measure_id"),
    (dict(measure_id=None), "rec_id"), (dict(text="bell \x07 here"), "text"), (dict(text="x" * (MAX_TEXT + 1)), "text"),
    (dict(text="cp1252 \x92 quote"), "text"),
])
def test_bad_notes_are_refused_naming_the_field_and_write_nothing(state, change, field):
    store = MeetingStore(state)
    values = dict(author="a@x.example", text="fine", month="2020-09", measure_id="m1") | change
    with pytest.raises(BadRecord) as refused:
        store.add_note(**values)
    assert refused.value.field == field
    assert store.notes() == []


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=lambda t: t[:12])
def test_hostile_text_is_stored_and_read_back_exactly(state, text):
    store = MeetingStore(state)
    note = store.add_note(author="a@x.example", text=text, month="2020-09", measure_id="m1")
    action = store.add_action(author="a@x.example", text=text, owner="<b>Owner</b>", due="2021-01-31", rec_id="R1")
    assert store.notes()[0]["text"] == text == note["text"]
    assert store.actions()[0]["text"] == text == action["text"]
    assert store.actions()[0]["owner"] == "<b>Owner</b>"


def test_migrations_are_idempotent_and_safe_when_processes_start_together(state):
    # Twelve processes open a brand-new store at the same moment: each applies or finds the schema.
    script = textwrap.dedent("""
        import sys, time
        from cipdash.meeting import MeetingStore
        start = float(sys.argv[2])
        while time.time() < start:
            time.sleep(0.001)
        store = MeetingStore(sys.argv[1])
        store.add_note(author="p@x.example", text="hello", month="2020-09", measure_id="m1")
        print(store.schema_version())
    """)
    start = time.time() + 2.0
    procs = [subprocess.Popen([sys.executable, "-c", script, state, str(start)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(12)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 12, [err for _, err in outputs]
    latest = migrations()[-1][0]
    assert {out.strip() for out, _ in outputs} == {str(latest)}
    store = MeetingStore(state)
    assert store.migrate() == latest and len(store.notes()) == 12
    with store._transaction(write=False) as cur:  # one row per migration, never two
        assert [r["version"] for r in store._rows(store._run(cur, "schema_version_list"))] == \
            [v for v, _, _ in migrations()]


SLOW_MIGRATION = textwrap.dedent("""
    import sys, time
    from cipdash.meeting import MeetingStore

    class Slow(MeetingStore):
        # Holds the migration transaction open for two seconds, part-way through.
        def _run(self, cur, sql_name, /, **params):
            out = super()._run(cur, sql_name, **params)
            if sql_name == "schema_version_list":
                print("migrating", flush=True)
                time.sleep(2)
            return out

    Slow(sys.argv[1])
""")


def test_a_second_process_waits_for_a_migration_in_progress(state):
    first = subprocess.Popen([sys.executable, "-c", SLOW_MIGRATION, state], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert first.stdout.readline().strip() == "migrating", first.stderr.read()
    second = cli("notes", "add", "--measure", "m1", "--month", "2020-09", "--author", "b@x.example", "--text",
                 "written while the schema was being made", "--state", state,
                 env={"CIPDASH_DB": str(ROOT / "no-such-database.duckdb")})
    first.wait(timeout=60)
    assert first.returncode == 0, first.stderr.read()
    assert second.returncode == 0, second.stderr
    assert [n["text"] for n in MeetingStore(state).notes()] == ["written while the schema was being made"]


def _fill(store: MeetingStore) -> None:
    note = store.add_note(author="a@x.example", text=HOSTILE_TEXTS[0], month="2020-09", measure_id="m1")
    store.edit_note(note["id"], author="b@x.example", text=HOSTILE_TEXTS[2], revision=1)
    store.add_note(author="a@x.example", text=HOSTILE_TEXTS[-1], month="2020-10", rec_id="2019-1")
    action = store.add_action(author="a@x.example", text="Re-audit", owner="Owen", due="2021-01-31", rec_id="2019-1")
    store.update_action(action["id"], author="c@x.example", status="done", text="Done in January")
    store.propose_rating(author="a@x.example", rec_id="2019-1", as_at="2021-03-31", implementation="G",
                         impact="A", evidence="Evidence, with \"quotes\"\nand a new line", further_actions="")


def _comparable(dump: dict) -> dict:
    return json.loads(json.dumps(dump["tables"]))


@pytest.mark.parametrize("source, target", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_a_backup_restores_on_the_other_engine_exactly(new_state, source, target):
    first = MeetingStore(new_state(source))
    _fill(first)
    dump = json.loads(json.dumps(first.backup()))  # through JSON, as the file holds it
    second = MeetingStore(new_state(target))
    counts = second.restore(dump)
    assert counts == {"notes": 2, "note_history": 1, "actions": 1, "action_updates": 2, "rating_proposals": 1,
                      "audit_log": 0}
    assert _comparable(second.backup()) == _comparable(first.backup())
    # New rows continue after the restored ids (PostgreSQL's identity columns were moved on).
    later = second.add_note(author="z@x.example", text="after the restore", month="2021-01", measure_id="m1")
    assert later["id"] == 3
    with pytest.raises(BadRecord):
        second.restore(dump)  # not empty now
    second.restore(dump, replace=True)
    assert _comparable(second.backup()) == _comparable(first.backup())


def test_a_restore_of_something_else_is_refused_and_changes_nothing(state):
    store = MeetingStore(state)
    _fill(store)
    before = _comparable(store.backup())
    for bad in ({}, {"format": "cipdash meeting record", "schema_version": 99, "tables": {}},
                {"format": "cipdash meeting record", "schema_version": migrations()[-1][0],
                 "tables": {"notes": [{"id": 1}]}}):
        with pytest.raises(BadRecord):
            store.restore(bad, replace=True)
    assert _comparable(store.backup()) == before


WRITER = textwrap.dedent("""
    import sys
    from cipdash.meeting import MeetingStore
    store = MeetingStore(sys.argv[1])
    for i in range(int(sys.argv[3])):
        store.add_note(author="proc@x.example", text=f"{sys.argv[2]} note {i}", month="2020-09", measure_id="m1")
        store.add_action(author="proc@x.example", text=f"{sys.argv[2]} action {i}", owner="O", due="2021-01-31",
                         rec_id="2019-1")
""")


def test_forty_concurrent_writers_lose_nothing(state):
    """10 threads and 10 processes writing through the library, and 20 `notes add` /
    `actions add` command-line processes, all at once, on one store."""
    store = MeetingStore(state)
    per_writer = 5
    errors: list[BaseException] = []

    def thread_writer(n: int) -> None:
        try:
            mine = MeetingStore(state)
            for i in range(per_writer):
                mine.add_note(author="thread@x.example", text=f"thread{n} note {i}", month="2020-09",
                              measure_id="m1")
                mine.add_action(author="thread@x.example", text=f"thread{n} action {i}", owner="O",
                                due="2021-01-31", rec_id="2019-1")
        except BaseException as exc:  # reported below, with the engine's message
            errors.append(exc)

    env = dict(os.environ, CIPDASH_DB=str(ROOT / "no-such-database.duckdb"))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, state, f"proc{n}", str(per_writer)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(10)]
    procs += [subprocess.Popen([sys.executable, "-m", "cipdash", "notes", "add", "--measure", "m1", "--month",
                                "2020-09", "--author", "cli@x.example", "--text", f"cli{n} note", "--state", state],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for n in range(10)]
    procs += [subprocess.Popen([sys.executable, "-m", "cipdash", "actions", "add", "--rec", "2019-1", "--owner", "O",
                                "--due", "2021-01-31", "--author", "cli@x.example", "--text", f"cli{n} action",
                                "--state", state], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for n in range(10)]
    threads = [threading.Thread(target=thread_writer, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    outcomes = [p.communicate(timeout=300) for p in procs]
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert [p.returncode for p in procs] == [0] * len(procs), [err for _, err in outcomes if err.strip()][:3]
    notes = [n["text"] for n in store.notes()]
    actions = [a["text"] for a in store.actions()]
    expected_notes = ({f"thread{n} note {i}" for n in range(10) for i in range(per_writer)}
                      | {f"proc{n} note {i}" for n in range(10) for i in range(per_writer)}
                      | {f"cli{n} note" for n in range(10)})
    expected_actions = ({f"thread{n} action {i}" for n in range(10) for i in range(per_writer)}
                        | {f"proc{n} action {i}" for n in range(10) for i in range(per_writer)}
                        | {f"cli{n} action" for n in range(10)})
    assert sorted(notes) == sorted(expected_notes)  # every one, once
    assert sorted(actions) == sorted(expected_actions)
    assert len(store.backup()["tables"]["action_updates"]) == len(expected_actions)  # each action's "raised" entry


KILLED = textwrap.dedent("""
    import sys, time
    from cipdash.meeting import MeetingStore

    class Paused(MeetingStore):
        # Stops inside the transaction, right after the statement named, until killed.
        def _run(self, cur, sql_name, /, **params):
            out = super()._run(cur, sql_name, **params)
            if sql_name == sys.argv[2]:
                print("inside", flush=True)
                time.sleep(600)
            return out

    store = Paused(sys.argv[1])
    if sys.argv[2] == "note_get":  # the add: its row inserted and read back, not yet committed
        store.add_note(author="k@x.example", text="half-written note", month="2020-09", measure_id="m1")
    else:  # the edit: the old text copied to the history and the note changed, not yet committed
        note = [n for n in store.notes() if n["text"] == "kept"][0]
        store.edit_note(note["id"], author="k@x.example", text="half-edited", revision=note["revision"])
""")


@pytest.mark.parametrize("stop_after", ["note_get", "note_update"])
def test_a_writer_killed_mid_transaction_leaves_no_partial_note(state, stop_after):
    store = MeetingStore(state)
    kept = store.add_note(author="a@x.example", text="kept", month="2020-09", measure_id="m1")
    proc = subprocess.Popen([sys.executable, "-c", KILLED, state, stop_after], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "inside", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    # PostgreSQL rolls back when the server notices the closed connection: give it a moment.
    deadline = time.monotonic() + 10
    while True:
        try:
            notes = store.notes()
            break
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert [(n["text"], n["revision"]) for n in notes] == [("kept", 1)]
    assert store.note_history(kept["id"]) == []
    # ...and the record is writable at once: the killed writer's lock went with it.
    store.add_note(author="a@x.example", text="after the kill", month="2020-09", measure_id="m1")
    assert [n["text"] for n in store.notes()] == ["kept", "after the kill"]


def test_postgresql_down_is_store_unavailable_not_a_driver_error():
    with pytest.raises(StoreUnavailable) as down:
        MeetingStore(closed_port_url())
    assert "cannot be reached" in str(down.value) and "***" not in str(down.value)
    assert "secret" not in str(StoreUnavailable.__name__)


def test_a_server_that_cannot_be_reached_is_not_tried_again_at_once(monkeypatch):
    import psycopg

    from cipdash.meeting import store as store_module

    calls = []
    real = psycopg.connect

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", counting)
    url = closed_port_url()
    for _ in range(3):
        with pytest.raises(StoreUnavailable):
            MeetingStore(url)
    assert len(calls) == 1  # the page's later asks are answered at once
    monkeypatch.setattr(store_module, "PG_RETRY_AFTER_S", 0)
    store_module._DOWN.clear()
    for _ in range(2):
        with pytest.raises(StoreUnavailable):
            MeetingStore(url)
    assert len(calls) == 3


def test_the_password_is_never_in_a_message():
    from cipdash.meeting.store import describe

    # A made-up password, put together here so that no URL with a password is in the repository.
    password = "s3" + "cret"
    assert describe("postgresql://ann:" + password + "@db.example:5432/meeting") == (
        "postgresql://ann:" + "***" + "@db.example:5432/meeting")
    with pytest.raises(StoreUnavailable) as down:
        MeetingStore(closed_port_url().replace("nobody@", "nobody:" + password + "@"))
    assert password not in str(down.value)


def test_a_sqlite_record_is_in_wal_mode(tmp_path):
    import sqlite3

    path = tmp_path / "meeting.sqlite"
    MeetingStore(str(path))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_folder_that_cannot_be_written_is_store_unavailable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailable):
        MeetingStore(str(blocker / "meeting.sqlite"))

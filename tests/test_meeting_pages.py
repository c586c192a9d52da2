"""The meeting record on the pages (Streamlit AppTest): a note and an action written on the
Measures page are there after a load, on the Overview, in the pack and in the command
line's list; edits keep history; hostile text is shown literally; PostgreSQL down leaves
the figures up with "The meeting record is unavailable"."""
from __future__ import annotations

import hashlib
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from cipdash.db import open_snapshot
from cipdash.exports import build_pack, pack_bytes
from cipdash.meeting import MeetingStore
from cipdash.safe_cells import neutralise
from cipdash.store import load
from meeting_support import HOSTILE_TEXTS, ROOT, cli, closed_port_url, make_target
from support import loaded, run_dashboard, sample_copy

MEASURE = "assessment_timeliness"
NOTE_KEY = f"meeting-measure-{MEASURE}"
LATEST = date(2021, 3, 31)  # the sample's latest month


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request, tmp_path, monkeypatch):
    """A copy of the sample plan and extracts, loaded, with a fresh meeting record."""
    plan, data = sample_copy(tmp_path)
    db = loaded(tmp_path, (plan, data), "cipdash.duckdb")
    state = make_target(request.param, tmp_path, request)
    for name, value in (("CIPDASH_DB", db), ("CIPDASH_STATE", state), ("CIPDASH_PLAN_DIR", plan),
                        ("CIPDASH_DATA_DIR", data), ("CIPDASH_AUDIT", tmp_path / "audit.sqlite")):
        monkeypatch.setenv(name, str(value))
    return {"plan": plan, "data": data, "db": db, "state": state}


def run_page(page: str, **params) -> AppTest:
    return run_dashboard(page, **params)


def click(at: AppTest, label: str, n: int = 0) -> AppTest:
    buttons = [b for b in at.button if b.label == label]
    buttons[n].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    """Markdown and captions with the escaping removed: backslashes, and the invisible word
    joiners md_text puts in "http://" so that no link is made of it (text shown literally)."""
    return "\n".join(unescape(m.value) for m in [*at.markdown, *at.caption])


def unescape(value: str) -> str:
    return value.replace("\\", "").replace("\u2060", "")


def write_note_and_action(at: AppTest, note: str, action: str) -> AppTest:
    at.text_input(key="meeting-author-name").input("Ann Chair")
    at.text_area(key=f"{NOTE_KEY}-new-note").input(note)
    click(at, "Save commentary")
    at.text_area(key=f"{NOTE_KEY}-action-text").input(action)
    at.text_input(key=f"{NOTE_KEY}-action-owner").input("Head of Service, First Response")
    at.date_input(key=f"{NOTE_KEY}-action-due").set_value(date(2020, 1, 31))
    return click(at, "Save action")


def test_a_note_and_an_action_written_on_the_page_are_everywhere_after_a_load(site):
    note = "Fell in March: two long-term absences. <b>not bold</b> [not a link](http://x.example)"
    action = "=Re-audit 20 assessments" + " and report back"
    at = write_note_and_action(run_page("measures", measure=MEASURE), note, action)
    assert [s.value for s in at.success][-1] == "Action saved\\."
    text = shown_text(at)
    assert note.replace("\\", "") in text and action in text and "Ann Chair (not signed in)" in text

    # A load of a changed plan (a new database file) leaves the record alone.
    with open(site["plan"] / "plan.toml", "a", encoding="utf-8") as fh:
        fh.write("\n# changed\n")
    load(site["plan"], site["data"], site["db"])
    again = run_page("measures", measure=MEASURE)
    assert note in shown_text(again) and action in shown_text(again)

    recommendation = run_page("recommendation", rec="2019-1")  # the measure's chart there carries it too
    assert note in shown_text(recommendation)

    overview = run_page("overview")
    [actions] = [d.value for d in overview.dataframe if "Owner" in d.value.columns and "Due" in d.value.columns]
    assert list(actions["Action"]) == [action] and actions["Status"].iloc[0].startswith("Open, overdue by")

    snap = open_snapshot(site["db"])
    try:
        pack = build_pack(snap, LATEST, meeting=MeetingStore(site["state"]))
        workbook = openpyxl.load_workbook(io.BytesIO(pack_bytes(pack, "xlsx")))
    finally:
        snap.close()
    [chart] = [c for c in pack.charts if c.measure_id == MEASURE and c.kind == "trend"]  # not its SPC chart
    assert [(n.text, n.author) for n in chart.notes] == [(note, "Ann Chair (not signed in)")]
    assert list(pack.actions.frame["Action"]) == [action]
    cells = [c for row in workbook["Commentary"].iter_rows(values_only=True) for c in row]
    assert note in cells
    actions_cells = [c for row in workbook["Actions"].iter_rows(values_only=True) for c in row]
    assert neutralise(action) in actions_cells and action not in actions_cells  # formula-safe

    env = {"CIPDASH_STATE": site["state"], "CIPDASH_DB": str(site["db"])}
    listed = cli("notes", "list", "--json", "--month", "2021-03", env=env)
    assert [n["text"] for n in json.loads(listed.stdout)] == [note]
    listed = cli("actions", "list", "--json", "--open", env=env)
    assert [a["text"] for a in json.loads(listed.stdout)] == [action]


def test_an_edit_on_the_page_keeps_the_earlier_text_in_its_history(site):
    at = run_page("measures", measure=MEASURE)
    at.text_input(key="meeting-author-name").input("Ann Chair")
    at.text_area(key=f"{NOTE_KEY}-new-note").input("First thoughts")
    click(at, "Save commentary")
    [note] = MeetingStore(site["state"]).notes()
    at.text_area(key=f"{NOTE_KEY}-edit-{note['id']}-1").input("Second thoughts")
    click(at, "Save the edit")
    assert "Second thoughts" in shown_text(at)
    [expander] = [e for e in at.expander if e.label.startswith("Earlier versions")]
    assert expander.label == "Earlier versions (1)"
    assert "First thoughts" in "\n".join(m.value for m in expander.markdown)
    [stored] = MeetingStore(site["state"]).notes_with_history()
    assert [h["text"] for h in stored["history"]] == ["First thoughts"]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=lambda t: t[:12])
def test_hostile_text_is_shown_literally_on_the_page(site, text):
    at = run_page("measures", measure=MEASURE)
    at.text_input(key="meeting-author-name").input("<b>Eve</b>")
    at.text_area(key=f"{NOTE_KEY}-new-note").input(text)
    click(at, "Save commentary")
    assert [n["text"] for n in MeetingStore(site["state"]).notes()] == [text]
    # Every markdown the page shows escapes the text: with the escapes removed it is the text itself.
    bodies = [m.value for m in at.markdown if unescape(m.value).replace("  \n", "\n") == text.replace("\\", "")]
    assert bodies, "the note is not on the page as written"
    for line in bodies[0].split("  \n"):
        assert "<" not in line.replace("\\<", "") and "[" not in line.replace("\\[", "")


def test_the_rating_update_form_appends_to_ratings_csv(site):
    at = run_page("recommendation", rec="2019-1")
    key = "meeting-rec-2019-1"
    before = (site["plan"] / "ratings.csv").read_bytes()
    at.text_input(key="meeting-author-name").input("Ann Chair")
    at.date_input(key=f"{key}-rating-as-at").set_value(date(2021, 4, 30))
    at.selectbox(key=f"{key}-rating-implementation").set_value("G")
    at.selectbox(key=f"{key}-rating-impact").set_value("A")
    at.text_area(key=f"{key}-rating-evidence").input('Evidence, with "quotes"')
    at.checkbox(key=f"{key}-rating-apply").check()
    click(at, "Record the rating update")
    assert not at.error, [e.value for e in at.error]
    after = (site["plan"] / "ratings.csv").read_bytes()
    assert after.startswith(before)
    assert after[len(before):].decode().strip() == '2019-1,2021-04-30,G,A,"Evidence, with ""quotes""",'
    [proposal] = MeetingStore(site["state"]).proposals("2019-1")
    assert proposal["applied_by"] == "Ann Chair (not signed in)"


def test_with_postgresql_down_the_pages_show_their_figures_and_say_the_record_is_unavailable(site, monkeypatch):
    monkeypatch.setenv("CIPDASH_STATE", closed_port_url())
    for page, params in (("measures", {"measure": MEASURE}), ("recommendation", {"rec": "2019-1"}),
                         ("overview", {})):
        at = run_page(page, **params)
        warnings = [w.value for w in at.warning]
        assert any(w.startswith("The meeting record is unavailable") for w in warnings), (page, warnings)
        assert at.get("plotly_chart") or at.metric, page  # the figures are still there
        assert not at.text_area, page  # and no form that could not be saved


def test_viewing_the_pages_never_creates_a_sqlite_record(site, tmp_path, monkeypatch):
    missing = tmp_path / "not-yet" / "meeting.sqlite"
    monkeypatch.setenv("CIPDASH_STATE", str(missing))
    for page, params in (("measures", {"measure": MEASURE}), ("recommendation", {"rec": "2019-1"}),
                         ("overview", {})):
        at = run_page(page, **params)
        assert not at.warning, [w.value for w in at.warning]
    assert not missing.exists()
    at = run_page("measures", measure=MEASURE)
    at.text_input(key="meeting-author-name").input("Ann Chair")
    at.text_area(key=f"{NOTE_KEY}-new-note").input("The first note makes the record")
    click(at, "Save commentary")
    assert missing.exists() and "The first note makes the record" in shown_text(at)


def test_a_load_never_touches_the_record(site):
    store = MeetingStore(site["state"])
    store.add_note(author="a@x.example", text="kept through loads", month="2021-03", measure_id=MEASURE)
    store.add_action(author="a@x.example", text="kept too", owner="O", due="2021-06-30", rec_id="2019-1")
    before = json.dumps(store.backup()["tables"])
    sqlite_file = Path(site["state"]) if not site["state"].startswith("postgresql") else None
    digest = hashlib.sha256(sqlite_file.read_bytes()).hexdigest() if sqlite_file else None
    with open(site["plan"] / "plan.toml", "a", encoding="utf-8") as fh:
        fh.write("\n# changed again\n")
    done = cli("load", "--plan", str(site["plan"]), "--data", str(site["data"]), "--db", str(site["db"]),
               env={"CIPDASH_STATE": site["state"]})
    assert done.returncode == 0, done.stderr
    site["db"].unlink()  # a rebuild from nothing, too
    assert cli("load", "--plan", str(site["plan"]), "--data", str(site["data"]), "--db", str(site["db"]),
               env={"CIPDASH_STATE": site["state"]}).returncode == 0
    assert json.dumps(store.backup()["tables"]) == before
    if sqlite_file:
        assert hashlib.sha256(sqlite_file.read_bytes()).hexdigest() == digest


def pack_page() -> AppTest:
    # The page script itself: AppTest loses a plain button's click on a page reached through
    # dashboard.py's navigation (in Chromium the same click builds the pack).
    at = AppTest.from_file(str(ROOT / "pages" / "exports.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_report_pack_page_puts_the_meetings_record_in_its_pack(site, monkeypatch):
    """A pack built on the Report pack page carries the month's commentary and actions (the
    command line's `export` always did), and a note written since gives a new pack."""
    import cipdash.exports as exports

    write_note_and_action(run_page("measures", measure=MEASURE), "Why it fell", "Re-audit")
    built = []
    real = exports.build_pack

    def spy(*args, **kwargs):
        pack = real(*args, **kwargs)
        built.append(pack)
        return pack

    monkeypatch.setattr(exports, "build_pack", spy)
    at = pack_page()
    at.toggle(key="pack_public").set_value(False).run()
    at.radio(key="pack_format").set_value("xlsx").run()
    click(at, "Build the pack")
    [pack] = built
    [chart] = [c for c in pack.charts if c.measure_id == MEASURE and c.kind == "trend"]  # not its SPC chart
    assert [n.text for n in chart.notes] == ["Why it fell"]
    assert list(pack.actions.frame["Action"]) == ["Re-audit"]

    # Another note: the same choices build a new pack rather than the cached one.
    MeetingStore(site["state"]).add_note(measure_id=MEASURE, month="2021-03", author="x@council.example",
                                         text="And a second reason")
    at = pack_page()
    at.toggle(key="pack_public").set_value(False).run()
    at.radio(key="pack_format").set_value("xlsx").run()
    click(at, "Build the pack")
    assert len(built) == 2
    [chart] = [c for c in built[1].charts if c.measure_id == MEASURE and c.kind == "trend"]
    assert {n.text for n in chart.notes} == {"Why it fell", "And a second reason"}

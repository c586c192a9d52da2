"""The meeting record in Chromium: a note and an action typed into the Measures page are
shown at once (literally: no HTML, no link), and are still there after a load, on the
Overview, in the pack and in the command line's list. Screenshot:
artifacts/screenshots/test_a_note_and_an_action_typed_in_the_browser_are_kept_everywhere.png"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

import openpyxl
import pytest
from playwright.sync_api import expect

from browserkit import HERE, ROOT, after_heading, assert_healthy, main, open_page, table_rows, wait_for_app, widget
from support import sample_copy


def _browser_conftest():
    """This folder's conftest.py by its path (tests/ has a conftest.py of its own, so the
    name `conftest` alone could mean either): its server start and stop are reused."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("browser_conftest_for_meeting", HERE / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


conftest = _browser_conftest()

MEASURE = "assessment_timeliness"
NOTE = ("Fell in March: two long-term absences. <b>not bold</b> [not a link](https://evil.example/) "
        "=SUM(A1:A2)")
ACTION = "Re-audit twenty assessments <i>and</i> report back"
NAME_LABEL = "Your name, recorded with what you write (not signed in)"


@pytest.fixture(scope="module")
def meeting_app(tmp_path_factory, browser):
    """A server of its own, over a copy of the sample, with a fresh meeting record."""
    root = tmp_path_factory.mktemp("meeting")
    plan_dir, data_dir = sample_copy(root)
    state = root / "meeting.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIPDASH_STATE", str(state))
        mp.setenv("CIPDASH_AUDIT", str(root / "audit.sqlite"))
        server = conftest._start(root, plan_dir, data_dir)
    server.state = state
    conftest._warm_up(server, browser)
    yield server
    conftest._stop(server)


def fill(page, label: str, text: str, testid: str) -> None:
    box = widget(page, label, testid)
    if testid == "stDateInput":  # day, month and year fields: typing the digits moves through them
        box.get_by_role("spinbutton").first.click()
        page.keyboard.type(text.replace("/", ""))
        page.keyboard.press("Tab")
        return
    field = box.locator("textarea" if testid == "stTextArea" else "input")
    field.fill(text)
    field.press("Tab")


def expect_shown(body, text: str) -> None:
    """The text on the page as written. md_text puts an invisible word joiner after "https"
    so that no link is made of it; it is the only difference allowed."""
    first_words = text.split(":")[0]
    found = body.locator("[data-testid='stMarkdownContainer']").filter(has_text=first_words).last
    expect(found).to_be_visible()
    assert found.inner_text().replace("\u2060", "").strip() == text


def test_a_note_and_an_action_typed_in_the_browser_are_kept_everywhere(meeting_app, page, shot):
    env = dict(os.environ, CIPDASH_STATE=str(meeting_app.state), CIPDASH_DB=str(meeting_app.db))
    open_page(page, f"{meeting_app.url}/measures?measure={MEASURE}")
    body = main(page)
    fill(page, NAME_LABEL, "Ann Chair", "stTextInput")
    wait_for_app(page)
    fill(page, "Add commentary: what the figure means, its reason, what is being done", NOTE, "stTextArea")
    started = time.perf_counter()
    page.get_by_role("button", name="Save commentary").click()
    expect(body.get_by_text("Fell in March").first).to_be_visible()
    shown_after = time.perf_counter() - started
    wait_for_app(page)
    fill(page, "New action: what is to be done", ACTION, "stTextArea")
    fill(page, "Owner", "Head of Service, First Response", "stTextInput")
    fill(page, "Due", "31/01/2020", "stDateInput")
    page.get_by_role("button", name="Save action").click()
    expect(body.get_by_text(ACTION).first).to_be_visible()
    wait_for_app(page)
    expect_shown(body, NOTE)
    assert_healthy(page, "the Measures page after writing to the meeting record")
    # Literally: no element made of the text, no link to where it points.
    expect(body.locator("a[href*='evil.example']")).to_have_count(0)
    expect(body.locator("b", has_text="not bold")).to_have_count(0)
    expect(body.get_by_text("Ann Chair (not signed in)").first).to_be_visible()
    shot()
    print(f"note typed -> shown in Chromium: {shown_after * 1000:.0f} ms")

    # A load of a changed plan: a new database file; the record is untouched.
    with open(meeting_app.plan_dir / "plan.toml", "a", encoding="utf-8") as fh:
        fh.write("\n# the browser test's change\n")
    done = subprocess.run([sys.executable, "-m", "cipdash", "load", "--plan", str(meeting_app.plan_dir), "--data",
                           str(meeting_app.data_dir), "--db", str(meeting_app.db)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    open_page(page, f"{meeting_app.url}/measures?measure={MEASURE}")
    expect_shown(main(page), NOTE)
    expect(main(page).get_by_text(ACTION).first).to_be_visible()

    open_page(page, f"{meeting_app.url}/recommendation?rec=2019-1")  # under the measure's chart there too
    expect_shown(main(page), NOTE)
    assert_healthy(page, "the Recommendation page with the measure's commentary")

    open_page(page, meeting_app.url + "/")
    rows = table_rows(after_heading(page, "Open actions from the meeting"))
    assert any(ACTION in cell for row in rows for cell in row), rows
    assert_healthy(page, "the Overview with an open action")
    shot("overview")

    listed = subprocess.run([sys.executable, "-m", "cipdash", "notes", "list", "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert [n["text"] for n in json.loads(listed.stdout)] == [NOTE]
    listed = subprocess.run([sys.executable, "-m", "cipdash", "actions", "list", "--json", "--open"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert [a["text"] for a in json.loads(listed.stdout)] == [ACTION]

    out = meeting_app.root / "pack.xlsx"
    done = subprocess.run([sys.executable, "-m", "cipdash", "export", "--format", "xlsx", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    workbook = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert NOTE in [c for row in workbook["Commentary"].iter_rows(values_only=True) for c in row]
    assert ACTION in [c for row in workbook["Actions"].iter_rows(values_only=True) for c in row]

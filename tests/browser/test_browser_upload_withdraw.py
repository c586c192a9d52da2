"""An upload that would withdraw figures, in the browser (issue 15): the issue's header-only
upload that emptied an extract while the page said "These files hold nothing new".

The Data page shows the counts and a confirm button, and writes nothing until it is
pressed; then it says what the load did (added, revised, withdrawn), the old file is kept
in data/replaced/, and the Revisions table says, in words, that the figures were withdrawn.
"""
from __future__ import annotations

from playwright.sync_api import expect

from browserkit import after_heading, assert_healthy, main, open_page, table_rows, wait_for_app
from plan_builder import EXTRACT

HEADER = EXTRACT.splitlines()[0] + "\n"


def test_an_upload_that_empties_an_extract_asks_first_then_says_what_it_withdrew(fresh_app, page, shot):
    data_dir = fresh_app.data_dir
    original = (data_dir / "extract.csv").read_bytes()
    open_page(page, fresh_app.url + "/data")
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(
        files=[{"name": "extract.csv", "mimeType": "text/csv", "buffer": HEADER.encode()}])
    body = main(page)
    warning = body.locator("[data-testid='stAlert']").filter(has_text="withdraw 9 of the 9 figures shown")
    expect(warning).to_be_visible()
    wait_for_app(page)
    shot("asked")
    assert_healthy(page, "the Data page asking to confirm a withdrawal")
    expect(warning).to_contain_text("emptied: extract.csv")
    expect(warning).to_contain_text("Nothing is written until you confirm")
    expect(page.get_by_role("button", name="Load these files", exact=True)).to_have_count(0)
    # Asked, not yet written.
    assert (data_dir / "extract.csv").read_bytes() == original
    assert not (data_dir / "replaced").exists()
    page.get_by_role("button", name="Confirm: load these files and withdraw 9 figures").click()
    done = body.locator("[data-testid='stAlert']").filter(has_text="Loaded:")
    expect(done).to_be_visible(timeout=60_000)
    wait_for_app(page)
    shot("withdrawn")
    assert_healthy(page, "the Data page after a confirmed withdrawal")
    expect(done).to_contain_text("Loaded: 0 new figures, 0 revised (earlier values kept), 9 withdrawn")
    expect(done).to_contain_text("Replaced extract.csv (the old file is kept as replaced/extract.")
    assert (data_dir / "extract.csv").read_bytes() == HEADER.encode()
    [backup] = (data_dir / "replaced").glob("*.csv")
    assert backup.read_bytes() == original
    rows = table_rows(after_heading(page, "Revisions"))
    assert len(rows) == 9 and all(any("withdrawn by load 2: its row is in no file" in c for c in r) for r in rows), rows

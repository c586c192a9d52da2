"""Uploading extracts on the Data page: a bad file is reported (file, line, column) and
nothing is loaded; a good file is loaded, logged and kept in the extracts folder."""
from __future__ import annotations

import pandas as pd
from playwright.sync_api import expect

import browser_sample as sample
from browserkit import after_heading, assert_healthy, main, open_page, table_rows, wait_for_app

HEADER = "measure_id,period_end,period_type,team_id,value,numerator,denominator\n"


def upload(page, name: str, text: str) -> None:
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}])
    expect(page.get_by_role("button", name=f"Remove {name}")).to_be_visible()  # the shown name is shortened
    wait_for_app(page)


def load_log(page) -> list[list[str]]:
    return table_rows(after_heading(page, "Load log"))


def latest_load(page) -> int:
    rows = load_log(page)
    assert rows, "the load log is empty"
    return int(rows[0][0])


def test_bad_upload_lists_problems_and_loads_nothing(upload_app, page, shot):
    open_page(page, upload_app.url + "/data")
    before = latest_load(page)
    files_before = sorted(p.name for p in upload_app.data_dir.iterdir())
    bad = (HEADER
           + "no_such_measure,2021-04-30,month,ALL,5.0,,\n"       # line 2: an unknown measure
           + "sw_vacancy_rate,2021-13-45,month,ALL,7.5,,\n")      # line 3: not a date
    upload(page, "bad_upload.csv", bad)
    shot()
    assert_healthy(page, "the Data page after a bad upload")
    body = main(page)
    expect(body.locator("[data-testid='stAlert']").filter(has_text="Nothing was loaded")).to_be_visible()
    problems = body.locator(".st-key-upload-problems-box [data-testid='stDataFrame']")  # not the admin's tables below
    expect(problems).to_be_visible()
    rows = table_rows(problems)
    by_line = {(r[0], r[1], r[2], r[3]) for r in rows}
    assert ("bad_upload.csv (uploaded)", "2", "1", "measure_id") in by_line, rows
    assert ("bad_upload.csv (uploaded)", "3", "2", "period_end") in by_line, rows
    assert any("no_such_measure" in " ".join(r) for r in rows), rows
    assert any("2021-13-45" in " ".join(r) for r in rows), rows
    expect(page.get_by_role("button", name="Load these files")).to_have_count(0)
    # Nothing kept, nothing loaded.
    assert sorted(p.name for p in upload_app.data_dir.iterdir()) == files_before
    open_page(page, upload_app.url + "/data")
    assert latest_load(page) == before


def next_month_file() -> tuple[str, str, str]:
    """A month after the last one in the sample for a measure with authority figures only."""
    figures = sample.extracts()
    measure = "sw_vacancy_rate"
    last = figures.loc[figures["measure_id"] == measure, "period_end"].max()
    month = (last + pd.offsets.MonthEnd(1)).date()
    text = HEADER + f"{measure},{month.isoformat()},month,ALL,7.5,,\n"
    return f"workforce_{month:%Y-%m}.csv", text, sample.month_label(month)


def test_good_upload_is_loaded_logged_and_kept(upload_app, page, shot):
    open_page(page, upload_app.url + "/data")
    before = latest_load(page)
    name, text, month = next_month_file()
    upload(page, name, text)
    shot("checked")
    assert_healthy(page, "the Data page after a good upload")
    body = main(page)
    expect(body.locator("[data-testid='stAlert']").filter(has_text="1 file(s) are valid")).to_be_visible()
    page.get_by_role("button", name="Load these files").click()
    loaded = body.locator("[data-testid='stAlert']").filter(has_text="Loaded:")
    expect(loaded).to_be_visible(timeout=60_000)
    wait_for_app(page)
    shot("loaded")
    assert_healthy(page, "the Data page after loading an upload")
    expect(loaded).to_contain_text("Loaded: 1 new figure, 0 revised")
    # The loaded file is not offered again.
    expect(page.get_by_role("button", name="Load these files")).to_have_count(0)
    # Kept beside the other extracts, byte for byte, for the next scheduled load.
    assert (upload_app.data_dir / name).read_bytes() == text.encode("utf-8")
    # The load log has a new load, with the uploaded file in it.
    open_page(page, upload_app.url + "/data")
    shot("log")
    assert latest_load(page) == before + 1
    # And the dashboard now shows the new month.
    open_page(page, upload_app.url + "/")
    expect(main(page).locator("[data-testid='stCaptionContainer']").first).to_contain_text(f"as at {month}")

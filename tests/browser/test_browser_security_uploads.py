"""Uploads in the browser (issue 6, point 5): a file whose name is markup, and a file that
is not a CSV, on the Data page of a real server.

- A hostile name (HTML, script, markdown) with bad rows: the problems are listed under the
  file's plain name, nothing on the page runs or becomes markup, nothing is loaded or kept.
- A file of another type (an HTML page with a script): the uploader refuses it; nothing is
  checked, loaded or kept.
"""
from __future__ import annotations

from playwright.sync_api import expect

from browserkit import assert_healthy, main, open_page, table_rows, wait_for_app

HEADER = "measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
NAME = '<img src=x onerror="window.__pwned=1"> **bold** <script>window.__pwned=1</script>.csv'
_INJECTED_JS = """() => ({
  pwned: typeof window.__pwned !== "undefined",
  handlers: [...document.querySelectorAll("[onerror]")].length,
  images: [...document.querySelectorAll("img")].filter(i => i.getAttribute("src") === "x").length,
  bold: [...document.querySelectorAll("strong, b")].filter(b => b.textContent.trim() === "bold").length,
})"""


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*"))


def test_an_upload_named_with_markup_is_listed_by_its_plain_name(upload_app, page, shot):
    open_page(page, upload_app.url + "/data")
    before = files_in(upload_app.data_dir)
    bad = HEADER + "no_such_measure,2021-04-30,month,ALL,5.0,,\n"
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(
        files=[{"name": NAME, "mimeType": "text/csv", "buffer": bad.encode("utf-8")}])
    body = main(page)
    expect(body.locator("[data-testid='stAlert']").filter(has_text="Nothing was loaded")).to_be_visible()
    wait_for_app(page)
    page.wait_for_timeout(500)  # time for an injected handler to run, were there one
    shot()
    assert_healthy(page, "the Data page after a hostile upload name")
    assert page.evaluate(_INJECTED_JS) == {"pwned": False, "handlers": 0, "images": 0, "bold": 0}
    rows = table_rows(body.locator(".st-key-upload-problems-box [data-testid='stDataFrame']"))  # not the admin's tables
    shown = {r[0] for r in rows}
    # "</script>" holds a "/": what follows the last one is the name (no folders), made plain.
    assert shown == {"script.csv (uploaded)"}, rows
    expect(page.get_by_role("button", name="Load these files")).to_have_count(0)
    assert files_in(upload_app.data_dir) == before


def test_a_file_that_is_not_csv_is_refused_by_the_uploader(upload_app, page, shot):
    open_page(page, upload_app.url + "/data")
    before = files_in(upload_app.data_dir)
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(
        files=[{"name": "report.html", "mimeType": "text/html",
                "buffer": b"<html><script>window.__pwned=1</script></html>"}])
    page.wait_for_timeout(1000)
    wait_for_app(page)
    shot()
    assert_healthy(page, "the Data page after a non-CSV upload")
    assert page.evaluate(_INJECTED_JS)["pwned"] is False
    body = main(page)
    assert body.locator("[data-testid='stAlert']").filter(has_text="Nothing was loaded").count() == 0
    expect(page.get_by_role("button", name="Load these files")).to_have_count(0)
    assert files_in(upload_app.data_dir) == before

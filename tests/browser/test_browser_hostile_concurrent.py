"""Several real Chromium tabs on a real `streamlit run` server while loads run (issue 6,
point 4): another process loads two data sets in turn into the server's database
(tests/hostile_data.py: every name and figure of A says [A], of B [B]); meanwhile four
tabs, each its own session, open page after page together. Every view must be healthy (no
Python exception, no error message, no JavaScript error) and show one data set only.
"""
from __future__ import annotations

import time

from browserkit import assert_healthy, main, wait_for_app
from hostile_data import LATEST, loader_process, markers, write_dataset

from cipdash.store import load

TABS = 4
LOADS = 9  # odd: the loads run B, A, ..., B, so the last state differs from the first
VIEWS = ["", "measures?measure=assessment_timeliness&teams=north&teams=south", "recommendation?rec=R1",
         "teams?scope=team:north", "data"]
CARD = {"45 working days": "assessment_timeliness", "Care proceedings": "care_proceedings_weeks",
        "Supervision": "supervision"}


def shown(page) -> str:
    body = main(page)
    parts = [body.inner_text(), page.locator("[data-testid='stSidebar']").inner_text()]
    parts += [t.text_content() or "" for t in body.locator("[data-testid='stDataFrame'] table").all()]
    parts += [t.text_content() or "" for t in body.locator(".js-plotly-plot").all()]
    return "\n".join(parts)


def check(page, view: str) -> str | None:
    assert_healthy(page, f"/{view} while loads run")
    errors = main(page).locator("[data-testid='stAlertContentError']").all_inner_texts()
    assert errors == [], (view, errors)
    if view == "data":  # the load log lists both data sets' loads, by design
        return None
    found = markers(shown(page))
    assert len(found) == 1, f"/{view} shows data sets {found}"
    which = found.pop()
    for card in main(page).locator("[data-testid='stMetric']").all():
        label = card.locator("[data-testid='stMetricLabel']").inner_text()
        measure = next((m for words, m in CARD.items() if words in label), None)
        if measure:
            value = card.locator("[data-testid='stMetricValue']").inner_text()
            assert LATEST[which][measure] in value, (view, label, value, which)
    return which


def view_round(pages, url: str, round_no: int) -> list[str | None]:
    """Every tab opens its next view at once (the server runs the sessions together), then
    each is checked; returns the data set each showed (None for the Data page)."""
    for k, p in enumerate(pages):
        p.goto(f"{url}/{VIEWS[(round_no + k) % len(VIEWS)]}", wait_until="commit")
    seen = []
    for k, p in enumerate(pages):
        wait_for_app(p)
        seen.append(check(p, VIEWS[(round_no + k) % len(VIEWS)]))
    return seen


def test_tabs_read_pages_while_loads_alternate(fresh_app, browser, tmp_path):
    a, b = write_dataset(tmp_path, "A"), write_dataset(tmp_path, "B")
    load(*a, fresh_app.db)
    contexts = [browser.new_context(viewport={"width": 1400, "height": 2200}) for _ in range(TABS)]
    pages = [c.new_page() for c in contexts]
    for p in pages:
        p.errors = []
        p.on("pageerror", lambda exc, p=p: p.errors.append(str(exc)))
    start = time.perf_counter()
    try:
        # Before the loads: every tab shows A. While they run, whichever set a view
        # catches depends on timing, so only consistency is asserted (one set per view).
        # After the last load (B, as LOADS is odd) every tab shows B without a restart.
        before = view_round(pages, fresh_app.url, 0)
        loader = loader_process(fresh_app.db, LOADS, b, a, pause=1.5)
        during, rounds = [], 1
        try:
            while loader.poll() is None or rounds < 3:
                during += view_round(pages, fresh_app.url, rounds)
                rounds += 1
            out, err = loader.communicate(timeout=300)
        finally:
            if loader.poll() is None:
                loader.kill()
        after = view_round(pages, fresh_app.url, rounds)
    finally:
        for c in contexts:
            c.close()
    assert loader.returncode == 0, err
    assert sum(line.startswith("load ") for line in out.splitlines()) == LOADS, out
    views = len(before) + len(during) + len(after)
    print(f"\nbrowser concurrency: {views} page views in {TABS} tabs, {len(during)} during {LOADS} loads, in "
          f"{time.perf_counter() - start:.0f} s; during the loads A {during.count('A')}, B {during.count('B')}")
    assert "Traceback" not in fresh_app.log_tail(20000)
    assert set(before) - {None} == {"A"}, before
    assert set(after) - {None} == {"B"}, after
    assert len(during) >= 2 * TABS

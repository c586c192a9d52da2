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
LOADS = 10
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


def test_tabs_read_pages_while_loads_alternate(fresh_app, browser, tmp_path):
    a, b = write_dataset(tmp_path, "A"), write_dataset(tmp_path, "B")
    load(*a, fresh_app.db)
    contexts = [browser.new_context(viewport={"width": 1400, "height": 2200}) for _ in range(TABS)]
    pages = [c.new_page() for c in contexts]
    for p in pages:
        p.errors = []
        p.on("pageerror", lambda exc, p=p: p.errors.append(str(exc)))
    loader = loader_process(fresh_app.db, LOADS, b, a, pause=1.5)
    seen, views, rounds = [], 0, 0
    start = time.perf_counter()
    try:
        while loader.poll() is None or rounds < 2:
            for k, p in enumerate(pages):  # every tab asks at once: the server runs the sessions together
                p.goto(f"{fresh_app.url}/{VIEWS[(rounds + k) % len(VIEWS)]}", wait_until="commit")
            for k, p in enumerate(pages):
                view = VIEWS[(rounds + k) % len(VIEWS)]
                wait_for_app(p)
                seen.append(check(p, view))
                views += 1
            rounds += 1
        out, err = loader.communicate(timeout=300)
    finally:
        if loader.poll() is None:
            loader.kill()
        for c in contexts:
            c.close()
    assert loader.returncode == 0, err
    assert sum(line.startswith("load ") for line in out.splitlines()) == LOADS, out
    print(f"\nbrowser concurrency: {views} page views in {TABS} tabs during {LOADS} loads in "
          f"{time.perf_counter() - start:.0f} s; A {seen.count('A')}, B {seen.count('B')}")
    assert "Traceback" not in fresh_app.log_tail(20000)
    assert {"A", "B"} <= set(seen)

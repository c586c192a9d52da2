"""The meeting record's speed (issue 16), printed as medians:

1. Adding a note or an action until it is shown: the Measures page's rerun that saves the
   form and draws the page with the new note (Streamlit AppTest: the server's whole work
   for that click, the chart included), on SQLite and, when $CIPDASH_TEST_PG_URL (or
   --pg URL) names a server, on PostgreSQL. Target: <= 200 ms.
2. The monthly pack with 100 notes and 50 actions against the same pack without the
   record: building it, and writing each format (the charts' pictures drawn once, outside
   the timing, as they are the same in both). Target: <= +1 s.

    .venv/bin/python benchmarks/meeting_benchmark.py [--runs 15] [--pg postgresql://...]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from calibrate import reference_ms  # noqa: E402
from cipdash.meeting import MeetingStore  # noqa: E402
from cipdash.store import load  # noqa: E402

MEASURE = "assessment_timeliness"
KEY = f"meeting-measure-{MEASURE}"
LATEST = date(2021, 3, 31)


def median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:7.1f} ms (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})"


def _pg_database(url: str) -> str:
    import psycopg
    from urllib.parse import urlsplit, urlunsplit

    name = f"cipdash_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _drop(url: str, target: str) -> None:
    import psycopg
    from urllib.parse import urlsplit

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(target).path.lstrip("/")}" WITH (FORCE)')


def add_until_shown(state: str, runs: int) -> tuple[list[float], list[float]]:
    from streamlit.testing.v1 import AppTest

    os.environ["CIPDASH_STATE"] = state
    notes, actions = [], []
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.switch_page("pages/measures.py")
    at.query_params["measure"] = MEASURE
    at.run()
    at.text_input(key="meeting-author-name").input("Bench Mark").run()
    for i in range(runs + 1):  # the first of each is a warm-up
        text = f"Benchmark note {i}: why the figure moved"
        at.text_area(key=f"{KEY}-new-note").input(text)
        button = [b for b in at.button if b.label == "Save commentary"][0]
        started = time.perf_counter()
        button.click().run()
        took = time.perf_counter() - started
        assert any(text.replace(":", "\\:") in m.value for m in at.markdown), "the note is not shown"
        if i:
            notes.append(took)
        text = f"Benchmark action {i}"
        at.text_area(key=f"{KEY}-action-text").input(text)
        at.text_input(key=f"{KEY}-action-owner").input("Owner")
        at.date_input(key=f"{KEY}-action-due").set_value(date(2021, 6, 30))
        button = [b for b in at.button if b.label == "Save action"][0]
        started = time.perf_counter()
        button.click().run()
        took = time.perf_counter() - started
        assert any(f"{i}" in m.value and "Benchmark action" in m.value for m in at.markdown), "the action is not shown"
        if i:
            actions.append(took)
        assert not at.exception, [e.value for e in at.exception]
    return notes, actions


def plain_rerun(runs: int) -> list[float]:
    """The same page's rerun with nothing written (what a click costs anyway)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.switch_page("pages/measures.py")
    at.query_params["measure"] = MEASURE
    at.run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    return times


def fill_record(store: MeetingStore, measures: list[str], recs: list[str]) -> None:
    """100 notes for the as-at month (spread over the measures and recommendations) and 50
    actions (30 open, 20 closed), each note about 600 characters."""
    body = ("The figure fell because two experienced workers were off and referrals rose by a fifth; "
            "the service has moved two agency workers in and will audit twenty cases. ") * 4
    subjects = [("m", m) for m in measures] + [("r", r) for r in recs]
    for i in range(100):
        kind, sid = subjects[i % len(subjects)]
        store.add_note(author=f"member{i % 7}@council.example", text=f"{i}: {body}", month="2021-03",
                       measure_id=sid if kind == "m" else None, rec_id=sid if kind == "r" else None)
    for i in range(50):
        kind, sid = subjects[i % len(subjects)]
        action = store.add_action(author="chair@council.example", text=f"Action {i}: {body[:200]}", owner="Owner",
                                  due=date.today() + timedelta(days=i - 25),
                                  measure_id=sid if kind == "m" else None, rec_id=sid if kind == "r" else None)
        if i >= 30:
            store.update_action(action["id"], author="chair@council.example", status="done", text="Done")


def pack_timings(db: Path, state: str, runs: int) -> None:
    from cipdash import queries
    from cipdash.db import open_snapshot
    from cipdash.exports import ImageRenderer, build_pack, pack_bytes, render_pack_images

    snap = open_snapshot(db)
    store = MeetingStore(state)
    fill_record(store, list(queries.measures(snap)["measure_id"]), list(queries.recommendations(snap)["rec_id"]))
    without = build_pack(snap, LATEST)
    renderer = ImageRenderer().start()
    try:
        render_pack_images(without, renderer)
    finally:
        renderer.close()
    pngs = {c.number: c.png for c in without.charts}

    def built(meeting):
        pack = build_pack(snap, LATEST, meeting=meeting)
        for c in pack.charts:
            c.png = pngs[c.number]
        return pack

    with_record = built(store)
    notes = sum(len(s.notes) for s in with_record.sections) + sum(len(c.notes) for c in with_record.charts)
    print(f"  the pack holds {notes} notes and {len(with_record.actions.frame)} actions "
          f"(open and closed in the last {62} days)")
    for label, meeting in (("without the record", None), ("with the record   ", store)):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            built(meeting)
            times.append(time.perf_counter() - started)
        print(f"  build_pack {label}: {median_ms(times)}")
    for fmt in ("xlsx", "docx", "pptx", "pdf"):
        results = {}
        for label, meeting in (("without", None), ("with", store)):
            pack = built(meeting)
            times = []
            for _ in range(max(3, runs // 3)):
                started = time.perf_counter()
                pack_bytes(pack, fmt)
                times.append(time.perf_counter() - started)
            results[label] = times
        extra = statistics.median(results["with"]) - statistics.median(results["without"])
        print(f"  write {fmt}: without {median_ms(results['without'])}; with {median_ms(results['with'])}; "
              f"added {extra * 1000:.0f} ms")
    snap.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pg", default=os.environ.get("CIPDASH_TEST_PG_URL"),
                        help="a PostgreSQL server to make a benchmark database on (default $CIPDASH_TEST_PG_URL)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="meeting-bench-"))
    try:
        db = work / "cipdash.duckdb"
        load(ROOT / "cip_data", ROOT / "data", db)
        os.environ["CIPDASH_DB"] = str(db)
        os.environ["CIPDASH_PLAN_DIR"] = str(ROOT / "cip_data")
        os.environ["CIPDASH_AUDIT"] = str(work / "audit.sqlite")
        print(f"machine reference (calibrate.py): {reference_ms():.1f} ms")
        print("Measures page rerun with nothing written:")
        print(f"  {median_ms(plain_rerun(args.runs))}")
        engines = [("SQLite", str(work / "meeting.sqlite"))]
        if args.pg:
            engines.append(("PostgreSQL", _pg_database(args.pg)))
        for name, state in engines:
            notes, actions = add_until_shown(state, args.runs)
            print(f"{name}: add a note until shown on the page:   {median_ms(notes)}  (target <= 200 ms)")
            print(f"{name}: add an action until shown on the page: {median_ms(actions)}  (target <= 200 ms)")
        print("Monthly pack, 100 notes and 50 actions against none (target: <= +1 s):")
        pack_timings(db, str(work / "pack-meeting.sqlite"), args.runs)
        if args.pg:
            _drop(args.pg, engines[1][1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

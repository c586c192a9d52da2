"""Rating updates agreed in the meeting: a proposal recorded, then one row appended to
cip_data/ratings.csv, atomically, checked as a load checks it, and audited."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest

from cipdash.db import open_snapshot
from cipdash import queries
from cipdash.meeting import MeetingStore
from cipdash.meeting.ratings import AppendRefused, apply_proposal, propose_and_apply
from cipdash.store import load
from meeting_support import ROOT, state  # noqa: F401 (fixture)

EVIDENCE = 'Audits show "good" practice, in most teams.\nA second line, = not a formula'


@pytest.fixture(autouse=True)
def audit_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "audit.sqlite"
    monkeypatch.setenv("CIPDASH_AUDIT", str(path))
    return path


@pytest.fixture
def plan(tmp_path) -> Path:
    plan_dir = tmp_path / "cip_data"
    shutil.copytree(ROOT / "cip_data", plan_dir)
    return plan_dir


def test_an_applied_proposal_is_one_row_appended_that_the_next_load_reads(state, plan, tmp_path):
    store = MeetingStore(state)
    before = (plan / "ratings.csv").read_bytes()
    proposal = propose_and_apply(store, plan, author="perf@council.example", apply=True, rec_id="2019-1",
                                 as_at="2021-04-30", implementation="Green", impact="a", evidence=EVIDENCE,
                                 further_actions="Keep, going")
    assert proposal["applied_by"] == "perf@council.example" and proposal["applied_at"]
    after = (plan / "ratings.csv").read_bytes()
    assert after.startswith(before)  # the file's own bytes untouched: one row added after them
    db = tmp_path / "db.duckdb"
    load(plan, ROOT / "data", db)
    snap = open_snapshot(db)
    try:
        rated = queries.ratings_at(snap, pd.Timestamp("2021-04-30").date()).set_index("rec_id").loc["2019-1"]
    finally:
        snap.close()
    assert (rated["implementation"], rated["impact"], rated["evidence"], rated["further_actions"]) == \
        ("G", "A", EVIDENCE, "Keep, going")
    [entry] = store.audit_log()
    assert entry["actor"] == "perf@council.example" and '"rec_id": "2019-1"' in entry["details"]
    from cipdash import audit

    [general] = [e for e in audit.entries() if e["action"] == "ratings-append"]
    assert general["who"] == "perf@council.example" and general["detail"]["as_at"] == "2021-04-30"


def test_a_second_rating_for_the_same_date_is_refused_and_the_file_is_unchanged(state, plan):
    store = MeetingStore(state)
    first = (plan / "ratings.csv").read_bytes()
    existing = pd.read_csv(plan / "ratings.csv", dtype=str).iloc[0]
    proposal = store.propose_rating(author="a@x.example", rec_id=existing["rec_id"], as_at=existing["as_at"],
                                    implementation="R")
    with pytest.raises(AppendRefused) as refused:
        apply_proposal(store, proposal["id"], plan, "a@x.example")
    assert "appears twice" in str(refused.value) and "ratings.csv:" in str(refused.value)
    assert (plan / "ratings.csv").read_bytes() == first
    assert store.proposal(proposal["id"])["applied_at"] is None and store.audit_log() == []


def test_an_append_that_cannot_be_audited_does_not_happen(state, plan, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("CIPDASH_AUDIT", str(blocker / "audit.sqlite"))
    store = MeetingStore(state)
    first = (plan / "ratings.csv").read_bytes()
    proposal = store.propose_rating(author="a@x.example", rec_id="2019-1", as_at="2021-04-30", implementation="G")
    from cipdash.audit import AuditUnavailable

    with pytest.raises(AuditUnavailable):
        apply_proposal(store, proposal["id"], plan, "a@x.example")
    assert (plan / "ratings.csv").read_bytes() == first
    assert store.proposal(proposal["id"])["applied_at"] is None and store.audit_log() == []


def test_an_unknown_recommendation_is_refused(state, plan):
    store = MeetingStore(state)
    first = (plan / "ratings.csv").read_bytes()
    with pytest.raises(AppendRefused) as refused:
        propose_and_apply(store, plan, author="a@x.example", apply=True, rec_id="R99", as_at="2021-04-30",
                          implementation="G")
    assert "R99" in str(refused.value) and (plan / "ratings.csv").read_bytes() == first


def test_the_files_column_order_and_line_endings_are_kept(state, tmp_path):
    plan = tmp_path / "plan"
    shutil.copytree(ROOT / "cip_data", plan)
    frame = pd.read_csv(plan / "ratings.csv", dtype=str, keep_default_na=False)
    columns = ["impact", "as_at", "rec_id", "further_actions", "implementation", "evidence"]
    frame[columns].to_csv(plan / "ratings.csv", index=False, lineterminator="\r\n")
    store = MeetingStore(state)
    before = (plan / "ratings.csv").read_bytes()
    propose_and_apply(store, plan, author="a@x.example", apply=True, rec_id="2019-2", as_at="2021-04-30",
                      implementation="A", impact="", evidence=EVIDENCE, further_actions="")
    raw = (plan / "ratings.csv").read_bytes()
    added = raw[len(before):]
    assert raw.startswith(before) and added.endswith(b"\r\n")
    assert added.count(b"\r\n") == added.count(b"\n") == 2  # the file's CR LF, inside the quotes too
    back = pd.read_csv(plan / "ratings.csv", dtype=str, keep_default_na=False)
    assert list(back.columns) == columns
    last = back.iloc[-1]
    assert (last["rec_id"], last["as_at"], last["implementation"], last["impact"]) == ("2019-2", "2021-04-30", "A", "")
    assert last["evidence"].replace("\r\n", "\n") == EVIDENCE


def test_appends_at_the_same_moment_all_land(state, plan):
    store = MeetingStore(state)
    ids = [store.propose_rating(author="a@x.example", rec_id="2019-1", as_at=f"2022-{m:02d}-01",
                                implementation="G")["id"] for m in range(1, 9)]
    errors = []

    def apply(pid):
        try:
            apply_proposal(MeetingStore(state), pid, plan, "a@x.example")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=apply, args=(pid,)) for pid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    frame = pd.read_csv(plan / "ratings.csv", dtype=str)
    assert sorted(frame.loc[frame["as_at"] >= "2022-01-01", "as_at"]) == [f"2022-{m:02d}-01" for m in range(1, 9)]
    assert len(store.audit_log()) == 8
    with pytest.raises(AppendRefused):
        apply_proposal(store, ids[0], plan, "a@x.example")  # already applied

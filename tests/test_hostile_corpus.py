"""The corpus of bad and odd input files (issue 6, point 1): tests/corpus/cases.toml says,
for every file, where it goes and what the loader must do with it; this runs each one.

Each case starts from tests/plan_builder.py's valid plan and extract, puts the file in its
slot, then:
- checks it (`store.validate`, which is what `python -m cipdash check` prints) and asserts
  the problems exactly: every error of a rejected case (file:line:column, column name,
  message and hint as listed) and every warning of an accepted one, nothing more;
- runs `python -m cipdash check` (its main(), in this process): exit 0 or 1, every
  problem on standard error, no traceback;
- loads it into a copy of a loaded database: a rejected case leaves the file byte for
  byte as it was (and no temporary file); an accepted case loads, reads `rows` rows from
  the file, and the query in `expect` shows the normalisation in the data.
"""
from __future__ import annotations

import gzip
import hashlib
import tomllib
from pathlib import Path

import pytest

from cipdash.cli import main
from cipdash.db import open_snapshot
from cipdash.errors import LoadFailed
from cipdash.store import load, validate
from plan_builder import write_plan
import support

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
TALLY = {"inputs": 0, "accepted": 0, "accepted with warnings": 0, "rejected": 0}


def teardown_module(module):
    print(f"\ncorpus: {TALLY}")


def test_the_corpus_is_complete():
    files = sorted(p.name for p in CORPUS.iterdir() if p.name not in ("cases.toml", ".gitattributes"))
    assert sorted(c["file"] for c in CASES) == files, "every corpus file has exactly one case"
    assert len(CASES) >= 40
    for c in CASES:
        assert c["outcome"] in ("accepted", "rejected") and c["why"], c
        assert bool(c.get("errors")) == (c["outcome"] == "rejected"), c["file"]  # nothing in between


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> bytes:
    """The database after loading the builder's plan and extract: the state a bad file must not touch."""
    root = tmp_path_factory.mktemp("corpus-base")
    return support.loaded(root, write_plan(root)).read_bytes()


def matches(problems: list, specs: list[str]) -> None:
    """Exactly these problems, in order, each printing as its spec and more."""
    printed = [str(p) for p in problems]
    assert len(printed) == len(specs), "\n".join(["got:"] + printed + ["wanted:"] + specs)
    for got, spec in zip(printed, specs):
        assert got.startswith(spec), f"\n got: {got}\nwant: {spec}..."


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_corpus_case(case, loaded, tmp_path, monkeypatch, capfd):
    write_plan(tmp_path)
    raw = (CORPUS / case["file"]).read_bytes()
    if case["file"].endswith(".gz"):
        raw = gzip.decompress(raw)
    (tmp_path / case["slot"]).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / case["slot"]).write_bytes(raw)
    monkeypatch.chdir(tmp_path)  # problems name files as the user typed the folders
    monkeypatch.delenv("CIPDASH_DB", raising=False)
    plan_dir, data_dir = Path("cip_data"), Path("data")

    checked = validate(plan_dir, data_dir)
    matches(checked.errors, case.get("errors", []))
    matches(checked.warnings, case.get("warnings", []))
    read = [f.rows for f in checked.files if f.file == case["slot"]]
    if case["outcome"] == "accepted" and "rows" in case:
        assert read == [case["rows"]], read
    elif case["outcome"] == "accepted":
        assert read == []  # a file the load does not read at all

    capfd.readouterr()
    code = main(["check", "--plan", str(plan_dir), "--data", str(data_dir)])
    out, err = capfd.readouterr()
    assert code == (0 if case["outcome"] == "accepted" else 1), err
    assert "Traceback" not in err
    for p in checked.problems:
        assert (("warning: " if p.severity == "warning" else "") + str(p)) in err

    db = tmp_path / "db" / "cip.duckdb"
    db.parent.mkdir()
    db.write_bytes(loaded)
    TALLY["inputs"] += 1
    if case["outcome"] == "rejected":
        TALLY["rejected"] += 1
        with pytest.raises(LoadFailed):
            load(plan_dir, data_dir, db)
        assert hashlib.sha256(db.read_bytes()).digest() == hashlib.sha256(loaded).digest()
        # Nothing but the file and the (empty) lock files of loads and uploads.
        assert set(p.name for p in db.parent.iterdir()) <= {"cip.duckdb", "cip.duckdb.lock", "cip.duckdb.files-lock"}
        return
    TALLY["accepted"] += 1
    TALLY["accepted with warnings"] += bool(case.get("warnings"))
    # The case's file takes the place of the builder's extract, so its figures replace the
    # builder's: those no longer in any file are withdrawn (the files are the truth).
    result = load(plan_dir, data_dir, db, allow_withdraw=True)
    assert [str(w) for w in result.warnings] == [str(w) for w in checked.warnings]
    if "expect" in case:
        snap = open_snapshot(db)
        try:
            value = snap.execute(case["expect"]["sql"]).iloc[0, 0]
        finally:
            snap.close()
        assert str(value) == case["expect"]["result"], value

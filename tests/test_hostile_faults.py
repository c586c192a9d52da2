"""Faults (issue 6, point 3): a load killed at random moments, and a database file that is
damaged or missing.

- Killed loads: the short run of tools/fault_injection.py (the long run is the script,
  200 kills). After every SIGKILL the database opens and every table holds exactly the
  old or exactly the new contents; the next load cleans up and completes; the dashboard
  opens on the result. (tests/test_load_atomic.py kills a smaller load and checks
  fingerprints; this checks every table's rows and the summary the overview reads.)
- Damaged files: truncated, zeroed, blocks that fail their checksums, random bytes, an
  empty file, a folder, nothing at all. `summary`, `export` and `load` exit 2 with a
  message naming the file and the way to rebuild it (python -m cipdash load), never a
  traceback, and leave the file as it was; every page says the same instead of failing;
  and the rebuild it names works.
"""
from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cipdash.cli import main
from cipdash.store import load
from plan_builder import write_plan

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import fault_injection  # noqa: E402


# --------------------------------------------------------------------------- killed loads

def test_loads_killed_at_random_moments_leave_the_old_or_the_new_state(tmp_path, monkeypatch):
    result = fault_injection.run(kills=10, years=5, seed=6, workdir=tmp_path, log=lambda *_: None)
    counts = result["counts"]
    print(f"\nfault injection: {counts}")
    assert result["bad"] == [] and counts.get("neither", 0) == 0
    assert counts["survived"] == counts["kills"] == 10
    assert counts.get("old state", 0) >= 1  # some kills landed before the new file was in place
    assert result["final_load_ok"]
    # And the dashboard opens on what the kills and the final load left.
    monkeypatch.setenv("CIPDASH_DB", result["db"])
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "(history added)" in at.title[0].value.replace("\\", "")


# --------------------------------------------------------------------------- damaged files

@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> tuple[Path, bytes]:
    root = tmp_path_factory.mktemp("good")
    plan_dir, data_dir = write_plan(root)
    db = root / "good.duckdb"
    load(plan_dir, data_dir, db)
    return root, db.read_bytes()


def damage(kind: str, good: bytes) -> bytes | None:
    rng = random.Random(kind)
    if kind == "truncated_half":
        return good[: len(good) // 2]
    if kind == "truncated_to_header":
        return good[:4096]
    if kind == "zeroed_tail":
        return good[: len(good) // 2] + bytes(len(good) - len(good) // 2)
    if kind == "bad_blocks":  # one flipped byte in every 256 KiB block after the file headers
        data = bytearray(good)
        for at in range(12288 + 1000, len(data), 262144):
            data[at] ^= 0xFF
        return bytes(data)
    if kind == "random_bytes":
        return bytes(rng.getrandbits(8) for _ in range(65536))
    if kind == "empty":
        return b""
    return None


KINDS = ["truncated_half", "truncated_to_header", "zeroed_tail", "bad_blocks", "random_bytes", "empty", "folder",
         "missing"]


def place(root: Path, kind: str, good: bytes) -> Path:
    db = root / f"{kind}.duckdb"
    if kind == "folder":
        db.mkdir()
    elif kind != "missing":
        db.write_bytes(damage(kind, good))
    return db


def run_cli(args: list[str], capfd, monkeypatch, cwd: Path) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("CIPDASH_DB", raising=False)
    capfd.readouterr()
    code = main(args)
    out, err = capfd.readouterr()
    return code, out, err


def snapshot_of(path: Path):
    if path.is_dir():
        return "folder"
    return path.read_bytes() if path.exists() else None


@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_or_missing_database_says_how_to_rebuild_it(good_db, tmp_path, kind, capfd, monkeypatch):
    root, good = good_db
    db = place(tmp_path, kind, good)
    before = snapshot_of(db)
    commands = {
        "summary": ["summary", "--db", str(db), "--json"],
        "export": ["export", "--db", str(db), "--format", "xlsx", "--out", str(tmp_path / "pack.xlsx")],
    }
    if kind not in ("missing",):  # a load into a missing file is the rebuild itself (below)
        commands["load"] = ["load", "--plan", str(root / "cip_data"), "--data", str(root / "data"), "--db", str(db)]
    for name, args in commands.items():
        code, out, err = run_cli(args, capfd, monkeypatch, tmp_path)
        assert code == 2, (name, code, err)
        assert "Traceback" not in err and out == "", (name, err)
        if kind == "folder" and name == "load":  # not a damaged file: a --db that names a folder
            assert "Is a directory" in err and "Nothing was loaded" in err, err
            continue
        assert str(db) in err and "python -m cipdash load" in err, (name, err)
        assert snapshot_of(db) == before, f"{name} changed the damaged file"
        assert not (tmp_path / "pack.xlsx").exists()
    assert not list(tmp_path.glob(f"{kind}.duckdb.tmp*"))

    # The dashboard says the same, instead of a traceback: on every page for files whose
    # damage shows only when a query reaches it, on the first page for the rest.
    monkeypatch.setenv("CIPDASH_DB", str(db))
    pages = ("overview", "measures", "teams", "recommendation", "data", "exports") \
        if kind in ("zeroed_tail", "truncated_half") else ("overview",)
    for page in pages:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        if page != "overview":
            at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.error and "python -m cipdash load" in at.error[0].value, (page, [e.value for e in at.error])
    assert snapshot_of(db) == before

    # The way the message names works: move the file aside, load, and the pages are back.
    if db.is_dir():
        shutil.rmtree(db)
    elif db.exists():
        db.rename(db.with_name(db.name + ".damaged"))
    code, out, err = run_cli(["load", "--plan", str(root / "cip_data"), "--data", str(root / "data"),
                              "--db", str(db)], capfd, monkeypatch, tmp_path)
    assert code == 0 and out.startswith("Loaded"), err
    monkeypatch.setenv("CIPDASH_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]

"""The one cache (cipdash/cache.py) and the dashboard's caches keyed the same way
(cipdash/webapp.py): an answer is reused for the same function, database version and
arguments, computed again for a new version, and never handed to another function of the
same name in another module."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date

import pytest

from cipdash import cache, queries
from cipdash.db import FileVersion, open_snapshot

CALLS: list[tuple] = []


@dataclass(frozen=True)
class FakeSnap:
    """What the cache reads of a snapshot: its file and version."""

    path: str
    version: FileVersion


def counted(snap, as_at, teams=()):
    CALLS.append((snap.version, as_at, teams))
    return {"as_at": as_at, "teams": teams, "version": snap.version}


counted_cached = cache.per_version(counted)
V1, V2 = FileVersion(1, 100, 10), FileVersion(2, 200, 10)


@pytest.fixture(autouse=True)
def fresh():
    cache.clear()
    CALLS.clear()
    yield
    cache.clear()


def _module_with(name: str, answer: str):
    """A module `name` holding `def answer(snap)`, as a second module would."""
    namespace = {"__name__": name}
    exec(f"def answer(snap):\n    return {answer!r}\n", namespace)
    return namespace["answer"]


def test_the_same_function_version_and_arguments_compute_once():
    snap = FakeSnap("/data/a.duckdb", V1)
    first = counted_cached(snap, date(2020, 3, 31), ("t1",))
    again = counted_cached(snap, date(2020, 3, 31), ("t1",))
    assert again is first
    assert len(CALLS) == 1
    # other arguments are another answer
    counted_cached(snap, date(2020, 4, 30), ("t1",))
    counted_cached(snap, date(2020, 3, 31), ("t2",))
    counted_cached(snap, date(2020, 3, 31), teams=("t1",))  # keywords are part of the key too
    assert len(CALLS) == 4


def test_a_new_database_version_is_computed_again():
    old = counted_cached(FakeSnap("/data/a.duckdb", V1), date(2020, 3, 31))
    new = counted_cached(FakeSnap("/data/a.duckdb", V2), date(2020, 3, 31))
    assert [c[0] for c in CALLS] == [V1, V2]
    assert old["version"] == V1 and new["version"] == V2
    # and another database file with the same version numbers is not the same database
    counted_cached(FakeSnap("/data/b.duckdb", V1), date(2020, 3, 31))
    assert len(CALLS) == 3


def test_functions_of_the_same_name_in_two_modules_do_not_collide():
    one, two = _module_with("cipdash_test_one", "one"), _module_with("cipdash_test_two", "two")
    assert one.__qualname__ == two.__qualname__ == "answer"
    snap = FakeSnap("/data/a.duckdb", V1)
    assert cache.per_version(one)(snap) == "one"
    assert cache.per_version(two)(snap) == "two"
    assert cache.per_version(one)(snap) == "one"


def test_a_closure_or_lambda_is_refused():
    def inner(snap):
        return 1

    for fn in (inner, lambda snap: 1):
        with pytest.raises(TypeError, match="module-level"):
            cache.per_version(fn)


def test_the_cache_keeps_at_most_its_size():
    snap = FakeSnap("/data/a.duckdb", V1)
    for k in range(cache.SIZE + 20):
        counted_cached(snap, k)
    assert len(cache.entries()) == cache.SIZE
    counted_cached(snap, 0)  # the oldest was dropped: computed again
    assert len(CALLS) == cache.SIZE + 21


def test_queries_read_a_replaced_database_file_afresh(sample_db_file, tmp_path):
    """A load writes a new file (a new version): what queries.py keeps for the old one is
    not given for the new, even at the same path."""
    path = tmp_path / "cip.duckdb"
    shutil.copy(sample_db_file, path)
    snap = open_snapshot(path)
    try:
        measures = queries.measures(snap)
        assert any(key[1] == cache.version_key(snap) for key in cache.entries())
        version = snap.version
    finally:
        snap.close()
    # Replaced as a load replaces it: a new file moved into place, one measure fewer.
    import duckdb

    fresh = tmp_path / "new.duckdb"
    shutil.copy(sample_db_file, fresh)
    con = duckdb.connect(str(fresh))
    gone = measures["measure_id"].iloc[0]
    con.execute("delete from measures where measure_id = ?", [gone])
    con.close()
    fresh.replace(path)
    snap = open_snapshot(path)
    try:
        assert snap.version != version
        assert gone not in set(queries.measures(snap)["measure_id"])
    finally:
        snap.close()


def test_the_dashboard_caches_any_function_by_module_and_version():
    pytest.importorskip("streamlit")
    from cipdash import webapp

    webapp._cached_query.clear()
    one, two = _module_with("cipdash_test_one", "one"), _module_with("cipdash_test_two", "two")
    snap = FakeSnap("/data/a.duckdb", V1)
    assert webapp._query(snap.path, V1, one, (), snap) == "one"
    assert webapp._query(snap.path, V1, two, (), snap) == "two"
    # a function from any module: asked twice, computed once; a new version, again
    webapp._query(snap.path, V1, counted, (date(2020, 3, 31),), snap)
    webapp._query(snap.path, V1, counted, (date(2020, 3, 31),), snap)
    assert len(CALLS) == 1
    newer = FakeSnap(snap.path, V2)
    assert webapp._query(newer.path, V2, counted, (date(2020, 3, 31),), newer)["version"] == V2
    assert len(CALLS) == 2
    webapp._cached_query.clear()

"""Extract files are read and checked two at a time (extracts.FILES_AT_ONCE), each into its
own Problems merged in file order: the problems must come out exactly as a file-by-file
check into one Problems gives them, "... and N more" lines included."""
from __future__ import annotations

import random

import pytest

from cipdash import extracts
from cipdash.errors import MAX_LISTED_PER_RULE, Problem, Problems
from cipdash.store import validate
from plan_builder import EXTRACT, write_plan

HEADER = EXTRACT.splitlines()[0] + "\n"


def _too_many_values(rows: int, year: int) -> str:
    """Rows with two values past the header's columns: each reported by the careful reader
    through Problems.add, so more than MAX_LISTED_PER_RULE of them are counted, not listed."""
    return HEADER + "".join(f"supervision,{year + i // 12}-{i % 12 + 1:02d}-28,month,,5,,,7,8\n"
                            for i in range(rows))


def test_merge_gives_what_adding_file_after_file_gives():
    rng = random.Random(12)
    files = [f"data/f{i}.csv" for i in range(4)]
    sizes = [0, 7 * MAX_LISTED_PER_RULE, 30, 4 * MAX_LISTED_PER_RULE]  # problems per file
    added = [(Problem(f, rng.randint(2, 500), rng.randint(1, 7), "value",
                      rng.choice(["not a number", "not a date"]), severity=rng.choice(["error", "warning"])),
              rng.choice([None, None, "rule a"]))
             for f, n in zip(files, sizes) for _ in range(n)]
    one = Problems()
    for problem, rule in added:
        one.add(problem, rule)
    merged = Problems()
    for f in files:
        own = Problems()
        for problem, rule in added:
            if problem.file == f:
                own.add(problem, rule)
        merged.merge(own)
    assert any("more rows with the same problem" in p.message for p in one.all())
    assert merged.all() == one.all()


@pytest.mark.parametrize("at_once", [1, 2, 3])
def test_problems_of_many_files_in_file_order(tmp_path, monkeypatch, at_once):
    monkeypatch.setattr(extracts, "FILES_AT_ONCE", at_once)
    plan_dir, data_dir = write_plan(tmp_path, extracts={
        "extract.csv": None,
        "a.csv": _too_many_values(60, 2000),
        "b.csv": _too_many_values(70, 2020).replace(",7,8\n", "\n").replace(",5,", ",x,"),
        "c.csv": _too_many_values(55, 2010),
        "~$a.csv": "locked",
        "benchmarks/england.csv": _too_many_values(52, 2000).replace("team_id", "comparator"),
        "benchmarks/~$england.csv": "locked",
    })
    got = validate(plan_dir, data_dir).problems
    files = [p.file.rsplit("/", 1)[-1] for p in got]
    counted = [i for i, p in enumerate(got) if "more rows with the same problem" in p.message]
    # Listed problems file by file (the data folder's lock file first, the benchmarks
    # folder's after the extracts), then the counted ones in the order their files came.
    assert files[:counted[0]] == sorted(files[:counted[0]], key=["~$a.csv", "a.csv", "b.csv", "c.csv",
                                                                  "~$england.csv", "england.csv"].index)
    assert [files[i] for i in counted] == ["a.csv", "c.csv", "england.csv"]
    assert counted == list(range(len(got) - 3, len(got)))
    assert [got[i].message.split(" more")[0] for i in counted] == ["... and 10", "... and 5", "... and 2"]
    assert "b.csv" in files and "~$england.csv" in files

"""Limits checked while a file is read (issue 15): header columns, cells in a row, rows and
bytes, each refused with file:line:column before anything big is built, so memory and time
stay bounded whatever the file.

- The issue's files: a 15 MB header of 1.5 million names (57 s and 12.3 GB before) and a
  2.3 MB one of 300,000 (accepted before, and every later load took 15.5 s and 2.6 GB):
  refused by `python -m cipdash check` in seconds and a few hundred MB.
- 200 columns are read; 201 are not. A row of more than 200 cells is refused at its line,
  but commas inside quoted text (long evidence) are not cells.
- A file over the byte limit is refused without being read; one with more rows than the
  limit, before it is parsed. Uploads are checked the same way.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cipdash import csvfile, uploads
from cipdash.store import validate
from plan_builder import EXTRACT, PLAN, write_plan

PROJECT = Path(__file__).resolve().parent.parent
HEADER = EXTRACT.splitlines()[0]


def errors(plan_dir: Path, data_dir: Path) -> list[str]:
    return [str(p) for p in validate(plan_dir, data_dir).errors]


def wide(names: int, width: int = 9) -> str:
    extra = ",".join(f"c{i:0{width - 1}d}" for i in range(names - 3))
    return f"measure_id,period_end,value,{extra}\nsupervision,2020-08-31,70\n"


@pytest.mark.parametrize("names, size_mb", [(1_500_000, 15.0), (300_000, 2.3)])
def test_the_issues_wide_headers_are_refused_quickly_in_little_memory(tmp_path, names, size_mb):
    plan_dir, data_dir = write_plan(tmp_path)
    text = wide(names, width=9 if names > 1_000_000 else 7)
    (data_dir / "wide.csv").write_text(text)
    assert abs(len(text) / 1e6 - size_mb) < 0.3, len(text)
    env = {k: v for k, v in os.environ.items() if k != "CIPDASH_DB"}
    env["PYTHONPATH"] = str(PROJECT)
    # The peak memory of the child alone: measured in a fresh interpreter that runs it.
    probe = ("import resource, subprocess, sys, time; t = time.monotonic(); "
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode); "
             "sys.stderr.write(r.stderr)")
    out = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "cipdash", "check", "--plan",
                          str(plan_dir), "--data", str(data_dir)], capture_output=True, text=True, env=env,
                         cwd=PROJECT, timeout=300)
    seconds, peak_kb, code = out.stdout.split()
    print(f"\n{names:,} names, {len(text) / 1e6:.1f} MB: {float(seconds):.2f} s, peak {int(peak_kb) / 1024:.0f} MB")
    assert int(code) == 1
    assert f"wide.csv:1:201: the header names {names:,} columns; at most 200 are read" in out.stderr
    assert "Traceback" not in out.stderr
    assert float(seconds) < 20 and int(peak_kb) < 700 * 1024  # was 57 s and 12.3 GB


def test_two_hundred_columns_are_read_and_two_hundred_and_one_are_not(tmp_path):
    def header(n: int) -> str:
        return HEADER + "".join(f",x{i}" for i in range(n - 7))

    plan_dir, data_dir = write_plan(tmp_path, extracts={"extract.csv": EXTRACT.replace(HEADER, header(200), 1)})
    assert errors(plan_dir, data_dir) == []
    (data_dir / "extract.csv").write_text(EXTRACT.replace(HEADER, header(201), 1))
    [error] = errors(plan_dir, data_dir)
    assert error.endswith("extract.csv:1:201: the header names 201 columns; at most 200 are read (hint: a plan file "
                          "or an extract has at most 7 columns: check this is the right file, not a wide report or "
                          "a table turned on its side)")


def test_quoted_commas_in_a_header_are_not_columns(tmp_path):
    quoted = HEADER + ',"' + "," * 300 + '"'
    plan_dir, data_dir = write_plan(tmp_path, extracts={"extract.csv": EXTRACT.replace(HEADER, quoted, 1)})
    assert errors(plan_dir, data_dir) == []


def test_a_row_of_too_many_cells_is_refused_at_its_line(tmp_path):
    lines = EXTRACT.splitlines()
    lines[3] += "," * 5000
    plan_dir, data_dir = write_plan(tmp_path, extracts={"extract.csv": "\n".join(lines) + "\n"})
    [error] = errors(plan_dir, data_dir)
    assert "extract.csv:4:201: this row has 5,007 values; at most 200 are read" in error


def test_commas_in_quoted_evidence_are_not_cells(tmp_path):
    # Long evidence text, full of commas and over several lines, is one cell.
    evidence = '"' + "Audits, supervision, training; " * 400 + '\nand more, on a second line"'
    ratings = PLAN["ratings.csv"] + f"R1,2020-12-31,G,G,{evidence},None\n"
    plan_dir, data_dir = write_plan(tmp_path, plan={"ratings.csv": ratings})
    assert errors(plan_dir, data_dir) == []
    # and a row after such text is still counted at its own line
    bad = ratings + "R2,2020-12-31,G,G,x" + ",y" * 300 + "\n"
    (plan_dir / "ratings.csv").write_text(bad)
    [error] = errors(plan_dir, data_dir)
    assert f"ratings.csv:{bad.count(chr(10))}:201: this row has 305 values" in error


def test_a_file_over_the_byte_limit_is_not_read(tmp_path, monkeypatch):
    big = EXTRACT + "".join(f"supervision,{1990 + i // 12}-{i % 12 + 1:02d},month,ALL,70,,\n" for i in range(200))
    plan_dir, data_dir = write_plan(tmp_path, extracts={"extract.csv": big * 400})  # ~3 MB
    monkeypatch.setattr(csvfile, "MAX_FILE_BYTES", 1024 * 1024)
    read = []
    real_open = open

    def watching_open(path, mode="r", *a, **k):
        if "extract.csv" in str(path) and "b" in mode:
            handle = real_open(path, mode, *a, **k)
            real_read = handle.read
            handle.read = lambda n=-1: read.append(n) or real_read(n)
            return handle
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr("builtins.open", watching_open)
    [error] = errors(plan_dir, data_dir)
    assert "extract.csv:1:1: the file is 3 MB; at most 1 MB is read" in error
    assert read == []  # refused from its size, before reading


def test_a_file_of_too_many_rows_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    plan_dir, data_dir = write_plan(tmp_path)
    monkeypatch.setattr(csvfile, "MAX_ROWS", 6)
    real = csvfile._fast_read
    monkeypatch.setattr(csvfile, "_fast_read",
                        lambda body: pytest.fail("parsed") if body.startswith(b"measure_id,period_end") else real(body))
    [error] = errors(plan_dir, data_dir)
    assert "extract.csv:8:1: the file has 9 lines after the header; at most 6 rows are read" in error


def test_an_upload_is_held_to_the_same_limits(tmp_path):
    plan_dir, data_dir = write_plan(tmp_path)
    check = uploads.check_upload([("wide.csv", wide(300_000, 7).encode())], plan_dir, data_dir)
    assert not check.ok
    assert [p.message for p in check.problems if p.severity == "error"] == [
        "the header names 300,000 columns; at most 200 are read"]
    assert check.problems[0].file == "wide.csv (uploaded)"


def test_a_row_spread_over_many_lines_by_quotes_is_counted_whole(tmp_path):
    # Each line has few commas, but quotes join them into one record of 1,201 cells: the
    # reader would have built them all.
    joined = ",".join(['"a\nb"'] * 1201)
    plan_dir, data_dir = write_plan(tmp_path, extracts={"extract.csv": EXTRACT + joined + "\n"})
    [error] = errors(plan_dir, data_dir)
    assert "extract.csv:11:201: this row has 1,201 values; at most 200 are read" in error


@pytest.mark.parametrize("seed", range(20))
def test_cells_are_counted_as_a_csv_reader_counts_them_across_chunks(monkeypatch, seed):
    import csv
    import io
    import random

    rng = random.Random(seed)
    monkeypatch.setattr(csvfile, "_CHUNK", rng.choice([1, 2, 3, 7, 64]))
    rows = []
    for _ in range(rng.randint(1, 30)):
        cells = []
        for _ in range(rng.randint(1, 12)):
            text = "".join(rng.choice('ab,\n"') for _ in range(rng.randint(0, 6)))
            cells.append('"' + text.replace('"', '""') + '"' if rng.random() < 0.6 else text.replace(",", "")
                         .replace("\n", "").replace('"', ""))
        rows.append(",".join(cells))
    body = "\n".join(rows) + ("\n" if rng.random() < 0.5 else "")
    expected = [max(len(r), 1) for r in csv.reader(io.StringIO(body, newline=""))]  # a blank line: one empty cell
    cells, _ = csvfile._cells_outside_quotes(body.encode())
    got = list(cells[:len(expected)])
    assert got == expected, body

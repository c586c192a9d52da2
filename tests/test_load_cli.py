"""`python -m cipdash load|check|summary`: exit codes and messages, run as a real command.

0 success; 1 bad input (every problem on standard error, as file:line:column, nothing
written); 2 the command cannot run (no database, unknown --team, unreadable database).
Never a Python traceback for bad input.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from plan_builder import EXTRACT, PLAN, write_plan

PROJECT = Path(__file__).resolve().parent.parent
PROBLEM_LINE = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (column '(?P<name>[^']*)': )?.+$")


def cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "CIPDASH_DB"}
    full_env["PYTHONPATH"] = str(PROJECT)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "cipdash", *args], capture_output=True, text=True,
                          cwd=cwd or PROJECT, env=full_env, timeout=120)


def run_main(*args: str, cwd: Path, capfd, monkeypatch) -> subprocess.CompletedProcess:
    """cli.main in this process (fast): what `python -m cipdash` runs, minus the interpreter
    start. An uncaught exception would fail the test just as a traceback would."""
    from cipdash.cli import main

    monkeypatch.chdir(cwd)
    monkeypatch.delenv("CIPDASH_DB", raising=False)
    capfd.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def no_traceback(out: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout, out.stderr


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path) -> Path:
    write_plan(tmp_path)
    return tmp_path


def test_check_and_load_succeed_with_exit_0(project):
    out = cli("check", "--plan", "cip_data", "--data", "data", cwd=project)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("OK") and out.stderr == ""
    out = cli("load", "--plan", "cip_data", "--data", "data", "--db", "cip.duckdb", cwd=project)
    assert out.returncode == 0, out.stderr
    assert "9 new figures" in out.stdout and (project / "cip.duckdb").exists()
    out = cli("load", "--plan", "cip_data", "--data", "data", "--db", "cip.duckdb", cwd=project)
    assert (out.returncode, out.stdout.split(":")[0]) == (0, "No changes")


def test_bad_input_exits_1_with_every_problem_on_stderr_and_nothing_written(project):
    (project / "data" / "extract.csv").write_text(
        EXTRACT + "supervision,2020-10-31,month,ALL,180,,\nnope,2020-10-31,month,ALL,1,,\n")
    (project / "cip_data" / "ratings.csv").write_text(PLAN["ratings.csv"] + "R1,2020-12-31,Purple,,,\n")
    out = cli("load", "--plan", "cip_data", "--data", "data", "--db", "cip.duckdb", cwd=project)
    assert out.returncode == 1
    no_traceback(out)
    assert out.stdout == ""
    problems = [PROBLEM_LINE.match(line) for line in out.stderr.splitlines()[:-1]]
    assert all(problems), out.stderr
    found = {(m["file"], int(m["line"]), int(m["col"]), m["name"]) for m in problems}
    assert found == {
        ("cip_data/ratings.csv", 7, 3, "implementation"),
        ("data/extract.csv", 11, 5, "value"),
        ("data/extract.csv", 12, 1, "measure_id"),
    }
    assert "3 problem(s) found. Nothing was loaded" in out.stderr.splitlines()[-1]
    assert not (project / "cip.duckdb").exists()


def test_check_reports_the_same_problems_and_never_writes(project):
    (project / "data" / "extract.csv").write_text(EXTRACT + "supervision,2020-10-31,month,ALL,180,,\n")
    db = project / "env.duckdb"
    out = cli("check", "--plan", "cip_data", "--data", "data", cwd=project, env={"CIPDASH_DB": str(db)})
    assert out.returncode == 1
    no_traceback(out)
    assert out.stderr.startswith("data/extract.csv:11:5: column 'value': ")
    assert not db.exists()


def test_check_leaves_an_existing_database_alone(project):
    db = project / "cip.duckdb"
    assert cli("load", "--plan", "cip_data", "--data", "data", "--db", str(db), cwd=project).returncode == 0
    before = sha256(db)
    (project / "data" / "extract.csv").write_text(EXTRACT.replace("94.0,188", "93.0,186"))
    out = cli("check", "--plan", "cip_data", "--data", "data", cwd=project, env={"CIPDASH_DB": str(db)})
    assert out.returncode == 0
    assert sha256(db) == before


def test_warnings_are_printed_but_the_load_goes_ahead(project):
    (project / "cip_data" / "teams.csv").write_text(PLAN["teams.csv"].replace("head_of_service\n", "head_of_service,phone\n"))
    out = cli("load", "--plan", "cip_data", "--data", "data", "--db", "cip.duckdb", cwd=project)
    assert out.returncode == 0
    assert out.stderr.startswith("warning: cip_data/teams.csv:1:5: column 'phone': ")


@pytest.mark.parametrize("name, content", [
    ("not_utf8", b"measure_id,period_end,value\nsupervision,2020-09-30,\xa380\n"),
    ("utf16", "measure_id,period_end,value\n".encode("utf-16")),
    ("binary", bytes(range(256)) * 20),
    ("unclosed_quote", b'measure_id,period_end,value\nsupervision,2020-09-30,"80\n'),
    ("empty", b""),
    ("no_header", b"supervision,2020-09-30,month,ALL,80,,\n"),
    ("semicolons", b"measure_id;period_end;value\nsupervision;2020-09-30;80\n"),
    ("nul_bytes", b"measure_id,period_end,value\nsupervision,2020-09-30,8\x000\n"),
    ("ragged", b"measure_id,period_end,value\nsupervision,2020-09-30,80,1,2\n"),
    ("huge_numbers", b"measure_id,period_end,value,numerator,denominator\nsupervision,2020-09-30,,1e308,1e309\n"),
    ("dates", b"measure_id,period_end,value\nsupervision,0000-00-00,80\nsupervision,99/99/9999,80\n"),
])
def test_no_traceback_for_any_bad_extract(project, name, content, capfd, monkeypatch):
    (project / "data" / "extract.csv").write_bytes(content)
    for command in ("check", "load"):
        args = ["--plan", "cip_data", "--data", "data"] + (["--db", "cip.duckdb"] if command == "load" else [])
        out = run_main(command, *args, cwd=project, capfd=capfd, monkeypatch=monkeypatch)
        assert out.returncode == 1, (name, out.stderr)
        no_traceback(out)
        assert out.stderr.splitlines()[0].startswith("data/extract.csv:"), out.stderr
    assert not (project / "cip.duckdb").exists()


@pytest.mark.parametrize("name, content", [
    ("plan.toml", b'name = "unclosed\n'),
    ("plan.toml", b"name = 5\n"),
    ("recommendations.csv", b"\xff\xfe\x00"),
    ("measures.csv", b"measure_id\n"),
    ("targets.csv", b'measure_id,target_date,target\n"assessment_timeliness,2021-03-31,90\n'),
])
def test_no_traceback_for_any_bad_plan_file(project, name, content, capfd, monkeypatch):
    (project / "cip_data" / name).write_bytes(content)
    out = run_main("load", "--plan", "cip_data", "--data", "data", "--db", "cip.duckdb", cwd=project, capfd=capfd,
                   monkeypatch=monkeypatch)
    assert out.returncode == 1, out.stderr
    no_traceback(out)
    assert f"cip_data/{name}:" in out.stderr


def test_missing_folders_are_bad_input(project):
    out = cli("load", "--plan", "nowhere", "--data", "nothing", "--db", "cip.duckdb", cwd=project)
    assert out.returncode == 1
    no_traceback(out)
    assert out.stderr.startswith("nowhere:1:1: the plan folder does not exist")


def test_summary_without_a_database_cannot_run(project):
    out = cli("summary", "--db", "missing.duckdb", "--json", cwd=project)
    assert out.returncode == 2
    no_traceback(out)
    assert out.stdout == ""
    assert "python -m cipdash load" in out.stderr
    out = cli("summary", "--json", cwd=project, env={"CIPDASH_DB": str(project / "also-missing.duckdb")})
    assert out.returncode == 2 and "also-missing.duckdb" in out.stderr


@pytest.fixture
def loaded(project) -> Path:
    from cipdash.store import load

    db = project / "cip.duckdb"
    load(project / "cip_data", project / "data", db)
    return db


def test_summary_for_an_unknown_team_cannot_run(loaded):
    out = cli("summary", "--db", str(loaded), "--json", "--team", "east")
    assert out.returncode == 2
    no_traceback(out)
    assert out.stdout == "" and "east" in out.stderr


@pytest.mark.parametrize("team", ["north", "ALL", "all"])
def test_summary_for_a_known_team_or_the_authority(loaded, team, capfd, monkeypatch):
    out = run_main("summary", "--db", str(loaded), "--json", "--team", team, cwd=loaded.parent, capfd=capfd,
                   monkeypatch=monkeypatch)
    assert out.returncode == 0, out.stderr
    assert {m["team_id"] for m in json.loads(out.stdout)["measures"]} == {"north" if team == "north" else "ALL"}


@pytest.mark.parametrize("as_at", ["09/30/2020", "next week", "2020-13-01"])
def test_summary_with_an_unreadable_as_at_cannot_run(loaded, as_at, capfd, monkeypatch):
    out = run_main("summary", "--db", str(loaded), "--json", "--as-at", as_at, cwd=loaded.parent, capfd=capfd,
                   monkeypatch=monkeypatch)
    assert out.returncode == 2
    no_traceback(out)
    assert "--as-at" in out.stderr


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
def test_an_unreadable_database_cannot_run_and_is_left_alone(project, content):
    db = project / "cip.duckdb"
    db.write_bytes(content)
    for args in (["summary", "--db", str(db), "--json"],
                 ["load", "--plan", "cip_data", "--data", "data", "--db", str(db)]):
        out = cli(*args, cwd=project)
        assert out.returncode == 2, out.stderr
        no_traceback(out)
        assert str(db) in out.stderr and ".tmp-" not in out.stderr
    assert db.read_bytes() == content
    assert not list(project.glob("cip.duckdb.tmp*"))


def test_a_database_path_that_is_a_folder_cannot_run(project):
    (project / "folder.duckdb").mkdir()
    out = cli("load", "--plan", "cip_data", "--data", "data", "--db", "folder.duckdb", cwd=project)
    assert out.returncode == 2
    no_traceback(out)


def test_usage_errors_exit_2(project, capfd, monkeypatch):
    for args in (["frobnicate"], ["summary", "--nonsense"], []):
        out = run_main(*args, cwd=project, capfd=capfd, monkeypatch=monkeypatch)
        assert out.returncode == 2
        no_traceback(out)
        assert "usage:" in out.stderr


def test_summary_text_output(loaded):
    out = cli("summary", "--db", str(loaded), "--as-at", "2020-09-30")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("As at Sep 2020 (whole authority)\n")  # in words (tests/test_summary_text.py)


def test_load_without_folders_reads_the_current_folders_plan_and_extracts(project):
    """A scheduled job run in a council's own folder: the relative defaults cip_data/ and
    data/ are that folder's, not the project's sample."""
    out = cli("load", "--db", "cip.duckdb", cwd=project)
    assert out.returncode == 0, out.stderr
    out = cli("summary", "--db", "cip.duckdb", "--json", cwd=project)
    titles = {r["title"] for r in json.loads(out.stdout)["recommendations"]}
    expected = {line.split(",")[1] for line in PLAN["recommendations.csv"].splitlines()[1:]}
    assert titles == expected


def test_check_elsewhere_reads_the_projects_own_folders(tmp_path):
    out = cli("check", cwd=tmp_path)  # no cip_data/ here: the project's sample plan
    assert out.returncode == 0, out.stderr
    assert str(PROJECT / "cip_data") in out.stdout + out.stderr


def test_summary_into_a_closed_pipe_is_not_a_failure(project):
    assert cli("load", "--db", "cip.duckdb", cwd=project).returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "CIPDASH_DB"}
    env["PYTHONPATH"] = str(PROJECT)
    for _ in range(5):  # the reader may leave before or after the first write: try both
        done = subprocess.run(f"'{sys.executable}' -m cipdash summary --db cip.duckdb --json | head -c 1 >/dev/null;"
                              " echo \"${PIPESTATUS[0]}\"", shell=True, executable="/bin/bash", cwd=project,
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.stdout.strip() == "0", done.stderr
        assert "Traceback" not in done.stderr and "closed file" not in done.stderr, done.stderr

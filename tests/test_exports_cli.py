"""`python -m cipdash export`, run as the monthly refresh script would: in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader
from support import pdf_figures

from exports_plan import FORMULA_TITLE, HAS_CHROMIUM, NO_CHROMIUM_REASON, TITLES, build_db

PROJECT = Path(__file__).resolve().parent.parent
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM_REASON)


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("CIPDASH_DB", "BROWSER_PATH")}
    full_env["PYTHONPATH"] = str(PROJECT)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "cipdash", "export", *args], capture_output=True, text=True,
                          cwd=PROJECT, env=full_env, timeout=300)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("cli"))


def test_xlsx_public_team_pack(db, tmp_path):
    out = tmp_path / "pack.xlsx"
    run = cli("--db", str(db), "--as-at", "2020-09", "--team", "north", "--public", "--format", "xlsx",
              "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "3 recommendations, 5 charts" in run.stdout and "public version" in run.stdout
    wb = openpyxl.load_workbook(out)
    cover = {r[0].value: r[1].value for r in wb["Cover"].iter_rows() if r[0].value and len(r) > 1}
    assert cover["As at"] == "Sep 2020"
    assert cover["Figures for"].startswith("Team: North Team")
    values = {c.value for ws in wb for row in ws.iter_rows() for c in row}
    assert "'" + FORMULA_TITLE in values and "c" in values


def test_db_from_the_environment_and_internal_by_default(db, tmp_path):
    out = tmp_path / "pack.xlsx"
    run = cli("--format", "xlsx", "--out", str(out), env={"CIPDASH_DB": str(db)})
    assert run.returncode == 0, run.stderr
    assert "NOT suppressed" in run.stdout
    wb = openpyxl.load_workbook(out)
    assert any("NOT suppressed" in str(c.value) for row in wb["Cover"].iter_rows() for c in row)


@pytest.mark.parametrize("args, message", [
    (("--team", "west"), "--team: no team 'west' in the plan's teams.csv (teams: north, south)"),
    (("--service-area", "Nowhere"), "--service-area: no service area 'Nowhere'"),
])
def test_unknown_team_or_area_exits_2(db, tmp_path, args, message):
    out = tmp_path / "pack.xlsx"
    run = cli("--db", str(db), *args, "--format", "xlsx", "--out", str(out))
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists()


def test_team_and_service_area_together_is_a_usage_error(db, tmp_path):
    run = cli("--db", str(db), "--team", "north", "--service-area", "First Response", "--format", "xlsx",
              "--out", str(tmp_path / "p.xlsx"))
    assert run.returncode == 2
    assert "not allowed with argument" in run.stderr


@pytest.mark.parametrize("args", [("--out", "x.docx"), ("--format", "docx"), ("--format", "odt", "--out", "x.odt")])
def test_format_and_out_are_required_and_checked(db, args):
    run = cli("--db", str(db), *args)
    assert run.returncode == 2


def test_no_database_exits_2(tmp_path):
    run = cli("--db", str(tmp_path / "none.duckdb"), "--format", "xlsx", "--out", str(tmp_path / "p.xlsx"))
    assert run.returncode == 2
    assert "python -m cipdash load" in run.stderr


def test_bad_as_at_exits_2(db, tmp_path):
    run = cli("--db", str(db), "--as-at", "31/02/2020", "--format", "xlsx", "--out", str(tmp_path / "p.xlsx"))
    assert run.returncode == 2 and "--as-at" in run.stderr


def test_without_chromium_pictures_fail_clearly_and_xlsx_still_works(db, tmp_path):
    missing = str(tmp_path / "no-chromium")
    out = tmp_path / "pack.pdf"
    run = cli("--db", str(db), "--format", "pdf", "--out", str(out), env={"BROWSER_PATH": missing})
    assert run.returncode == 2
    assert "sudo apt-get install chromium" in run.stderr and missing in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists() and not list(tmp_path.glob(".pack.pdf*"))
    run = cli("--db", str(db), "--format", "xlsx", "--out", str(tmp_path / "pack.xlsx"), env={"BROWSER_PATH": missing})
    assert run.returncode == 0, run.stderr


@needs_chromium
def test_docx_and_pdf_service_area_pack(db, tmp_path):
    for fmt in ("docx", "pdf"):
        out = tmp_path / f"pack.{fmt}"
        run = cli("--db", str(db), "--service-area", "first response", "--public", "--format", fmt, "--out", str(out))
        assert run.returncode == 0, run.stderr
        assert "First Response service area" in run.stdout
    document = docx.Document(tmp_path / "pack.docx")
    text = "\n".join(p.text for p in document.paragraphs)
    assert all(t in text for t in TITLES.values())
    assert len(document.inline_shapes) == 5
    assert oct(os.stat(tmp_path / "pack.docx").st_mode & 0o777) != oct(0o600)  # an ordinary file, not 0600
    reader = PdfReader(tmp_path / "pack.pdf")
    assert pdf_figures(reader) == 5  # one chart each, SVG printed as vectors

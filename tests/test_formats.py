"""The export formats registry (cipdash.export_formats): the command line, the Report pack
page, a chart's downloads and the writers all read it, and each format's file is what the
registry says (its extension, and contents of its MIME type)."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from exports_plan import HAS_CHROMIUM, NO_CHROMIUM_REASON, build_db

from cipdash import export_formats
from cipdash.export_formats import CHART_FORMATS, PACK_FORMATS, Format

PROJECT = Path(__file__).resolve().parent.parent
PAGES = PROJECT / "pages"


def sniffed_mime(data: bytes) -> str:
    """The media type a file's contents show, independently of its name."""
    if data.startswith(b"PK"):  # an Office Open XML package names its main part's type
        types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode()
        return re.search(r'ContentType="([^"]+)\.main\+xml"', types).group(1)
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.lstrip().startswith(b"<svg"):
        return "image/svg+xml"
    if data.startswith(b"<!DOCTYPE html>"):
        return "text/html"
    if data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data:  # UTF-8 with a byte-order mark, CRLF rows
        return "text/csv"
    return "unknown"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("formats"))


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("CIPDASH_DB", "BROWSER_PATH")}
    full_env["PYTHONPATH"] = str(PROJECT)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "cipdash", *args], capture_output=True, text=True, cwd=PROJECT,
                          env=full_env, timeout=300)


def test_the_registry_rows():
    assert list(PACK_FORMATS) == ["docx", "pptx", "pdf", "xlsx"]
    assert list(CHART_FORMATS) == ["png", "svg", "html", "csv", "xlsx"]
    for f in [*PACK_FORMATS.values(), *CHART_FORMATS.values()]:
        assert f.extension == f".{f.name}" and f.label and "/" in f.mime
        assert callable(f.write), f.name  # every writer named in the registry exists
    assert [f.name for f in PACK_FORMATS.values() if f.needs_browser] == ["docx", "pptx", "pdf"]
    assert [f.name for f in CHART_FORMATS.values() if f.needs_browser] == ["png", "svg"]


def test_unknown_formats_are_named():
    with pytest.raises(ValueError, match="unknown pack format 'odt'; expected one of docx, pptx, pdf, xlsx"):
        export_formats.pack_format("odt")
    with pytest.raises(ValueError, match=r"unknown format 'gif'; expected one of \('png', 'svg', 'html'"):
        export_formats.chart_format("gif")


def test_the_command_line_offers_the_registry():
    run = cli("export", "--help")
    said = " ".join(run.stdout.split())  # as one line, whatever the terminal's width
    assert run.returncode == 0
    assert "--format {docx,pptx,pdf,xlsx}" in said
    assert "docx, pptx and pdf draw charts with Chromium (apt-get install chromium); xlsx needs no browser." in said
    said = " ".join(cli("--help").stdout.split())
    assert "the monthly performance pack (docx, pptx, pdf, xlsx)" in said
    assert "the monthly performance pack as docx, pptx, pdf or xlsx" in said
    run = cli("export", "--format", "odt", "--out", "x.odt")
    assert run.returncode == 2 and "invalid choice: 'odt'" in run.stderr


@pytest.mark.parametrize("name", list(PACK_FORMATS))
def test_every_pack_format_through_the_command_line(db, tmp_path, name):
    form = PACK_FORMATS[name]
    if form.needs_browser and not HAS_CHROMIUM:
        pytest.skip(NO_CHROMIUM_REASON)
    out = tmp_path / f"pack{form.extension}"
    run = cli("export", "--db", str(db), "--public", "--format", name, "--trend-only", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "warning" not in run.stderr  # the file name ends in the format's extension
    assert sniffed_mime(out.read_bytes()) == form.mime


def test_an_out_file_of_another_extension_is_warned_about(db, tmp_path):
    run = cli("export", "--db", str(db), "--format", "xlsx", "--out", str(tmp_path / "pack.docx"))
    assert run.returncode == 0
    assert "warning: --out pack.docx does not end in .xlsx; writing xlsx anyway" in run.stderr
    assert sniffed_mime((tmp_path / "pack.docx").read_bytes()) == PACK_FORMATS["xlsx"].mime


def _chart(db):
    from cipdash import queries
    from cipdash.db import open_snapshot

    snap = open_snapshot(db)
    try:
        return queries.chart_trend(snap, "supervision", date(2020, 9, 30))
    finally:
        snap.close()


@pytest.mark.parametrize("name", list(CHART_FORMATS))
def test_every_chart_format_downloads_as_registered(db, name):
    from cipdash.exports import chart_download

    form = CHART_FORMATS[name]
    if form.needs_browser and not HAS_CHROMIUM:
        pytest.skip(NO_CHROMIUM_REASON)
    made = chart_download(_chart(db), name)
    assert made.file_name.endswith(f"_as-at_2020-09-30{form.extension}")
    assert made.mime == form.mime
    assert sniffed_mime(made.data) == form.mime


@pytest.mark.parametrize("name", [n for n, f in CHART_FORMATS.items() if not f.needs_browser])
def test_a_league_chart_without_team_targets_downloads(db, name):
    """Its table's target dates are all missing (NaT), which once stopped every data file."""
    from cipdash import queries
    from cipdash.db import open_snapshot
    from cipdash.exports import chart_download

    snap = open_snapshot(db)
    try:
        chart = queries.chart_league(snap, "supervision", date(2020, 9, 30), "month", date(2020, 9, 30))
    finally:
        snap.close()
    assert chart.data["target_date"].isna().all()
    made = chart_download(chart, name)
    assert sniffed_mime(made.data) == CHART_FORMATS[name].mime


def test_a_new_pack_format_is_one_row(db, tmp_path, monkeypatch):
    """A row in the registry is enough for the writer, the file name and the CLI's choices."""
    from cipdash import cli as command_line
    from cipdash.db import open_snapshot
    from cipdash.exports import build_pack, export_pack, pack_file_name

    xlsm = Format("xlsm", "Excel with macros allowed (.xlsm)", ".xlsm",
                  "application/vnd.ms-excel.sheet.macroEnabled.12", False, "xlsx_writer:write_xlsx")
    monkeypatch.setitem(PACK_FORMATS, "xlsm", xlsm)
    assert export_formats.pack_choices()["xlsm"] == xlsm.label
    snap = open_snapshot(db)
    try:
        export_pack(snap, "xlsm", tmp_path / "pack.xlsm")
        assert pack_file_name(build_pack(snap), "xlsm").endswith("_internal.xlsm")
    finally:
        snap.close()
    assert zipfile.is_zipfile(tmp_path / "pack.xlsm")
    args = command_line.build_parser().parse_args(["export", "--format", "xlsm", "--out", "p.xlsm"])
    assert args.format == "xlsm"


@pytest.mark.parametrize("name", [n for n, f in PACK_FORMATS.items() if not f.needs_browser or HAS_CHROMIUM])
def test_the_report_pack_page_offers_the_registry(db, monkeypatch, name):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    offered = []
    button = st.download_button

    def download_button(label, **kwargs):  # what the page hands the browser, as well as the button
        offered.append((kwargs["file_name"], kwargs["mime"], kwargs["data"]))
        return button(label, **kwargs)

    monkeypatch.setattr(st, "download_button", download_button)
    monkeypatch.setenv("CIPDASH_DB", str(db))
    at = AppTest.from_file(str(PAGES / "exports.py"), default_timeout=300).run()
    assert not at.exception
    radio = at.radio(key="pack_format")
    assert list(radio.options) == [f.label for f in PACK_FORMATS.values()]
    radio.set_value(name).run()
    at.checkbox(key="pack_trend_only").check().run()
    at.button(key="pack_build").click().run()
    assert not at.exception
    (file_name, mime, data), = offered
    form = PACK_FORMATS[name]
    assert file_name.endswith(f"_public{form.extension}") and mime == form.mime and sniffed_mime(data) == mime


def test_the_old_copies_are_gone():
    import cipdash.exports as exports
    from cipdash.exports import chart_files, style, tables

    for module, names in [(exports, ("PICTURE_FORMATS", "MIME_TYPES", "_writer")),
                          (style, ("MIME_TYPES", "PACK_FORMATS")),
                          (chart_files, ("FORMATS", "STATIC_FORMATS", "MIME_TYPES", "FORMAT_LABELS")),
                          (tables, ("XLSX_MIME",))]:
        left = [n for n in names if hasattr(module, n)]
        assert not left, f"{module.__name__} still has its own {left}"

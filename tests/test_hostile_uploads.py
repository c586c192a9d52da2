"""Uploads (issue 6, point 5): size and type limits, and file names that try to leave the
extracts folder or carry markup.

- A name is reduced to a plain file name inside data/: no folders (../../x.csv, ..\\x.csv,
  /etc/x.csv), no hidden or Excel-lock names, no odd characters, .csv only.
- Too big (over uploads.MAX_UPLOAD_MB), too many, not CSV inside (an image named .csv),
  two names that reduce to one: each is a problem and nothing is written or loaded.
- The limit is enforced by the server too (.streamlit/config.toml server.maxUploadSize),
  not only asked of the browser (the uploader's max_upload_size), and the uploader takes
  .csv only.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from cipdash import uploads
from plan_builder import EXTRACT
from support import built_project, run_dashboard, use_site

ROOT = Path(__file__).resolve().parent.parent
PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.csv$")
GOOD = (EXTRACT.splitlines()[0] + "\nsupervision,2020-10-31,month,ALL,81,,\n").encode()


@pytest.mark.parametrize("name, expected", [
    ("../../x.csv", "x.csv"),
    ("..\\..\\windows\\x.csv", "x.csv"),
    ("/etc/cron.d/x.csv", "x.csv"),
    ("C:\\Users\\me\\Desktop\\x.csv", "x.csv"),
    ("data/../../../x.csv", "x.csv"),
    ("<img src=x onerror=alert(1)>.csv", "img_src_x_onerror_alert_1.csv"),
    ("**bold** [x](javascript:alert(1)).csv", "bold_x_javascript_alert_1.csv"),
    (".hidden.csv", "hidden.csv"),           # loads skip hidden files: an upload must not become one
    ("~$owner.csv", "owner.csv"),            # nor an Excel lock file, which loads skip too
    ("....csv", "upload.csv"),
    (".csv", "upload.csv"),
    ("é€.csv", "upload.csv"),
    ("x\x00.csv", "x.csv"),
    ("Extract 2020-09 (final).CSV", "Extract_2020-09_final.csv"),
    ("a" * 1000 + ".csv", "a" * 100 + ".csv"),
])
def test_upload_names_become_plain_names_in_the_extracts_folder(name, expected):
    safe = uploads.safe_file_name(name)
    assert safe == expected
    assert PLAIN.match(safe) and "/" not in safe and "\\" not in safe


@pytest.mark.parametrize("name", ["x.xlsx", "x.csv.exe", "x.csv\x00.png", "x", "x.csv/", "x.txt", "x.csv.",
                                  "x.csv;.png"])
def test_only_csv_names_are_accepted(name):
    with pytest.raises(ValueError):
        uploads.safe_file_name(name)


@pytest.fixture
def project(tmp_path):
    return built_project(tmp_path)


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_traversal_name_is_saved_inside_the_extracts_folder(project, tmp_path):
    plan_dir, data_dir, db = project
    before = tree(tmp_path)
    check = uploads.check_upload([("../../../evil.csv", GOOD)], plan_dir, data_dir)
    assert check.ok and list(check.files) == ["evil.csv"]
    outcome = uploads.apply_upload(check, plan_dir, data_dir, db)
    assert outcome.result.changed and outcome.written == ["evil.csv"]
    added = sorted(set(tree(tmp_path)) - set(before))
    assert added == ["project/data/evil.csv"], added


@pytest.mark.parametrize("uploads_given, message", [
    ([("big.csv", GOOD + b"x" * (uploads.MAX_UPLOAD_MB * 1024 * 1024))], f"larger than {uploads.MAX_UPLOAD_MB} MB"),
    ([(f"f{i}.csv", GOOD) for i in range(uploads.MAX_FILES + 1)], f"at most {uploads.MAX_FILES} files"),
    ([("picture.csv", bytes.fromhex("89504e470d0a1a0a0000000d49484452"))], "this is a PNG image, not a CSV file"),
    ([("book.csv", b"PK\x03\x04" + bytes(100))], "Excel workbook"),
    ([("a.csv", GOOD), ("../a.csv", GOOD)], "two uploaded files have this name"),
    ([("report.xlsx", GOOD)], "is not a .csv file"),
    ([("<script>alert(1)</script>.html", GOOD)], "is not a .csv file"),
])
def test_bad_uploads_are_refused_and_nothing_is_written(project, tmp_path, uploads_given, message):
    plan_dir, data_dir, db = project
    before, db_bytes = tree(tmp_path), db.read_bytes()
    check = uploads.check_upload(uploads_given, plan_dir, data_dir)
    assert not check.ok
    assert any(message in p.message for p in check.problems), [str(p) for p in check.problems]
    with pytest.raises(Exception):
        uploads.apply_upload(check, plan_dir, data_dir, db)
    assert tree(tmp_path) == before and db.read_bytes() == db_bytes


def test_the_size_limit_is_the_servers_and_the_uploader_takes_csv_only(project, monkeypatch):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == uploads.MAX_UPLOAD_MB
    plan_dir, data_dir, db = project
    use_site(monkeypatch, db, plan_dir, data_dir)
    at = run_dashboard("data")
    [uploader] = at.get("file_uploader")
    assert list(uploader.proto.type) == [".csv"]
    assert uploader.proto.max_upload_size_mb == uploads.MAX_UPLOAD_MB

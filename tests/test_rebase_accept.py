"""Accepting a suggested restart of a measure's SPC limits (issue 13): the row appended to
cip_data/spc_rebase.csv by plan_files.append_rebase (atomic, audited, header kept or
written, a duplicate refused), and the Measures page's button for a person allowed to
change the plan, run under AppTest (the page file alone: through dashboard.py AppTest
drops a click), with a viewer shown the row to add and no button."""
from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cipdash import audit, plan_files
from cipdash.plan_files import REBASE_APPEND, AppendRefused, append_rebase
from support import loaded, sample_copy

ROOT = Path(__file__).resolve().parent.parent
PLAN, DATA = ROOT / "cip_data", ROOT / "data"
HEADER = b"measure_id,rebase_date,reason\n"


@pytest.fixture
def plan_dir(tmp_path, monkeypatch):
    plan = tmp_path / "cip_data"
    shutil.copytree(PLAN, plan)
    (plan / "spc_rebase.csv").unlink(missing_ok=True)
    monkeypatch.setenv("CIPDASH_AUDIT", str(tmp_path / "audit.sqlite"))
    return plan


def test_a_new_file_gets_its_header_then_rows_are_appended_and_audited(plan_dir, tmp_path):
    append_rebase(plan_dir, "assessment_timeliness", date(2020, 5, 31), "Sustained shift from May 2020", "local", "admin")
    path = plan_dir / "spc_rebase.csv"
    assert path.read_bytes() == HEADER + b"assessment_timeliness,2020-05-31,Sustained shift from May 2020\n"
    append_rebase(plan_dir, "vacant_posts", date(2020, 7, 31), "New, recruitment drive", "local", "admin")
    lines = path.read_bytes().splitlines()
    assert lines[0] == HEADER.strip() and lines.count(HEADER.strip()) == 1  # the header kept, once
    assert lines[2] == b'vacant_posts,2020-07-31,"New, recruitment drive"'  # quoted where it must be
    rows = [r for r in audit.entries(tmp_path / "audit.sqlite") if r["action"] == REBASE_APPEND]
    assert [r["who"] for r in rows] == ["local", "local"]
    assert sorted(r["detail"]["measure_id"] for r in rows) == ["assessment_timeliness", "vacant_posts"]
    assert (path.stat().st_mode & 0o777) == (0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_an_existing_file_keeps_its_bytes_columns_and_line_endings(plan_dir):
    path = plan_dir / "spc_rebase.csv"
    old = b"measure_id,reason,rebase_date\r\nagency_rate,Old restart,2019-10-31"  # no final line break
    path.write_bytes(old)
    append_rebase(plan_dir, "agency_rate", date(2020, 7, 31), "Sustained shift", "local")
    assert path.read_bytes() == old + b"\r\nagency_rate,Sustained shift,2020-07-31\r\n"


def test_a_duplicate_is_refused_by_file_and_line_and_nothing_is_written(plan_dir, tmp_path):
    append_rebase(plan_dir, "assessment_timeliness", date(2020, 5, 31), "first", "local")
    path = plan_dir / "spc_rebase.csv"
    before = path.read_bytes()
    with pytest.raises(AppendRefused) as refused:
        append_rebase(plan_dir, "assessment_timeliness", date(2020, 5, 31), "again", "local")
    assert path.read_bytes() == before
    problem = refused.value.problems[0]
    assert problem.file.endswith("spc_rebase.csv") and problem.line == 3
    assert "assessment_timeliness" in str(refused.value)
    rows = [r for r in audit.entries(tmp_path / "audit.sqlite") if r["action"] == REBASE_APPEND]
    assert len(rows) == 1  # the refused one is not recorded as appended


def test_a_measure_not_in_the_plan_is_refused(plan_dir):
    with pytest.raises(AppendRefused, match="not in measures.csv"):
        append_rebase(plan_dir, "no_such_measure", date(2020, 5, 31), "x", "local")
    assert not (plan_dir / "spc_rebase.csv").exists()


def test_a_failed_rename_leaves_the_file_as_it_was_and_no_temporary_file(plan_dir, monkeypatch):
    path = plan_dir / "spc_rebase.csv"
    path.write_bytes(HEADER + b"agency_rate,2019-10-31,Old\n")
    before = path.read_bytes()

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(plan_files.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        append_rebase(plan_dir, "agency_rate", date(2020, 7, 31), "Sustained shift", "local")
    assert path.read_bytes() == before
    assert [p.name for p in plan_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_without_an_audit_log_nothing_is_appended(plan_dir, monkeypatch, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the audit log's folder should be")
    monkeypatch.setenv("CIPDASH_AUDIT", str(blocked / "audit.sqlite"))
    with pytest.raises(audit.AuditUnavailable):
        append_rebase(plan_dir, "agency_rate", date(2020, 7, 31), "Sustained shift", "local")
    assert not (plan_dir / "spc_rebase.csv").exists()


# --- the Measures page ---------------------------------------------------------------------

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "c",
        "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ACCESS = "principal,role,service_areas\nviewer@example.gov.uk,viewer,\nperf@example.gov.uk,performance,\n"
BUTTON = "Accept: restart the limits there"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The sample loaded into a temporary database; its plan folder is the one the page writes to."""
    root = tmp_path_factory.mktemp("rebase")
    plan, data = sample_copy(root)
    (plan / "spc_rebase.csv").unlink(missing_ok=True)
    db = loaded(root, (plan, data), "db.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIPDASH_DB", str(db))
        mp.setenv("CIPDASH_PLAN_DIR", str(plan))
        mp.setenv("CIPDASH_DATA_DIR", str(data))
        mp.setenv("CIPDASH_AUDIT", str(root / "audit.sqlite"))
        yield root


def measures_page(email: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "measures.py"), default_timeout=120)
    if email:
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "email": email, "iat": time.time()}
    at.query_params["measure"] = "assessment_timeliness"
    at.query_params["view"] = "xmr"
    return at.run()


def _buttons(at: AppTest) -> list:
    return [b for b in at.button if b.label == BUTTON]


def test_the_local_user_accepts_the_restart_and_is_told_the_next_load_applies_it(site):
    path = site / "cip_data" / "spc_rebase.csv"
    path.unlink(missing_ok=True)
    at = measures_page()
    assert not at.exception, [e.value for e in at.exception]
    assert any("The limits probably need restarting from May 2020" in m.value for m in at.markdown)
    [button] = _buttons(at)
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert path.read_bytes() == (HEADER + b"assessment_timeliness,2020-05-31,"
                                 b"Sustained shift from May 2020 (suggested by the dashboard)\n")
    assert any("The next load applies it" in s.value for s in at.success)
    rows = [r for r in audit.entries(site / "audit.sqlite") if r["action"] == REBASE_APPEND]
    assert rows and rows[-1]["who"] == "local"
    # Pressed again before a load: refused as a duplicate, the file unchanged.
    _buttons(at)[0].click().run()
    assert path.read_bytes().count(b"assessment_timeliness") == 1
    shown = [e.value.replace("\\", "") for e in at.error]  # md_text escapes Markdown characters
    assert any("Not added" in e and "spc_rebase.csv" in e and "appears twice" in e for e in shown), shown


def test_a_viewer_sees_the_row_to_add_but_no_button(site):
    (site / "cip_data" / "access.csv").write_text(ACCESS)
    try:
        at = measures_page("viewer@example.gov.uk")
        assert not at.exception, [e.value for e in at.exception]
        assert _buttons(at) == []
        assert any("assessment_timeliness,2020-05-31," in c.value for c in at.code)
        perf = measures_page("perf@example.gov.uk")
        assert len(_buttons(perf)) == 1  # performance may change the plan
    finally:
        (site / "cip_data" / "access.csv").unlink()


def test_the_server_refuses_a_viewer_whatever_the_page_sent(plan_dir, tmp_path):
    """The grant is checked where the row is written (the page's callback calls this), not
    only by hiding the button: a viewer's request writes nothing and is recorded."""
    from cipdash import access, analysis
    from cipdash.plan_files import NotAllowed, accept_rebase

    viewer = access.Grant(access.VIEWER, access.ROLE_PERMISSIONS[access.VIEWER], None)
    suggestion = analysis.rebase_suggestion("assessment_timeliness", date(2020, 5, 31))
    with pytest.raises(NotAllowed, match="does not allow changing the plan"):
        accept_rebase(viewer, plan_dir, suggestion, "viewer@example.gov.uk")
    assert not (plan_dir / "spc_rebase.csv").exists()
    rows = audit.entries(tmp_path / "audit.sqlite")
    assert [(r["action"], r["who"]) for r in rows] == [(audit.DENIED, "viewer@example.gov.uk")]
    admin = access.Grant(access.ADMIN, access.ROLE_PERMISSIONS[access.ADMIN], None)
    accept_rebase(admin, plan_dir, suggestion, "admin@example.gov.uk")
    assert (plan_dir / "spc_rebase.csv").read_bytes() == (
        HEADER + b"assessment_timeliness,2020-05-31,Sustained shift from May 2020 (suggested by the dashboard)\n")

"""Sign-in, roles by service area and the audit trail (issue 15).

Unit tests of cipdash/access.py (reading and checking access.csv, the role rules) and
cipdash/audit.py (append-only), the CLI's `check` and `audit --json`, and the dashboard
under AppTest with a signed-in user (AppTest's `user`) and an [auth] section in its
secrets: each role's pages, and requests forged without the widgets (session state and
URL set directly) refused on the server, with the audit rows they write.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cipdash import access, audit
from cipdash.access import Person
from cipdash.errors import Problems
from support import loaded, sample_copy

ROOT = Path(__file__).resolve().parent.parent
PLAN, DATA = ROOT / "cip_data", ROOT / "data"
AREAS = {"First Response", "Localities", "Children in Care", "Care Leavers", "Disabled Children"}
TEAM_AREAS = {"fr_north": "First Response", "fr_south": "First Response", "loc_east": "Localities",
              "loc_west": "Localities", "cic_north": "Children in Care"}


def read(tmp_path, text: str, areas=AREAS):
    path = tmp_path / "access.csv"
    path.write_text(text, encoding="utf-8")
    problems = Problems()
    entries = access.read_access(path, areas, problems)
    return entries, problems.all()


# --- access.csv --------------------------------------------------------------------------

def test_good_rows_are_read_with_emails_folded_and_areas_as_in_teams_csv(tmp_path):
    entries, problems = read(tmp_path, "principal,role,service_areas\n"
                                       "Ann.Smith@Example.gov.uk,viewer,localities; First Response\n"
                                       "group:6F1C-77,performance,\n"
                                       "hos@example.gov.uk,Head_Of_Service,Children in Care\n")
    assert problems == []
    assert [(e.principal, e.role, e.service_areas, e.line) for e in entries] == [
        ("ann.smith@example.gov.uk", "viewer", ("Localities", "First Response"), 2),
        ("group:6f1c-77", "performance", (), 3),
        ("hos@example.gov.uk", "head_of_service", ("Children in Care",), 4)]


def test_every_bad_cell_is_named_by_file_line_and_column_and_its_row_grants_nothing(tmp_path):
    entries, problems = read(tmp_path, "principal,role,service_areas\n"
                                       "not-an-address,viewer,\n"
                                       "group:,viewer,\n"
                                       "x@example.gov.uk,boss,Nowhere\n"
                                       "y@example.gov.uk,,\n"
                                       "ok@example.gov.uk,admin,\n"
                                       "OK@example.gov.uk,viewer,\n")
    where = {(p.line, p.column, p.column_name) for p in problems}
    assert where == {(2, 1, "principal"), (3, 1, "principal"), (4, 2, "role"), (4, 3, "service_areas"),
                     (5, 2, "role"), (7, 1, "principal")}
    assert all(str(p).startswith("access.csv:") or "/access.csv:" in str(p) for p in problems)
    assert "appears twice (also line 6)" in next(p.message for p in problems if p.line == 7)
    assert "Nowhere" in next(p.message for p in problems if p.column_name == "service_areas")
    assert [e.principal for e in entries] == ["ok@example.gov.uk"]


def test_a_file_without_a_principal_column_is_an_error_not_a_guess(tmp_path):
    entries, problems = read(tmp_path, "email,role\na@b.uk,viewer\n")
    assert entries == []
    assert any(p.column_name == "principal" and "required column is missing" in p.message for p in problems)


def test_cipdash_check_reports_access_csv_problems_and_exits_1(tmp_path):
    plan = tmp_path / "cip_data"
    shutil.copytree(PLAN, plan)
    (plan / "access.csv").write_text("principal,role,service_areas\na@example.gov.uk,viewer,Atlantis\n")
    done = subprocess.run([sys.executable, "-m", "cipdash", "check", "--plan", str(plan), "--data", str(DATA)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "access.csv:2:3: column 'service_areas': 'Atlantis' is not a service area in teams.csv" in done.stderr
    (plan / "access.csv").write_text("principal,role,service_areas\na@example.gov.uk,viewer,Localities\n")
    done = subprocess.run([sys.executable, "-m", "cipdash", "check", "--plan", str(plan), "--data", str(DATA)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# --- the role rules ----------------------------------------------------------------------

def entries_of(tmp_path, text):
    entries, problems = read(tmp_path, "principal,role,service_areas\n" + text)
    assert problems == []
    return entries


def test_nobody_on_no_row_gets_a_grant(tmp_path):
    entries = entries_of(tmp_path, "a@example.gov.uk,admin,\n")
    assert access.grant_for(Person("b@example.gov.uk"), entries) is None
    assert access.grant_for(Person("b@example.gov.uk", ("other-group",)), entries) is None


def test_e_mail_matches_without_regard_to_case_and_groups_by_id(tmp_path):
    entries = entries_of(tmp_path, "a@example.gov.uk,viewer,Localities\ngroup:ABC,performance,\n")
    assert access.grant_for(Person("A@EXAMPLE.gov.uk"), entries).role == "viewer"
    grant = access.grant_for(Person("someone@example.gov.uk", ("abc",)), entries)
    assert grant.role == "performance" and grant.all_areas


def test_viewer_sees_its_areas_teams_only_and_public_exports_only(tmp_path):
    grant = access.grant_for(Person("a@example.gov.uk"), entries_of(tmp_path, "a@example.gov.uk,viewer,Localities\n"))
    assert access.allowed_team_ids(grant, TEAM_AREAS) == {"loc_east", "loc_west"}
    assert access.may_see_scope(grant, "authority", "ALL", TEAM_AREAS)
    assert access.may_see_scope(grant, "service_area", "Localities", TEAM_AREAS)
    assert not access.may_see_scope(grant, "service_area", "First Response", TEAM_AREAS)
    assert not access.may_see_scope(grant, "team", "fr_north", TEAM_AREAS)
    assert access.may_export(grant, public=True) and not access.may_export(grant, public=False)
    for permission in (access.UPLOAD, access.LOAD, access.INTERNAL_EXPORTS, access.AUDIT_LOG, access.FILE_DETAILS):
        assert not grant.allows(permission)


def test_viewer_with_no_areas_listed_sees_every_team_but_still_only_public_exports(tmp_path):
    grant = access.grant_for(Person("a@example.gov.uk"), entries_of(tmp_path, "a@example.gov.uk,viewer,\n"))
    assert access.allowed_team_ids(grant, TEAM_AREAS) is None
    assert not access.may_export(grant, public=False)


def test_head_of_service_is_a_viewer_whose_areas_are_the_default_scope(tmp_path):
    grant = access.grant_for(Person("h@example.gov.uk"),
                             entries_of(tmp_path, "h@example.gov.uk,head_of_service,Children in Care;Care Leavers\n"))
    assert grant.default_areas == ("Children in Care", "Care Leavers")
    assert access.allowed_team_ids(grant, TEAM_AREAS) == {"cic_north"}
    assert not grant.allows(access.UPLOAD) and not access.may_export(grant, public=False)


def test_performance_sees_every_area_uploads_loads_and_takes_internal_packs_but_no_audit_log(tmp_path):
    grant = access.grant_for(Person("p@example.gov.uk"),
                             entries_of(tmp_path, "p@example.gov.uk,performance,Localities\n"))
    assert grant.all_areas  # performance is "all areas" whatever the row lists
    assert grant.allows(access.UPLOAD) and grant.allows(access.LOAD) and access.may_export(grant, public=False)
    assert not grant.allows(access.AUDIT_LOG) and not grant.allows(access.FILE_DETAILS)


def test_admin_may_do_everything(tmp_path):
    grant = access.grant_for(Person("a@example.gov.uk"), entries_of(tmp_path, "a@example.gov.uk,admin,\n"))
    assert grant.permissions == access.ROLE_PERMISSIONS["admin"]
    assert {access.AUDIT_LOG, access.FILE_DETAILS, access.UPLOAD, access.INTERNAL_EXPORTS} <= grant.permissions


def test_rows_for_a_person_and_their_group_add_up(tmp_path):
    entries = entries_of(tmp_path, "a@example.gov.uk,viewer,Localities\ngroup:g1,head_of_service,First Response\n")
    grant = access.grant_for(Person("a@example.gov.uk", ("g1",)), entries)
    assert grant.role == "head_of_service"
    assert grant.service_areas == {"Localities", "First Response"}
    assert grant.default_areas == ("First Response",)


def test_a_change_to_access_csv_applies_at_the_next_read(tmp_path):
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "teams.csv").write_text("team_id,team_name,service_area\nt1,T1,Localities\n")
    (plan / "access.csv").write_text("principal,role,service_areas\na@example.gov.uk,viewer,Localities\n")
    assert access.current_access(plan).grant_for(Person("a@example.gov.uk")).role == "viewer"
    time.sleep(0.01)
    (plan / "access.csv").write_text("principal,role,service_areas\nb@example.gov.uk,admin,\n")
    assert access.current_access(plan).grant_for(Person("a@example.gov.uk")) is None
    (plan / "access.csv").unlink()
    found = access.current_access(plan)
    assert not found.exists and found.grant_for(Person("b@example.gov.uk")) is None


def test_the_contact_comes_from_plan_toml_or_is_the_performance_team(tmp_path):
    assert access.access_contact(tmp_path) == "your performance team"
    (tmp_path / "plan.toml").write_text('name = "P"\naccess_contact = "Jo Bloggs, performance@example.gov.uk"\n')
    assert access.access_contact(tmp_path) == "Jo Bloggs, performance@example.gov.uk"


# --- the audit log -----------------------------------------------------------------------

def test_audit_rows_are_appended_and_can_never_be_changed_or_removed(tmp_path):
    path = tmp_path / "audit.sqlite"
    audit.record(audit.UPLOAD, "ok", "a@example.gov.uk", "performance", path=path, file="x.csv", added=3)
    audit.record(audit.DENIED, "refused", "b@example.gov.uk", path=path, reason="not on the access list")
    rows = audit.entries(path)
    assert [(r["action"], r["who"], r["outcome"]) for r in rows] == [
        ("denied", "b@example.gov.uk", "refused"), ("upload", "a@example.gov.uk", "ok")]
    assert rows[1]["detail"] == {"file": "x.csv", "added": 3}
    con = sqlite3.connect(path)
    for statement in ("update audit_log set who = 'x'", "delete from audit_log"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(statement)
    con.close()
    assert len(audit.entries(path)) == 2


def test_audit_csv_never_lets_a_spreadsheet_run_a_name_as_a_formula(tmp_path):
    path = tmp_path / "audit.sqlite"
    audit.record(audit.UPLOAD, "ok", "=HYPERLINK(\"http://x\")", path=path, file="+cmd.csv")
    text = audit.entries_csv(audit.entries(path)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_cli_load_is_audited_and_audit_json_prints_it(tmp_path):
    db = tmp_path / "db.duckdb"
    run = lambda *a: subprocess.run([sys.executable, "-m", "cipdash", *a], cwd=ROOT, capture_output=True, text=True,
                                    timeout=300)
    assert run("load", "--plan", str(PLAN), "--data", str(DATA), "--db", str(db)).returncode == 0
    bad = tmp_path / "bad"
    shutil.copytree(DATA, bad)
    (bad / "broken.csv").write_text("measure_id,period_end,value\nno_such_measure,2020-01-31,5\n")
    assert run("load", "--plan", str(PLAN), "--data", str(bad), "--db", str(db)).returncode == 1
    done = run("audit", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["action"], r["outcome"], r["source"]) for r in rows] == [("load", "refused", "cli"),
                                                                        ("load", "ok", "cli")]
    assert rows[1]["detail"]["added"] > 0 and rows[1]["who"].startswith("cli:")
    assert rows[0]["detail"]["problems"] == 1
    recorded = rows[1]["detail"]["files"]
    assert all(len(f["sha256"]) == 64 for f in recorded)
    for extract in DATA.glob("*.csv"):
        assert any(f["file"].endswith("data/" + extract.name) for f in recorded), extract.name
    assert (tmp_path / "audit.sqlite").exists()  # beside the database, never inside it


# --- the dashboard under AppTest, signed in --------------------------------------------

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "c",
        "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ACCESS = ("principal,role,service_areas\n"
          "viewer@example.gov.uk,viewer,Localities\n"
          "hos@example.gov.uk,head_of_service,Children in Care\n"
          "perf@example.gov.uk,performance,\n"
          "admin@example.gov.uk,admin,\n")


@pytest.fixture(scope="module")
def signed_in_site(tmp_path_factory):
    """The sample loaded into a temporary database, with an access list, the audit log beside it."""
    root = tmp_path_factory.mktemp("signin")
    plan, data = sample_copy(root)
    (plan / "access.csv").write_text(ACCESS)
    db = loaded(root, (plan, data), "db.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIPDASH_DB", str(db))
        mp.setenv("CIPDASH_PLAN_DIR", str(plan))
        mp.setenv("CIPDASH_DATA_DIR", str(data))
        mp.delenv("CIPDASH_AUDIT", raising=False)
        yield root


def app_as(email: str | None, page: str | None = None, session: dict | None = None, iat: float | None = None,
           alone: bool = False, **params) -> AppTest:
    """The dashboard (or, `alone`, one page file run by itself, as the button tests need:
    under AppTest the entry point reruns each page once, which drops a click) for a person
    signed in with `email` (None: not signed in)."""
    at = AppTest.from_file(str(ROOT / ("pages/" + page + ".py" if alone else "dashboard.py")), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = ({"is_logged_in": True, "email": email, "iat": time.time() if iat is None else iat}
               if email else {"is_logged_in": False})
    if page and not alone:
        at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    shown = " ".join([t.value for t in at.title] + [m.value for m in at.markdown] + [e.value for e in at.error]
                     + [c.value for c in at.caption] + [i.value for i in at.info])
    return shown.replace("\u2060", "")  # md_text's word joiners (addresses never become links)


def audit_rows(root: Path) -> list[dict]:
    return audit.entries(root / "audit.sqlite")


def test_without_signing_in_only_the_sign_in_page_is_served(signed_in_site):
    at = app_as(None)
    assert at.title[0].value == "Sign in"
    assert [b.label for b in at.button] == ["Sign in with your organisation account"]
    assert not at.dataframe and not at.metric
    # A deep link to a page is served the sign-in page too.
    assert app_as(None, page="data").title[0].value == "Sign in"


def test_a_person_on_no_row_is_not_authorised_told_who_to_ask_shown_no_figures_and_recorded(signed_in_site):
    at = app_as("stranger@example.gov.uk")
    assert at.title[0].value == "Not authorised"
    assert "your performance team" in texts(at)
    assert not at.dataframe and not at.metric and not at.sidebar.selectbox
    rows = [r for r in audit_rows(signed_in_site) if r["who"] == "stranger@example.gov.uk"]
    assert rows and rows[0]["action"] == "denied" and rows[0]["detail"]["reason"] == "not on the access list"


def test_an_old_sign_in_has_expired_and_shows_no_figures(signed_in_site):
    at = app_as("admin@example.gov.uk", iat=time.time() - 9 * 3600)
    assert at.title[0].value == "Your sign-in has expired"
    assert not at.dataframe and not at.metric


def test_a_viewer_sees_the_figures_and_only_its_areas_teams_and_is_recorded_signing_in(signed_in_site):
    at = app_as("viewer@example.gov.uk")
    assert at.metric  # the authority's figures
    scope = at.sidebar.multiselect[0]
    assert set(scope.options) == {"Service area: Localities", "Team: Localities East", "Team: Localities West",
                                  "Team: Localities North", "Team: Localities South"}
    assert "Signed in as viewer@example.gov.uk · Viewer (Localities)" in texts(at).replace("\\", "")
    rows = [r for r in audit_rows(signed_in_site) if r["who"] == "viewer@example.gov.uk" and r["action"] == "sign-in"]
    assert rows and rows[0]["role"] == "viewer"


def test_a_head_of_service_starts_on_its_own_area(signed_in_site):
    at = app_as("hos@example.gov.uk", page="teams")
    assert at.sidebar.multiselect[0].value == ["area:Children in Care"]
    assert "Children in Care" in texts(at)


@pytest.mark.parametrize("forged", [
    {"session": {"scope": ["team:fr_north", "area:First Response"]}},
    {"params": {"scope": "area:First Response"}},
])
def test_a_viewer_forging_another_areas_scope_gets_none_of_its_figures(signed_in_site, forged):
    at = app_as("viewer@example.gov.uk", page="teams", session=forged.get("session"), **forged.get("params", {}))
    assert at.sidebar.multiselect[0].value == []  # only offered choices survive, on the server
    shown = " ".join(str(d.value.to_dict()) for d in at.dataframe) + texts(at)
    for other in ("First Response North", "First Response South", "fr_north", "fr_south"):
        assert other not in shown


class Stopped(Exception):
    pass


@pytest.fixture
def viewer_context(signed_in_site, monkeypatch):
    """A page context of the viewer (Localities), as a page gets it, with st.stop() raising."""
    import streamlit

    from cipdash import webapp
    from cipdash.db import file_version
    from cipdash.scope import Scope
    from cipdash.store import resolve_db

    monkeypatch.setattr(streamlit, "stop", lambda: (_ for _ in ()).throw(Stopped()))
    grant = access.grant_for(Person("viewer@example.gov.uk"),
                             access.current_access(signed_in_site / "cip_data").entries)
    path = str(resolve_db())
    return webapp.PageContext(path, file_version(path), None, None, None, Scope(), grant)


def test_any_query_for_a_team_outside_the_viewers_areas_is_refused_and_recorded(signed_in_site, viewer_context):
    from datetime import date

    from cipdash import queries

    ctx = viewer_context
    assert set(ctx.get(queries.teams)["team_id"]) == {"loc_east", "loc_west", "loc_north", "loc_south"}
    ctx.get(queries.scope_figures, date(2020, 10, 31), ("loc_east",))  # its own area: fine
    before = len(audit_rows(signed_in_site))
    for name, args in ((queries.scope_figures, (date(2020, 10, 31), ("loc_east", "fr_north"))),
                       (queries.chart_heatmap, ("assessment_timeliness", date(2020, 10, 31), ("cic_south",))),
                       (queries.chart_league, ("assessment_timeliness", date(2020, 9, 30), "month",
                                               date(2020, 10, 31), ()))):
        with pytest.raises(Stopped):
            (ctx.chart if name.__name__.startswith("chart") else ctx.get)(name, *args)
    new = audit_rows(signed_in_site)[: len(audit_rows(signed_in_site)) - before]
    assert [r["detail"].get("query") for r in reversed(new)] == ["scope_figures", "chart_heatmap", "chart_league"]
    assert all(r["action"] == "denied" and r["role"] == "viewer" for r in new)
    assert new[-1]["detail"]["asked"] == ["fr_north"]


def test_a_forged_internal_pack_or_a_pack_of_another_area_is_refused(signed_in_site, viewer_context):
    from cipdash import webapp
    from cipdash.scope import Scope

    with pytest.raises(Stopped):
        webapp.pack_file(viewer_context, Scope(), public=False, fmt="xlsx")
    with pytest.raises(Stopped):
        webapp.pack_file(viewer_context, Scope("service_area", "First Response"), public=True, fmt="xlsx")
    refused = [r["detail"]["attempted"] for r in audit_rows(signed_in_site)[:2]]
    assert refused == ["a pack of teams outside your service areas", "internal (unsuppressed) exports"]


def test_the_data_page_with_its_uploader_is_refused_to_a_viewer_even_by_deep_link(signed_in_site):
    at = app_as("viewer@example.gov.uk", page="data")
    assert not at.get("file_uploader") and not at.dataframe
    assert "does not allow this: upload extracts" in texts(at)
    assert any(r["action"] == "denied" and r["detail"].get("attempted") == "upload extracts"
               and r["who"] == "viewer@example.gov.uk" for r in audit_rows(signed_in_site))


def test_performance_gets_the_uploader_but_not_the_audit_log(signed_in_site):
    at = app_as("perf@example.gov.uk", page="data")
    assert at.get("file_uploader")
    assert "Audit log" not in [s.value for s in at.subheader]


def test_admin_reads_the_audit_log_and_file_details_on_the_data_page(signed_in_site):
    at = app_as("admin@example.gov.uk", page="data", alone=True)
    headings = [s.value for s in at.subheader]
    assert "Audit log" in headings and "Files and folders" in headings
    log = next(d.value for d in at.dataframe if "Action" in d.value.columns)
    assert "sign-in" in set(log["Action"]) and "denied" in set(log["Action"])
    files = next(d.value for d in at.dataframe if "SHA-256" in d.value.columns)
    assert any(len(h) == 64 for h in files["SHA-256"])
    at.button(key="audit-prepare").click().run()
    assert any(r["action"] == "audit-export" for r in audit_rows(signed_in_site))


def test_a_viewer_has_no_internal_pack_choice(signed_in_site):
    at = app_as("viewer@example.gov.uk", page="exports")
    assert not at.toggle  # no public/internal choice: public only
    assert "Internal packs are for the performance team" in texts(at)


def test_every_pack_built_is_recorded_with_its_scope_and_version(signed_in_site):
    at = app_as("perf@example.gov.uk", page="exports", alone=True)
    at.toggle(key="pack_public").set_value(False).run()
    at.radio(key="pack_format").set_value("xlsx").run()
    at.button(key="pack_build").click().run()
    assert not at.exception
    rows = [r for r in audit_rows(signed_in_site) if r["action"] == "export" and r["who"] == "perf@example.gov.uk"]
    assert rows and rows[0]["detail"]["version"] == "internal" and rows[0]["detail"]["scope"] == ["authority"]
    assert rows[0]["detail"]["file"].endswith("_internal.xlsx")


def test_a_viewer_gets_no_chart_downloads_and_performance_gets_internal_marked_ones(signed_in_site):
    viewer = app_as("viewer@example.gov.uk", page="measures")
    perf = app_as("perf@example.gov.uk", page="measures")
    assert not viewer.get("download_button")
    names = [b.proto.label for b in perf.get("download_button")]
    assert names, "performance should have chart downloads"


# --- the launcher (bin/run-dashboard) ------------------------------------------------------

def test_the_launcher_serves_loopback_only_without_sign_in_unless_told_with_a_warning(tmp_path):
    from cipdash.launch import LaunchRefused, plan

    none = {"CIPDASH_SECRETS": str(tmp_path / "no-such-secrets.toml")}
    args = plan([], none).streamlit_args
    assert args[args.index("--server.address") + 1] == "127.0.0.1"
    with pytest.raises(LaunchRefused, match="without sign-in"):
        plan(["--address", "0.0.0.0"], none)
    with pytest.raises(LaunchRefused, match="without sign-in"):
        plan(["--server.address=192.0.2.10"], none)
    allowed = plan(["--address", "0.0.0.0", "--allow-no-sign-in"], none | {"CIPDASH_ALLOWED_HOSTS": "dash.example"})
    assert "WITHOUT SIGN-IN" in allowed.warnings[0]
    done = subprocess.run([sys.executable, "-m", "cipdash.launch", "--address", "0.0.0.0"], cwd=ROOT,
                          env={**__import__("os").environ, **none}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Refusing to listen on 0.0.0.0 without sign-in" in done.stderr


def test_beyond_loopback_with_sign_in_the_launcher_names_the_allowed_hosts(tmp_path):
    from cipdash.launch import LaunchRefused, plan

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "https://dash.council.example/oauth2callback"\n'
                       'cookie_secret = "x"\nclient_id = "c"\nclient_secret = "s"\n'
                       'server_metadata_url = "https://idp.example/.well-known/openid-configuration"\n')
    launch = plan(["--address", "0.0.0.0", "--server.port", "9000"], {"CIPDASH_SECRETS": str(secrets)})
    args = launch.streamlit_args
    hosts = [args[i + 1] for i, a in enumerate(args) if a == "--server.allowedHosts"]
    assert hosts == ["dash.council.example", "localhost", "127.0.0.1"] and launch.warnings == []
    assert args[args.index("--secrets.files") + 1] == str(secrets) and args[-2:] == ["--server.port", "9000"]
    secrets.write_text('[auth]\ncookie_secret = "x"\n')  # no redirect_uri, no CIPDASH_ALLOWED_HOSTS
    with pytest.raises(LaunchRefused, match="CIPDASH_ALLOWED_HOSTS"):
        plan(["--address", "0.0.0.0"], {"CIPDASH_SECRETS": str(secrets)})


def _forged_note_script():
    """A page view that calls the commentary form's save callback directly, as a request
    forged without the form would reach it."""
    import streamlit as st

    from cipdash.meeting import render

    render._add_note("forged", "2021-03", "assessment_timeliness", None)
    st.write(str(st.session_state.get("forged-flash")))


@pytest.mark.parametrize("email, allowed", [("viewer@example.gov.uk", False), ("hos@example.gov.uk", True)])
def test_a_write_to_the_meeting_record_is_checked_on_the_server(signed_in_site, monkeypatch, tmp_path, email,
                                                               allowed):
    from cipdash.meeting.store import MeetingStore

    state = tmp_path / "meeting.sqlite"
    monkeypatch.setenv("CIPDASH_STATE", str(state))
    at = AppTest.from_function(_forged_note_script, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": email, "iat": time.time()}
    at.session_state["forged-new-note"] = "written without the form"
    before = len(audit_rows(signed_in_site))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notes = MeetingStore(str(state)).notes() if state.exists() else []
    if allowed:
        assert [n["text"] for n in notes] == ["written without the form"]
        assert [n["author"] for n in notes] == [email]
    else:
        assert notes == []
        assert "Not saved: your role does not allow this" in " ".join(m.value for m in at.markdown)
        new = audit_rows(signed_in_site)[: len(audit_rows(signed_in_site)) - before]
        assert new and new[0]["action"] == "denied" and new[0]["role"] == "viewer"

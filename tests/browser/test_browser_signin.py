"""Sign-in through a real OpenID Connect provider, in Chromium (issue 15).

The provider is `oidc-provider-mock` (PyPI), started here on loopback: it serves a real
discovery document, keys, an authorisation form and tokens, and Streamlit's `st.login`
(Authlib) talks to it exactly as it would to Microsoft Entra ID. The dashboard is a real
`streamlit run` over a copy of the sample, with an access list naming one person per
role and a secrets file whose [auth] points at the provider.

Every request the browser makes while on the dashboard is recorded: none may leave
loopback (no usage statistics, no Google fonts or icons).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from browserkit import ROOT, SCREENSHOTS, VIEWPORT, WAIT_MS, exceptions, main, safe_name, wait_for_app
from serving import free_port
from support import sample_copy

oidc = pytest.importorskip("oidc_provider_mock", reason="oidc-provider-mock is in requirements.txt: run bin/setup")

ACCESS = ("principal,role,service_areas\n"
          "viewer@example.gov.uk,viewer,Localities\n"
          "group:perf-team,performance,\n"
          "admin@example.gov.uk,admin,\n")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="module")
def provider():
    users = [oidc.User(sub="perf", claims={"email": "perf@example.gov.uk", "groups": ["perf-team"]})]
    with oidc.run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def signin_app(tmp_path_factory, provider):
    root = tmp_path_factory.mktemp("signin")
    plan, data = sample_copy(root)
    (plan / "access.csv").write_text(ACCESS)
    # Web and e-mail addresses in plan text: shown as text, never as live links.
    (plan / "plan.toml").write_text('name = "Plan, see http://example.com/plan and www.example.org"\n'
                                     'authority = "Council (help@example.gov.uk)"\n'
                                     'access_contact = "the data team, data@example.gov.uk"\n')
    db = root / "cipdash.duckdb"
    from cipdash.store import load

    load(plan, data, db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    secrets = root / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(24).hex()}"\n'
        'client_id = "cipdash-test"\n'
        'client_secret = "' + os.urandom(8).hex() + '"\n'  # made up each run: the mock provider takes any
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    env = dict(os.environ, CIPDASH_DB=str(db), CIPDASH_PLAN_DIR=str(plan), CIPDASH_DATA_DIR=str(data))
    log = root / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
             "--secrets.files", str(secrets)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    yield {"url": url, "root": root, "db": db, "log": log}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def person(browser):
    """A fresh browser (own cookies) whose requests beyond loopback are refused and recorded
    with the page they came from."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    outside: list[tuple[str, str]] = []

    def route(r):
        host = urlparse(r.request.url).hostname or ""
        if r.request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOOPBACK_HOSTS:
            try:
                frame = r.request.frame.url
            except Exception:  # a service worker's request has no frame
                frame = ""
            outside.append((r.request.url, frame))
            return r.abort()
        return r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.outside = outside
    yield page
    context.close()


@pytest.fixture
def shot(person, request):
    """shot("name"): a screenshot of this test's own browser (not the shared one) in
    artifacts/screenshots/<test>[-<name>].png."""
    def save(name: str = "") -> None:
        test = safe_name(request.node.name)
        path = SCREENSHOTS / (f"{test}-{name}.png" if name else f"{test}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        person.screenshot(path=str(path))
    return save


def sign_in(page, app, sub: str) -> None:
    """Through the dashboard's button and the provider's own form, as a person would."""
    page.goto(app["url"] + "/", wait_until="domcontentloaded")
    wait_for_app(page)
    expect(main(page).get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Sign in with your organisation account").click()
    page.wait_for_url("**/oauth2/authorize**")
    page.locator("input[name='sub']").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(app["url"] + "/**")
    wait_for_app(page)


def signed_in_as(page, words: str) -> None:
    """The sidebar says who is signed in (md_text puts an invisible word joiner before "@",
    so that an address is never made a link)."""
    pattern = re.escape(words).replace("@", "\u2060?@")
    expect(page.locator("[data-testid='stSidebar']").get_by_text(re.compile(pattern))).to_be_visible()


def audit_rows(app) -> list[dict]:
    from cipdash import audit

    return audit.entries(Path(app["root"]) / "audit.sqlite")


def dashboard_requests_outside(page, app) -> list[str]:
    return [u for u, frame in page.outside if frame.startswith(app["url"])]


def test_sign_in_see_pages_and_sign_out(signin_app, person, shot):
    page = person
    sign_in(page, signin_app, "admin@example.gov.uk")
    signed_in_as(page, "Signed in as admin@example.gov.uk · Administrator (all service areas)")
    for title in ("Measures", "Teams", "Data", "Report pack"):
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
        wait_for_app(page)
        expect(main(page).get_by_role("heading", name=title).first).to_be_visible()
        assert exceptions(page) == []
    expect(main(page).get_by_role("heading", name="Report pack")).to_be_visible()
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Data").click()
    wait_for_app(page)
    expect(main(page).get_by_role("heading", name="Audit log")).to_be_visible()
    shot("admin-data-page")
    rows = audit_rows(signin_app)
    assert any(r["action"] == "sign-in" and r["who"] == "admin@example.gov.uk" and r["role"] == "admin"
               for r in rows)
    page.get_by_role("button", name="Sign out").click()
    # The provider's own end-of-session form (RP-initiated logout), then back to the dashboard.
    page.wait_for_url("**/end_session**")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(signin_app["url"] + "/**")
    wait_for_app(page)
    expect(main(page).get_by_role("heading", name="Sign in")).to_be_visible()
    assert not page.locator("[data-testid='stMetric']").count()
    assert dashboard_requests_outside(page, signin_app) == []


def test_a_person_not_on_the_list_sees_not_authorised_and_no_figures(signin_app, person, shot):
    page = person
    sign_in(page, signin_app, "stranger@example.gov.uk")
    expect(main(page).get_by_role("heading", name="Not authorised")).to_be_visible()
    expect(main(page).get_by_text("contact the data team, data")).to_be_visible()  # plan.toml's access_contact
    assert main(page).locator("a[href*='example']").count() == 0
    assert page.locator("[data-testid='stMetric']").count() == 0
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    # A deep link to a page with figures is the same refusal.
    page.goto(signin_app["url"] + "/measures", wait_until="domcontentloaded")
    wait_for_app(page)
    expect(main(page).get_by_role("heading", name="Not authorised")).to_be_visible()
    assert page.locator("[data-testid='stMetric']").count() == 0
    shot()
    assert any(r["action"] == "denied" and r["who"] == "stranger@example.gov.uk" for r in audit_rows(signin_app))


def test_a_viewer_sees_its_area_no_data_page_no_internal_packs_and_no_chart_downloads(signin_app, person, shot):
    page = person
    sign_in(page, signin_app, "viewer@example.gov.uk")
    signed_in_as(page, "Signed in as viewer@example.gov.uk · Viewer (Localities)")
    # The plan's name and authority hold web and e-mail addresses: text, never links.
    shown = main(page).inner_text().replace("\u2060", "")
    assert "see http://example.com/plan and www.example.org" in shown and "help@example.gov.uk" in shown
    links = page.locator("[data-testid='stMain'] a[href*='example']:not([href^='#']), "
                         "[data-testid='stSidebar'] a[href*='example']:not([href^='#'])")
    assert links.evaluate_all("as => as.map(a => a.outerHTML + ' IN ' + a.parentElement.outerHTML)") == []
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_role("link", name="Report pack")).to_be_visible()
    assert nav.get_by_role("link", name="Data").count() == 0
    # The Data page by URL: not in this person's navigation, so the uploader is never drawn.
    page.goto(signin_app["url"] + "/data", wait_until="domcontentloaded")
    wait_for_app(page)
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    # A raw upload request made without the widget: refused by XSRF protection without the
    # token, and with it (for a session id made up) refused too; nothing reaches data/.
    files_before = sorted(p.name for p in (Path(signin_app["root"]) / "data").iterdir())
    statuses = page.evaluate("""async (base) => {
        const form = () => { const f = new FormData(); f.append("file", new Blob(["measure_id\\n"]), "evil.csv");
                             return f; };
        const url = base + "/_stcore/upload_file/forged-session/forged-file";
        const bare = await fetch(url, {method: "PUT", body: form()});
        const token = (document.cookie.split("; ").find(c => c.startsWith("_streamlit_xsrf=")) || "").slice(16);
        const withToken = await fetch(url, {method: "PUT", body: form(), headers: {"X-Xsrftoken": token}});
        return [bare.status, withToken.status, token.length > 0];
    }""", signin_app["url"])
    assert statuses == [403, 400, True]
    assert sorted(p.name for p in (Path(signin_app["root"]) / "data").iterdir()) == files_before
    page.goto(signin_app["url"] + "/exports", wait_until="domcontentloaded")
    wait_for_app(page)
    expect(main(page).get_by_text("Internal packs are for the performance team")).to_be_visible()
    assert page.locator("[data-testid='stToggle']").count() == 0
    page.goto(signin_app["url"] + "/measures", wait_until="domcontentloaded")
    wait_for_app(page)
    # No chart Download menus (the month's "Change month" pop-up is there for everyone).
    assert main(page).locator("[data-testid='stPopover']").filter(has_text="Download").count() == 0
    assert page.locator(".js-plotly-plot").count() > 0  # the charts themselves are there
    # Nor the chart toolbar's own (unmarked, unrecorded) "Download plot as a PNG".
    assert page.locator(".modebar-btn[data-title*='Download']").count() == 0
    shot()
    assert dashboard_requests_outside(page, signin_app) == []


def test_a_group_member_gets_the_groups_role_and_internal_marked_chart_downloads(signin_app, person):
    page = person
    # "perf" is the provider's predefined user whose token carries groups: ["perf-team"].
    page.goto(signin_app["url"] + "/", wait_until="domcontentloaded")
    wait_for_app(page)
    page.get_by_role("button", name="Sign in with your organisation account").click()
    page.wait_for_url("**/oauth2/authorize**")
    page.get_by_role("button", name="perf", exact=True).click()
    page.wait_for_url(signin_app["url"] + "/**")
    wait_for_app(page)
    signed_in_as(page, "Signed in as perf@example.gov.uk · Performance team (all service areas)")
    expect(page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Data")).to_be_visible()
    page.goto(signin_app["url"] + "/measures", wait_until="domcontentloaded")
    wait_for_app(page)
    main(page).locator("[data-testid='stPopover']").filter(has_text="Download").locator("button").first.click()
    csv_button = page.get_by_role("button", name="Data (CSV)").first
    with page.expect_download() as got:
        csv_button.click()
    assert got.value.suggested_filename.startswith("INTERNAL_")
    deadline = time.monotonic() + 10
    while not any(r["action"] == "export" and r["who"] == "perf@example.gov.uk" for r in audit_rows(signin_app)):
        assert time.monotonic() < deadline, "the chart download was not recorded"
        time.sleep(0.2)
    assert dashboard_requests_outside(page, signin_app) == []


def test_an_upload_by_the_performance_team_is_recorded_with_its_file_hash_and_counts(signin_app, person):
    import hashlib

    import pandas as pd

    import browser_sample as sample

    page = person
    sign_in(page, signin_app, "perf")  # the predefined user: group perf-team, so performance
    page.goto(signin_app["url"] + "/data", wait_until="domcontentloaded")
    wait_for_app(page)
    figures = sample.extracts()
    last = figures.loc[figures["measure_id"] == "sw_vacancy_rate", "period_end"].max()
    month = (last + pd.offsets.MonthEnd(1)).date()
    name = f"workforce_{month:%Y-%m}.csv"
    text = ("measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
            f"sw_vacancy_rate,{month.isoformat()},month,ALL,7.5,,\n")
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}])
    wait_for_app(page)
    page.get_by_role("button", name="Load these files").click()
    expect(main(page).locator("[data-testid='stAlert']").filter(has_text="Loaded:")).to_be_visible(timeout=60_000)
    row = next(r for r in audit_rows(signin_app) if r["action"] == "upload")
    assert (row["who"], row["role"], row["outcome"]) == ("perf@example.gov.uk", "performance", "ok")
    assert row["detail"]["files"] == [{"file": name, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                                       "bytes": len(text.encode())}]
    assert (row["detail"]["added"], row["detail"]["revised"], row["detail"]["withdrawn"]) == (1, 0, 0)

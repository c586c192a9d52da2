"""Uploads that cannot lose a file (issue 15).

- Same-name uploads within the same second (the issue: three within half a second destroyed
  the original): every backup in data/replaced/ has its own name, and the original and each
  upload are all still somewhere (data/ or data/replaced/).
- Concurrent same-name uploads, in threads and in processes: one at a time; each waiting
  uploader is told so; each is checked again when its turn comes and told the truth about
  what it changed; the database shows exactly the file left in data/.
- An upload killed (SIGKILL) at random moments of its load, several times: after the next
  start's recovery, data/ holds the old file or the new one, the database shows exactly
  data/'s figures, nothing is left half-written and nothing is lost.
- A full disk (a real 1 MB tmpfs where it can be mounted, and injected ENOSPC at each write
  otherwise): nothing partial that looks like a backup, data/ and the database as they were.
- An upload that would withdraw figures or empty a file is not written unconfirmed; the
  check carries the counts; a confirmed one is.
"""
from __future__ import annotations

import errno
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cipdash import store, uploads
from cipdash.store import files_lock, load, preview, validate
from plan_builder import EXTRACT, PLAN, write_plan
from support import built_project, run_dashboard, use_site

PROJECT = Path(__file__).resolve().parent.parent
HEADER = EXTRACT.splitlines()[0] + "\n"


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def version(k: int) -> bytes:
    """The extract with its September figure restated as 60 + k: same rows, other figures."""
    return EXTRACT.replace("assessment_timeliness,2020-09-30,month,ALL,94.0,188,200",
                           f"assessment_timeliness,2020-09-30,month,ALL,{60 + k}.0,,").encode()


def shown_value(db: Path) -> float:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select value from observations where measure_id = 'assessment_timeliness' "
                           "and team_id = 'ALL' and period_end = '2020-09-30'").fetchone()[0]


def consistent(plan_dir: Path, data_dir: Path, db: Path) -> bool:
    """The database shows exactly the figures of the files in data/."""
    c = preview(validate(plan_dir, data_dir), db)
    return c.added == c.revised == c.withdrawn == 0


def leftovers(data_dir: Path, db: Path) -> list[str]:
    """Anything an interrupted upload could leave: staging folders, partial backups, a journal."""
    found = [p.name for p in data_dir.glob(uploads.STAGE_PREFIX + "*")]
    found += [p.name for p in (data_dir / "replaced").glob(".*")] if (data_dir / "replaced").is_dir() else []
    found += [p.name for p in data_dir.glob(".*uploading*")]
    if uploads.journal_path(db).exists():
        found.append(uploads.journal_path(db).name)
    return found


def every_version_kept(data_dir: Path, versions: list[bytes]) -> None:
    held = {sha((data_dir / "extract.csv").read_bytes())}
    held |= {sha(p.read_bytes()) for p in (data_dir / "replaced").glob("*.csv")}
    missing = [i for i, v in enumerate(versions) if sha(v) not in held]
    assert not missing, f"versions lost: {missing}"


@pytest.fixture
def project(tmp_path):
    return built_project(tmp_path)


# --------------------------------------------------------------------------- same-name uploads

class SameInstant:
    """The clock stopped: every upload happens in the same microsecond."""

    @staticmethod
    def now(tz=None):
        from datetime import datetime, timezone
        return datetime(2026, 12, 4, 12, 0, 0, 123456, tzinfo=timezone.utc)


def test_same_name_uploads_in_the_same_second_each_keep_their_own_backup(project, monkeypatch):
    plan_dir, data_dir, db = project
    original = (data_dir / "extract.csv").read_bytes()
    monkeypatch.setattr(uploads, "datetime", SameInstant)
    outcomes = []
    for k in range(3):
        check = uploads.check_upload([("extract.csv", version(k))], plan_dir, data_dir, db)
        outcomes.append(uploads.apply_upload(check, plan_dir, data_dir, db))
    backups = sorted((data_dir / "replaced").iterdir())
    assert len(backups) == 3 and len({p.name for p in backups}) == 3
    # each upload's backup is the file it replaced: the original, then the first two uploads
    assert [(data_dir / "replaced" / o.kept["extract.csv"]).read_bytes() for o in outcomes] == \
        [original, version(0), version(1)]
    assert (data_dir / "extract.csv").read_bytes() == version(2) and shown_value(db) == 62.0
    assert all(o.result.rows_revised == 1 for o in outcomes)


def test_backup_names_never_repeat_even_at_the_same_microsecond(monkeypatch):
    monkeypatch.setattr(uploads, "datetime", SameInstant)
    names = {uploads._backup_name("extract.csv") for _ in range(1000)}
    assert len(names) == 1000
    assert all(n.startswith("extract.20261204T120000.123456Z.") and n.endswith(".csv") for n in names)


def test_concurrent_same_name_uploads_in_threads_lose_nothing_and_are_told_the_truth(project):
    plan_dir, data_dir, db = project
    original = (data_dir / "extract.csv").read_bytes()
    n = 4
    checks = [uploads.check_upload([("extract.csv", version(k))], plan_dir, data_dir, db) for k in range(n)]
    waited, outcomes, errors = [False] * n, [None] * n, []

    def upload(k: int) -> None:
        try:
            outcomes[k] = uploads.apply_upload(checks[k], plan_dir, data_dir, db,
                                               on_wait=lambda: waited.__setitem__(k, True))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    # Hold the lock while they start, so that every one of them meets it.
    with files_lock(db):
        threads = [threading.Thread(target=upload, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while not all(waited) and time.monotonic() < deadline:
            time.sleep(0.01)
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert all(waited), waited  # each was told another upload was being applied
    every_version_kept(data_dir, [original] + [version(k) for k in range(n)])
    backups = list((data_dir / "replaced").glob("*.csv"))
    assert len(backups) == n
    # Applied one after another: each replaced the file the one before it left.
    final = (data_dir / "extract.csv").read_bytes()
    replaced = sorted(((data_dir / "replaced" / o.kept["extract.csv"]).read_bytes() for o in outcomes), key=sha)
    assert sorted([original] + [version(k) for k in range(n) if version(k) != final], key=sha) == replaced
    assert consistent(plan_dir, data_dir, db)
    assert shown_value(db) == float(final.split(b"2020-09-30,month,ALL,")[1].split(b",")[0])
    for o in outcomes:  # every uploader saved and loaded its own figures, and is told so
        assert o.written == ["extract.csv"] and o.result.changed and o.result.rows_revised == 1
        assert "Replaced extract.csv (the old file is kept as replaced/" in o.message()
        assert "1 revised" in o.message()
    assert leftovers(data_dir, db) == []


UPLOADER = """
import sys
from pathlib import Path
from cipdash import uploads
plan_dir, data_dir, db, upload = map(Path, sys.argv[1:5])
check = uploads.check_upload([("extract.csv", upload.read_bytes())], plan_dir, data_dir, db)
print("checked", flush=True)
sys.stdin.readline()  # all start applying together
outcome = uploads.apply_upload(check, plan_dir, data_dir, db, on_wait=lambda: print("waiting", flush=True))
print("result", outcome.result.rows_revised, outcome.kept.get("extract.csv"), flush=True)
"""


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if k != "CIPDASH_DB"}
    e["PYTHONPATH"] = str(PROJECT) + os.pathsep + str(PROJECT / "tests")
    return e


def test_concurrent_same_name_uploads_in_processes_lose_nothing(project, tmp_path):
    plan_dir, data_dir, db = project
    original = (data_dir / "extract.csv").read_bytes()
    n = 3
    procs = []
    for k in range(n):
        upload = tmp_path / f"upload{k}.csv"
        upload.write_bytes(version(k))
        procs.append(subprocess.Popen([sys.executable, "-c", UPLOADER, str(plan_dir), str(data_dir), str(db),
                                       str(upload)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=env(), cwd=PROJECT))
    for p in procs:
        assert p.stdout.readline().strip() == "checked"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    results = [o[0].splitlines()[-1].split() for o in outs]
    assert all(r[0] == "result" and r[1] == "1" for r in results), results
    assert len({r[2] for r in results}) == n  # each its own backup
    every_version_kept(data_dir, [original] + [version(k) for k in range(n)])
    assert consistent(plan_dir, data_dir, db)
    assert leftovers(data_dir, db) == []


# --------------------------------------------------------------------------- killed uploads

KILLED = """
import sys
from pathlib import Path
from cipdash import uploads
plan_dir, data_dir, db, upload = map(Path, sys.argv[1:5])
check = uploads.check_upload([("big.csv", upload.read_bytes())], plan_dir, data_dir, db)
assert check.ok, check.problems
print("applying", flush=True)
uploads.apply_upload(check, plan_dir, data_dir, db)
print("done", flush=True)
"""


def big_extract(teams: int, months: int, bump: float) -> bytes:
    lines = [HEADER.strip()]
    for k in range(months):
        year, month = 2000 + k // 12, k % 12 + 1
        end = f"{year}-{month:02d}-{[31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]}"
        for t in range(teams):
            lines.append(f"care_proceedings_weeks,{end},month,t{t},{(t + k) % 40 + bump},,")
    return ("\n".join(lines) + "\n").encode()


def test_an_upload_killed_at_random_moments_is_finished_or_undone_at_the_next_start(tmp_path):
    teams = 60
    team_rows = "team_id,team_name,service_area\n" + "".join(f"t{t},Team {t},Area\n" for t in range(teams))
    root = tmp_path / "pristine"
    plan_dir, data_dir = write_plan(root, plan={"teams.csv": team_rows}, extracts={
        "extract.csv": HEADER, "big.csv": big_extract(teams, 240, 0.5)})
    db = root / "db" / "cip.duckdb"
    load(plan_dir, data_dir, db)
    old = (data_dir / "big.csv").read_bytes()
    new = big_extract(teams, 240, 1.5)  # every figure revised: the load has real work
    upload = tmp_path / "upload.csv"
    upload.write_bytes(new)

    def run(workdir: Path, kill_after: float | None) -> tuple[Path, Path, Path, str]:
        if workdir.exists():
            shutil.rmtree(workdir)
        shutil.copytree(root, workdir)
        p_dir, d_dir, w_db = workdir / "cip_data", workdir / "data", workdir / "db" / "cip.duckdb"
        proc = subprocess.Popen([sys.executable, "-c", KILLED, str(p_dir), str(d_dir), str(w_db), str(upload)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(), cwd=PROJECT)
        assert proc.stdout.readline().strip() == "applying"
        started = time.monotonic()
        if kill_after is None:
            proc.communicate(timeout=300)
            return p_dir, d_dir, w_db, f"{time.monotonic() - started:.3f}"
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        return p_dir, d_dir, w_db, "killed" if proc.returncode == -signal.SIGKILL else "finished first"

    *_, took = run(tmp_path / "timing", None)
    took = float(took)
    rng = random.Random(15)
    states = []
    for i in range(6):
        at = rng.uniform(0, took * 1.1)
        p_dir, d_dir, w_db, how = run(tmp_path / f"round{i}", at)
        # Before anything puts it right: data/ holds a whole old or new file, never a mixture.
        assert (d_dir / "big.csv").read_bytes() in (old, new)
        # The next start: the Data page (or any load or upload) recovers first.
        done = uploads.recover_pending(w_db, d_dir)
        final = (d_dir / "big.csv").read_bytes()
        assert final in (old, new)
        assert consistent(p_dir, d_dir, w_db), (i, at, how, done)
        assert leftovers(d_dir, w_db) == [], (i, at, how, done)
        backups = [p.read_bytes() for p in (d_dir / "replaced").glob("*.csv")] if (d_dir / "replaced").is_dir() else []
        if final == new:
            assert backups == [old]  # the replaced file is kept
        else:
            assert backups == []     # undone: no backup of a replacement that did not happen
        states.append(("new" if final == new else "old", how, done))
    print(f"\nupload took {took:.2f} s; after each kill and recovery: {states}")
    assert {s[1] for s in states} >= {"killed"}


# --------------------------------------------------------------------------- full disk

def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha(p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()}


def mount_tiny(path: Path, size: str) -> bool:
    path.mkdir(parents=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_full_disk_leaves_no_partial_file_and_the_old_state(tmp_path):
    disk = tmp_path / "disk"
    if not mount_tiny(disk, "256k"):
        pytest.skip("cannot mount a tmpfs here (the injected-ENOSPC tests below cover this)")
    try:
        plan_dir, data_dir = write_plan(tmp_path / "project")
        real = disk / "data"
        shutil.copytree(data_dir, real)
        db = tmp_path / "db" / "cip.duckdb"
        load(plan_dir, real, db)
        before, db_before = tree(real), sha(db.read_bytes())
        big = HEADER.encode() + b"".join(f"supervision,{1900 + i // 12}-{i % 12 + 1:02d},month,ALL,70,,\n".encode()
                                         for i in range(1200)) * 1
        filler = disk / "filler"
        free = shutil.disk_usage(disk).free
        filler.write_bytes(b"x" * max(0, free - len(big) // 2))  # room for half the upload
        check = uploads.check_upload([("extract.csv", big)], plan_dir, real, db)
        with pytest.raises(OSError) as failed:
            uploads.apply_upload(check, plan_dir, real, db, confirmed_withdrawals=10_000)
        assert failed.value.errno == errno.ENOSPC
        assert "the disk is full" in uploads.failure_message(failed.value)
        assert tree(real) == before and sha(db.read_bytes()) == db_before
        assert leftovers(real, db) == []
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


@pytest.mark.parametrize("where", ["staging", "journal", "backup copy", "database"])
def test_enospc_at_each_write_leaves_no_partial_backup_and_the_old_state(project, monkeypatch, where):
    plan_dir, data_dir, db = project
    before, db_before = tree(data_dir), sha(db.read_bytes())
    check = uploads.check_upload([("extract.csv", version(1))], plan_dir, data_dir, db)

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    if where == "staging":
        monkeypatch.setattr(uploads, "_write_durably", full)
    elif where == "journal":
        monkeypatch.setattr(uploads, "_write_journal", full)
    elif where == "backup copy":
        # No hard links on this disk: the copy fails part-way, after writing some bytes.
        real_link = os.link

        def link(src, dst, *a, **k):
            if "replaced" in str(dst) and not Path(src).name.startswith("."):
                raise OSError(errno.EPERM, "links not supported")
            return real_link(src, dst, *a, **k)

        real_copy = shutil.copyfileobj

        def copy_half(source, out, *a, **k):
            out.write(source.read(50))
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "link", link)
        monkeypatch.setattr(shutil, "copyfileobj", copy_half)
    else:
        monkeypatch.setattr(uploads, "load_checked", full)
    with pytest.raises(OSError):
        uploads.apply_upload(check, plan_dir, data_dir, db)
    assert tree(data_dir) == before and sha(db.read_bytes()) == db_before
    assert leftovers(data_dir, db) == []
    assert not (data_dir / "replaced").is_dir() or not list((data_dir / "replaced").iterdir())


# --------------------------------------------------------------------------- confirmation

def test_an_upload_that_would_withdraw_or_empty_asks_first_and_writes_nothing_unconfirmed(project):
    plan_dir, data_dir, db = project
    before, db_before = tree(data_dir), sha(db.read_bytes())
    # The header-only upload: it empties the extract.
    check = uploads.check_upload([("extract.csv", HEADER.encode())], plan_dir, data_dir, db)
    assert check.ok and check.needs_confirmation and check.empties == ["extract.csv"]
    assert (check.changes.withdrawn, check.changes.shown, check.changes.added) == (9, 9, 0)
    note = uploads.check_note(check)
    assert "withdraw 9 of the 9 figures shown" in note and "emptied: extract.csv" in note
    assert uploads.button_label(check) == "Confirm: load these files and withdraw 9 figures"
    with pytest.raises(uploads.NeedsConfirmation) as asked:
        uploads.apply_upload(check, plan_dir, data_dir, db)  # the button's confirmation not given
    assert asked.value.changes.withdrawn == 9
    assert tree(data_dir) == before and sha(db.read_bytes()) == db_before and leftovers(data_dir, db) == []
    outcome = uploads.apply_upload(check, plan_dir, data_dir, db, confirmed_withdrawals=uploads.confirmed_count(check))
    assert outcome.result.rows_withdrawn == 9
    assert "9 withdrawn" in outcome.message()
    assert (data_dir / "extract.csv").read_bytes() == HEADER.encode()
    assert consistent(plan_dir, data_dir, db)


def test_a_confirmation_covers_only_the_withdrawals_shown(project):
    plan_dir, data_dir, db = project
    drop_one = EXTRACT.replace("supervision,2020-09-30,month,ALL,,8,10\n", "").encode()
    check = uploads.check_upload([("extract.csv", drop_one)], plan_dir, data_dir, db)
    assert check.changes.withdrawn == 1
    # Meanwhile another upload empties it further: two figures would go, one was confirmed.
    drop_two = drop_one.replace(b"care_proceedings_weeks,2020-06-30,quarter,,31.0,,\n", b"")
    other = uploads.check_upload([("extract.csv", drop_two)], plan_dir, data_dir, db)
    uploads.apply_upload(other, plan_dir, data_dir, db, confirmed_withdrawals=other.changes.withdrawn)
    (data_dir / "extract.csv").write_bytes(EXTRACT.encode())  # and someone puts the file back
    load(plan_dir, data_dir, db, allow_withdraw=True)
    check2 = uploads.check_upload([("extract.csv", drop_two)], plan_dir, data_dir, db)
    with pytest.raises(uploads.NeedsConfirmation):
        uploads.apply_upload(check2, plan_dir, data_dir, db, confirmed_withdrawals=1)
    assert (data_dir / "extract.csv").read_bytes() == EXTRACT.encode()


def test_emptying_a_file_asks_first_even_when_no_figure_would_go(project):
    # A file put in data/ by hand since the last load: the database holds none of its
    # figures, so emptying it withdraws nothing, but it still empties a file of rows.
    plan_dir, data_dir, db = project
    (data_dir / "by_hand.csv").write_text(HEADER + "supervision,2020-10-31,month,ALL,81,,\n")
    check = uploads.check_upload([("by_hand.csv", HEADER.encode())], plan_dir, data_dir, db)
    assert check.needs_confirmation and check.empties == ["by_hand.csv"] and check.changes.withdrawn == 0
    with pytest.raises(uploads.NeedsConfirmation):
        uploads.apply_upload(check, plan_dir, data_dir, db)
    assert (data_dir / "by_hand.csv").read_text().count("\n") == 2
    uploads.apply_upload(check, plan_dir, data_dir, db, confirmed_withdrawals=uploads.confirmed_count(check))
    assert (data_dir / "by_hand.csv").read_bytes() == HEADER.encode()


def test_the_same_file_uploaded_twice_at_once_is_saved_once_and_both_are_told_the_truth(project):
    plan_dir, data_dir, db = project
    first = uploads.check_upload([("extract.csv", version(7))], plan_dir, data_dir, db)
    second = uploads.check_upload([("extract.csv", version(7))], plan_dir, data_dir, db)
    assert first.replaces == second.replaces == ["extract.csv"]  # both checked before either applied
    one = uploads.apply_upload(first, plan_dir, data_dir, db)
    two = uploads.apply_upload(second, plan_dir, data_dir, db)
    assert one.written == ["extract.csv"] and one.result.rows_revised == 1
    assert two.written == [] and two.already_there == ["extract.csv"] and two.kept == {}
    assert not two.result.changed
    assert two.message() == ("extract.csv: already in the extracts folder exactly as uploaded. The database "
                             "already held exactly these figures (9): no figure was added, revised or withdrawn.")
    assert len(list((data_dir / "replaced").glob("*.csv"))) == 1  # no backup of a file by itself


def test_an_upload_adding_figures_needs_no_confirmation(project):
    plan_dir, data_dir, db = project
    check = uploads.check_upload([("more.csv", (HEADER + "supervision,2020-10-31,month,ALL,81,,\n").encode())],
                                 plan_dir, data_dir, db)
    assert not check.needs_confirmation and check.changes.added == 1 and check.changes.withdrawn == 0
    outcome = uploads.apply_upload(check, plan_dir, data_dir, db)
    assert outcome.result.rows_added == 1 and "Saved more.csv in the extracts folder." in outcome.message()


CRASH_ON_RENAME = """
import os, sys
from pathlib import Path
from cipdash import uploads
plan_dir, data_dir, db, upload = map(Path, sys.argv[1:5])
check = uploads.check_upload([("extract.csv", upload.read_bytes())], plan_dir, data_dir, db)
real_replace = os.replace
def replace(src, dst, *a, **k):
    if Path(dst) == data_dir / "extract.csv":
        os._exit(9)  # dies here, as a kill would: no clean-up runs
    return real_replace(src, dst, *a, **k)
os.replace = replace
uploads.apply_upload(check, plan_dir, data_dir, db)
"""


def crash_on_rename(project, tmp_path, k: int):
    """Upload version(k) in a process that dies just after the database was loaded, before
    the file's rename; returns the project (plan, data, db) as the crash left it."""
    plan_dir, data_dir, db = project
    upload = tmp_path / "upload.csv"
    upload.write_bytes(version(k))
    crashed = subprocess.run([sys.executable, "-c", CRASH_ON_RENAME, str(plan_dir), str(data_dir), str(db),
                              str(upload)], capture_output=True, text=True, env=env(), cwd=PROJECT, timeout=120)
    assert crashed.returncode == 9, crashed.stderr
    return plan_dir, data_dir, db


def test_a_load_puts_right_a_journal_left_by_a_crash(project, tmp_path):
    """The crash just after the database was loaded, before the file was renamed: the next
    CLI or scheduled load finishes the upload before reading data/."""
    plan_dir, data_dir, db = crash_on_rename(project, tmp_path, 5)
    # as the crash left it: the journal, the staged file, the new database, the old file
    assert uploads.journal_path(db).exists() and list(data_dir.glob(uploads.STAGE_PREFIX + "*"))
    assert shown_value(db) == 65.0 and (data_dir / "extract.csv").read_bytes() == EXTRACT.encode()
    result = load(plan_dir, data_dir, db)
    assert not result.changed  # the database already held the upload's figures
    assert (data_dir / "extract.csv").read_bytes() == version(5) and shown_value(db) == 65.0
    assert leftovers(data_dir, db) == [] and consistent(plan_dir, data_dir, db)
    [backup] = (data_dir / "replaced").glob("*.csv")
    assert backup.read_bytes() == EXTRACT.encode()


def test_a_staging_folder_in_use_is_never_cleaned_up_by_another(project, tmp_path):
    plan_dir, data_dir, db = project
    live = data_dir / (uploads.STAGE_PREFIX + "in-use")
    live.mkdir()
    owner = uploads._own(live)
    try:
        # Another process's recovery, even for another database over the same data/.
        uploads.recover(tmp_path / "other.duckdb", data_dir)
        assert live.is_dir()
    finally:
        owner.close()
    uploads.recover(tmp_path / "other.duckdb", data_dir)  # now abandoned: removed
    assert not live.exists()


def test_the_dashboards_start_finishes_an_upload_a_crash_left(project, tmp_path, monkeypatch):
    """The same crash, then the dashboard starts (its first page view) before any load: it
    finishes the upload before anyone reads data/ or the database."""
    plan_dir, data_dir, db = crash_on_rename(project, tmp_path, 7)
    assert uploads.journal_path(db).exists()
    use_site(monkeypatch, db, plan_dir, data_dir)
    run_dashboard()
    assert (data_dir / "extract.csv").read_bytes() == version(7) and shown_value(db) == 67.0
    assert leftovers(data_dir, db) == [] and consistent(plan_dir, data_dir, db)

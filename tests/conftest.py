"""Shared by every test.

- CIPDASH_SHOW_ERRORS: the dashboard shows people a plain message for a failure (see
  webapp.plainly); in the tests a failure must surface as the exception it is, for AppTest
  (`at.exception`) and the browser tests (their servers inherit this environment).
  tests/test_plain_failures.py unsets it to check what a person sees.
- sample_db: the bundled sample plan and extracts loaded once for the session, for tests
  that only read them.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["CIPDASH_SHOW_ERRORS"] = "1"

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample_db_file(tmp_path_factory) -> Path:
    """The sample loaded into a database file once per test run. Read it, never write it."""
    from cipdash.store import load

    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    load(ROOT / "cip_data", ROOT / "data", db)
    return db


@pytest.fixture(scope="session")
def sample_snap(sample_db_file):
    """An open read-only snapshot of the session's sample database."""
    from cipdash.db import open_snapshot

    snap = open_snapshot(sample_db_file)
    yield snap
    snap.close()

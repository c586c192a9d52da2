"""The meeting record's tests run on both engines: SQLite (a file in the test's folder) and
PostgreSQL (a new database on the server bin/test starts, named by CIPDASH_TEST_PG_URL).

Without CIPDASH_TEST_PG_URL the PostgreSQL half is skipped locally, but under CI=true it
FAILS: CI must prove the PostgreSQL half, not quietly skip it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_ENV = "CIPDASH_TEST_PG_URL"
ENGINES = ("sqlite", "postgresql")


def pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    message = f"${PG_ENV} is not set: no PostgreSQL server for the meeting record's tests (bin/test starts one)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; under CI=true this is a failure, not a skip")
    pytest.skip(message)


def _admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def new_pg_database(url: str) -> str:
    """A fresh, empty database on the test server; its URL."""
    name = f"cipdash_{uuid.uuid4().hex[:12]}"
    with _admin(url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_pg_database(url: str, target: str) -> None:
    name = urlsplit(target).path.lstrip("/")
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_target(engine: str, tmp_path: Path, request) -> str:
    """A fresh, empty store of `engine`, removed after the test."""
    if engine == "sqlite":
        return str(tmp_path / f"meeting-{uuid.uuid4().hex[:6]}.sqlite")
    url = pg_url()
    target = new_pg_database(url)
    request.addfinalizer(lambda: drop_pg_database(url, target))
    return target


@pytest.fixture(params=ENGINES)
def state(request, tmp_path) -> str:
    """A fresh store's target (a SQLite path or a postgresql:// URL), one test per engine."""
    return make_target(request.param, tmp_path, request)


@pytest.fixture
def new_state(request, tmp_path):
    """new_state("sqlite") / new_state("postgresql"): more fresh stores in one test."""
    return lambda engine: make_target(engine, tmp_path, request)


def closed_port_url() -> str:
    """A postgresql:// URL nobody listens on: PostgreSQL "down"."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://nobody@127.0.0.1:{port}/gone"


def cli(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """`python -m cipdash ...` as a separate process."""
    return subprocess.run([sys.executable, "-m", "cipdash", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, **(env or {})))


HOSTILE_TEXTS = [
    "<script>alert('x')</script><b>bold</b><img src=x onerror=alert(1)>",
    "[click me](https://evil.example/) **strong** _em_ `code` # heading\n- list\n> quote",
    "=HYPERLINK(\"https://evil.example\",\"click\")",
    "+1+2", "-3+4", "@SUM(A1:A2)",
    ":red[coloured] $x^2$ &amp; &lt;tag&gt;",
    "Line one\nLine two\n\n  indented line",
    "A long note. " * 7700 + "END",  # 100 KB
]

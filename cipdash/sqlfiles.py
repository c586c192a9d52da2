"""The SQL lives in cipdash/sql/ as files; this reads them (once) by name."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")


@cache
def sql(name: str) -> str:
    """`sql("queries/latest_figures")` -> the text of cipdash/sql/queries/latest_figures.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """A file of several statements, split on ';' at line ends (our files keep that form)."""
    parts = [p.strip() for p in sql(name).split(";\n")]
    return [p.rstrip(";") for p in parts if p and not all(l.strip().startswith("--") for l in p.splitlines())]


def build_fingerprint() -> str:
    """Identifies the SQL that builds the tables, marts and views; a load records it in
    build_info, and readers check it, so a database built by older code is noticed."""
    return hashlib.sha256("\0".join(sql(n) for n in ("schema", "marts", "views")).encode("utf-8")).hexdigest()

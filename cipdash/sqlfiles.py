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


# The Python a load runs to build a mart (the authority's SPC readings, store.py), whose
# rules are part of what the file holds just as the SQL's are (targets: the readings'
# narrative and withheld assurance read the status by targets.meets).
BUILD_MODULES = ("analysis", "spc", "trajectory", "formatting", "targets")


@cache
def build_fingerprint() -> str:
    """Identifies the code that builds the tables, marts and views (the SQL, and the Python
    modules a load runs for the readings mart); a load records it in build_info, and
    readers check it, so a database built by older code is noticed."""
    package = Path(__file__).parent
    parts = [sql(n) for n in ("schema", "marts", "views")]
    parts += [(package / f"{m}.py").read_text(encoding="utf-8") for m in BUILD_MODULES]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()

"""The SQL lives in cipdash/sql/ as files; this reads them (once) by name."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).with_name("sql")


@cache
def sql(name: str) -> str:
    """`sql("queries/latest_figures")` -> the text of cipdash/sql/queries/latest_figures.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """A file of several statements, split on ';' at line ends (our files keep that form)."""
    parts = [p.strip() for p in sql(name).split(";\n")]
    return [p.rstrip(";") for p in parts if p and not all(l.strip().startswith("--") for l in p.splitlines())]


# The marts, one file each under sql/marts/, built in the order of their numbered names (a
# mart reads only the core tables and the marts numbered before it).
MART_FILES = tuple(f"marts/{p.stem}" for p in sorted((SQL_DIR / "marts").glob("[0-9][0-9]_*.sql")))

# What a database holds, and so what a reader relies on: the tables (schema.sql), the marts
# a load stores (sql/marts/: their columns and the rules that filled them) and the views.
# Nothing else: the load SQL only writes rows into these tables, the query SQL and every
# Python module run when read, so a change to either never makes a database unreadable.
SCHEMA_FILES = ("schema", *MART_FILES, "views")


def _tokens(text: str) -> list[str]:
    """The SQL's tokens without its comments and layout (DuckDB's own tokenizer, so a '--'
    inside a string is not taken for a comment): a reworded comment or re-indented query
    stores nothing different, so it must not make a database unreadable."""
    found = duckdb.tokenize(text)
    ends = [start for start, _ in found[1:]] + [len(text)]
    return [text[start:end].strip() for (start, kind), end in zip(found, ends)
            if kind != duckdb.token_type.comment]


@cache
def build_fingerprint() -> str:
    """Identifies the stored schema (SCHEMA_FILES); a load records it in build_info, and
    readers check it, so a database whose tables or marts another version built is noticed."""
    parts = ["\x1f".join(_tokens(sql(n))) for n in SCHEMA_FILES]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()

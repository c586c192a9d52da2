"""What a person sees when a page fails unexpectedly: a plain message with a reference,
never a traceback, a file path or the error's own words (those go to the server's log)."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from cipdash import queries

ROOT = Path(__file__).resolve().parent.parent
SECRET = "boom in /srv/cipdash/secret_path.py"


def run_with_a_broken_query(monkeypatch, db, as_at: str) -> AppTest:
    """The Overview with its needs-attention query failing, at a month no other test's cache
    holds for that query (each test its own month)."""
    monkeypatch.setenv("CIPDASH_DB", str(db))

    def broken(*args, **kwargs):
        raise RuntimeError(SECRET)
    # Named as the query it stands in for: the dashboard caches functions by module and name
    # (and refuses a function made inside another, which has no such name).
    broken.__name__ = broken.__qualname__ = "attention_table"
    broken.__module__ = queries.__name__

    monkeypatch.setattr(queries, "attention_table", broken)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["as_at"] = as_at
    at.run()
    return at


def test_a_failing_page_shows_a_plain_message_and_no_details(sample_db_file, monkeypatch, caplog):
    monkeypatch.delenv("CIPDASH_SHOW_ERRORS", raising=False)
    at = run_with_a_broken_query(monkeypatch, sample_db_file, "2019-06-30")
    assert not at.exception
    shown = "\n".join(str(e.value) for e in at.error)
    assert "something went wrong" in shown and "reference" in shown
    everything = "\n".join(str(getattr(e, "value", "")) for e in at.main) + shown
    assert SECRET not in everything and "Traceback" not in everything and "RuntimeError" not in everything
    assert SECRET in caplog.text  # the details are in the server's log


def test_in_the_tests_a_failure_surfaces_as_itself(sample_db_file, monkeypatch):
    at = run_with_a_broken_query(monkeypatch, sample_db_file, "2019-05-31")
    assert at.exception  # (its text is Streamlit's redacted one: showErrorDetails is "none")
    assert not any("something went wrong" in str(e.value) for e in at.error)

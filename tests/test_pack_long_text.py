"""A rating's evidence longer than a page (the issue: about 1,500 characters stopped the PDF
pack with reportlab's LayoutError) flows on to the next page, whole."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from cipdash.store import load
from exports_plan import HAS_CHROMIUM, NO_CHROMIUM_REASON

ROOT = Path(__file__).resolve().parent.parent
END = "END-OF-THE-LONG-EVIDENCE"


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM_REASON)
def test_evidence_longer_than_a_page_is_in_the_pdf_whole(tmp_path):
    plan, data = tmp_path / "cip_data", tmp_path / "data"
    shutil.copytree(ROOT / "cip_data", plan)
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("replaced", ".*"))
    ratings = pd.read_csv(plan / "ratings.csv", dtype=str, keep_default_na=False)
    ratings.loc[len(ratings) - 1, "evidence"] = "The audit programme found practice improving. " * 120 + END
    ratings.to_csv(plan / "ratings.csv", index=False)
    db = tmp_path / "db.duckdb"
    load(plan, data, db)
    out = tmp_path / "pack.pdf"
    run = subprocess.run([sys.executable, "-m", "cipdash", "export", "--db", str(db), "--format", "pdf",
                          "--trend-only", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    # (spaces and line ends dropped: the PDF's text extraction joins wrapped lines either way)
    text = "".join(page.extract_text() for page in PdfReader(str(out)).pages).replace("\n", "").replace(" ", "")
    assert END in text
    assert text.count("Theauditprogrammefoundpracticeimproving.") >= 120

"""The meeting record in the monthly pack: notes under their charts and recommendations,
the actions table; text as text in every format, formulas neutralised in Excel; left out
of the public pack; a pack without a reachable record still written, saying so."""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import docx
import openpyxl
import pptx
import pytest
from PIL import Image
from pypdf import PdfReader

from cipdash.db import open_snapshot
from cipdash.exports import build_pack, pack_bytes
from cipdash.exports.pack import MEETING_PUBLIC_NOTE
from cipdash.meeting import MeetingStore
from cipdash.safe_cells import neutralise
from cipdash.store import load
from meeting_support import HOSTILE_TEXTS, ROOT, closed_port_url

LATEST = date(2021, 3, 31)
MEASURE = "assessment_timeliness"
NOTE = "<w:p>=1+1</w:p> <script>x</script> [link](http://evil.example) & \"quoted\""
REC_NOTE = "@SUM(A1:A9) recommendation commentary"


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    db = tmp_path_factory.mktemp("meeting-pack") / "sample.duckdb"
    load(ROOT / "cip_data", ROOT / "data", db)
    s = open_snapshot(db)
    yield s
    s.close()


@pytest.fixture
def store(tmp_path):
    s = MeetingStore(str(tmp_path / "meeting.sqlite"))
    s.add_note(author="ann@council.example", text=NOTE, month="2021-03", measure_id=MEASURE)
    s.add_note(author="ann@council.example", text="another month", month="2021-02", measure_id=MEASURE)
    s.add_note(author="bob@council.example", text=REC_NOTE, month="2021-03", rec_id="2019-1")
    s.add_note(author="bob@council.example", text=HOSTILE_TEXTS[-1], month="2021-03", rec_id="2019-2")  # 100 KB
    s.add_action(author="a@x.example", text="=open and overdue", owner="Owner A", due=date.today() - timedelta(days=5),
                 rec_id="2019-1")
    s.add_action(author="a@x.example", text="open later", owner="Owner B", due=date.today() + timedelta(days=5),
                 measure_id=MEASURE)
    closed = s.add_action(author="a@x.example", text="closed just now", owner="Owner C", due="2021-01-31",
                          rec_id="2019-2")
    s.update_action(closed["id"], author="a@x.example", status="done")
    return s


def _tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(out, "PNG")
    return out.getvalue()


def _pack(snap, store, public=False):
    pack = build_pack(snap, LATEST, public=public, meeting=store)
    for c in pack.charts:  # no Chromium needed: the pictures are not what is tested here
        c.png = _tiny_png()
    return pack


def test_notes_sit_under_their_charts_and_recommendations_for_the_as_at_month(snap, store):
    pack = _pack(snap, store)
    # Under the measure's trend chart (each recommendation it serves), not again under its SPC chart.
    charts = [c for c in pack.charts if c.measure_id == MEASURE and c.kind == "trend"]
    assert charts and all([n.text for n in c.notes] == [NOTE] for c in charts)
    assert all(not c.notes for c in pack.charts if c.measure_id != MEASURE or c.kind == "spc")
    by_rec = {s.rec_id: [n.text for n in s.notes] for s in pack.sections}
    assert by_rec["2019-1"] == [REC_NOTE] and by_rec["2019-2"] == [HOSTILE_TEXTS[-1]]
    frame = pack.actions.frame
    assert list(frame["Action"]) == ["=open and overdue", "open later", "closed just now"]
    assert frame["Status"].iloc[0].startswith("Open, overdue by 5 days") and frame["Status"].iloc[2] == "Done"


def test_the_public_pack_leaves_the_record_out_and_says_so(snap, store):
    pack = _pack(snap, store, public=True)
    assert pack.actions is None and not any(c.notes for c in pack.charts) and not any(s.notes for s in pack.sections)
    assert MEETING_PUBLIC_NOTE in pack.notes


def test_an_unreachable_record_leaves_the_pack_whole_and_noted(snap):
    pack = build_pack(snap, LATEST, meeting=MeetingStore(closed_port_url(), migrate=False))
    assert pack.actions is None and pack.charts
    assert any(n.startswith("The meeting record (commentary and actions) could not be read") for n in pack.notes)


def test_xlsx_holds_the_text_formula_safe_and_the_100kb_note_whole(snap, store):
    book = openpyxl.load_workbook(io.BytesIO(pack_bytes(_pack(snap, store), "xlsx")))
    notes = [r for r in book["Commentary"].iter_rows(values_only=True)]
    texts = [r[4] for r in notes[4:]]
    assert NOTE in texts and neutralise(REC_NOTE) in texts and REC_NOTE not in texts
    long_parts = [r[4] for r in notes[4:] if r[0].startswith("Recommendation 2019-2")]
    assert "".join(long_parts) == HOSTILE_TEXTS[-1] and all(len(p) <= 32_767 for p in long_parts)
    actions = [c for r in book["Actions"].iter_rows(values_only=True) for c in r]
    assert neutralise("=open and overdue") in actions and "=open and overdue" not in actions
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_docx_pptx_and_pdf_hold_the_text_as_text(snap, store):
    pack = _pack(snap, store)
    document = docx.Document(io.BytesIO(pack_bytes(pack, "docx")))
    paragraphs = [p.text for p in document.paragraphs]
    assert NOTE in paragraphs and REC_NOTE in paragraphs and HOSTILE_TEXTS[-1] in paragraphs
    assert "Actions from the meeting" in paragraphs
    with zipfile.ZipFile(io.BytesIO(pack_bytes(pack, "docx"))) as z:
        xml = z.read("word/document.xml").decode()
    assert "&lt;w:p&gt;=1+1&lt;/w:p&gt;" in xml  # escaped, not a paragraph of its own

    deck = pptx.Presentation(io.BytesIO(pack_bytes(pack, "pptx")))
    slide_text = "\n".join(sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.has_text_frame)
    notes_text = "\n".join(s.notes_slide.notes_text_frame.text for s in deck.slides if s.has_notes_slide)
    assert NOTE in slide_text and NOTE in notes_text and HOSTILE_TEXTS[-1] in notes_text
    assert "Actions from the meeting" in slide_text

    pdf = PdfReader(io.BytesIO(pack_bytes(pack, "pdf")))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "<script>x</script>" in text and "[link](http://evil.example)" in text and "Actions from the meeting" in text


def test_a_pack_without_a_store_is_as_before(snap):
    pack = build_pack(snap, LATEST)
    assert pack.actions is None and pack.meeting_status == "" and not any(c.notes for c in pack.charts)

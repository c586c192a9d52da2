"""The Word pack's text is laid out while Chromium draws its charts (issue 14's speed).

write_pack hands every chart to the renderer without waiting, the writer lays out all the
text, then waits and places the pictures. These tests use a stand-in renderer (no
browser): it hands back a Future that the test completes, so they can say when the
writer waited, what happens when drawing fails, and that the pictures are stored in the
.docx as drawn.
"""
from __future__ import annotations

import io
import threading
import zipfile
from concurrent.futures import Future

import docx
import pytest
from PIL import Image

import cipdash.exports as exports
from cipdash.exports import ImageExportError, ImageRenderer, build_pack, docx_writer, images, write_pack
from cipdash.exports.docx_writer import write_docx
from cipdash.scope import Scope
from exports_plan import HAS_CHROMIUM, NO_CHROMIUM_REASON


def _png(i: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (i * 7 % 256, 90, 200 - i % 200)).save(out, "PNG")
    return out.getvalue()


class StandInRenderer:
    """submit_charts as ImageRenderer's: a Future of one PNG per chart, completed by the test."""

    def __init__(self):
        self.future: Future = Future()
        self.submitted = 0
        self.closed = False

    def submit_charts(self, charts, fmt="png", labels=None, dpi=images.PRINT_DPI):
        self.submitted += 1
        self.charts, self.dpi = list(charts), dpi
        return self.future

    def finish(self) -> list[bytes]:
        pngs = [_png(i) for i in range(len(self.charts))]
        self.future.set_result(pngs)
        return pngs

    def start(self):
        return self

    def close(self):
        self.closed = True


@pytest.fixture()
def pack(sample_snap):
    p = build_pack(sample_snap, None, Scope("authority"), public=True)
    assert len(p.charts) >= 5
    return p


def test_text_is_laid_out_before_the_writer_waits_for_the_images(pack, monkeypatch):
    renderer = StandInRenderer()
    seen = []
    reached = threading.Event()
    wide_table = docx_writer.wide_table

    def appendix_table(table):
        # The appendix comes after every chart's place in the document: by then the
        # writer has laid out all the text.
        seen.append(renderer.future.done())
        reached.set()
        return wide_table(table)

    def draw():
        # The images arrive once the writer reaches the appendix, or after 20 s: a writer
        # that waited for them before laying out its text sees them in at the appendix.
        reached.wait(20)
        renderer.finish()

    monkeypatch.setattr(docx_writer, "wide_table", appendix_table)
    chromium = threading.Thread(target=draw)
    chromium.start()
    out = io.BytesIO()
    write_pack(pack, "docx", out, renderer)
    chromium.join()
    assert renderer.submitted == 1 and renderer.dpi == images.PACK_DPI
    assert seen and not seen[0]
    assert pack.drawing is None and all(c.png for c in pack.charts)
    document = docx.Document(io.BytesIO(out.getvalue()))
    assert len(document.inline_shapes) == len(pack.charts)


def test_pictures_are_stored_as_drawn_in_order_with_alt_text(pack):
    renderer = StandInRenderer()
    threading.Timer(0.2, renderer.finish).start()
    out = io.BytesIO()
    write_pack(pack, "docx", out, renderer)
    data = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        pictures = sorted((i for i in z.infolist() if i.filename.endswith(".png")),
                          key=lambda i: int(i.filename.rsplit("image", 1)[1].split(".")[0]))
        # stored, not deflated a second time (PNG is compressed already)
        assert pictures and all(i.compress_type == zipfile.ZIP_STORED for i in pictures)
        assert [z.read(i) for i in pictures] == [c.png for c in pack.charts]
        # the XML is still deflated
        assert z.getinfo("word/document.xml").compress_type == zipfile.ZIP_DEFLATED
    document = docx.Document(io.BytesIO(data))
    alts = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert alts == [c.alt for c in pack.charts]
    assert document.paragraphs[0].text == pack.title


def test_a_drawing_error_reaches_the_caller_and_leaves_no_file(pack, tmp_path):
    renderer = StandInRenderer()
    renderer.future.set_exception(ImageExportError('The image of figure 3 ("X") could not be drawn', ["figure 3"]))
    target = tmp_path / "pack.docx"
    with pytest.raises(ImageExportError, match="figure 3"):
        write_pack(pack, "docx", target, renderer)
    assert list(tmp_path.iterdir()) == []
    assert pack.drawing is None


def test_a_renderer_started_for_the_pack_is_closed_after_it(pack, monkeypatch):
    made = []

    def renderer(browser_path=None):
        made.append(StandInRenderer())
        threading.Timer(0.2, made[-1].finish).start()
        return made[-1]

    monkeypatch.setattr(exports, "ImageRenderer", renderer)
    write_pack(pack, "docx", io.BytesIO())
    assert len(made) == 1 and made[0].closed


def test_a_writer_failing_before_it_waits_closes_that_renderer(pack, monkeypatch):
    made = []

    def renderer(browser_path=None):
        made.append(StandInRenderer())
        threading.Timer(5.0, made[-1].finish).start()  # (never needed, unless the writer waits first)
        return made[-1]

    monkeypatch.setattr(exports, "ImageRenderer", renderer)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(docx_writer, "_pack_table", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_pack(pack, "docx", io.BytesIO())
    assert made[0].closed and pack.drawing is None


def test_the_word_writer_without_images_says_so(pack):
    with pytest.raises(ValueError, match="render the pack's chart images first"):
        write_docx(pack, io.BytesIO())


@pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM_REASON)
def test_the_packs_pictures_are_200_dpi_at_16_cm_and_a_downloaded_chart_300(pack):
    """The pack's pictures are drawn at images.PACK_DPI (fewer pixels: the pack's speed),
    never below 200 dpi at the printed width; a chart downloaded alone stays at 300 dpi."""
    from cipdash.exports import start_pack_images

    pack.sections[:] = pack.sections[:1]
    pack.other_measures = None
    chart = pack.charts[0]
    with ImageRenderer() as renderer:
        start_pack_images(pack, renderer)
        pack.wait_for_images()
        alone = renderer.render_chart(chart.chart)
    for png, dpi in ((chart.png, 200), (alone, 300)):
        img = Image.open(io.BytesIO(png))
        assert round(img.info["dpi"][0]) == dpi
        assert img.size[0] / dpi * 2.54 >= images.PRINT_WIDTH_CM
    assert Image.open(io.BytesIO(chart.png)).size[0] == 1280


def test_images_that_never_come_end_in_an_error_naming_the_wait(pack):
    renderer = StandInRenderer()
    renderer.timeout = 0.01  # per chart, as ImageRenderer.timeout: the whole pack waits 0.01 s x (charts + 1)
    late = threading.Timer(10.0, renderer.finish)  # (a writer that waited for ever gets them after 10 s)
    late.start()
    with pytest.raises(ImageExportError, match=f"did not draw the pack's {len(pack.charts)} charts"):
        write_pack(pack, "docx", io.BytesIO(), renderer)
    late.cancel()
    assert pack.drawing is None

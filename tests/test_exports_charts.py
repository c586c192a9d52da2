"""Per-chart downloads: PNG, SVG (Chromium via kaleido), HTML, CSV, XLSX."""
from __future__ import annotations

import csv
import io
import os
import re
import sys
import time
from datetime import date

import openpyxl
import pytest
from PIL import Image

from cipdash import charts, queries
from cipdash.db import open_snapshot
from cipdash.exports import chart_files, images
from cipdash.headings import heading
from cipdash.exports.images import ChromiumNotFound, ImageExportError, ImageRenderer
from cipdash.safe_cells import FORMULA_TRIGGERS
from exports_plan import FORMULA_MEASURE, HAS_CHROMIUM, NO_CHROMIUM_REASON, build_db

AS_AT = date(2020, 9, 30)
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason=NO_CHROMIUM_REASON)


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    s = open_snapshot(build_db(tmp_path_factory.mktemp("charts")))
    yield s
    s.close()


def trend(snap, measure_id: str, teams=("north",)) -> charts.Chart:
    measures = queries.measures(snap)
    m = measures.set_index("measure_id").loc[measure_id].to_dict() | {"measure_id": measure_id}
    names = dict(zip(queries.teams(snap)["team_id"], queries.teams(snap)["team_name"]))
    return charts.trend_chart(m, queries.measure_series(snap, measure_id, AS_AT), queries.measure_targets(snap, measure_id),
                              queries.measure_benchmarks(snap, measure_id, AS_AT), list(teams), AS_AT, names)


@pytest.fixture(scope="module")
def chart(snap):
    return trend(snap, "assessment_timeliness")


def test_csv_is_exactly_the_plotted_data_with_title_unit_and_as_at(chart):
    rows = list(csv.DictReader(io.StringIO(chart_files.chart_csv(chart).decode("utf-8-sig"))))
    assert len(rows) == len(chart.data)
    # Headings in words, in the same order as the chart's own table; dates as UK dates.
    assert list(rows[0])[: len(chart.data.columns)] == [heading(c) for c in chart.data.columns]
    assert "team_id" not in rows[0] and "period_end" not in rows[0]
    assert {r["Chart"] for r in rows} == {"Assessments completed within 45 working days, to Sep 2020"}
    assert {r["Unit"] for r in rows} == {"Per cent"}
    assert {r["As at"] for r in rows} == {"30 Sep 2020"}
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", r["Period end"]) for r in rows)
    plotted = [float(r["Figure"]) for r in rows if r["Series"] == "North Team"]
    assert plotted == list(chart.data.loc[chart.data["series"] == "North Team", "value"])
    assert chart_files.file_name(chart, "csv") == "assessment-timeliness_as-at_2020-09-30.csv"


def test_xlsx_has_title_unit_as_at_and_description_above_the_table(chart):
    wb = openpyxl.load_workbook(io.BytesIO(chart_files.chart_xlsx(chart)))
    ws = wb.active
    assert ws["A1"].value == "Title" and ws["B1"].value == "Assessments completed within 45 working days, to Sep 2020"
    assert ws["B2"].value == "Per cent"
    assert ws["B3"].value.date() == AS_AT
    assert ws["B4"].value == chart.alt
    header_row = next(r for r in range(1, 12) if ws.cell(r, 1).value == "Series")
    assert [c.value for c in ws[header_row]][: len(chart.data.columns)] == [heading(c) for c in chart.data.columns]
    assert ws.max_row - header_row == len(chart.data)


def test_spreadsheet_cells_are_neutralised(snap):
    chart = trend(snap, "vacant_posts", teams=())
    assert chart.title.startswith("=")
    rows = list(csv.reader(io.StringIO(chart_files.chart_csv(chart).decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert f"'{FORMULA_MEASURE}, to Sep 2020" in cells
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS) and not _is_number(c)]
    wb = openpyxl.load_workbook(io.BytesIO(chart_files.chart_xlsx(chart)))
    values = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c for c in values if c.data_type == "f"]
    assert not [c.value for c in values if isinstance(c.value, str) and c.value.startswith(FORMULA_TRIGGERS)]
    assert wb.active["B1"].value == f"'{FORMULA_MEASURE}, to Sep 2020"


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_html_works_offline_and_carries_the_description_and_data(chart):
    page = chart_files.chart_html(chart).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in page
    assert "<script src=" not in page  # plotly.js is embedded, not fetched
    assert len(page) > 1_000_000
    assert "<title>Assessments completed within 45 working days, to Sep 2020</title>" in page
    assert chart.alt.split(".")[0] in page
    assert "<table" in page and "North Team" in page


def test_no_chromium_is_a_clear_error_but_html_csv_xlsx_still_work(chart, monkeypatch, tmp_path):
    missing = tmp_path / "no-such-chromium"
    monkeypatch.setenv("BROWSER_PATH", str(missing))
    with pytest.raises(ChromiumNotFound) as err:
        chart_files.chart_download(chart, "png")
    message = str(err.value)
    assert "apt-get install chromium" in message and str(missing) in message
    assert "HTML, CSV and XLSX downloads work without it" in message
    with pytest.raises(ChromiumNotFound):
        ImageRenderer()
    assert not images.chromium_available()
    for fmt in ("html", "csv", "xlsx"):
        assert chart_files.chart_download(chart, fmt).data
    with pytest.raises(ChromiumNotFound, match="apt-get install chromium"):
        ImageRenderer(browser_path=missing)


@needs_chromium
def test_png_is_print_resolution_and_svg_is_svg(chart):
    with ImageRenderer() as r:
        png = chart_files.chart_download(chart, "png", r)
        svg = chart_files.chart_download(chart, "svg", r)
        assert r.browser_starts == 1
    assert png.mime == "image/png" and png.file_name.endswith(".png")
    img = Image.open(io.BytesIO(png.data))
    width_cm_at_300 = img.size[0] / 300 * 2.54
    assert width_cm_at_300 >= 16.0
    assert round(img.info["dpi"][0]) == 300
    assert svg.data.lstrip().startswith(b"<svg") and b"</svg>" in svg.data


@needs_chromium
def test_one_browser_for_many_charts_and_reusing_the_page_changes_nothing(snap):
    many = [trend(snap, m, teams) for m in ("assessment_timeliness", "supervision", "care_proceedings_weeks")
            for teams in ((), ("north",), ("north", "south"))]
    with ImageRenderer() as r:
        pngs = r.render_charts(many, "png")
        svgs = r.render_charts(many[:2], "svg")
        assert r.browser_starts == 1  # one Chromium for all eleven images
    assert len(pngs) == len(many) and all(p.startswith(b"\x89PNG") for p in pngs)
    assert all(s.lstrip().startswith(b"<svg") for s in svgs)
    # The page is reused between images (kaleido would reload it): the last image is the
    # same as one drawn by a fresh browser.
    with ImageRenderer() as fresh:
        assert fresh.render_chart(many[-1], "png") == pngs[-1]


def _chromium_descendants() -> set[int]:
    """Process ids of the Chromium processes this test process started (at any depth:
    kaleido starts Chromium through a small wrapper)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:  # the process ended while we looked
            continue
        name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        parents[int(entry)], names[int(entry)] = int(rest[1]), name
    mine, found = {os.getpid()}, True
    while found:
        found = False
        for pid, ppid in parents.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                found = True
    return {pid for pid in mine if "chrom" in names.get(pid, "")}


def _batch(snap) -> list[charts.Chart]:
    """Seven different charts (two measures with three sets of teams, one authority-only
    measure): each image differs from the others."""
    return [trend(snap, m, teams) for m in ("assessment_timeliness", "supervision")
            for teams in ((), ("north",), ("north", "south"))] + [trend(snap, "care_proceedings_weeks", ())]


@needs_chromium
def test_a_batch_is_drawn_at_once_in_order_and_byte_identical_to_one_at_a_time(snap, monkeypatch):
    from kaleido._kaleido_tab import _tab

    # How many figures are being drawn at the same moment (on a page of the browser).
    drawing, most = 0, []
    real_calc = _tab._KaleidoTab._calc_fig

    async def counting_calc(self, *args, **kwargs):
        nonlocal drawing
        drawing += 1
        most.append(drawing)
        try:
            return await real_calc(self, *args, **kwargs)
        finally:
            drawing -= 1

    monkeypatch.setattr(_tab._KaleidoTab, "_calc_fig", counting_calc)
    many = _batch(snap)
    before = _chromium_descendants()
    with ImageRenderer(tabs=1) as serial:
        one_by_one = [serial.render_chart(c, "png") for c in many]
    assert max(most) == 1
    most.clear()
    with ImageRenderer(tabs=3) as r:
        r.ready()  # all three pages open (they are added while the first one draws)
        pngs = r.render_charts(many, "png")  # one call: all seven at once, three pages drawing
        assert max(most) == 3 and len(most) == len(many)  # three at a time, never more
        assert r.browser_starts == 1
        running = _chromium_descendants() - before
        assert running, "Chromium should be running while the renderer is open"
        again = images.render_charts(many[:2], "png", renderer=r)  # the same browser, reused
        assert r.browser_starts == 1
    # Closed with the renderer: every Chromium process it started has gone.
    deadline = time.monotonic() + 10
    while _chromium_descendants() & running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _chromium_descendants() & running
    assert len(set(pngs)) == len(many)  # seven different images ...
    assert pngs == one_by_one  # ... each in its chart's place, the same bytes as drawn alone
    assert again == pngs[:2]
    for chart, png in zip(many, pngs):
        img = Image.open(io.BytesIO(png))
        width, height = images.image_size(chart)
        assert img.size == (round(width * images.print_scale()), round(height * images.print_scale()))
        assert round(img.info["dpi"][0]) == 300


@needs_chromium
def test_one_chart_that_cannot_be_drawn_is_named_and_the_renderer_recovers(snap, monkeypatch):
    many = [_batch(snap)[i] for i in (0, 3, 6)]  # three titles
    broken = many[1]
    real = images.print_figure

    def print_figure(chart):
        fig = real(chart)
        if chart is broken:
            fig["data"] = [None]  # plotly.js fails on it: "Cannot read properties of null"
        return fig

    monkeypatch.setattr(images, "print_figure", print_figure)
    with ImageRenderer(tabs=2) as r:
        with pytest.raises(ImageExportError) as err:
            r.render_charts(many, "png")
        assert err.value.charts == [f'the chart "{broken.title}"']
        assert str(err.value).startswith(f'The image of the chart "{broken.title}" could not be drawn: ')
        assert "Cannot read properties of null" in str(err.value)
        assert r.browser_starts == 2  # restarted once, in case Chromium itself had died
        # The same renderer draws the good ones afterwards, in the restarted browser.
        good = r.render_charts([c for c in many if c is not broken], "png")
        assert len(good) == 2 and all(p.startswith(b"\x89PNG") for p in good)
        assert r.browser_starts == 2
        # A pack names the chart by its figure number and title.
        with pytest.raises(ImageExportError, match=r'^The image of figure 7 \("') as err:
            r.render_charts([broken], "png", labels=[f'figure 7 ("{broken.title}")'])
        assert err.value.charts == [f'figure 7 ("{broken.title}")']


def test_a_one_off_renderer_draws_on_one_page_and_one_kept_open_on_more():
    # Any executable will do: the constructor only checks it, nothing is started.
    assert ImageRenderer(browser_path=sys.executable).tabs == images.DEFAULT_TABS == 1
    assert ImageRenderer(browser_path=sys.executable, idle_timeout=600).tabs == images.KEPT_OPEN_TABS == 3
    assert ImageRenderer(browser_path=sys.executable, idle_timeout=600, tabs=2).tabs == 2
    with pytest.raises(ValueError):
        ImageRenderer(browser_path=sys.executable, tabs=0)


def test_print_scale_gives_300_dpi_at_16_cm():
    assert images.IMAGE_WIDTH_PX * images.print_scale() / 300 * 2.54 >= 16.0


def test_png_dpi_chunk_is_written_and_replaced():
    img = Image.new("RGB", (10, 5), "white")
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(72, 72))
    out = images.set_png_dpi(buf.getvalue(), 300)
    again = Image.open(io.BytesIO(out))
    assert round(again.info["dpi"][0]) == 300 and again.size == (10, 5)
    assert out.count(b"pHYs") == 1

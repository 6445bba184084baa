"""Open a report and the index in a real headless Chromium (Debian's ``chromium``
package) at 1400 and 800 pixels wide: no errors, no network, no horizontal page scroll,
no chart text under 10 px as displayed, the summary first, the menu collapsed on the
narrow screen, and tables that sort when their header is clicked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from report_pages import svg_of

CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).is_file()), None)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDTHS = (1400, 800)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no chromium binary (install Debian's `chromium` package; .ci/run does) to open reports in",
    ),
]

SEEN = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  images: Array.from(document.images).map(i => ({alt: i.alt, src: i.src, loaded: i.complete && i.naturalWidth > 0,
                                                  width: i.getBoundingClientRect().width})),
  firstSection: document.querySelector('main section').id,
  summaryVisible: !!document.querySelector('#summary') && document.querySelector('#summary').offsetHeight > 0,
  navBeside: document.querySelector('nav') ? document.querySelector('nav').getBoundingClientRect().right
    <= document.querySelector('main').getBoundingClientRect().left : null,
  subMenuShown: document.querySelector('nav ul ul') ?
    getComputedStyle(document.querySelector('nav ul ul')).display !== 'none' : null,
})"""
COLUMN = """([table, column]) => Array.from(document.querySelectorAll(table)[0].tBodies[0].rows)
  .map(r => r.cells[column].textContent.trim())"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package drives chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module", params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def opened(request, browser, report):
    """The report at one width: the page, and what it showed and asked for."""
    page = browser.new_page(viewport={"width": request.param, "height": 900})
    log = {"console": [], "errors": [], "requests": []}
    page.on("console", lambda m: log["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.goto(report.as_uri(), wait_until="load")
    yield request.param, page, log, page.evaluate(SEEN)
    page.close()


def _numbers(cells: list[str]) -> list[float]:
    return [float(c.replace(",", "").replace("%", "")) for c in cells if c]


def test_no_errors_no_network_every_image_loaded(opened, report):
    _, _, log, seen = opened
    assert log["console"] == [] and log["errors"] == []
    assert [url for url in log["requests"] if not url.startswith("data:")] == [report.as_uri()]
    assert len(seen["images"]) > 20 and all(image["loaded"] for image in seen["images"])


def test_no_horizontal_page_scroll(opened):
    width, _, _, seen = opened
    assert seen["scrollWidth"] <= seen["innerWidth"] == width


def test_chart_text_at_least_10_px_as_displayed(opened):
    width, _, _, seen = opened
    shown = [image for image in seen["images"] if image["width"] > 0]
    assert len(shown) > 20
    for image in shown:
        svg = svg_of(image)
        view_width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
        smallest = min(float(s) for s in re.findall(r"font-size:\s*([0-9.]+)px", svg))
        assert smallest * image["width"] / view_width >= 10, f"{image['alt']} at {width} px"


def test_summary_first_and_the_menu_collapses_on_a_narrow_screen(opened):
    width, _, _, seen = opened
    assert seen["firstSection"] == "summary" and seen["summaryVisible"]
    assert seen["navBeside"] is (width > 1000) and seen["subMenuShown"] is (width > 1000)


def test_tables_sort_on_click(opened):
    _, page, log, _ = opened
    header = page.locator("#summary table.sortable th", has_text="validation exp_rmspe")
    column = page.evaluate("""() => Array.from(document.querySelectorAll('#summary table.sortable th'))
                                      .findIndex(th => th.textContent.includes('validation exp_rmspe'))""")
    header.click()
    ascending = _numbers(page.evaluate(COLUMN, ["#summary table.sortable", column]))
    header.click()
    descending = _numbers(page.evaluate(COLUMN, ["#summary table.sortable", column]))
    assert ascending == sorted(ascending) and descending == sorted(ascending, reverse=True) and len(ascending) >= 3
    page.locator("#summary table.sortable th", has_text="model").first.click()
    names = page.evaluate(COLUMN, ["#summary table.sortable", 0])
    assert names == sorted(names)
    assert log["console"] == [] and log["errors"] == []


@pytest.mark.parametrize("width", WIDTHS)
def test_index_sorts_and_fits(browser, report, width):
    index = report.parents[2] / "index.html"
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(index.as_uri(), wait_until="load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("table.sortable th", has_text="run").first.click()
    page.locator("table.sortable th", has_text="run").first.click()
    runs = page.evaluate(COLUMN, ["table.sortable", 0])
    assert runs == sorted(runs, reverse=True) and errors == []
    page.close()

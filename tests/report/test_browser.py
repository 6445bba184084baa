"""Open a report and the index in a real headless Chromium (Debian's ``chromium``
package) at 1400 and 800 pixels wide: no errors, no network, no horizontal page scroll,
no chart text under 10 px as displayed and no two texts of a chart overlapping, the
summary first, the menu collapsed on the narrow screen and every section reachable from
it, a page of bounded height, a row picker, wide tables that show they scroll, and tables
that sort when their header is clicked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from report_pages import menu_links, svg_of

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


MAX_HEIGHT = {1400: 15_000, 800: 22_000}
"""Pixels the five-model report may be tall at each width (the explained rows one at a
time, every model but the best collapsed)."""
OVERLAPS = """() => {
  const holder = document.createElement("div");
  holder.style.cssText = "position: absolute; left: 0; top: 0; visibility: hidden";
  document.body.appendChild(holder);
  const found = [];
  for (const image of document.images) {
    if (!image.src.startsWith("data:image/svg+xml,")) { continue; }
    const text = decodeURIComponent(image.src.slice("data:image/svg+xml,".length));
    const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    holder.replaceChildren(document.importNode(svg, true));
    const boxes = Array.from(holder.querySelectorAll("text")).filter(t => t.textContent.trim())
      .map(t => [t.textContent, t.getBoundingClientRect()]);
    boxes.forEach(([first, a], i) => boxes.slice(i + 1).forEach(([second, b]) => {
      if (a.left + 0.5 < b.right && b.left + 0.5 < a.right && a.top + 0.5 < b.bottom && b.top + 0.5 < a.bottom) {
        found.push([image.alt, first, second]);
      }
    }));
  }
  holder.remove();
  return {charts: document.images.length, found: found};
}"""
SHOWN = """(id) => {
  const target = document.getElementById(id);
  const box = target.getBoundingClientRect();
  return box.height > 0 && box.top > -2 && box.top < window.innerHeight;
}"""


def test_page_height(opened):
    width, page, _, _ = opened
    assert page.evaluate("document.documentElement.scrollHeight") <= MAX_HEIGHT[width]


def test_no_text_overlaps_inside_any_chart(opened):
    _, page, _, _ = opened
    checked = page.evaluate(OVERLAPS)
    assert checked["charts"] > 20 and checked["found"] == []


def test_every_section_is_reachable_from_the_menu(opened, report):
    width, page, log, _ = opened
    if width <= 1000:  # the narrow menu shows its top entries; one click shows every section
        page.locator("nav label.toggle").click()
    for anchor in menu_links(report):
        page.locator(f'nav a[href="#{anchor}"]').click()
        assert page.evaluate(SHOWN, anchor), f"#{anchor} at {width} px"
    page.goto(report.as_uri(), wait_until="load")  # as opened, for the tests after this one
    assert log["errors"] == []


def test_the_row_picker_shows_one_row_s_charts_at_a_time(opened):
    _, page, _, _ = opened
    shown = """() => Array.from(document.querySelectorAll('#rows .choice'))
                     .map(c => c.offsetHeight > 0 && Array.from(c.querySelectorAll('img')).every(i => i.width > 0))"""
    first = page.evaluate(shown)
    assert first[0] and not any(first[1:]) and len(first) >= 3
    page.locator("#rows .picker label").nth(2).click()
    assert page.evaluate(shown) == [i == 2 for i in range(len(first))]
    page.locator("#rows .picker label").nth(0).click()


def test_the_best_model_is_open_the_others_collapsed(opened):
    _, page, _, _ = opened
    parts = page.evaluate(
        """() => Array.from(document.querySelectorAll('section[id^="model-"] > details.part'))
                  .map(d => [d.querySelector('h2').textContent, d.open])"""
    )
    best = page.evaluate(
        """() => Array.from(document.querySelectorAll('#summary dt'))
                  .find(d => d.textContent === 'best model').nextElementSibling.textContent"""
    )
    name = best.split(" (")[0]
    assert len(parts) == 5 and [title for title, is_open in parts if is_open] == [f"Model: {name}"]


def test_wide_tables_show_they_scroll_and_keep_their_first_column(opened):
    width, page, _, _ = opened
    boxes = page.evaluate(
        """() => Array.from(document.querySelectorAll('.scroll')).filter(b => b.offsetHeight > 0)
                  .map((b, i) => { b.dataset.probe = i; return [i, b.scrollWidth > b.clientWidth]; })"""
    )
    wide = [i for i, scrolls in boxes if scrolls]
    if width > 1000:
        return
    assert wide  # at 800 px the leaderboard or the rows' table is wider than the column
    for i in wide:
        seen = page.evaluate(
            """(i) => { const box = document.querySelector(`.scroll[data-probe="${i}"]`);
                       const cell = box.querySelector('tbody td');
                       const shadow = getComputedStyle(box).backgroundImage;
                       const before = cell.getBoundingClientRect().left - box.getBoundingClientRect().left;
                       box.scrollLeft = 200;
                       const after = cell.getBoundingClientRect().left - box.getBoundingClientRect().left;
                       box.scrollLeft = 0;
                       return {shadow: shadow, before: before, after: after}; }""",
            i,
        )
        # a shadow at the right edge says more columns lie beyond (headless Chromium hides scrollbars)
        assert "radial-gradient" in seen["shadow"] and seen["after"] == pytest.approx(seen["before"], abs=1)


def test_the_importance_table_sorts_every_feature(opened):
    _, page, _, _ = opened
    table = "#importance table.sortable"
    page.locator(f"{table} th", has_text="lightgbm").click()
    page.locator(f"{table} th", has_text="lightgbm").click()
    values = _numbers(page.evaluate(COLUMN, [table, 4]))
    assert values == sorted(values, reverse=True) and len(values) > 15

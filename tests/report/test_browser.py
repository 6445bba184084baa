"""Open the reports in a real headless Chromium (Debian's ``chromium`` package)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).is_file()), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary (install Debian's `chromium` package; .ci/run does) to open reports in")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package drives chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def open_page(browser, path: Path, screenshot: Path) -> dict:
    """Load ``path`` as a file:// URL; return what the browser saw."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    seen = {"console": [], "errors": [], "requests": [], "failed": []}
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    seen["images"] = page.evaluate(
        "Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0])")
    seen["height"] = page.evaluate("document.documentElement.scrollHeight")
    seen["title"] = page.title()
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return seen


def test_report_renders_without_errors_or_network(browser, report, tmp_path_factory):
    screenshot = tmp_path_factory.mktemp("screenshots") / "report.png"
    seen = open_page(browser, report, screenshot)
    assert seen["console"] == [] and seen["errors"] == [] and seen["failed"] == []
    assert seen["requests"] == [report.as_uri()]
    broken = [alt for alt, loaded in seen["images"] if not loaded]
    assert len(seen["images"]) > 20 and not broken
    assert seen["title"].startswith("tiny / ")
    assert seen["height"] > 5000
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {screenshot}")


def test_index_renders_without_errors_or_network(browser, report, tmp_path_factory):
    index = report.parents[2] / "index.html"
    seen = open_page(browser, index, tmp_path_factory.mktemp("screenshots") / "index.png")
    assert seen["console"] == [] and seen["errors"] == [] and seen["failed"] == []
    assert seen["requests"] == [index.as_uri()]

"""Report files and the pages that share their bodies, in a real headless Chromium (Debian's
`chromium` through Playwright), on the demo's workspace: every report file loads from file://
with all requests blocked and attempts none, holds its plots (SVG with drawn data), and no
element overflows horizontally at 1,280 or 390 px; the /ui/ pages the same, with no console
error (a CSP violation is one). Screenshots are saved under the test's tmp dir (printed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import TOKEN, live
from tests.server.test_pages_browser import ARGS, CHROMIUM, _playwright

pytestmark = pytest.mark.slow  # the demo's runs and a real headless Chromium
pytest.importorskip("matplotlib")

WIDTHS = (1280, 390)
# Elements whose right edge passes the viewport, outside any box that clips or scrolls them
# (the thead of a table read as cards on a phone is clipped on purpose) and outside plots (an
# SVG scales its drawing to its own box).
OVERFLOW_JS = """() => {
  const w = document.documentElement.clientWidth;
  const clipped = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p); if (s.overflowX !== 'visible' || s.clip !== 'auto') return true; }
      return false; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if ((r.right > w + 1 || r.left < -1) && !clipped(el))
      bad.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
  }
  return {page: document.documentElement.scrollWidth > window.innerWidth + 1, elements: bad.slice(0, 5)};
}"""
PLOTS_JS = ("[...document.querySelectorAll('svg')].filter(s => s.querySelectorAll('path,rect,circle,line,polyline')"
            ".length >= 5).length")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # noqa: ANN001, ANN201 - the demo workspace (two runs and a recorded decision)
    from shipcall.app.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo") / "ws")


def _open(browser: Any, url: str, width: int, outside: list[str], errors: list[str], local: str) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})

    def guard(route: Any) -> None:
        if route.request.url.startswith(local):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def test_report_files_offline_with_plots_and_no_overflow(demo, tmp_path: Path) -> None:  # noqa: ANN001
    from shipcall.app.reports import compare_report, decision_report, run_report
    from shipcall.app.variants import variants
    from shipcall.render.html import compare_html, decision_html, run_html, variants_html

    sync_playwright = _playwright()
    ws = demo.workspace
    b, c = demo.runs["baseline"].id, demo.runs["candidate"].id
    files = {"run.html": run_html(run_report(ws, c)), "compare.html": compare_html(compare_report(ws, b, c)),
             "decision.html": decision_html(decision_report(ws)), "variants.html": variants_html(variants(ws))}
    want = {"run.html": 3, "compare.html": 3, "decision.html": 2, "variants.html": 1}
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for name, html in files.items():
            path = tmp_path / name
            path.write_text(html, encoding="utf-8")
            outside: list[str] = []
            errors: list[str] = []
            for width in WIDTHS:
                page = _open(browser, path.as_uri(), width, outside, errors, "file://")
                overflow = page.evaluate(OVERFLOW_JS)
                assert not overflow["page"] and not overflow["elements"], (name, width, overflow)
                if width == 1280:
                    assert page.evaluate(PLOTS_JS) >= want[name], name
                    lead = page.evaluate("document.body.innerText.slice(0, 400)")
                    if name in ("compare.html", "decision.html"):
                        assert demo.decision.verdict in lead, lead
                page.screenshot(path=str(shots / f"{name}.{width}.png"), full_page=True)
                page.close()
            assert not outside, (name, outside)
            assert not errors, (name, errors)
        browser.close()
    for shot in sorted(shots.iterdir()):
        print(f"screenshot: {shot}")


def test_pages_fit_and_read_at_1280_and_390(demo, tmp_path: Path) -> None:  # noqa: ANN001
    from shipcall.server.app import create_app

    sync_playwright = _playwright()
    ws = demo.workspace
    b, c = demo.runs["baseline"].id, demo.runs["candidate"].id
    app = create_app(ws, token=TOKEN)
    paths = {"runs": "/ui/runs", "run": f"/ui/runs/{c}", "compare": f"/ui/compare/{b}/{c}",
             "decision": "/ui/decisions/1", "variants": "/ui/variants", "failures": f"/ui/runs/{c}/failures"}
    shots = tmp_path / "screenshots"
    shots.mkdir()
    outside: list[str] = []
    errors: list[str] = []
    with live(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for name, path in paths.items():
            for width in WIDTHS:
                page = _open(browser, url + path, width, outside, errors, url)
                overflow = page.evaluate(OVERFLOW_JS)
                assert not overflow["page"] and not overflow["elements"], (name, width, overflow)
                if name != "runs":
                    assert page.evaluate(PLOTS_JS) >= 1, name
                page.screenshot(path=str(shots / f"page-{name}.{width}.png"), full_page=True)
                page.close()
        browser.close()
    assert not outside, outside
    assert not errors, errors  # a CSP violation (an inline style, a foreign script) would be one
    for shot in sorted(shots.iterdir()):
        print(f"screenshot: {shot}")

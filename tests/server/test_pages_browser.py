"""The pages in a real headless Chromium (Debian's `chromium`, driven by Playwright's Python
package): open a comparison, sign in, review three queued queries with the keyboard alone,
check the reviews were stored, promote them, and see them in the dataset diff. Every request
outside the server is recorded and blocked; console errors fail the test. Screenshots are saved
under the test's tmp dir (their paths are printed: `pytest -s` shows them)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.server.conftest import TOKEN, client, live

pytestmark = pytest.mark.slow  # a real headless Chromium

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTIONS = [  # none is word for word a dataset question (promotion skips those)
    "How many paid days off do full-time employees get each year?",
    "How many weeks of parental leave do birth parents get?",
    "Who approves parking permits at the Lisbon office?",
    "How do I reset my VPN password?",
    "Can contractors take paid time off?",
    "What is the daily meal allowance when travelling?",
]


def _playwright() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: apt-get install -y chromium (Debian's package)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright's Python package is missing: pip install playwright (the `test` extra)")
    return sync_playwright


@pytest.fixture
def reviewing(ingested):  # noqa: ANN001, ANN201 - (workspace, app) with two runs, a canary log and a queue
    from shipcall.app.datasets import import_dataset
    from shipcall.app.review import sample
    from shipcall.app.run import run
    from shipcall.server.app import create_app

    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "t")
    ds = ingested.store.load_dataset("t")
    run(ingested, ds, "baseline")
    run(ingested, ds, "small")
    app = create_app(ingested, candidate="small", share=0.5, token=TOKEN)
    server = app.state.server
    served = [server.ask(q, f"user-{i}") for i, q in enumerate(QUESTIONS)]
    server.feedback(served[2].request_id, "down", "wrong; write to me at jo@example.com")
    assert len(sample(ingested, 3).queued) == 3
    return ingested, app


def test_review_three_queries_with_the_keyboard_then_promote(reviewing, tmp_path: Path, sc) -> None:  # noqa: ANN001
    from shipcall.adapters.store.reviews import ReviewStore

    sync_playwright = _playwright()
    ws, app = reviewing
    shots = tmp_path / "screenshots"
    shots.mkdir()
    outside: list[str] = []
    errors: list[str] = []
    with live(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(120_000)  # Playwright's 30 s is short for Chromium on a loaded machine
        page = context.new_page()

        def guard(route: Any) -> None:
            if route.request.url.startswith(url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        # the evaluation pages read without a session
        for path in ("/ui/runs", "/ui/runs/r1", "/ui/runs/r2/failures", "/ui/decisions"):
            r = page.goto(url + path)
            assert r is not None and r.status == 200, path
        assert page.locator("h1").inner_text() == "Decisions"
        # ask a question and rate the answer (forms with CSRF tokens; the log grows by one)
        page.goto(f"{url}/ui/ask")
        page.wait_for_function("document.activeElement && document.activeElement.id === 'question'")
        page.keyboard.type("How many weeks of parental leave do birth parents receive?")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "16 weeks" in page.locator(".answer-text").inner_text()
        page.screenshot(path=str(shots / "ask.png"), full_page=True)
        with page.expect_navigation():
            page.get_by_role("button", name="No").click()
        assert "feedback was recorded" in page.content()
        assert len(app.state.server.log.entries()) == len(QUESTIONS) + 1
        assert app.state.server.log.entries(limit=1)[0].feedback[0].rating == "down"

        # a comparison: deltas with intervals, per cohort, readable before signing in
        r = page.goto(f"{url}/ui/compare/r1/r2")
        assert r is not None and r.status == 200
        assert page.locator("h1").inner_text().startswith("Compare r1")
        assert page.locator(".verdict .word").inner_text() in ("SHIP", "WAIT")  # the gate's call leads
        assert page.locator("svg.plot").count() >= 1  # forest plots: cohort deltas with intervals
        page.screenshot(path=str(shots / "compare.png"), full_page=True)

        # the review queue needs a session: sign in with the keyboard (the token field has focus)
        page.goto(f"{url}/ui/review")
        assert "/ui/login" in page.url
        page.wait_for_function("document.activeElement && document.activeElement.id === 'token'")
        page.keyboard.type(TOKEN)
        page.keyboard.press("Tab")
        page.keyboard.type("alice")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/ui/review"), page.locator("main").inner_text()
        assert "0 of 3 queued queries reviewed" in page.content()
        cookie = next(c for c in context.cookies() if c["name"] == "shipcall_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        page.screenshot(path=str(shots / "queue.png"), full_page=True)

        # three reviews, keyboard only: j opens the first; c / x / a decide, save and move on
        with page.expect_navigation():
            page.keyboard.press("j")
        assert "/ui/review/" in page.url
        first = page.url.rsplit("/", 1)[1]
        page.screenshot(path=str(shots / "review-1.png"), full_page=True)
        with page.expect_navigation():
            page.keyboard.press("c")
        second = page.url.rsplit("/", 1)[1]
        assert second != first
        page.keyboard.press("g")  # the gold answer field
        page.keyboard.type("Ask IT at help@example.com or +44 20 7946 0958")
        page.keyboard.press("Escape")
        page.keyboard.press("8")  # failure mode 8: wrong_answer
        page.keyboard.press("t")
        page.keyboard.press("Control+a")
        page.keyboard.type("topic=it")
        page.keyboard.press("Escape")
        page.screenshot(path=str(shots / "review-2.png"), full_page=True)
        with page.expect_navigation():
            page.keyboard.press("x")
        third = page.url.rsplit("/", 1)[1]
        assert third not in (first, second)
        page.keyboard.press("k")  # previous, then back with the right arrow
        page.wait_for_url(f"**/ui/review/{second}")
        assert page.locator('input[name="verdict"][value="incorrect"]').is_checked()
        page.keyboard.press("ArrowRight")
        page.wait_for_url(f"**/ui/review/{third}")
        with page.expect_navigation():
            page.keyboard.press("a")
        assert "/ui/review?done=1" in page.url
        assert "3 of 3 queued queries reviewed" in page.content()
        page.screenshot(path=str(shots / "queue-done.png"), full_page=True)

        stored = {r.request_id: r for r in ReviewStore(ws.store).reviews()}
        assert {rid: stored[rid].verdict for rid in (first, second, third)} == {
            first: "correct", second: "incorrect", third: "should_abstain"}
        assert all(stored[rid].reviewer == "alice" and stored[rid].rank == 1 for rid in (first, second, third))
        assert stored[second].failure_mode == "wrong_answer" and stored[second].tags == {"topic": "it"}
        assert "example.com" not in stored[second].gold_answer and "7946" not in stored[second].gold_answer
        assert "[EMAIL]" in stored[second].gold_answer

        # promote them into a new version of the dataset
        page.fill("#dataset", "t")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Stored t@2: 3 reviewed production queries added to t@1" in page.locator("main").inner_text()
        page.screenshot(path=str(shots / "promoted.png"), full_page=True)
        browser.close()

    for shot in sorted(shots.iterdir()):
        print(f"screenshot: {shot}")
    assert not outside, outside
    assert not errors, errors
    diff = json.loads(sc("dataset", "diff", "t@1", "t@2", "--json", cwd=ws.root).stdout)
    added = {i: diff["sources"][i] for i in diff["added"]}
    assert len(added) == 3 and diff["removed"] == [] and diff["changed"] == []
    assert {s["request_id"] for s in added.values()} == {first, second, third}
    assert all(s["kind"] == "production" and s["reviewer"] == "alice" and s["reviewed_at"] for s in added.values())
    items = {it.id: it for it in ws.store.load_dataset("t", 2).items}
    promoted = {items[i].source["request_id"]: items[i] for i in added}
    assert promoted[second].answerable and promoted[second].answers == ("Ask IT at [EMAIL] or [PHONE]",)
    assert promoted[second].tags == {"topic": "it", "origin": "production"}
    assert not promoted[third].answerable
    text = sc("dataset", "diff", "t@1", "t@2", cwd=ws.root).stdout
    assert "3 added" in text and "production" in text and "by alice" in text


def test_review_forms_work_without_javascript_and_refuse_cross_site_posts(reviewing) -> None:  # noqa: ANN001
    from shipcall.adapters.store.reviews import ReviewStore

    ws, app = reviewing
    with live(app) as url, client(base_url=url) as c:
        r = c.get("/ui/review")
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/login?next=")
        login = c.get(r.headers["location"])
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        assert c.post("/ui/login", data={"token": "wrong-token", "csrf": csrf}).status_code == 401
        assert c.post("/ui/login", data={"token": TOKEN}).status_code == 403  # no CSRF field
        r = c.post("/ui/login", data={"token": TOKEN, "reviewer": "bob", "csrf": csrf, "next": "//evil.example/"})
        assert r.status_code == 303 and r.headers["location"] == "/ui/review"  # never off-site
        set_cookie = r.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=strict" in set_cookie
        # the session also opens the log API (one more credential source)
        assert c.get("/v1/logs").status_code == 200
        queue = c.get("/ui/review").text
        rid = re.search(r'href="/ui/review/([0-9a-f]{32})"', queue).group(1)
        form = c.get(f"/ui/review/{rid}").text
        assert 'name="verdict"' in form and 'type="submit"' in form
        refused = [
            c.post(f"/ui/review/{rid}", data={"verdict": "correct"}),  # no CSRF token
            c.post(f"/ui/review/{rid}", data={"verdict": "correct", "csrf": "forged"}),
            c.post(f"/ui/review/{rid}", data={"verdict": "correct", "csrf": csrf},
                   headers={"Origin": "https://evil.example"}),
            c.post(f"/ui/review/{rid}", data={"verdict": "correct", "csrf": csrf},
                   headers={"Sec-Fetch-Site": "cross-site"}),
        ]
        assert [x.status_code for x in refused] == [403] * 4
        assert ReviewStore(ws.store).reviews() == []
        r = c.post(f"/ui/review/{rid}", data={"verdict": "incorrect", "csrf": csrf, "gold": "20 days",
                                              "failure_mode": "retrieval_miss", "tags": "topic=hr"})
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/review/")
        bad = c.post(f"/ui/review/{rid}", data={"verdict": "maybe", "csrf": csrf})
        assert bad.status_code == 422 and "unknown verdict" in bad.text
        (saved,) = ReviewStore(ws.store).reviews()
        assert (saved.reviewer, saved.verdict, saved.gold_answer) == ("bob", "incorrect", "20 days")
        # a second reviewer of the same query is recorded as such
        c2 = client(base_url=url)
        login = c2.get("/ui/login")
        csrf2 = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        c2.post("/ui/login", data={"token": TOKEN, "reviewer": "carol", "csrf": csrf2})
        page = c2.get(f"/ui/review/{rid}").text
        assert "1 other review recorded" in page and 'value="20 days"' not in page and "bob" not in page
        c2.post(f"/ui/review/{rid}", data={"verdict": "incorrect", "csrf": csrf2})
        ranks = {r.reviewer: r.rank for r in ReviewStore(ws.store).reviews()}
        assert ranks == {"bob": 1, "carol": 2}
        # an answered query shows its cited sources with the cited sentences marked
        from shipcall.app.review import sample

        sample(ws, 10)
        answered = next(e for e in app.state.server.log.entries() if e.citations)
        page = c.get(f"/ui/review/{answered.request_id}").text
        assert "Cited sources" in page and page.count("<mark>") >= 1
        marked = re.findall(r"<mark>(.*?)</mark>", page, re.S)
        # the answer (a span since issue 14, or a whole sentence) comes from a marked sentence
        assert any(m.strip() and (m.strip() in answered.answer or answered.answer.strip() in " ".join(m.split()))
                   for m in marked), (answered.answer, marked)
        # pages send a CSP that allows only this server and forbids framing
        head = c.get("/ui/runs").headers
        assert "default-src 'self'" in head["content-security-policy"] and head["x-frame-options"] == "DENY"
        c.post("/ui/logout", data={"csrf": csrf})
        assert c.get("/ui/review").status_code == 303
        c2.close()

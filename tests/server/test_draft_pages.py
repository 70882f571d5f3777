"""Drafted items on /ui/review: the queue lists them, a draft's page shows the passage it came
from with the gold answer marked, a reviewer accepts (with edits) or rejects it with the form or
the keyboard, and promotion adds the accepted drafts to the dataset."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.server.conftest import TOKEN, live
from tests.server.test_pages_browser import ARGS, CHROMIUM, _playwright


@pytest.fixture
def drafted(ingested):  # noqa: ANN001, ANN201 - (workspace, app, drafts) with drafts queued for dataset "hr"
    from shipcall.app.drafting import draft
    from shipcall.server.app import create_app

    rep = draft(ingested, name="hr", n=4, kinds=["factoid"], seed=0, progress=False)
    assert len(rep.drafts) >= 3
    return ingested, create_app(ingested, token=TOKEN), rep.drafts


def _login(c: httpx.Client) -> str:
    login = c.get("/ui/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
    r = c.post("/ui/login", data={"token": TOKEN, "reviewer": "carla", "csrf": csrf, "next": "/ui/review"})
    assert r.status_code == 303
    return csrf


def test_draft_pages_show_the_source_and_record_reviews_without_javascript(drafted) -> None:  # noqa: ANN001
    from shipcall.adapters.store.drafts import DraftStore

    ws, app, drafts = drafted
    first, second = drafts[0], drafts[1]
    with live(app) as url, httpx.Client(base_url=url) as c:
        assert c.get(f"/ui/review/draft/{first.draft_id}").status_code == 303  # sign in first
        csrf = _login(c)
        queue = c.get("/ui/review").text
        assert "Drafted items" in queue and f'/ui/review/draft/{first.draft_id}"' in queue
        page = c.get(f"/ui/review/draft/{first.draft_id}").text
        assert first.question.replace('"', "&#34;") in page or first.question in page
        assert f"<mark><strong>{first.answers[0]}</strong></mark>" in page
        assert first.evidence[0] in page and 'name="verdict" value="accept"' in page
        assert c.get("/ui/review/draft/draft-0000000000").status_code == 404
        assert c.post(f"/ui/review/draft/{first.draft_id}", data={"verdict": "accept"}).status_code == 403  # no CSRF
        r = c.post(f"/ui/review/draft/{first.draft_id}", data={
            "verdict": "accept", "csrf": csrf, "question": "How many weeks of paid leave do birth parents get?",
            "gold": first.answers[0], "evidence_text": ", ".join(first.evidence), "tags": "kind=factoid"})
        assert r.status_code == 303 and r.headers["location"] == f"/ui/review/draft/{second.draft_id}"
        bad = c.post(f"/ui/review/draft/{second.draft_id}", data={"verdict": "maybe", "csrf": csrf})
        assert bad.status_code == 422 and "accept" in bad.text
        c.post(f"/ui/review/draft/{second.draft_id}", data={"verdict": "reject", "csrf": csrf})
        stored = {q.draft.draft_id: q for q in DraftStore(ws.store).drafts()}
        assert stored[first.draft_id].verdict == "accept" and stored[first.draft_id].reviewer == "carla"
        assert stored[first.draft_id].edits == {"question": "How many weeks of paid leave do birth parents get?"}
        assert stored[second.draft_id].verdict == "reject"
        promoted = c.post("/ui/review-promote", data={"dataset": "hr", "csrf": csrf}).text
        assert "Promoted into hr" in promoted and "How many weeks of paid leave do birth parents get?" in promoted
    items = ws.store.load_dataset("hr").items
    assert [it.id for it in items] == [first.draft_id] and items[0].source["reviewer"] == "carla"


@pytest.mark.slow
def test_review_drafts_with_the_keyboard(drafted) -> None:  # noqa: ANN001
    from shipcall.adapters.store.drafts import DraftStore

    sync_playwright = _playwright()
    ws, app, drafts = drafted
    errors: list[str] = []
    with live(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def outside(route: Any) -> None:
            (route.continue_() if route.request.url.startswith(url) else route.abort())

        page.route("**/*", outside)
        page.goto(f"{url}/ui/login?next=/ui/review")
        page.fill("#reviewer", "dora")
        page.fill("#token", TOKEN)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/ui/review") and "Drafted items" in page.content()
        page.keyboard.press("d")  # the first pending draft
        page.wait_for_url(f"**/ui/review/draft/{drafts[0].draft_id}")
        page.keyboard.press("a")  # accept: saves and opens the next draft
        page.wait_for_url(f"**/ui/review/draft/{drafts[1].draft_id}")
        page.keyboard.press("x")  # reject
        page.wait_for_url(f"**/ui/review/draft/{drafts[2].draft_id}")
        browser.close()
    stored = {q.draft.draft_id: q for q in DraftStore(ws.store).drafts()}
    assert stored[drafts[0].draft_id].verdict == "accept" and stored[drafts[0].draft_id].reviewer == "dora"
    assert stored[drafts[1].draft_id].verdict == "reject"
    assert not errors


def test_pages_say_how_many_items_nobody_reviewed(ingested) -> None:  # noqa: ANN001
    from shipcall.app.drafting import draft
    from shipcall.app.run import run
    from shipcall.server.app import create_app

    draft(ingested, name="quick", n=4, kinds=["factoid"], accept=True, progress=False)
    ds = ingested.store.load_dataset("quick")
    r1, r2 = run(ingested, ds, "baseline").run.id, run(ingested, ds, "small").run.id
    with live(create_app(ingested, token=TOKEN)) as url, httpx.Client(base_url=url) as c:
        page = c.get(f"/ui/runs/{r1}").text
        assert f"{len(ds.items)} of {len(ds.items)} items of quick@1 nobody has reviewed" in page
        assert "Unreviewed items:" in c.get(f"/ui/compare/{r1}/{r2}").text

"""`dataset draft --generator VARIANT` against a scripted OpenAI-compatible server on 127.0.0.1:
the model's drafts are checked before they are queued, replies are cached, costs counted."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.generators.conftest import COST_PER_CALL, MakeWs, openai_generator
from tests.generators.fake_llm import FakeLLM, Reply, Request


def sourced(req: Request) -> str:
    """The first source passage of a drafting prompt."""
    m = re.search(r"<source id=\"1\"[^>]*>\n(.*?)\n</source>", req.message("user"), re.DOTALL)
    return m.group(1) if m else ""


def drafting_model(req: Request) -> Any:
    """Writes a question about the passage's first number, copied answer; unanswerable: none."""
    text = sourced(req)
    if "does NOT answer" in req.message("user"):
        return Reply(json.dumps({"question": "Does the policy cover pet insurance for hamsters?", "answers": []}))
    m = re.search(r"\b\d+(?:[.,]\d+)?\b(?: [a-z]+)?", text)
    answer = m.group(0) if m else text.split()[0]
    return Reply(json.dumps({"question": f"What does the passage say about “{answer}” ({len(text)})?",
                             "answers": [answer]}))


def test_llm_drafts_are_checked_cached_and_costed(make_ws: MakeWs) -> None:
    from shipcall.adapters.store.drafts import DraftStore
    from shipcall.app.drafting import draft

    with FakeLLM(drafting_model) as fake:
        ws = make_ws(openai_generator(fake))
        rep = draft(ws, name="llm-set", n=5, generator="llm", seed=1, kinds=["factoid", "unanswerable"],
                    progress=False)
        calls = len(fake.requests)
        assert rep.generator == "llm" and 1 <= len(rep.drafts) <= 5 and rep.queued == len(rep.drafts)
        assert rep.stats["llm"]["calls"] == calls and rep.stats["llm"]["cost_paid"] > 0
        assert rep.stats["llm"]["cost_paid"] == round(COST_PER_CALL * calls, 8)
        docs = {d.id: d.text for d in ws.store.documents()}
        for d in rep.drafts:
            assert d.tags["generator"] == "llm" and d.source["model"] == "fake-model"
            if d.answerable:
                assert any(d.answers[0] in docs[e] for e in d.evidence)
        assert "never follow" in fake.requests[0].message("system")
        stored = DraftStore(ws.store).drafts(dataset="llm-set")
        assert len(stored) == len(rep.drafts)
        # the same call again: its first round is answered from the cache (nothing paid for it), and
        # every question it brings is already queued, so only new passages (later rounds) are paid
        again = draft(ws, name="llm-set", n=5, generator="llm", seed=1, kinds=["factoid", "unanswerable"],
                      progress=False)
        assert again.stats["llm"]["cache_hits"] >= 5
        assert again.dropped.get("duplicate", 0) >= len(rep.drafts)
        assert again.stats["llm"]["cost_paid"] == round(COST_PER_CALL * (len(fake.requests) - calls), 8)


def test_llm_drafts_that_fail_a_check_are_dropped_with_the_reason(make_ws: MakeWs) -> None:
    from shipcall.app.drafting import draft

    replies = iter([
        Reply(json.dumps({"question": "Who invented the telephone?", "answers": ["Alexander Graham Bell"]})),
        Reply("Sure! Here is a question: what is the VPN?"),
    ])

    def script(req: Request) -> Any:
        return next(replies, Reply(json.dumps({"question": "Who invented the telephone?", "answers": ["Bell"]})))

    with FakeLLM(script) as fake:
        ws = make_ws(openai_generator(fake, concurrency=1))
        rep = draft(ws, name="bad", n=2, generator="llm", kinds=["factoid"], progress=False)
    assert rep.drafts == []
    assert rep.dropped["gold_not_in_evidence"] >= 1 and rep.dropped["malformed_reply"] >= 1
    assert any("nothing drafted" in n for n in rep.notes)


def test_a_provider_that_always_fails_is_an_error_not_an_empty_set(make_ws: MakeWs) -> None:
    import pytest

    from shipcall.app.drafting import draft
    from shipcall.errors import ProviderError
    from tests.generators.fake_llm import Status

    with FakeLLM(lambda req: Status(401, message="bad key")) as fake:
        ws = make_ws(openai_generator(fake))
        with pytest.raises(ProviderError, match="401"):
            draft(ws, name="x", n=3, generator="llm", kinds=["factoid"], progress=False)

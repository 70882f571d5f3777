"""Drafting with an LLM variant (`shipcall dataset draft --generator VARIANT`).

Passages are chosen as the offline drafter chooses documents (core/drafting/sampling.py: in
proportion to size, every document once before any twice), one window of up to
PASSAGE_SENTENCES sentences per draft; a `multi_hop` draft gets a second passage from another
document that names the same entity (else any other document). The model gets the built-in
prompt (prompts/draft.md.j2, or `--prompt FILE`) and replies with JSON. Every reply goes through
core/drafting/checks.py: the answer must occur in the passages (or each of its content words
must), the question must not copy a sentence, duplicates and near-duplicates are dropped.
Calls go through the variant's LLMClient: retries, the response cache in the store (a re-run
pays nothing twice) and token and cost accounting, reported in the draft report's `stats`.
Dropped drafts are replaced by new passages for up to MAX_ROUNDS rounds.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shipcall.adapters.progress import progress_bar
from shipcall.app.workspace import Workspace
from shipcall.core.documents import Document
from shipcall.core.drafting import Draft, DraftResult, draft_id, draft_tags
from shipcall.core.drafting.checks import QuestionIndex, check_draft, reasons_count
from shipcall.core.drafting.clauses import names_in, tokens
from shipcall.core.drafting.sampling import allocate, kind_sequence, order_slots
from shipcall.core.metrics.answer import normalize_answer
from shipcall.core.text import sentence_spans
from shipcall.errors import ProviderError

DRAFT_TEMPLATE = "draft.md.j2"
PASSAGE_SENTENCES = 4
MAX_ROUNDS = 3


def _passage(doc: Document, rng: random.Random) -> dict[str, Any]:
    spans = sentence_spans(doc.text)
    if not spans:
        return {"doc_id": doc.id, "start": 0, "end": len(doc.text), "heading_path": []}
    i = rng.randrange(max(1, len(spans) - PASSAGE_SENTENCES + 1))
    a, b = spans[i][0], spans[min(len(spans), i + PASSAGE_SENTENCES) - 1][1]
    heading = next((list(s.heading_path) for s in doc.sections if s.start <= a < s.end), [])
    return {"doc_id": doc.id, "start": a, "end": b, "heading_path": heading}


def parse_reply(text: str) -> tuple[str, list[str]] | None:
    """(question, answers) from the model's JSON reply (the first JSON object in it), or None."""
    m = re.search(r"\{.*\}", text, re.DOTALL)
    if not m:
        return None
    try:
        obj = json.loads(m.group(0))
    except json.JSONDecodeError:
        return None
    q = obj.get("question") if isinstance(obj, dict) else None
    answers = obj.get("answers", obj.get("answer", [])) if isinstance(obj, dict) else []
    if isinstance(answers, str):
        answers = [answers]
    if not isinstance(q, str) or not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        return None
    q = " ".join(q.split())
    if q and not q.endswith("?"):
        q += "?"
    return q, [a.strip() for a in answers if a.strip()]


def draft_with_llm(ws: Workspace, name: str, variant: Any, documents: list[Document], n: int, *,
                   kinds: Sequence[str], seed: int = 0, existing_questions: Sequence[str] = (),
                   progress: bool = True, prompt: str | None = None) -> DraftResult:
    from shipcall.adapters.generators.llm import LLMClient
    from shipcall.adapters.generators.prompts import attribute, load_template, neutralise
    from shipcall.adapters.store.llm import StoreResponseCache
    from shipcall.app.judge import _provider

    cfg = variant.generator
    client = LLMClient(cfg, _provider(cfg), StoreResponseCache(ws.store))
    template = load_template(prompt, root=ws.root, default=DRAFT_TEMPLATE, field="--prompt")
    rng = random.Random(seed)
    docs = {d.id: d for d in documents if d.text.strip()}
    norm = {d: normalize_answer(x.text) for d, x in docs.items()}
    names: dict[str, set[str]] = {}
    for d in docs.values():
        names[d.id] = {e for a, b in sentence_spans(d.text)[:40] for e in names_in(tokens(d.text[a:b]), d.text[a:b])}
    seen = QuestionIndex(existing_questions)
    drafts: list[Draft] = []
    dropped: list[str] = []
    counts = allocate({d: len(x.text) for d, x in docs.items()}, n, seed)
    slots = order_slots(counts, seed)
    kinds_seq = kind_sequence(kinds, n, seed)

    def partner(doc_id: str) -> str | None:
        others = [d for d in docs if d != doc_id]
        if not others:
            return None
        shared = [d for d in others if names[d] & names[doc_id]]
        return rng.choice(shared or others)

    bar = progress_bar(n, f"drafting with {name}", "draft", show=None if progress else False)
    try:
        for _round in range(MAX_ROUNDS):
            jobs = []
            for doc_id, kind in zip(slots, kinds_seq, strict=False):
                passages = [_passage(docs[doc_id], rng)]
                if kind == "multi_hop":
                    other = partner(doc_id)
                    if other is None:
                        kind = "factoid"
                    else:
                        passages.append(_passage(docs[other], rng))
                jobs.append((kind, passages))

            def call(job: tuple[str, list[dict[str, Any]]]) -> tuple[str, list[dict[str, Any]], str | None, str]:
                kind, passages = job
                shown = [{"n": i, "doc_id": attribute(p["doc_id"]), "section": attribute(" > ".join(p["heading_path"])),
                          "text": neutralise(docs[p["doc_id"]].text[p["start"]:p["end"]])}
                         for i, p in enumerate(passages, start=1)]
                try:
                    c = client.complete(template.render(kind=kind, passages=shown))
                except ProviderError as e:
                    return kind, passages, None, str(e)
                return kind, passages, c.text, ""

            with ThreadPoolExecutor(max_workers=getattr(cfg, "concurrency", 4)) as pool:
                results = list(pool.map(call, jobs))
            for kind, passages, reply, error in results:
                if len(drafts) >= n:
                    break
                if reply is None:
                    dropped.append("provider_error")
                    if not drafts and len(dropped) >= 3 and set(dropped) == {"provider_error"}:
                        raise ProviderError(f"drafting with {name} failed: {error}")
                    continue
                parsed = parse_reply(reply)
                if parsed is None:
                    dropped.append("malformed_reply")
                    continue
                question, answers = parsed
                answerable = kind != "unanswerable"
                evidence = tuple(dict.fromkeys(p["doc_id"] for p in passages)) if answerable else ()
                texts = [docs[p["doc_id"]].text[p["start"]:p["end"]] for p in passages]
                why = check_draft(question, answers, answerable, texts if answerable else [],
                                  [norm[p["doc_id"]] for p in passages], seen, supported=True)
                if why is None and answerable and not answers:
                    why = "gold_not_in_evidence"
                if why is not None:
                    dropped.append(why)
                    continue
                seen.add(question)
                source = {"generator": name, "model": cfg.model, "rule": "llm",
                          "passages": [{**p, "answer": None} for p in passages],
                          **({"near": passages[0]["doc_id"]} if not answerable else {})}
                drafts.append(Draft(draft_id(kind, question, evidence), kind, question,
                                    tuple(answers) if answerable else (), answerable, evidence,
                                    draft_tags(kind, passages[0]["doc_id"], name), source))
                bar.update(1)
            missing = n - len(drafts)
            if missing <= 0:
                break
            slots = order_slots(allocate({d: len(x.text) for d, x in docs.items()}, missing, seed + _round + 1),
                                seed + _round + 1)
            kinds_seq = kind_sequence(kinds, missing, seed + _round + 1)
    finally:
        bar.close()
    notes = []
    if len(drafts) < n:
        notes.append(f"drafted {len(drafts)} of {n} after {MAX_ROUNDS} rounds: see `dropped` for why")
    return DraftResult(drafts, reasons_count(dropped), notes,
                       {"documents": len(docs), "llm": client.stats.to_dict(), "model": cfg.model})

"""Failure modes: why an item failed, named per item, so failures can be counted (Pareto) and
fixed where they arise (retrieval, chunking, ranking, generation, the data itself).

An item **fails** when any of these holds:

1. the system raised an error for it;
2. it is unanswerable and the system answered;
3. it has gold answers and neither the prediction nor its context contains one
   (`contains_answer` = 0; an abstention contains nothing);
4. it is answerable with evidence but no gold answers, and the system abstained or no evidence
   document is in the top `k_answer` retrieved documents (hit@k_answer = 0);
5. one of its assertions fails on the prediction;
6. a latency budget is given and the item's total latency exceeds it.

A failing item gets every mode that applies, primary first. The primary mode is the first,
in `FAILURE_MODES` order, among the modes that explain the failed check (for 2–4: the
diagnosis below; for 5: `assertion_failed`; for 6: `latency_budget`); the other applicable
modes follow as secondary ones. The diagnosis of a wrong or missing answer follows the
pipeline: an *evidence chunk* is a retrieved chunk of an evidence document (for an item
without evidence: a retrieved chunk containing a gold answer); the *used* chunks are those of
the documents the answer cites, or the first `k_answer` chunks when it cites none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from shipcall.core.datasets import Item
from shipcall.core.metrics.abstention import is_abstention, prediction, shown_texts
from shipcall.core.metrics.answer import contains_answer, exact_match, gold_answers, normalize_answer
from shipcall.core.metrics.assertions import check_assertion
from shipcall.core.metrics.groundedness import groundedness
from shipcall.core.metrics.retrieval import document_ids
from shipcall.core.runs import ItemResult

# name → one-line description, in priority order (the first that applies is the primary mode).
FAILURE_MODES: dict[str, str] = {
    "error": "the system raised an error for the item",
    "false_answer": "answered an item whose answer is not in the documentation",
    "retrieval_miss": "no evidence document (without evidence: no gold answer) among the retrieved chunks",
    "chunk_boundary": "the gold answer is cut in two: in no single retrieved chunk, but across two chunks "
                      "of the same document",
    "ranking": "evidence was retrieved but none of the chunks the answer cited or used is evidence",
    "over_refusal": "abstained although evidence was retrieved",
    "unsupported_answer": "an answer sentence is not supported by the retrieved text (groundedness < 1)",
    "wrong_answer": "the evidence reached the generator but the answer does not contain a gold answer",
    "assertion_failed": "an assertion of the item failed on the answer",
    "latency_budget": "total latency above the latency budget",
}

_PRIORITY = {name: i for i, name in enumerate(FAILURE_MODES)}


def _contains(haystack_norm: str, needle_norm: str) -> bool:
    """Whole-token containment of normalised strings."""
    return bool(needle_norm) and f" {needle_norm} " in f" {haystack_norm} "


def spans_junction(first: str, second: str, gold: str) -> bool:
    """Whether normalised `gold` reads across the end of `first` and the start of `second`: `first`
    ends with a head of the gold (starting at a token boundary), `second` starts with the rest
    (ending at a token boundary), allowing the two chunks to overlap and a chunk edge to fall
    inside a word or on the space between words."""
    for i in range(1, len(gold)):
        head = gold[:i]
        if not first.endswith(head) or (len(first) > i and first[-i - 1] != " "):
            continue
        starts = list(range(1, i + 1))  # the chunks overlap by i - j characters (0: a cut in a word)
        if gold[i] == " ":
            starts.append(i + 1)  # the cut fell on the space between two words
        for j in starts:
            tail = gold[j:]
            if not tail.strip() or not second.startswith(tail):
                continue
            if len(second) == len(tail) or second[len(tail)] == " ":  # the gold ends on a token
                return True
    return False


def _chunk_boundary(golds: list[str], texts: list[str], doc_ids: Sequence[str],
                    candidates: list[int]) -> bool:
    """No candidate chunk holds a gold answer, but two candidate chunks of one document do."""
    if any(_contains(texts[i], g) for i in candidates for g in golds):
        return False
    for a in candidates:
        for b in candidates:
            if a == b or doc_ids[a] != doc_ids[b]:
                continue
            if any(spans_junction(texts[a], texts[b], g) for g in golds):
                return True
    return False


def classify(
    item: Item,
    result: ItemResult,
    retrieved_texts: Sequence[str],
    chunk_doc_ids: Sequence[str],
    k_answer: int,
    latency_budget_ms: float | None = None,
) -> list[str]:
    """The failure modes of one item: [] if it passes, else the primary mode then the secondary
    ones (see the module docstring for the rules).

    `retrieved_texts[i]` and `chunk_doc_ids[i]` are the text and document id of the i-th
    retrieved chunk in rank order (`result.retrieved`); `k_answer` is the number of chunks the
    generator was given; `latency_budget_ms`, if given, is compared with `latency_ms["total"]`.
    """
    if result.error is not None:
        return ["error"]
    pred = prediction(result)
    abstained = is_abstention(result)
    n = min(len(retrieved_texts), len(chunk_doc_ids))
    doc_ids = list(chunk_doc_ids[:n])

    golds = gold_answers(item)
    if not item.answerable:
        answer_failed = not abstained
    elif item.answers:
        answer_failed = (max(contains_answer(t, golds) for t in shown_texts(result) or [""]) if golds != [""]
                         else exact_match(pred, golds)) == 0.0
    else:
        top = document_ids(result.retrieved_docs)[:k_answer] or doc_ids[:k_answer]
        answer_failed = abstained or not any(d in item.evidence for d in top)
    assertion_failed = any(not check_assertion(a, pred) for a in item.assertions)
    total = result.latency_ms.get("total")
    over_budget = latency_budget_ms is not None and total is not None and total > latency_budget_ms
    if not (answer_failed or assertion_failed or over_budget):
        return []

    grounded = None if abstained else groundedness(result.answer, retrieved_texts)
    unsupported = grounded is not None and grounded < 1.0

    causes: set[str] = set()
    if answer_failed:
        if not item.answerable:
            causes.add("false_answer")
        else:
            causes |= _diagnose(item, result, [normalize_answer(t) for t in retrieved_texts[:n]], doc_ids,
                                k_answer, abstained, unsupported)
    if assertion_failed:
        causes.add("assertion_failed")
    if over_budget:
        causes.add("latency_budget")
    secondary = {"unsupported_answer"} if unsupported else set()
    ordered = sorted(causes, key=_PRIORITY.__getitem__)
    return ordered + sorted(secondary - causes, key=_PRIORITY.__getitem__)


def _diagnose(item: Item, result: ItemResult, texts: list[str], doc_ids: list[str], k_answer: int,
              abstained: bool, unsupported: bool) -> set[str]:
    """Why an answerable item's answer is wrong or missing."""
    golds = [g for g in (normalize_answer(a) for a in item.answers) if g]
    evidence = item.evidence
    all_idx = list(range(len(texts)))
    if evidence:
        candidates = [i for i in all_idx if doc_ids[i] in evidence]
        retrieved_docs = set(document_ids(result.retrieved_docs)) | set(doc_ids)
        evidence_retrieved = any(d in evidence for d in retrieved_docs)
    else:
        candidates = all_idx
        evidence_retrieved = False  # decided from the chunk texts below
    is_evidence = [(doc_ids[i] in evidence) if evidence else any(_contains(texts[i], g) for g in golds)
                   for i in all_idx]
    boundary = bool(golds) and _chunk_boundary(golds, texts, doc_ids, candidates)
    if not evidence:
        evidence_retrieved = any(is_evidence) or boundary

    cited = {c.doc_id for c in result.citations}
    used = [i for i in all_idx if doc_ids[i] in cited] if cited else all_idx[:k_answer]
    if not cited and not texts and evidence:  # no chunk texts: fall back to the document ranking
        evidence_used = any(d in evidence for d in document_ids(result.retrieved_docs)[:k_answer])
    elif cited and evidence:
        evidence_used = bool(cited & set(evidence))
    else:
        evidence_used = any(is_evidence[i] for i in used)

    modes: set[str] = set()
    if not evidence_retrieved:
        modes.add("retrieval_miss")
    if boundary:
        modes.add("chunk_boundary")
    if evidence_retrieved and not evidence_used and not boundary:
        modes.add("ranking")
    if abstained and evidence_retrieved:
        modes.add("over_refusal")
    if not abstained and unsupported:
        modes.add("unsupported_answer")
    if not abstained and evidence_used and item.answers:
        modes.add("wrong_answer")
    if not modes:  # e.g. an evidence-only item whose evidence the answer cites but ranked below k_answer
        modes.add("over_refusal" if abstained else "ranking" if evidence_retrieved else "wrong_answer")
    return modes


def pareto(results: Sequence[ItemResult], primary_only: bool = True) -> list[tuple[str, int, float]]:
    """Failure modes by frequency: (mode, count, share of failed items), most frequent first
    (ties in `FAILURE_MODES` order). Counts each failed item's primary mode, or with
    `primary_only=False` every mode it has (shares then sum to more than 1)."""
    failed = [r.failure_modes for r in results if r.failure_modes]
    counts: Counter[str] = Counter()
    for modes in failed:
        counts.update(modes[:1] if primary_only else set(modes))
    total = len(failed)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], _PRIORITY.get(kv[0], len(_PRIORITY)), kv[0]))
    return [(mode, count, count / total) for mode, count in ranked]

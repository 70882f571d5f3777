"""Retrieval metrics on the document-level ranking, with trec_eval / ranx conventions.

The ranking is `ItemResult.retrieved_docs` ordered by rank (a document's rank is its best
chunk's rank; later chunks of the same document were already dropped). Relevance comes from
`Item.evidence`: document id → graded relevance; grades ≤ 0 are not relevant. Positions are
1-based. Every function here equals the ranx metric of the same name (ranx 0.3, `rel_lvl=1`)
on the same ranking; tests check this on SciFact to 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from shipcall.core.datasets import Item
from shipcall.core.runs import ItemResult, Retrieved


def document_ids(retrieved_docs: Sequence[Retrieved]) -> list[str]:
    """Document ids in rank order, keeping the first (best) occurrence of each document."""
    seen: set[str] = set()
    out: list[str] = []
    for r in sorted(retrieved_docs, key=lambda r: r.rank):
        if r.doc_id not in seen:
            seen.add(r.doc_id)
            out.append(r.doc_id)
    return out


def _relevant(evidence: Mapping[str, int]) -> dict[str, int]:
    return {d: g for d, g in evidence.items() if g > 0}


def recall_at_k(ranking: Sequence[str], evidence: Mapping[str, int], k: int) -> float:
    """recall@k = |relevant ∩ top-k| / |relevant| (trec_eval `recall_k`; ranx `recall@k`)."""
    rel = _relevant(evidence)
    if not rel:
        return 0.0
    return sum(1 for d in ranking[:k] if d in rel) / len(rel)


def precision_at_k(ranking: Sequence[str], evidence: Mapping[str, int], k: int) -> float:
    """precision@k = |relevant ∩ top-k| / k, dividing by k even when fewer than k documents were
    retrieved (trec_eval `P_k`; ranx `precision@k`)."""
    rel = _relevant(evidence)
    return sum(1 for d in ranking[:k] if d in rel) / k


def hit_at_k(ranking: Sequence[str], evidence: Mapping[str, int], k: int) -> float:
    """hit@k = 1 if any relevant document is in the top k, else 0 (ranx `hit_rate@k`)."""
    rel = _relevant(evidence)
    return float(any(d in rel for d in ranking[:k]))


def mrr_at_k(ranking: Sequence[str], evidence: Mapping[str, int], k: int) -> float:
    """mrr@k (per item: reciprocal rank) = 1 / position of the first relevant document within the
    top k, 0 if none (Voorhees 1999, TREC-8 QA; ranx `mrr@k`)."""
    rel = _relevant(evidence)
    for i, d in enumerate(ranking[:k], start=1):
        if d in rel:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranking: Sequence[str], evidence: Mapping[str, int], k: int) -> float:
    """ndcg@k = DCG@k / IDCG@k with DCG@k = Σ_{i=1..k} rel_i / log2(i + 1): linear gain = the
    relevance grade (Järvelin and Kekäläinen 2002, "Cumulated gain-based evaluation of IR
    techniques"; trec_eval `ndcg_cut`, ranx `ndcg@k`). IDCG@k is the DCG of the item's judged
    grades sorted in descending order, cut at k. 0 when the item has no relevant document.
    """
    rel = _relevant(evidence)
    if not rel:
        return 0.0
    dcg = sum(rel.get(d, 0) / math.log2(i + 1) for i, d in enumerate(ranking[:k], start=1))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, start=1))
    return dcg / idcg


def retrieval_metrics(
    ranking: Sequence[str], evidence: Mapping[str, int], ks: Sequence[int]
) -> dict[str, float]:
    """All retrieval metrics for every k: `recall@k precision@k hit@k mrr@k ndcg@k`.

    One pass over the ranking; equal to calling the functions above one by one.
    """
    rel = _relevant(evidence)
    out: dict[str, float] = {}
    if not rel:
        return out
    ks = sorted(set(ks))
    kmax = ks[-1] if ks else 0
    # gains[i] = grade of the document at position i+1 (0 if not relevant)
    gains = [rel.get(d, 0) for d in ranking[:kmax]]
    ideal = sorted(rel.values(), reverse=True)
    for k in ks:
        top = gains[:k]
        hits = sum(1 for g in top if g > 0)
        first = next((i for i, g in enumerate(top, start=1) if g > 0), 0)
        dcg = sum(g / math.log2(i + 1) for i, g in enumerate(top, start=1))
        idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal[:k], start=1))
        out[f"recall@{k}"] = hits / len(rel)
        out[f"precision@{k}"] = hits / k
        out[f"hit@{k}"] = float(hits > 0)
        out[f"mrr@{k}"] = 1.0 / first if first else 0.0
        out[f"ndcg@{k}"] = dcg / idcg
    return out


def score_retrieval(item: Item, result: ItemResult, ks: Sequence[int]) -> dict[str, float]:
    """Retrieval metrics of one item; `{}` when the item has no evidence."""
    if not item.evidence:
        return {}
    return retrieval_metrics(document_ids(result.retrieved_docs), item.evidence, ks)

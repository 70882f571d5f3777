"""`shipcall dataset coverage NAME[@V]`: what a dataset reaches in the current corpus and, where
a production log exists, which logged questions it does not represent yet (core/coverage.py has
the rules).

A logged question's nearest item is found by BM25 over the items' questions (bm25s); it is
**far** when that item's TF-IDF cosine similarity to the question is below
`production.similarity` — the threshold drift and the review queue use for "unlike any item",
so the three agree on what the dataset does not cover. Its cohort is assigned as the review
queue assigns it (keyword rules, else the nearest item's tags).
"""

from __future__ import annotations

from typing import Any

from shipcall.app.workspace import Workspace
from shipcall.core.coverage import Coverage, ProductionQuestion, coverage


def dataset_coverage(ws: Workspace, name: str, version: int | None = None) -> Coverage:
    from shipcall.adapters.ingest.chunkers import chunk_document

    ds = ws.store.load_dataset(name, version)
    documents = list(ws.store.documents())
    _, variant = ws.variant(None)
    chunks = {d.id: max(1, len(chunk_document(d, variant.chunker))) for d in documents}
    rep = coverage(f"{name}@{ds.version}", ds.items, documents, chunks, _production(ws, list(ds.items)))
    if not documents:
        rep.notes.append("the corpus is empty: shipcall ingest PATH first")
    return rep


def _production(ws: Workspace, items: list[Any]) -> list[ProductionQuestion] | None:
    from shipcall.adapters.retrievers.bm25 import nearest_texts
    from shipcall.adapters.store.reviews import ReviewStore
    from shipcall.app.review import assign, cohort_keys
    from shipcall.core.cohorts import SimilarityIndex

    entries = ReviewStore(ws.store).log_entries()
    if not entries:
        return None
    questions = [e.question for e in entries]
    index = SimilarityIndex(items)
    keys = cohort_keys(ws, items)
    assigned = assign(ws, questions, items, keys, index=index)
    nearest = nearest_texts([it.question for it in items], questions)
    threshold = ws.config.production.similarity
    out = []
    for q, a, (i, _score) in zip(questions, assigned, nearest, strict=True):
        sim = index.similarity(q, i) if i is not None else 0.0
        label = next((f"{k}={a.tags[k]}" for k in keys if k in a.tags), "(no cohort)")
        out.append(ProductionQuestion(label, items[i].id if i is not None else None, round(float(sim), 4),
                                      bool(sim < threshold)))
    return out

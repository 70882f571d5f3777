"""Dataset coverage: which documents, headings, topics and production questions a dataset
reaches. Pure: the caller passes the items, the corpus's documents (with their chunk counts
under the default variant) and, where a production log exists, each logged question's cohort
and whether its nearest item is far.

- A **document is covered** when at least one item names it as evidence (items whose evidence
  names a document the corpus no longer has are listed under `missing_evidence`).
- A **heading** (a section of a document; a document without headings is one section) is
  covered when an item's gold answer occurs in that section of one of its evidence documents,
  or a drafted item's source passage lies in it. Items without a gold answer cover documents,
  not headings.
- **Topics** are documents' top folders (`hr/leave.md` → `hr`; files at the top level are
  `(root)`): the share of items whose evidence lies in each topic beside the topic's share of
  the corpus's documents. A topic far below its corpus share is where to draft next.
- **Production**: the share of logged questions whose nearest dataset item is far (the
  questions the dataset does not yet represent), overall and per cohort.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shipcall.core.datasets import Item
from shipcall.core.documents import Document
from shipcall.core.drafting import topic_of
from shipcall.core.metrics.answer import normalize_answer

LARGEST_UNCOVERED = 20


@dataclass(frozen=True)
class ProductionQuestion:
    cohort: str          # e.g. "topic=hr", or "(no cohort)"
    nearest_item: str | None
    score: float         # how close the nearest item is (cosine similarity, 0–1)
    far: bool


@dataclass
class Coverage:
    dataset: str
    documents: int
    covered_documents: int
    uncovered: list[dict[str, Any]]
    uncovered_total: int
    headings: dict[str, Any]
    by_topic: dict[str, dict[str, Any]]
    missing_evidence: list[dict[str, Any]]
    items: int
    production: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.covered_documents / self.documents if self.documents else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "items": self.items, "documents": self.documents,
                "covered_documents": self.covered_documents, "share": round(self.share, 4),
                "uncovered": self.uncovered, "uncovered_total": self.uncovered_total, "headings": self.headings,
                "by_topic": self.by_topic, "missing_evidence": self.missing_evidence,
                "production": self.production, "notes": self.notes}


def _sections(doc: Document) -> list[tuple[tuple[str, ...], int, int]]:
    return [(s.heading_path, s.start, s.end) for s in doc.sections] or [((), 0, len(doc.text))]


def coverage(dataset: str, items: Sequence[Item], documents: Sequence[Document], chunks: Mapping[str, int],
             production: Sequence[ProductionQuestion] | None = None) -> Coverage:
    """The coverage report (see the module docstring). `chunks`: document id → chunk count."""
    docs = {d.id: d for d in documents}
    covered: set[str] = set()
    missing: list[dict[str, Any]] = []
    heading_hits: set[tuple[str, int]] = set()
    topic_items: Counter[str] = Counter()
    section_text: dict[tuple[str, int], str] = {}
    for it in items:
        gone = [d for d in it.evidence if d not in docs]
        if gone:
            missing.append({"item_id": it.id, "doc_ids": gone})
        present = [d for d in it.evidence if d in docs]
        covered.update(present)
        for t in sorted({topic_of(d) for d in present}):
            topic_items[t] += 1
        for d in present:
            secs = _sections(docs[d])
            spans = [(p.get("start"), p.get("end")) for p in it.source.get("passages", []) or []
                     if isinstance(p, dict) and p.get("doc_id") == d]
            for i, (_, a, b) in enumerate(secs):
                if any(isinstance(s, int) and a <= s < b for s, _ in spans):
                    heading_hits.add((d, i))
            golds = [g for g in (normalize_answer(x) for x in it.answers) if g]
            if golds:
                for i, (_, a, b) in enumerate(secs):
                    if (d, i) not in section_text:
                        section_text[(d, i)] = f" {normalize_answer(docs[d].text[a:b])} "
                    if any(f" {g} " in section_text[(d, i)] for g in golds):
                        heading_hits.add((d, i))
    total_sections = sum(len(_sections(d)) for d in documents)
    uncovered = sorted((d for d in docs if d not in covered), key=lambda d: (-chunks.get(d, 1), d))
    topic_docs = Counter(topic_of(d) for d in docs)
    topic_cov = Counter(topic_of(d) for d in covered)
    n_with = sum(topic_items.values())
    by_topic = {t: {"items": topic_items[t], "item_share": round(topic_items[t] / n_with, 4) if n_with else 0.0,
                    "documents": topic_docs[t], "corpus_share": round(topic_docs[t] / len(docs), 4) if docs else 0.0,
                    "covered_documents": topic_cov[t]}
                for t in sorted(set(topic_docs) | set(topic_items))}
    notes = []
    unanswerable = sum(not it.answerable for it in items)
    if unanswerable:
        notes.append(f"{unanswerable} unanswerable items name no evidence and cover no document")
    return Coverage(dataset, len(docs), len(covered),
                    [{"doc_id": d, "chunks": chunks.get(d, 1)} for d in uncovered[:LARGEST_UNCOVERED]],
                    len(uncovered),
                    {"total": total_sections, "covered": len(heading_hits),
                     "share": round(len(heading_hits) / total_sections, 4) if total_sections else 0.0},
                    by_topic, missing, len(items), _production(production), notes)


def _production(questions: Sequence[ProductionQuestion] | None) -> dict[str, Any] | None:
    if questions is None:
        return None
    by: dict[str, list[bool]] = defaultdict(list)
    for q in questions:
        by[q.cohort].append(q.far)
    far = sum(q.far for q in questions)
    return {"questions": len(questions), "far": far,
            "far_share": round(far / len(questions), 4) if questions else 0.0,
            "by_cohort": {c: {"questions": len(v), "far": sum(v), "far_share": round(sum(v) / len(v), 4)}
                          for c, v in sorted(by.items(), key=lambda kv: (-sum(kv[1]), kv[0]))}}

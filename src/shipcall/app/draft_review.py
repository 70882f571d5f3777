"""Drafts in the review queue: listing them beside logged queries, recording a person's
accept/reject (with edits), and turning accepted drafts into items when `review promote` runs.

A draft is promoted into the dataset it was drafted for (`dataset draft --name NAME`), once,
with its provenance in the item's `source`: drafted by (generator, rule, passages), accepted by
(reviewer, time), and whether and what the reviewer edited. A rejected draft is never
promoted; a draft whose question the dataset already holds (normalised text) is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from shipcall.adapters.store.drafts import DraftStore
from shipcall.app.workspace import Workspace
from shipcall.core.datasets import Item
from shipcall.core.drafting import QueuedDraft, check_draft_review, draft_item
from shipcall.core.metrics.answer import normalize_answer
from shipcall.errors import ConfigError

Redact = Callable[[str], str]


def is_draft_id(ref: str) -> bool:
    return ref.startswith("draft-")


def drafts(ws: Workspace, status: str = "all") -> list[QueuedDraft]:
    found = DraftStore(ws.store).drafts()
    if status == "pending":
        return [q for q in found if not q.reviewed]
    if status == "reviewed":
        return [q for q in found if q.reviewed]
    return found


def record(ws: Workspace, draft_id: str, *, reviewer: str, verdict: str, question: str | None = None,
           gold: str | None = None, evidence: Sequence[str] = (), tags: dict[str, str] | None = None,
           note: str = "", redact: Redact | None = None) -> QueuedDraft:
    """Accept or reject a draft, with the reviewer's edits (only fields that differ are kept).
    A gold answer on an unanswerable draft makes it answerable (it needs evidence then)."""
    check_draft_review(verdict, reviewer)
    ds = DraftStore(ws.store)
    q = ds.get(draft_id)
    d = q.draft
    red = redact or (lambda s: s)
    edits: dict[str, Any] = {}
    if question is not None and question.strip() and " ".join(question.split()) != d.question:
        edits["question"] = red(" ".join(question.split()))
    if gold is not None and gold.strip() and (gold.strip(),) != d.answers[:1]:
        edits["answers"] = [red(gold.strip())]
        if not d.answerable:
            edits["answerable"] = True
    ev = tuple(dict.fromkeys(e.strip() for e in evidence if e.strip()))
    if ev and ev != d.evidence:
        known = ws.store.document_hashes()
        unknown = [e for e in ev if e not in known]
        if unknown:
            raise ConfigError(f"unknown document {unknown[0]!r}", field="evidence",
                              hint="evidence names document ids of the corpus, e.g. hr/leave.md")
        edits["evidence"] = list(ev)
    if tags:
        changed = {k.strip(): red(str(v).strip()) for k, v in tags.items() if d.tags.get(k) != v}
        if changed:
            edits["tags"] = changed
    if verdict == "accept" and edits.get("answerable") and not (edits.get("evidence") or d.evidence):
        raise ConfigError("an answerable item needs evidence", field="evidence",
                          hint="add --evidence DOC_ID for the document that answers the question")
    return ds.record(draft_id, verdict=verdict, reviewer=reviewer.strip(), edits=edits, note=red(note.strip()))


def promotable(ws: Workspace, dataset: str, have_ids: set[str], questions: dict[str, str]
               ) -> tuple[list[Item], list[dict[str, Any]], list[dict[str, Any]]]:
    """Accepted drafts for `dataset` not promoted yet, as (new items, promoted rows, skipped
    rows). `have_ids` and `questions` (normalised question → item id) are the dataset's so far
    and are updated as items are added."""
    new: list[Item] = []
    promoted: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for q in DraftStore(ws.store).drafts(dataset=dataset):
        if q.promoted_version is not None or q.verdict is None:
            continue
        if q.verdict == "reject":
            continue
        item = draft_item(q)
        if item.id in have_ids:
            skipped.append({"request_id": q.draft.draft_id, "question": item.question,
                            "reason": f"{item.id} is already in {dataset}"})
            continue
        same = questions.get(normalize_answer(item.question))
        if same is not None:
            skipped.append({"request_id": q.draft.draft_id, "question": item.question,
                            "reason": f"the same question as item {same} (normalised text)"})
            continue
        new.append(item)
        have_ids.add(item.id)
        questions[normalize_answer(item.question)] = item.id
        promoted.append({"request_id": q.draft.draft_id, "draft_id": q.draft.draft_id, "item_id": item.id,
                         "question": item.question, "answerable": item.answerable, "verdict": "accept",
                         "reviewer": q.reviewer, "edited": bool(q.edits), "kind": "draft", "tags": item.tags})
    return new, promoted, skipped


def mark_promoted(ws: Workspace, draft_ids: Sequence[str], version: int) -> None:
    DraftStore(ws.store).mark_promoted(list(draft_ids), version)

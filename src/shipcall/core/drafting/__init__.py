"""Dataset drafting: candidate evaluation items drafted from the corpus, for a person to accept,
edit or reject in the review queue (or stored unreviewed with `--accept`). Pure: no I/O.

- clauses.py: reading a sentence (tokens with offsets, subject, verb group, rest; names)
- questions.py: factoid questions from one sentence, by rule, with the answer span
- tables.py: factoid questions from Markdown table rows under their headers
- lexicon.py: the word lists (verb forms, person words, synonyms) the rules use
- kinds.py: paraphrase, multi_hop and unanswerable drafts made from factoid questions
- sampling.py: which documents get drafts (proportional to size, spread first) and which kinds
- checks.py: the checks every draft passes (gold in evidence, no copied sentence, no duplicate)
- offline.py: the `extractive` drafter that puts these together

A `Draft` becomes an `Item` with `Draft.to_item`: tags `kind`, `topic` (the document's top
folder), `source: drafted`, `generator`; `source` carries the provenance (rule, passage offsets,
who accepted it and whether it was edited).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from shipcall.core.datasets import Item, parse_item

ROOT_TOPIC = "(root)"


def topic_of(doc_id: str) -> str:
    """A document's topic folder: the first part of its id (`hr/leave.md` → `hr`)."""
    return doc_id.split("/", 1)[0] if "/" in doc_id else ROOT_TOPIC


def draft_id(kind: str, question: str, evidence: tuple[str, ...]) -> str:
    h = hashlib.sha256("\0".join([kind, " ".join(question.lower().split()), *evidence]).encode("utf-8"))
    return "draft-" + h.hexdigest()[:10]


@dataclass(frozen=True)
class Draft:
    """A candidate item. `source` holds the provenance: generator, rule, the passages it came
    from (`[{doc_id, start, end, answer: [start, end] | None}]`, character offsets into the
    documents), and for LLM drafts the model."""

    draft_id: str
    kind: str
    question: str
    answers: tuple[str, ...]
    answerable: bool
    evidence: tuple[str, ...]
    tags: dict[str, str] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"draft_id": self.draft_id, "question": self.question, "answers": list(self.answers),
                "answerable": self.answerable, "evidence": list(self.evidence), "tags": dict(self.tags)}

    def to_item(self, *, reviewed: bool = True, provenance: dict[str, Any] | None = None) -> Item:
        """The item this draft becomes (id = draft id). `provenance` adds to `source` (who
        accepted it, when, whether it was edited)."""
        d = {"id": self.draft_id, "question": self.question, "answers": list(self.answers),
             "answerable": self.answerable, "evidence": list(self.evidence), "tags": dict(self.tags),
             "source": {"kind": "drafted", "draft_id": self.draft_id, "draft_kind": self.kind,
                        **{k: v for k, v in self.source.items() if k != "kind"}, **(provenance or {})}}
        if not reviewed:
            d["reviewed"] = False
        return parse_item(d, file="draft", line=None)

    def edited(self, *, question: str | None = None, answers: tuple[str, ...] | None = None,
               evidence: tuple[str, ...] | None = None, tags: dict[str, str] | None = None,
               answerable: bool | None = None) -> Draft:
        """This draft with a reviewer's edits (None: unchanged)."""
        return replace(self, question=question if question is not None else self.question,
                       answers=answers if answers is not None else self.answers,
                       evidence=evidence if evidence is not None else self.evidence,
                       tags={**self.tags, **tags} if tags is not None else self.tags,
                       answerable=answerable if answerable is not None else self.answerable)


def draft_tags(kind: str, doc_id: str, generator: str) -> dict[str, str]:
    return {"kind": kind, "topic": topic_of(doc_id), "source": "drafted", "generator": generator}


@dataclass
class DraftResult:
    """What a drafter produced: the drafts, the drops by reason, and notes for the user."""

    drafts: list[Draft]
    dropped: dict[str, int]
    notes: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


VERDICTS = {"accept": "the draft is a good item (after any edits): promote it",
            "reject": "the draft is not a good item: never promote it"}


@dataclass(frozen=True)
class QueuedDraft:
    """A stored draft in the review queue: the draft as drafted, the dataset it is for, and the
    review so far (`verdict` None while pending; `edits`: the fields the reviewer changed)."""

    position: int
    draft: Draft
    dataset: str
    batch: str
    created_at: str
    verdict: str | None = None
    reviewer: str | None = None
    reviewed_at: str | None = None
    edits: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    promoted_version: int | None = None

    @property
    def reviewed(self) -> bool:
        return self.verdict is not None

    @property
    def final(self) -> Draft:
        """The draft with the reviewer's edits applied."""
        e = self.edits
        return self.draft.edited(question=e.get("question"),
                                 answers=tuple(e["answers"]) if "answers" in e else None,
                                 evidence=tuple(e["evidence"]) if "evidence" in e else None,
                                 tags=e.get("tags"), answerable=e.get("answerable"))

    def to_dict(self) -> dict[str, Any]:
        """A row of `review list --json`'s `items` (beside logged queries: `kind` says which)."""
        review = ([{"reviewer": self.reviewer, "verdict": self.verdict, "edits": dict(self.edits),
                    "note": self.note, "updated_at": self.reviewed_at}] if self.reviewed else [])
        return {"kind": "draft", "position": self.position, "draft_id": self.draft.draft_id,
                "request_id": self.draft.draft_id, "batch": self.batch, "strategy": "drafted",
                "reasons": ["drafted"], "stratum": f"{self.draft.kind} · {self.draft.tags.get('topic', '')}",
                "cohorts": dict(self.draft.tags), "queued_at": self.created_at, "dataset": self.dataset,
                "reviewed": self.reviewed, "n_reviews": len(review), "reviews": review,
                "promoted_version": self.promoted_version,
                "draft": {**self.draft.to_dict(), "kind": self.draft.kind, "source": dict(self.draft.source)},
                **({"final": self.final.to_dict()} if self.edits else {})}


def check_draft_review(verdict: str, reviewer: str) -> None:
    """Raise ConfigError naming the field when a draft review's values are not allowed."""
    from shipcall.errors import ConfigError

    if verdict not in VERDICTS:
        raise ConfigError(f"unknown verdict {verdict!r} for a draft", field="verdict",
                          hint="a draft is accepted or rejected: --verdict accept|reject")
    if not reviewer.strip() or len(reviewer) > 200:
        raise ConfigError("a reviewer name is required (at most 200 characters)", field="reviewer")


def draft_item(q: QueuedDraft) -> Item:
    """An accepted draft as the item it becomes, with provenance: drafted by (generator, rule),
    accepted by, when, and whether it was edited."""
    return q.final.to_item(provenance={"reviewer": q.reviewer, "reviewed_at": q.reviewed_at,
                                       "edited": bool(q.edits), "edits": sorted(q.edits),
                                       "drafted_at": q.created_at, "dataset": q.dataset})

"""`shipcall dataset draft`: draft candidate items from the corpus, then queue them for review
(or, with `--accept`, store them straight away as an unreviewed dataset version).

The offline `extractive` drafter is in core/drafting (rules over the documents' sentences and
tables); an LLM variant drafts through app/drafting_llm.py. Either way every draft passes the
same checks (core/drafting/checks.py) before anyone sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shipcall.adapters.clock import now
from shipcall.adapters.progress import progress_bar
from shipcall.app.workspace import Workspace
from shipcall.core.datasets import Item, dataset_hash
from shipcall.core.drafting import Draft, DraftResult
from shipcall.core.drafting.sampling import KINDS
from shipcall.errors import ConfigError, CorpusError, NotFoundError


@dataclass
class DraftReport:
    dataset: str
    version: int | None            # with --accept: the stored version
    generator: str
    drafts: list[Draft]
    dropped: dict[str, int]
    queued: int = 0                # without --accept: drafts added to the review queue
    notes: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"dataset": self.dataset}
        if self.version is not None:
            d["version"] = self.version
        d |= {"drafted": len(self.drafts), "dropped": self.dropped, "generator": self.generator,
              "queued": self.queued, "by_kind": _count(d_.kind for d_ in self.drafts),
              "drafts": [x.to_dict() for x in self.drafts], "notes": self.notes, "stats": self.stats}
        return d


def _count(xs: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in xs:
        out[x] = out.get(x, 0) + 1
    return out


def parse_kinds(text: str | Sequence[str]) -> list[str]:
    """`factoid,unanswerable` → ["factoid", "unanswerable"]; unknown kinds are a ConfigError."""
    parts = [p.strip() for p in (text.split(",") if isinstance(text, str) else text) if p.strip()]
    bad = [p for p in parts if p not in KINDS]
    if bad or not parts:
        raise ConfigError(f"unknown draft kind {bad[0]!r}" if bad else "no draft kind given", field="--kinds",
                          hint=f"a comma-separated list of: {', '.join(KINDS)}")
    return list(dict.fromkeys(parts))


def batch_id() -> str:
    return "d" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")[:18]


def existing_questions(ws: Workspace, name: str) -> tuple[list[Item], int | None, list[str]]:
    """The dataset's latest items and version (none yet: [], None) and every question a new
    draft must not repeat: its items' and the drafts queued for it that were not rejected."""
    from shipcall.adapters.store.drafts import DraftStore

    try:
        ds = ws.store.load_dataset(name)
        items, version = list(ds.items), ds.version
    except NotFoundError:
        items, version = [], None
    queued = [q.final.question for q in DraftStore(ws.store).drafts(dataset=name) if q.verdict != "reject"]
    return items, version, [it.question for it in items] + queued


def draft(ws: Workspace, *, name: str, n: int = 100, kinds: Sequence[str] = KINDS, generator: str = "extractive",
          seed: int = 0, accept: bool = False, progress: bool = True, prompt: str | None = None) -> DraftReport:
    """Draft up to `n` items for dataset `name` (see the module docstring)."""
    if not name.strip() or "@" in name:
        raise ConfigError(f"not a dataset name: {name!r}", field="--name", hint="name it without @VERSION")
    if n < 1:
        raise ConfigError(f"must be at least 1 (got {n})", field="--n")
    kinds = parse_kinds(kinds)
    documents = list(ws.store.documents())
    if not documents:
        raise CorpusError("the corpus is empty: nothing to draft from", hint="shipcall ingest PATH first")
    items, version, questions = existing_questions(ws, name)
    label = generator
    if generator == "extractive":
        result = _offline(documents, n, kinds, seed, questions, progress)
    else:
        _, variant = ws.variant(generator)
        if variant.generator.kind == "extractive":
            result = _offline(documents, n, kinds, seed, questions, progress)
            label = "extractive"
        else:
            from shipcall.app.drafting_llm import draft_with_llm

            result = draft_with_llm(ws, generator, variant, documents, n, kinds=kinds, seed=seed,
                                    existing_questions=questions, progress=progress, prompt=prompt)
    report = DraftReport(name, None, label, result.drafts, result.dropped, notes=list(result.notes),
                         stats=dict(result.stats))
    if not result.drafts:
        report.notes.append("nothing drafted: no draft passed the checks")
        return report
    if accept:
        new = [d.to_item(reviewed=False, provenance={"drafted_at": now(),
                                                     "reviewer": None, "edited": False})
               for d in result.drafts]
        all_items = items + new
        report.version, _ = ws.store.save_dataset(
            name, all_items, dataset_hash(all_items),
            source=f"shipcall dataset draft --accept: {len(new)} drafted items ({label}, seed {seed}), "
                   f"nobody has reviewed them" + (f"; added to {name}@{version}" if version else ""),
            warnings=[])
    else:
        from shipcall.adapters.store.drafts import DraftStore

        report.queued = DraftStore(ws.store).add(name, batch_id(), result.drafts)
    return report


def _offline(documents: list[Any], n: int, kinds: Sequence[str], seed: int, questions: list[str],
             progress: bool) -> DraftResult:
    from shipcall.core.drafting.offline import draft_offline

    bar = progress_bar(len(documents), "reading documents", "doc", show=None if progress else False)
    try:
        return draft_offline(documents, n, kinds=kinds, seed=seed, existing_questions=questions,
                             on_document=lambda: bar.update(1))
    finally:
        bar.close()

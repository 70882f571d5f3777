"""`shipcall failures RUN` and the failures page: the failure-mode Pareto of a run, per cohort,
with examples. One implementation (ordering from `core.failures.pareto`); the CLI and the page
only render it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shipcall.app.decisions import RunEvidence, load_run
from shipcall.app.workspace import Workspace
from shipcall.core.failures import FAILURE_MODES, pareto
from shipcall.errors import ConfigError

PREVIEW = 240  # characters of a long input shown in an example


@dataclass
class FailureTable:
    run_id: str
    variant: str
    n_items: int
    failed: int
    modes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "n_items": self.n_items, "failed": self.failed, "modes": self.modes}


def failure_table(ev: RunEvidence, *, mode: str | None = None, by: list[str] | None = None,
                  examples: int = 3) -> FailureTable:
    """Primary failure modes, most frequent first: count, share of all items, cumulative share
    of failed items, a breakdown per tag key in `by`, and examples (question, answer, gold,
    evidence, retrieved)."""
    described = mode_descriptions(ev.run)
    known = set(described) | {m for r in ev.results for m in r.failure_modes}
    if mode is not None and mode not in known:
        raise ConfigError(f"unknown failure mode {mode!r}", field="--mode", hint=f"one of: {', '.join(sorted(known))}")
    failed = [r for r in ev.results if r.failure_modes and (mode is None or r.failure_modes[0] == mode)]
    n = len(ev.results)
    rows: list[dict[str, Any]] = []
    cum = 0
    for m, count, _share_of_failed in pareto(failed):
        cum += count
        row: dict[str, Any] = {"mode": m, "count": count, "share": count / n if n else 0.0,
                               "cumulative": cum / len(failed),
                               "description": described.get(m) or described.get(m.split(":", 1)[0] + ":", "")}
        for key in by or []:
            per = Counter(ev.items[r.item_id].tags.get(key, "(none)") for r in failed
                          if r.failure_modes[0] == m and r.item_id in ev.items)
            row[f"by_{key}"] = dict(sorted(per.items()))
        row["examples"] = [_example(ev, r) for r in [x for x in failed if x.failure_modes[0] == m][:examples]]
        rows.append(row)
    return FailureTable(ev.run.id, ev.run.variant, n, len(failed), rows)


def mode_descriptions(run: Any) -> dict[str, str]:
    """The failure modes of the run's task with their descriptions (a family such as
    classify's `confused_with:<label>` under its prefix `confused_with:`)."""
    task = str(run.task)
    if task == "rag":
        return dict(FAILURE_MODES)
    from shipcall.app.tasks import get_task

    modes = dict(getattr(get_task(task), "failure_modes", {}))
    return {(f"{m}:" if m == "confused_with" else m): d for m, d in modes.items()}


def _gold(it: Any) -> list[str]:
    """What the item expected, whatever its task: gold answers, a label, reference summaries."""
    if it is None:
        return []
    if hasattr(it, "answers"):
        return list(it.answers)
    if hasattr(it, "label"):
        return [it.label]
    return list(getattr(it, "reference_summaries", ()))


def _example(ev: RunEvidence, r: Any) -> dict[str, Any]:
    it = ev.items.get(r.item_id)
    question = it.question if it else ""
    if hasattr(it, "text"):  # a classify or summarize input: a one-line preview
        question = " ".join(question.split())
        question = question if len(question) <= PREVIEW else question[:PREVIEW - 1] + "…"
    return {"id": r.item_id, "question": question, "answer": r.answer,
            "abstained": r.abstained, "gold": _gold(it),
            "evidence": list(getattr(it, "evidence", ())),
            "retrieved": [d.doc_id for d in r.retrieved_docs[:5]], "modes": r.failure_modes,
            "production": bool(it and getattr(it, "source", {}).get("kind") == "production")}  # promoted log


def failures(ws: Workspace, run_ref: str, *, mode: str | None = None, by: list[str] | None = None,
             examples: int = 3) -> FailureTable:
    return failure_table(load_run(ws, run_ref), mode=mode, by=by, examples=examples)

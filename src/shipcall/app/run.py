"""Run one variant over one dataset version on one corpus version, resumably.

Per item, through the variant's task (core/tasks): predict (for rag: retrieve → generate) →
score (metrics and failure modes) → store. Results are committed in
small batches (at least every 100 ms); a resumed run skips the items already stored, so a
`kill -9` loses at most the last batch.

Generators that call a provider answer up to their `concurrency` items at once (pool.py; others
one at a time, in order), and their `budget` can stop a run cleanly: it stays unfinished and the
same command resumes it. The run's identity includes the prompt template's hash. With judge
options, the LLM judge grades the answers after generation (judge.py), before aggregation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipcall._version import __version__
from shipcall.adapters.clock import now
from shipcall.adapters.heap import long_lived_frozen
from shipcall.adapters.retrievers.sentences import flush_all as flush_analyses
from shipcall.adapters.store.locks import run_key, run_lock
from shipcall.app.pool import Budget, answer_items
from shipcall.app.tasks import task_for
from shipcall.app.workspace import Workspace
from shipcall.config.schema import Variant
from shipcall.core.datasets import Dataset, Item
from shipcall.core.runs import ItemResult, Run, RunIdentity
from shipcall.core.tasks.base import Predictor
from shipcall.errors import ConfigError, Interrupted

if TYPE_CHECKING:
    from shipcall.app.distributed import RayExecutor
    from shipcall.app.judge import JudgeOptions

BATCH_SECONDS = 0.1
BATCH_ITEMS = 500


@dataclass
class RunOutcome:
    run: Run
    resumed: bool
    done_before: int
    stopped: str | None = None  # why an unfinished run stopped (its budget); None when finished
    provider: dict[str, Any] | None = None  # the generator's calls, cache hits, retries, spend here
    judge: list[dict[str, Any]] | None = None  # per judge metric: agreement, flips, noise, kappa
    warnings: list[str] = field(default_factory=list)



def run_identity(predictor: Predictor, dataset: Dataset, variant: Variant, *, ks: list[int], limit: int | None,
                 judge: dict[str, Any] | None = None) -> RunIdentity:
    """The one definition of a run's identity, used by the runner (resume) and the sweep (reuse)."""
    config: dict[str, Any] = {"variant": variant.resolved(), "limit": limit, "k": ks}
    if identity := predictor.identity():
        config["generator"] = identity
    if judge is not None:
        config["judge"] = judge
    return RunIdentity(predictor.variant_hash, dataset.name, dataset.version, predictor.corpus_version, config)


def run(ws: Workspace, dataset: Dataset, variant_name: str | None, *, limit: int | None = None,
        progress: Callable[[int, int], object] | None = None, judge: JudgeOptions | None = None,
        judge_progress: Callable[[int, int], object] | None = None, wait: bool = False,
        on_wait: Callable[[str], object] | None = None, executor: RayExecutor | None = None) -> RunOutcome:
    """Run a variant of the workspace (by name; None: the first) over a dataset version. An
    identical run already executing in another process stops this one with RunInProgress, or
    with `wait` this one waits for it first (adapters/store/locks.py). `executor`: answer the
    items on a Ray cluster instead of in this process."""
    name, variant = ws.variant(variant_name)
    return run_variant(ws, dataset, name, variant, limit=limit, progress=progress, judge=judge,
                       judge_progress=judge_progress, wait=wait, on_wait=on_wait, executor=executor)


def run_variant(ws: Workspace, dataset: Dataset, name: str, variant: Variant, *, limit: int | None = None,
                progress: Callable[[int, int], object] | None = None, judge: JudgeOptions | None = None,
                judge_progress: Callable[[int, int], object] | None = None,
                predictor: Predictor | None = None, wait: bool = False,
                on_wait: Callable[[str], object] | None = None, executor: RayExecutor | None = None) -> RunOutcome:
    """Run one variant configuration (explicitly given: a sweep passes its combinations) over a
    dataset version, through its task: build -> per item predict -> score -> store -> aggregate."""
    task = task_for(ws, variant)
    dataset_task = dataset.task
    if dataset_task != task.name:
        raise ConfigError(f"variant {name!r} is a {task.name} variant but dataset {dataset.name}@{dataset.version} "
                          f"holds {dataset_task} items", field="--dataset",
                          hint=f"run a {dataset_task} variant on it, or pick a {task.name} dataset")
    predictor = predictor or task.build(ws, name, variant, dataset)
    items = list(dataset.items[:limit] if limit else dataset.items)
    ks = ws.config.evaluation.k
    judge_ = None
    if judge is not None:
        from shipcall.app.judge import Judge

        feature = getattr(predictor, "feature", None)
        if feature is None:
            raise ConfigError(f"the LLM judge grades answers of rag variants; {name!r} is a {task.name} variant",
                              field="--judge", hint="run without --judge")
        judge_ = Judge(ws, judge, feature)  # checks its key and prompt before anything is paid
    ident = run_identity(predictor, dataset, variant, ks=ks, limit=limit,
                         judge=judge_.identity() if judge_ is not None else None)
    key = run_key(ident.variant_hash, dataset.name, dataset.version, ident.corpus_version, ident.config)
    remote = None
    if executor is not None:
        def remote(todo: list[tuple[int, Item]]) -> Any:
            return executor.answer(str(ws.root), ws.store_url(), name, variant, dataset, todo)
    with run_lock(ws.state_dir / "locks", key, wait=wait, on_wait=on_wait) as claim:
        return _execute(ws, dataset, name, task, predictor, items, ident, judge_, claim, progress, judge_progress,
                        remote)


def _execute(ws: Workspace, dataset: Dataset, name: str, task: Any, predictor: Predictor, items: list[Item],
             ident: RunIdentity, judge_: Any, claim: Callable[[str], None],
             progress: Callable[[int, int], object] | None,
             judge_progress: Callable[[int, int], object] | None,
             remote: Callable[[list[tuple[int, Item]]], Any] | None = None) -> RunOutcome:
    """The run itself, with the run lock held (`remote`: the items answered elsewhere, e.g. Ray)."""
    store = ws.store
    existing = store.unfinished_run(ident.variant_hash, dataset.name, dataset.version, ident.corpus_version)
    if existing is not None and ident.matches(existing):
        current, resumed = existing, True
    else:
        current = store.create_run(Run(
            id="", variant=name, variant_hash=ident.variant_hash, dataset=dataset.name,
            dataset_version=dataset.version, corpus_version=ident.corpus_version, code_version=__version__,
            started_at=now(), config=ident.config, n_items=len(items), task=task.name))
        resumed = False
    claim(current.id)
    done = store.finished_item_ids(current.id)
    todo = [(i, it) for i, it in enumerate(items) if it.id not in done]
    budget_config = predictor.budget
    budget = Budget.of(budget_config, store.item_results(current.id) if budget_config and done else [])
    batch: list[tuple[int, ItemResult]] = []
    fresh: list[tuple[int, ItemResult]] = []
    last = time.monotonic()
    finished = len(items) - len(todo)

    def one(item: Item) -> ItemResult:
        try:
            return task.score(item, predictor.predict(item))
        except Exception as e:  # one item's failure must not stop the run; it is recorded
            return ItemResult(item_id=item.id, error=f"{type(e).__name__}: {e}", failure_modes=["error"])

    others = 0  # items another process (resuming the same run at once) stored first: theirs are kept

    def save(rows: list[tuple[int, ItemResult]]) -> None:
        nonlocal others
        others += len(rows) - store.save_item_results(current.id, rows)

    answers = (remote(todo) if remote is not None else
               answer_items(todo, one, workers=predictor.concurrency, budget=budget, heartbeat=BATCH_SECONDS))
    try:
        with long_lived_frozen() as tenure:  # adapters/heap.py
            for got in answers:
                if got is not None:
                    batch.append(got)
                    fresh.append(got)
                    finished += 1
                    if progress:
                        progress(finished, len(items))
                if len(batch) >= BATCH_ITEMS or time.monotonic() - last >= BATCH_SECONDS:
                    save(batch)
                    batch, last = [], time.monotonic()
                    tenure()
    except KeyboardInterrupt:
        save(batch)  # keep everything answered so far
        flush_analyses()  # and the sentence analyses worked out for it
        raise Interrupted(f"run {current.id}: {finished} of {len(items)} items done and stored; run the same "
                          f"command to continue where it stopped") from None
    save(batch)
    flush_analyses()  # the sentence analyses this run worked out, kept with the index for the next one
    stats = predictor.stats()
    if budget is not None and budget.exhausted and finished < len(items):
        return RunOutcome(current, resumed, len(items) - len(todo), provider=stats, stopped=(
            f"budget reached: paid {budget.describe()} after {finished} of {len(items)} items; run {current.id} "
            f"is paused: raise generator.budget and run the same command again to resume it"))
    judged = judge_.run(current, items, progress=judge_progress) if judge_ is not None else None
    # what this process scored is in memory; only items done before a resume (or re-scored by the
    # judge) are read back
    results = (store.item_results(current.id) if (done or others or judged is not None)
               else [r for _, r in sorted(fresh, key=lambda x: x[0])])
    current.metrics, current.cohorts = task.aggregate(items, results)
    if judged is not None:
        current.metrics.update(judged.metrics)
    current.n_items = len(results)
    current.errors = sum(1 for r in results if r.error)
    current.finished_at = now()
    current.status = "finished"
    store.finish_run(current)
    warnings = judged.warnings if judged else []
    if others:
        warnings.append(f"another process was resuming run {current.id} at the same time and stored {others} "
                        "of these items first: its results are kept, none is stored twice")
    return RunOutcome(current, resumed, len(items) - len(todo), provider=stats,
                      judge=[s.to_dict() for s in judged.summaries] if judged else None, warnings=warnings)

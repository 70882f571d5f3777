"""`shipcall demo --task classify|summarize`: the loop on the bundled inbox or meeting notes,
offline: import the data, run a baseline and a candidate variant, compare them per cohort and
make the contract's call. As for the rag demo, the story is measured, never scripted.

- classify: Northwind Labs' support inbox (sample/inbox: 251 training and 124 test messages,
  7 labels, tagged by channel and customer tier). The baseline is `tfidf-logreg` on word 1–2
  grams; the candidate a smaller model someone might propose to save memory — unigrams only and
  ten times stronger regularisation.
- summarize: 31 meeting notes (sample/meetings, tagged by department). The baseline is the
  extractive summarizer at 60 words; the candidate cuts summaries to 35 words for a mobile
  notification.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from shipcall.app.init import init_workspace
from shipcall.app.workspace import Workspace
from shipcall.core.failures import pareto

VARIANTS = {
    "classify": """\
  inbox-baseline:
    description: TF-IDF word 1-2 grams + logistic regression, trained on the inbox's training split
    task: classify
    classifier: {kind: tfidf-logreg, train: inbox-train}
  inbox-candidate:
    description: a smaller model - unigrams only, 10x stronger regularisation
    task: classify
    classifier: {kind: tfidf-logreg, train: inbox-train, ngram_max: 1, C: 1.0}
""",
    "summarize": """\
  notes-baseline:
    description: extractive summaries of at most 60 words
    task: summarize
    summarizer: {kind: extractive, max_words: 60}
  notes-candidate:
    description: 35-word summaries that fit a mobile notification
    task: summarize
    summarizer: {kind: extractive, max_words: 35}
""",
}
FOLDER = {"classify": "inbox", "summarize": "meetings"}
PREFIX = {"classify": "inbox", "summarize": "notes"}


@dataclass
class TaskDemoOutcome:
    workspace: Workspace
    task: str
    datasets: dict[str, Any]  # name -> Dataset
    runs: dict[str, Any]  # baseline/candidate -> Run
    decision: Any
    report: Any
    examples: list[dict[str, Any]] = field(default_factory=list)
    failure_counts: list[tuple[str, int]] = field(default_factory=list)


def build_workspace(target: Path, task: str) -> Workspace:
    folder = FOLDER[task]
    with as_file(files("shipcall") / "sample" / folder) as src:
        src = Path(src)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, target / folder, dirs_exist_ok=True)
        contract = (src / "contract.yaml").read_text(encoding="utf-8")
    init_workspace(target, force=True, extra_variants=VARIANTS[task], contract_yaml=contract)
    return Workspace(target.resolve())


def run_task_demo(target: Path, task: str) -> TaskDemoOutcome:
    from shipcall.app.datasets import import_dataset
    from shipcall.app.decisions import gate
    from shipcall.app.run import run

    if task not in VARIANTS:
        from shipcall.errors import ConfigError

        raise ConfigError(f"no demo for task {task!r}", field="--task", hint="one of: rag, classify, summarize")
    ws = build_workspace(target, task)
    root = ws.root / FOLDER[task]
    if task == "classify":
        labels = str(root / "labels.txt")
        import_dataset(ws, str(root / "train.jsonl"), "inbox-train", task=task, labels_file=labels)
        imported = import_dataset(ws, str(root / "test.jsonl"), "inbox-test", task=task, labels_file=labels)
    else:
        imported = import_dataset(ws, str(root / "meetings.jsonl"), "meetings", task=task)
    ds = ws.store.load_dataset(imported.name, imported.version)
    prefix = PREFIX[task]
    runs = {role: run(ws, ds, f"{prefix}-{role}").run for role in ("baseline", "candidate")}
    decision, report = gate(ws, runs["baseline"].id, runs["candidate"].id, ws.contract(),
                            note=f"shipcall demo --task {task}", who="shipcall demo")
    failed = [x for x in report.candidate.results if x.failure_modes]
    counts = [(mode, count) for mode, count, _ in pareto(failed)]
    return TaskDemoOutcome(ws, task, {ds.name: ds}, runs, decision, report, _examples(task, ds, report), counts)


def _examples(task: str, ds: Any, report: Any, n: int = 3) -> list[dict[str, Any]]:
    """A few of the baseline's outputs to show: for classify its first mistakes and first right
    answers; for summarize its first summary."""
    items = {it.id: it for it in ds.items}
    results = report.baseline.results
    if task == "classify":
        wrong = [r for r in results if r.metrics.get("accuracy") == 0.0][:n - 1]
        right = [r for r in results if r.metrics.get("accuracy") == 1.0][:n - len(wrong)]
        return [{"text": items[r.item_id].text, "label": items[r.item_id].label, "prediction": r.answer,
                 "confidence": r.extra.get("confidence")} for r in right + wrong]
    r = results[0]
    return [{"id": r.item_id, "summary": r.answer, "reference": items[r.item_id].reference_summaries[0],
             "rouge1": r.metrics.get("rouge1")}]

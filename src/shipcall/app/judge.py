"""LLM-as-judge, run by `shipcall run` after generation when the contract declares judge metrics.

For every answered item, every judge metric and every repeat (0 … repeats−1), the judge model
grades the answer on the metric's rubric (prompt: the built-in `prompts/judge.md.j2`, or
`judge.prompt`). Each verdict is stored (table `judgements`: label, value 0–1, reasoning, judge
model, judge prompt hash, tokens, cost) as soon as a batch finishes, so a killed run resumes its
judging where it stopped. Repeat r is cached under its own key, so the N repeats are N separate
calls (never the first reply again) and a resumed or repeated run pays for none of them twice.

The item's `judge_<metric>` (mean over repeats) joins its per-item metrics, so it is aggregated
per cohort, compared with paired tests and gated like any metric. Summaries (self-agreement,
flipped items, noise, Cohen's kappa against human labels) are in `judge_summaries` and in the
run's aggregate-only metrics; the pure computations are in core/judge.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipcall.adapters.generators.base import ABSTENTION
from shipcall.adapters.generators.llm import LLMClient
from shipcall.adapters.generators.prompts import JUDGE_TEMPLATE, load_template, neutralise, sources_for
from shipcall.adapters.store.llm import StoreResponseCache, judgements, save_judgements, update_item_metrics
from shipcall.app.pool import answer_items
from shipcall.config.contract import JudgeConfig
from shipcall.core.datasets import Item
from shipcall.core.documents import ScoredChunk
from shipcall.core.judge import JudgeSummary, judge_prompt_identity, parse_verdict, summarize, value_of
from shipcall.core.runs import ItemResult, Run
from shipcall.errors import ConfigError

if TYPE_CHECKING:
    from shipcall.app.feature import Feature
    from shipcall.app.workspace import Workspace

BATCH_SECONDS = 0.1


@dataclass(frozen=True)
class JudgeOptions:
    config: JudgeConfig
    repeats: int


@dataclass
class JudgeOutcome:
    summaries: list[JudgeSummary]
    metrics: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def _provider(config: Any) -> Any:
    """The judge's LLM provider, by kind, from the `shipcall.judges` registry (a plugin provider
    can judge too)."""
    from shipcall.adapters.registry import JUDGES

    return JUDGES.get(config.kind)(config)


def judge_warnings(judge: JudgeConfig, repeats: int, generator: Any) -> list[str]:
    out = []
    p = judge.provider
    if getattr(generator, "kind", None) == p.kind and getattr(generator, "model", None) == p.model:
        out.append(f"the judge ({p.kind} {p.model}) is the model that wrote the answers: LLM judges tend to "
                   f"prefer their own outputs; use a different judge model")
    if repeats > 1 and not p.temperature:
        out.append(f"--judge-repeats {repeats} at temperature 0 measures little of the judge's noise; set "
                   f"judge.provider.temperature (e.g. 0.7) to see how stable its verdicts are")
    return out


class Judge:
    """The judge of one run: its model, prompt, metrics and repeats."""

    def __init__(self, ws: Workspace, options: JudgeOptions, feature: Feature) -> None:
        self.ws = ws
        self.config = options.config
        self.repeats = options.repeats
        self.feature = feature
        self.template = load_template(self.config.prompt, root=ws.root, default=JUDGE_TEMPLATE, field="judge.prompt")
        self.client = LLMClient(self.config.provider, _provider(self.config.provider), StoreResponseCache(ws.store))
        self.labels = {m: spec.labels for m, spec in self.config.metrics.items()}
        self.prompt_hash = {m: judge_prompt_identity(self.template.sha, m, spec.rubric, self.labels[m])
                            for m, spec in self.config.metrics.items()}
        self.warnings = judge_warnings(self.config, self.repeats, feature.variant.generator)
        chunks = getattr(feature.retriever, "chunks", None) or []
        self._chunks = {c.id: c for c in chunks}

    def identity(self) -> dict[str, Any]:
        p = self.config.provider
        return {"kind": p.kind, "model": p.model, "base_url": p.base_url, "temperature": p.temperature,
                "repeats": self.repeats,
                "metrics": {m: {"prompt_hash": self.prompt_hash[m], "scale": self.labels[m]}
                            for m in sorted(self.config.metrics)}}

    def _sources(self, result: ItemResult) -> list[ScoredChunk]:
        return [ScoredChunk(self._chunks[r.chunk_id], r.score, r.rank) for r in result.retrieved
                if r.chunk_id in self._chunks]

    def verdict(self, run_id: str, item: Item, result: ItemResult, metric: str, repeat: int) -> dict[str, Any]:
        """One judge call → one judgements row (an error is a row with `error` and no label)."""
        spec = self.config.metrics[metric]
        labels = self.labels[metric]
        row: dict[str, Any] = {"run_id": run_id, "item_id": item.id, "metric": metric, "repeat": repeat,
                               "label": None, "value": None, "reasoning": "", "judge_model": self.config.provider.model,
                               "prompt_hash": self.prompt_hash[metric], "error": None, "tokens_in": 0,
                               "tokens_out": 0, "cost": 0.0, "cached": False}
        try:
            messages = self.template.render(
                metric=metric, rubric=spec.rubric, scale=labels, question=neutralise(item.question),
                answer=neutralise(result.answer), abstained=result.abstained, abstention=ABSTENTION,
                references=[neutralise(a) for a in item.answers], answerable=item.answerable,
                sources=sources_for(self._sources(result)))
            c = self.client.complete(messages, salt={"judge_repeat": repeat})
            row.update(tokens_in=c.tokens_in, tokens_out=c.tokens_out, cost=self.client.cost(c), cached=c.cached)
            label, reasoning = parse_verdict(c.text, labels)
            row.update(label=label, value=value_of(label, labels), reasoning=reasoning)
        except Exception as e:  # one verdict's failure is recorded, never fatal
            row["error"] = f"{type(e).__name__}: {e}"
        return row

    def run(self, run: Run, items: list[Item], *, progress: Callable[[int, int], object] | None = None
            ) -> JudgeOutcome:
        store = self.ws.store
        by_id = {it.id: it for it in items}
        results = [r for r in store.item_results(run.id) if r.error is None and r.item_id in by_id]
        have = {(j["item_id"], j["metric"], j["repeat"]) for j in judgements(store, run.id)}
        tasks = [(r, m, k) for r in results for m in self.config.metrics for k in range(self.repeats)
                 if (r.item_id, m, k) not in have]
        total, done = len(results) * len(self.config.metrics) * self.repeats, len(have)
        batch: list[dict[str, Any]] = []
        last = time.monotonic()

        def one(task: tuple[ItemResult, str, int]) -> Any:
            r, m, k = task
            return self.verdict(run.id, by_id[r.item_id], r, m, k)

        for got in answer_items(list(enumerate(tasks)), one, workers=self.config.provider.concurrency,
                                heartbeat=BATCH_SECONDS):
            if got is not None:
                batch.append(got[1])
                done += 1
                if progress:
                    progress(done, total)
            if batch and time.monotonic() - last >= BATCH_SECONDS:
                save_judgements(store, batch)
                batch, last = [], time.monotonic()
        save_judgements(store, batch)

        rows = [j for j in judgements(store, run.id)
                if j["metric"] in self.config.metrics and j["repeat"] < self.repeats]
        per_item: dict[str, dict[str, float]] = {}
        for m in self.config.metrics:
            vals: dict[str, list[float]] = {}
            for j in rows:
                if j["metric"] == m and j["value"] is not None:
                    vals.setdefault(j["item_id"], []).append(float(j["value"]))
            for item_id, v in vals.items():
                per_item.setdefault(item_id, {})[f"judge_{m}"] = sum(v) / len(v)
        update_item_metrics(store, run.id, per_item)
        summaries = summarise_rows(rows, self.labels, by_id)
        metrics: dict[str, float] = {}
        for s in summaries:
            metrics.update(s.metrics())
        return JudgeOutcome(summaries, metrics, self.warnings, self.client.stats.to_dict())


def summarise_rows(rows: list[dict[str, Any]], scales: dict[str, list[str]], items: dict[str, Item],
                   human: dict[str, dict[str, str]] | None = None) -> list[JudgeSummary]:
    """Per judge metric (`scales`: metric → labels, worst first): self-agreement, flips, noise and
    agreement with human labels — the items' `human_label` and, when given, `human` (item id →
    {metric → label}, e.g. from reviews), which wins where both exist."""
    out = []
    for m, labels in scales.items():
        verdicts: dict[str, list[str]] = {}
        errors = 0
        for j in sorted((j for j in rows if j["metric"] == m), key=lambda j: (j["item_id"], j["repeat"])):
            if j["label"] is None:
                errors += 1
            else:
                verdicts.setdefault(j["item_id"], []).append(j["label"])
        humans: dict[str, str] = {}
        for item_id, it in items.items():
            h = it.human_labels.get(m, it.human_labels.get("*"))
            if h is not None:
                humans[item_id] = h
        for item_id, per_metric in (human or {}).items():
            if m in per_metric:
                humans[item_id] = per_metric[m]
        out.append(summarize(m, verdicts, labels, errors=errors, human=humans))
    return out


def judge_report(ws: Workspace, run: Run, human: dict[str, dict[str, str]] | None = None) -> dict[str, Any] | None:
    """The judge section of `shipcall show RUN`: per metric, the summary (self-agreement, flipped
    items, noise, kappa and confusion table against human labels), the judge model(s), prompt
    hash(es) and cost, recomputed from the stored verdicts and the current human labels. None if
    the run was never judged."""
    cfg = run.config.get("judge") or {}
    rows = judgements(ws.store, run.id)
    if not rows or not cfg.get("metrics"):
        return None
    scales = {m: list(spec["scale"]) for m, spec in cfg["metrics"].items()}
    ds = ws.store.load_dataset(run.dataset, run.dataset_version)
    rows = [j for j in rows if j["repeat"] < int(cfg.get("repeats", 1))]
    out = []
    for s in summarise_rows(rows, scales, {it.id: it for it in ds.items}, human):
        mrows = [j for j in rows if j["metric"] == s.metric]
        out.append(s.to_dict() | {
            "judge_model": sorted({j["judge_model"] for j in mrows}),
            "prompt_hash": sorted({j["prompt_hash"] for j in mrows}),
            "tokens_in": sum(int(j["tokens_in"] or 0) for j in mrows),
            "tokens_out": sum(int(j["tokens_out"] or 0) for j in mrows),
            "cost": sum(float(j["cost"] or 0) for j in mrows),
            "cost_paid": sum(float(j["cost"] or 0) for j in mrows if not j["cached"]),
        })
    generator = run.config.get("variant", {}).get("generator", {})
    warnings = []
    if generator.get("kind") == cfg.get("kind") and generator.get("model") == cfg.get("model"):
        warnings.append(f"the judge ({cfg.get('kind')} {cfg.get('model')}) is the model that wrote the answers: "
                        f"LLM judges tend to prefer their own outputs")
    return {"judge": cfg, "metrics": out, "warnings": warnings}


def judge_options(ws: Workspace, judge: bool | None, repeats: int | None,
                  warn: Callable[[str], None] = lambda _m: None) -> JudgeOptions | None:
    """The contract's judge with the command's repeats, or None (no judge declared, or --no-judge)."""
    from shipcall.config.load_contract import load_contract

    if judge is False:
        return None
    asked = judge is True or repeats is not None
    contract = None
    if ws.contract_path.is_file():
        try:
            contract = load_contract(ws.contract_path)
        except ConfigError as e:
            if asked:
                raise
            warn(f"no LLM judge: contract.yaml is invalid ({e.message}); `shipcall contract check` explains")
    if contract is None or contract.judge is None:
        if asked:
            raise ConfigError("the contract declares no judge", file=str(ws.contract_path), field="judge",
                              hint="add judge: {provider: {kind: openai, model: ...}, metrics: {correctness: "
                                   "{rubric: ..., scale: [1, 5]}}} to contract.yaml (see README: LLM-as-judge)")
        return None
    return JudgeOptions(contract.judge, repeats or contract.judge.repeats)

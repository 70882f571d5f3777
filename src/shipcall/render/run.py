"""A run as JSON and as text: `shipcall run`, `shipcall show` and the demo print these."""

from __future__ import annotations

from typing import Any

from shipcall.core.runs import Run

SUMMARY_METRICS = ("recall@5", "ndcg@10", "contains_answer", "f1", "false_answer_rate", "over_refusal_rate")


def run_json(r: Run, cohorts: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "run_id": r.id, "variant": r.variant, "dataset": r.dataset, "dataset_version": r.dataset_version,
        "corpus_version": r.corpus_version, "variant_hash": r.variant_hash, "code_version": r.code_version,
        "status": r.status, "started_at": r.started_at, "finished_at": r.finished_at,
        "n_items": r.n_items, "errors": r.errors, "metrics": r.metrics,
        "cohorts": r.cohorts if cohorts is None else cohorts, "config": r.config,
    }


def run_text(r: Run, by: list[str] | None, cohorts: dict[str, Any] | None = None) -> str:
    lines = [f"run {r.id}: variant {r.variant} on {r.dataset}@{r.dataset_version} "
             f"(corpus {r.corpus_version}); {r.n_items} items, {r.errors} errors, {r.status}", "",
             f"  {'metric':<22}{'overall':>10}"]
    names = list(r.metrics)
    lines += [f"  {m:<22}{r.metrics[m]:>10.3f}" for m in names]
    cohorts = r.cohorts if cohorts is None else cohorts
    if by and cohorts:
        show = [m for m in SUMMARY_METRICS if m in names] or names[:6]
        lines += ["", f"  {'cohort':<28}{'n':>5}" + "".join(f"{m:>18}" for m in show)]
        for c, v in cohorts.items():
            vals = "".join(f"{v['metrics'][m]:>18.3f}" if m in v["metrics"] else f"{'-':>18}" for m in show)
            lines.append(f"  {c:<28}{v['n']:>5}" + vals)
    return "\n".join(lines)


def judge_text(summaries: list[dict[str, Any]]) -> str:
    def f(x: object) -> str:
        return f"{x:.3f}" if isinstance(x, float) else "-"

    lines = ["", f"  {'judge metric':<22}{'mean':>8}{'repeats':>9}{'self-agree':>12}{'flips':>7}{'kappa':>8}"
                 f"{'humans':>8}{'errors':>8}"]
    for s in summaries:
        lines.append(f"  {'judge_' + str(s['metric']):<22}{f(s['mean']):>8}{s['repeats']!s:>9}"
                     f"{f(s['self_agreement']):>12}{len(s['flipped_items']):>7}{f(s['kappa']):>8}"
                     f"{s['n_human_labels']!s:>8}{s['errors']!s:>8}")
        flipped = list(s["flipped_items"])
        if flipped:
            more = f" (+{len(flipped) - 10} more)" if len(flipped) > 10 else ""
            lines.append(f"    verdict flips between repeats: {', '.join(flipped[:10])}{more}")
    return "\n".join(lines)

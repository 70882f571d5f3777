"""A run as JSON and as text: `shipcall run`, `shipcall show` and the demo print these."""

from __future__ import annotations

from typing import Any

from shipcall.core.runs import Run

SUMMARY_METRICS = ("recall@5", "ndcg@10", "contains_answer", "f1", "false_answer_rate", "over_refusal_rate",
                   "accuracy", "macro_f1", "ece", "rouge1", "rouge2", "key_point_coverage", "summary_words")


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
    per_label = [m for m in names if m.endswith("]") and "[" in m]  # classify: precision[L], recall[L], f1[L]
    lines += [f"  {m:<22}{r.metrics[m]:>10.3f}" for m in names if m not in per_label]
    if per_label:
        n_labels = len({m.split("[", 1)[1] for m in per_label})
        lines.append(f"  (precision, recall and f1 of each of {n_labels} labels: --json; the label pairs most often "
                     f"confused: --confusion)")
    cohorts = r.cohorts if cohorts is None else cohorts
    if by and cohorts:
        show = [m for m in SUMMARY_METRICS if m in names][:6] or names[:6]
        w = {m: max(12, len(m) + 2) for m in show}
        lines += ["", f"  {'cohort':<28}{'n':>5}" + "".join(f"{m:>{w[m]}}" for m in show)]
        for c, v in cohorts.items():
            vals = "".join(f"{v['metrics'][m]:>{w[m]}.3f}" if m in v["metrics"] else f"{'-':>{w[m]}}" for m in show)
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


def confusion_text(report: Any, top: int = 15) -> str:
    """The label pairs most often confused, then the matrix when it fits on a screen."""
    d = report.to_dict()
    lines = [f"run {d['run_id']}: {d['n_items']} predictions, {len(d['labels'])} labels"
             + (f", {d['unparseable']} items without a prediction (errors)" if d["unparseable"] else ""), ""]
    if not d["top_confusions"]:
        lines.append("  no confusions: every prediction is the gold label")
    else:
        lines.append(f"  {'gold':<32}{'predicted as':<32}{'count':>6}{'of gold':>9}")
        for c in d["top_confusions"][:top]:
            lines.append(f"  {c['gold']:<32}{c['predicted']:<32}{c['count']:>6}{c['share_of_gold']:>9.1%}")
        if len(d["top_confusions"]) > top:
            lines.append(f"  … {len(d['top_confusions']) - top} more pairs (--json for all)")
    labels = d["labels"]
    if 0 < len(labels) <= 12:
        width = max(6, *(len(x) for x in labels)) + 1
        lines += ["", "  gold \\ predicted".ljust(width + 2) + "".join(f"{x[:width - 1]:>{width}}" for x in labels)]
        for label, row in zip(labels, d["matrix"], strict=True):
            lines.append(f"  {label:<{width}}" + "".join(f"{n:>{width}}" for n in row))
    return "\n".join(lines)

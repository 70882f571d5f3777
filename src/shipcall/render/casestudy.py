"""A case study from the decision history: problem → AI-specific considerations → decisions
made → outcome → what we would do differently, filled from the recorded evidence."""

from __future__ import annotations

from collections import Counter
from typing import Any

# What each task type's feature is called in the narrative.
FEATURES = {"rag": "the question-answering feature", "classify": "the inbox classifier",
            "summarize": "the meeting-notes summarizer"}


def case_study(decisions: list[dict[str, Any]], *, title: str = "shipcall case study") -> str:
    if not decisions:
        return f"# {title}\n\nNo decisions recorded yet: run `shipcall gate` first.\n"
    first, last = decisions[0], decisions[-1]
    ev0 = first.get("evidence", {})
    feature = FEATURES.get(ev0.get("task", "rag"), f"the {ev0.get('task')} feature")
    lines = [f"# {title}", "", "## Problem", "",
             f"Whether to replace `{ev0.get('baseline_variant', first['baseline_run'])}` with "
             f"`{ev0.get('candidate_variant', first['candidate_run'])}` in {feature}, "
             f"judged on dataset {ev0.get('dataset', '?')} against a contract written before building "
             f"(contract {first.get('contract_hash')}).", "",
             "## AI-specific considerations", ""]
    regressions = [r for d in decisions for r in d.get("evidence", {}).get("regressed", [])]
    underpowered = [r for d in decisions for r in d.get("evidence", {}).get("underpowered", [])]
    modes: Counter[str] = Counter()
    for d in decisions:
        for f in d.get("evidence", {}).get("failure_modes", []):
            modes[f["mode"]] += f["candidate"]
    health: Counter[str] = Counter()
    for d in decisions:
        health.update(d.get("evidence", {}).get("health", {}))
    lines.append(f"- Outputs are probabilistic: {len(regressions)} metric × cohort regressions were found "
                 "significant after correcting for every test run.")
    for r in regressions[:5]:
        lines.append(f"  - {r['metric']} in {r.get('cohort') or 'overall'}: {r['delta']:+.3f} "
                     f"(95% CI [{r['ci_low']:+.3f}, {r['ci_high']:+.3f}])")
    if underpowered:
        worst = max(underpowered, key=lambda r: r.get("items_needed") or 0)
        lines.append(f"- {len(underpowered)} comparisons were underpowered: the evaluation set was too small to "
                     f"rule out drops of the tolerance (e.g. {worst['metric']} in {worst.get('cohort') or 'overall'} "
                     f"would need ~{worst.get('items_needed')} items).")
    if modes:
        lines.append("- How the candidate failed: " + ", ".join(f"{m} ({n})" for m, n in modes.most_common(5)) + ".")
    if health:
        lines.append("- Evaluation data itself: " + ", ".join(f"{k} {v}" for k, v in health.items()) + ".")
    lines += ["", "## Decisions made", ""]
    for d in decisions:
        blocks = [r for r in d.get("reasons", []) if r.get("severity") == "block"]
        kind = "human override" if d.get("override") else "gate"
        lines.append(f"- {d['created_at'][:19]} — **{d['verdict']}** ({kind}, {d['author']}): "
                     f"{d['baseline_run']} → {d['candidate_run']}; {len(blocks)} blocking reasons"
                     + (f"; note: {d['note']}" if d.get("note") else ""))
        for r in blocks[:3]:
            lines.append(f"  - {r['kind']}: {r['detail']}")
    lines += ["", "## Outcome", "",
              f"The latest call is **{last['verdict']}**"
              + (" (a human override of the gate)." if last.get("override") else " (the gate's call)."), "",
              "## What we would do differently", ""]
    todo = []
    if underpowered:
        todo.append("Grow the evaluation dataset in the underpowered cohorts before the next comparison.")
    if any(d.get("override") for d in decisions):
        todo.append("Revisit the contract where people overrode it: either the thresholds or the call were wrong.")
    if health:
        todo.append("Fix the dataset-health findings so that regressions are not blamed on the system.")
    if "false_answer" in modes or "over_refusal" in modes:
        todo.append("Tune abstention on its own cohort: wrong answers and refusals trade off.")
    if any(m.startswith("confused_with:") for m in modes) or "confident_wrong" in modes:
        todo.append("Look at the label pairs most often confused (`shipcall show RUN --confusion`): a label "
                    "definition or training examples may be what is missing.")
    if "missed_key_points" in modes or "too_short" in modes:
        todo.append("Check the word budget against the key points the summaries must carry.")
    lines += [f"- {t}" for t in todo] or ["- Nothing recorded suggests a change of process."]
    return "\n".join(lines) + "\n"

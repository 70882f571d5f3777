"""`shipcall calibrate` as text and as JSON."""

from __future__ import annotations

from typing import Any

from shipcall.core.calibration import Rate


def _pct(r: Rate) -> str:
    return f"{r.rate:6.1%} [{r.low:5.1%}, {r.high:5.1%}]  ({r.count}/{r.n})"


def calibrate_text(o: Any) -> str:
    c = o.calibration
    lines = [f"Calibrated {o.variant} on {o.dataset}@{o.dataset_version}: at most {c.max_false_answer:.0%} false "
             f"answers (answers to questions the documents do not cover).", "",
             "Trade-off (answer when support >= min_score; 95% Wilson intervals):",
             f"  {'min_score':>9}   {'false answers':<34} {'refusals of answerable questions':<34}"]
    for p in c.curve:
        mark = "  <- chosen" if p.threshold == c.threshold else ""
        lines.append(f"  {p.threshold:>9.3f}   {_pct(p.false_answers):<34} {_pct(p.refusals):<34}{mark}")
    lines += ["",
              f"Chosen min_score {c.threshold:.4f} (was {o.previous:.4f}), by {c.folds}-fold cross-validation "
              f"(seed {c.seed}; rule applied at {c.max_false_answer - c.margin:.2f}):",
              f"  on held-out items: false answers {_pct(c.cv_false_answers)}, refusals {_pct(c.cv_refusals)}",
              f"  on all items:      false answers {_pct(c.in_sample_false_answers)}, refusals "
              f"{_pct(c.in_sample_refusals)}"]
    if not c.met:
        lines.append(f"  warning: even the strictest rule leaves {c.cv_false_answers.rate:.0%} false answers on "
                     f"held-out items, above the {c.max_false_answer:.0%} limit: the support score does not "
                     "separate these questions well enough")
    lines += ["", f"Wrote variant {o.new_variant!r} (extends {o.variant!r}) to {o.config_path}; {o.variant!r} is "
                  "unchanged.",
              f"Next: shipcall run --dataset {o.dataset} --variant {o.new_variant}, then `shipcall gate` to compare it "
              f"with the newest run of another variant ({o.variant}'s, if it was run last; --baseline RUN picks)."]
    return "\n".join(lines)


def calibrate_json(o: Any) -> dict[str, Any]:
    c = o.calibration
    return {
        "variant": o.variant, "new_variant": o.new_variant, "dataset": o.dataset,
        "dataset_version": o.dataset_version, "knob": "min_score", "min_score": c.threshold,
        "previous_min_score": o.previous, "max_false_answer": c.max_false_answer, "folds": c.folds,
        "seed": c.seed, "margin": c.margin, "met": c.met, "fold_thresholds": list(c.fold_thresholds),
        "cross_validated": {"false_answer_rate": c.cv_false_answers.to_dict(),
                            "over_refusal_rate": c.cv_refusals.to_dict()},
        "in_sample": {"false_answer_rate": c.in_sample_false_answers.to_dict(),
                      "over_refusal_rate": c.in_sample_refusals.to_dict()},
        "curve": [{"min_score": p.threshold, "false_answer_rate": p.false_answers.to_dict(),
                   "over_refusal_rate": p.refusals.to_dict()} for p in c.curve],
        "config": str(o.config_path),
    }

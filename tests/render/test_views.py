"""What the report and page templates are fed: the call-out names every regressed guarded metric,
the primary first; warnings come one line per metric; rows read in percentages and points."""

from __future__ import annotations

import numpy as np

from shipcall.config.contract import parse_contract
from shipcall.core.compare import compare
from shipcall.render.views import comparison_row, grouped_warnings, metric_families, regression_callouts

CONTRACT = parse_contract({"primary": "contains_answer", "metrics": {"latency_ms_p95": {"max": 500}},
                           "cohorts": ["topic"], "tolerance": 0.05,
                           "guarded": ["over_refusal_rate", "contains_answer", "groundedness"]})


def _comparison():
    """Both the primary (contains_answer) and a guarded metric (over_refusal_rate) get worse; the
    guarded groundedness does not change."""
    rng = np.random.default_rng(11)
    ids = [f"q{i:03d}" for i in range(300)]
    tags = {i: {"topic": ("hr", "it", "finance")[k % 3]} for k, i in enumerate(ids)}
    base, cand = {}, {}
    for i in ids:
        ca, refused, g = float(rng.random() < 0.75), float(rng.random() < 0.1), float(rng.random())
        base[i] = {"contains_answer": ca, "over_refusal_rate": refused, "groundedness": g}
        worse = rng.random() < 0.35
        cand[i] = {"contains_answer": 0.0 if worse else ca, "over_refusal_rate": 1.0 if worse else refused,
                   "groundedness": g}
    return compare(base, cand, tags, CONTRACT, n_resamples=2000)


def test_callout_names_every_regressed_guarded_metric_primary_first() -> None:
    cmp = _comparison()
    regressed = {r.metric for r in cmp.rows if r.verdict == "regressed"}
    assert regressed == {"contains_answer", "over_refusal_rate"}
    lines = regression_callouts(cmp.rows, CONTRACT)
    assert len(lines) == 2
    assert lines[0].startswith("right answers (contains_answer, the primary metric) got worse")
    assert lines[1].startswith("refusals of questions the documents answer (over_refusal_rate) got worse")
    overall = next(r for r in cmp.overall if r.metric == "over_refusal_rate")
    assert f"{100 * overall.baseline:.1f}% → {100 * overall.candidate:.1f}%" in lines[1]
    for r in cmp.cohorts:
        if r.verdict == "regressed" and r.metric == "over_refusal_rate":
            assert r.cohort in lines[1]


def test_rows_read_in_percent_and_points_and_warnings_group_by_metric() -> None:
    cmp = _comparison()
    row = comparison_row(next(r for r in cmp.overall if r.metric == "over_refusal_rate"))
    assert row["baseline"].endswith("%") and row["delta"].endswith(" pp") and row["t"].family == "refusals"
    assert row["ci"].startswith("[+") and row["cohort"] == "overall"
    warnings = grouped_warnings(cmp.rows, CONTRACT)
    assert len(warnings) == len({w.split(" (")[0] for w in warnings})  # at most one line per metric


def test_run_metrics_grouped_by_family_with_thresholds() -> None:
    groups = metric_families({"latency_ms_p95": 612.0, "recall@5": 0.9, "contains_answer": 0.7}, CONTRACT)
    assert [g["title"] for g in groups] == ["Answers", "Retrieval", "Speed"]
    speed = groups[-1]["rows"][0]
    assert (speed["value"], speed["threshold"], speed["ok"]) == ("612.0 ms", "≤ 500.0 ms", False)
    assert groups[0]["rows"][0]["role"] == "primary"

"""Does the contract fit the data (core/contract_fit.py): cohorts no item has, cohorts too
small to trust, must-pass ids the dataset lacks, thresholds the baseline already misses."""

from __future__ import annotations

from shipcall.config.contract import parse_contract
from shipcall.core.contract_fit import cohort_keys, cohort_warnings, must_pass_warnings, threshold_warnings

CONTRACT = parse_contract({"primary": "contains_answer", "cohorts": ["topic", "difficulty"], "min_cohort_size": 3,
                           "must_pass": ["q-1", "q-9"],
                           "metrics": {"contains_answer": {"min": 0.7}, "false_answer_rate": {"max": 0.05},
                                       "recall@5": {"min": 0.5}, "ndcg@10": {"min": 0.6}}})
TAGS = [{"topic": "hr"}] * 4 + [{"topic": "it"}] * 2 + [{"topic": "hr", "source": f"s{i}"} for i in range(2)]


def test_a_cohort_key_no_item_has_and_a_cohort_too_small_are_warned() -> None:
    warnings = cohort_warnings(CONTRACT, TAGS, "support@1")
    assert [(w.kind, w.field) for w in warnings] == [("cohort_small", "cohorts"), ("cohort_missing", "cohorts")]
    small, missing = (w.detail for w in warnings)
    assert "1 of 2 topic cohorts have fewer than min_cohort_size 3 items in support@1: topic=it (2)" in small
    assert "no item of support@1 has the tag 'difficulty' (its items' tags are source, topic)" in missing


def test_must_pass_ids_the_dataset_lacks_are_warned() -> None:
    (w,) = must_pass_warnings(CONTRACT, ["q-1", "q-2"], "support@1")
    assert w.kind == "must_pass_missing" and "q-9" in w.detail and "q-1" not in w.detail


def test_thresholds_the_baseline_already_misses_are_warned() -> None:
    metrics = {"contains_answer": 0.62, "false_answer_rate": 0.21, "recall@5": 0.9}
    warnings = {w.field: w.detail for w in threshold_warnings(CONTRACT, metrics, "r3")}
    assert set(warnings) == {"metrics.contains_answer", "metrics.false_answer_rate", "metrics.ndcg@10"}
    assert "r3 reaches contains_answer = 0.62, below the minimum 0.7" in warnings["metrics.contains_answer"]
    assert "above the maximum 0.05" in warnings["metrics.false_answer_rate"]
    assert "did not measure ndcg@10" in warnings["metrics.ndcg@10"]


def test_cohort_keys_worth_comparing() -> None:
    assert cohort_keys(TAGS) == ["topic"]  # `source` has one value per item here: cohorts of one
    assert cohort_keys([{"topic": "hr"}]) == []  # one value compares nothing

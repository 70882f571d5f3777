"""decide(): every reason kind, SHIP/WAIT logic, A/A → SHIP, overrides (real comparisons)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shipcall.config.contract import Contract, parse_contract
from shipcall.core.compare import Comparison, compare
from shipcall.core.gate import Decision, Reason, decide, override
from shipcall.errors import ConfigError

TOPICS = ("hr", "it", "finance")


def _runs(seed: int = 0, n_per: int = 1200, finance_drop: float = 0.0):
    rng = np.random.default_rng(seed)
    ids = [f"q-{t}-{i:03d}" for t in TOPICS for i in range(n_per)]
    tags = {i: {"topic": i.split("-")[1]} for i in ids}
    ca = (rng.random(len(ids)) < 0.8).astype(float)
    f1 = rng.beta(4, 2, len(ids))
    base = {i: {"contains_answer": float(ca[k]), "f1": float(f1[k])} for k, i in enumerate(ids)}
    cand = {i: dict(v) for i, v in base.items()}
    if finance_drop:
        fin = [i for i in ids if tags[i]["topic"] == "finance"]
        hit = [i for i in fin if cand[i]["contains_answer"] == 1.0]
        for i in hit[: int(finance_drop * len(fin))]:
            cand[i]["contains_answer"] = 0.0
    return base, cand, tags


def _mean(items, metric):
    values = [v[metric] for v in items.values() if metric in v]
    return float(np.mean(values)) if values else float("nan")


def _contract(**kw) -> Contract:
    data = {"primary": "contains_answer", "metrics": {"contains_answer": {"min": 0.5}}, "cohorts": ["topic"]}
    data.update(kw)
    return parse_contract(data)


def _decide(comparison: Comparison, contract: Contract, cand, *, metrics=None, errors=0, n=None) -> Decision:
    values = {"contains_answer": _mean(cand, "contains_answer"), "f1": _mean(cand, "f1"),
              "latency_ms_p95": 900.0}
    values.update(metrics or {})
    return decide(
        comparison, contract, candidate_metrics=values, candidate_items=cand, candidate_errors=errors,
        candidate_n=len(cand) if n is None else n, baseline_run="run-a", candidate_run="run-b",
        author="pm@example.com", note="weekly gate", created_at="2026-01-02T03:04:05Z",
    )


@pytest.fixture(scope="module")
def aa():
    base, cand, tags = _runs()
    return base, cand, tags, compare(base, cand, tags, _contract(), n_resamples=2000)


def test_a_a_ships_under_a_lax_contract(aa):
    base, cand, tags, comparison = aa
    contract = _contract(must_pass=["q-hr-000"] if cand["q-hr-000"]["contains_answer"] == 1 else [])
    decision = _decide(comparison, contract, cand)
    assert decision.verdict == "SHIP"
    assert decision.blocking == [] and decision.warnings == [], decision.reasons
    assert decision.summary.startswith("SHIP: contains_answer went from")
    assert decision.contract_hash == contract.hash and decision.override is False
    assert any(c.startswith("threshold: contains_answer") for c in decision.checks)
    d = decision.to_dict()
    json.dumps(d)
    assert set(d) >= {"verdict", "reasons", "baseline_run", "candidate_run", "contract_hash", "author",
                      "note", "created_at", "override"}
    assert Decision.from_dict(d) == decision


def test_threshold_blocks_including_aggregate_only_metrics(aa):
    base, cand, tags, comparison = aa
    contract = _contract(metrics={"contains_answer": {"min": 0.95}, "latency_ms_p95": {"max": 500},
                                  "false_answer_rate": {"max": 0.05}})
    decision = _decide(comparison, contract, cand)
    assert decision.verdict == "WAIT"
    kinds = {(r.kind, r.metric, r.severity) for r in decision.reasons}
    assert ("threshold", "contains_answer", "block") in kinds
    assert ("threshold", "latency_ms_p95", "block") in kinds
    assert ("threshold", "false_answer_rate", "block") in kinds  # not measured → cannot be shown to hold
    text = {r.metric: r.detail for r in decision.reasons}
    assert "below the contract's minimum 0.95" in text["contains_answer"]
    assert "above the contract's maximum 500" in text["latency_ms_p95"]
    assert "not measured" in text["false_answer_rate"]


def test_cohort_regression_on_a_guarded_metric_blocks():
    base, cand, tags = _runs(finance_drop=0.25)
    contract = _contract()
    comparison = compare(base, cand, tags, contract, n_resamples=2000)
    decision = _decide(comparison, contract, cand)
    assert decision.verdict == "WAIT"
    blocking = [r for r in decision.reasons if r.kind == "cohort_regressed"]
    assert blocking and all(r.severity == "block" for r in blocking)
    assert "topic=finance" in {r.cohort for r in blocking}
    assert not {r.cohort for r in blocking} & {"topic=hr", "topic=it"}
    assert any("contains_answer regressed in cohort topic=finance" in r.detail for r in blocking)


def test_regression_on_an_unguarded_metric_only_warns():
    base, cand, tags = _runs(finance_drop=0.25)
    contract = _contract(metrics={"f1": {"min": 0.1}}, guarded=["f1"])
    comparison = compare(base, cand, tags, contract, n_resamples=2000)
    decision = _decide(comparison, contract, cand)
    regressed = [r for r in decision.reasons if r.kind == "cohort_regressed"]
    assert regressed and all(r.severity == "warn" for r in regressed)
    assert decision.verdict == "SHIP"


def test_must_pass_failures_block(aa):
    base, cand, tags, comparison = aa
    failing = next(i for i, v in cand.items() if v["contains_answer"] == 0.0)
    passing = next(i for i, v in cand.items() if v["contains_answer"] == 1.0)
    errored = dict(cand)
    errored[passing] = {}  # an errored item has no metric values
    contract = _contract(must_pass=[failing, "q-missing", passing])
    decision = _decide(comparison, contract, errored)
    details = [r.detail for r in decision.reasons if r.kind == "must_pass"]
    assert decision.verdict == "WAIT"
    assert any(failing in d and "failed" in d for d in details)
    assert any("q-missing" in d and "not in the candidate run" in d for d in details)
    assert any(passing in d and "no contains_answer value" in d for d in details)
    ok = _decide(comparison, _contract(must_pass=[passing]), cand)
    assert ok.verdict == "SHIP" and any(c.startswith("must_pass") for c in ok.checks)


def test_error_rate_blocks(aa):
    base, cand, tags, comparison = aa
    over = _decide(comparison, _contract(max_error_rate=0.01), cand, errors=12, n=600)
    assert over.verdict == "WAIT"
    (reason,) = [r for r in over.reasons if r.kind == "error_rate"]
    assert reason.severity == "block" and "12 of 600" in reason.detail
    assert _decide(comparison, _contract(max_error_rate=0.01), cand, errors=6, n=600).verdict == "SHIP"
    assert _decide(comparison, _contract(), cand, errors=1, n=3600).verdict == "WAIT"  # default 0
    assert _decide(comparison, _contract(), cand, n=0).verdict == "WAIT"


def test_underpowered_cohorts_warn_and_an_underpowered_guarded_metric_overall_blocks():
    base, cand, tags = _runs(seed=3, n_per=15)
    rng = np.random.default_rng(0)
    for i in cand:
        cand[i]["f1"] = float(np.clip(cand[i]["f1"] + rng.normal(0, 0.2), 0, 1))
    contract = _contract(metrics={"contains_answer": {"min": 0.5}, "f1": {"min": 0.1}})
    comparison = compare(base, cand, tags, contract, n_resamples=2000)
    decision = _decide(comparison, contract, cand)
    assert decision.verdict == "WAIT"  # 45 items cannot exclude a drop of 0.02 overall
    overall = [r for r in decision.blocking if r.kind == "underpowered"]
    assert overall and all(r.cohort is None for r in overall)
    warns = [r for r in decision.reasons if r.kind == "underpowered" and r.cohort is not None]
    assert warns and all(r.severity == "warn" for r in warns)
    metric_warns = [r for r in warns if r.metric == "f1"]
    assert metric_warns and all("items would find a drop of 0.02 with 80% power" in r.detail for r in metric_warns)
    size_warns = [r for r in warns if r.metric is None]
    assert {r.cohort for r in size_warns} == {"topic=hr", "topic=it", "topic=finance"}
    assert all("below min_cohort_size 20" in r.detail for r in size_warns)
    assert "3 of 3 cohorts could not be checked" in decision.summary
    strict = _contract(metrics={"contains_answer": {"min": 0.5}, "f1": {"min": 0.1}}, underpowered="block")
    blocked = _decide(compare(base, cand, tags, strict, n_resamples=2000), strict, cand)
    assert all(r.severity == "block" for r in blocked.reasons if r.kind == "underpowered")


def test_blocks_come_before_warnings_and_verdict_follows_blocks():
    reasons = [Reason("underpowered", "warn", "f1", "topic=hr", "x")]
    comparison = Comparison(overall=[], cohorts=[], callouts=[], shared_items=0, baseline_only=0, candidate_only=0,
                            dataset_split=None, alpha=0.05, correction="holm", n_resamples=10_000, seed=0)
    decision = _decide(comparison, _contract(), {"q": {"contains_answer": 1.0}}, metrics={"contains_answer": 0.1})
    assert decision.verdict == "WAIT" and decision.reasons[0].severity == "block"
    assert reasons[0].to_dict() == {"kind": "underpowered", "severity": "warn", "metric": "f1",
                                    "cohort": "topic=hr", "detail": "x"}


def test_override_records_a_human_call(aa):
    base, cand, tags, comparison = aa
    waited = _decide(comparison, _contract(), cand, errors=5)
    assert waited.verdict == "WAIT"
    shipped = override(waited, verdict="SHIP", author="lead", note="errors were a provider outage",
                       created_at="2026-01-03T00:00:00Z")
    assert shipped.verdict == "SHIP" and shipped.override and shipped.reasons == waited.reasons
    with pytest.raises(ConfigError):
        override(waited, verdict="SHIP", author="lead", note=" ", created_at="2026-01-03T00:00:00Z")


def test_a_baseline_that_fails_the_same_thresholds_is_named_and_the_candidate_is_not_blamed(aa):
    from shipcall.core.gate import baseline_note

    base, cand, tags, comparison = aa
    contract = _contract(metrics={"contains_answer": {"min": 0.95}, "latency_ms_p95": {"max": 500}})
    values = {"contains_answer": _mean(cand, "contains_answer"), "latency_ms_p95": 900.0}
    decision = decide(comparison, contract, candidate_metrics=values, candidate_items=cand, candidate_errors=0,
                      candidate_n=len(cand), baseline_run="run-a", candidate_run="run-b", author="a", note="",
                      created_at="2026-01-02T03:04:05Z",
                      baseline_metrics={"contains_answer": _mean(base, "contains_answer"), "latency_ms_p95": 400.0})
    assert decision.verdict == "WAIT"  # the thresholds still block: the contract is the contract
    shared = [r for r in decision.reasons if r.kind == "baseline_fails"]
    assert [(r.metric, r.severity) for r in shared] == [("contains_answer", "warn")]  # latency: the baseline met it
    assert "the baseline run-a misses it too" in shared[0].detail
    assert decision.warnings[0] == shared[0]  # first among the warnings: it explains the blocks
    note = baseline_note([r.to_dict() for r in decision.reasons])
    assert note == "The baseline misses contains_answer too: those thresholds are not the candidate's doing."
    # every block shared with the baseline: the verdict line says both fail
    only = _contract(metrics={"contains_answer": {"min": 0.95}})
    d2 = decide(comparison, only, candidate_metrics=values, candidate_items=cand, candidate_errors=0,
                candidate_n=len(cand), baseline_run="run-a", candidate_run="run-b", author="a", note="",
                created_at="2026-01-02T03:04:05Z", baseline_metrics={"contains_answer": 0.8})
    note = baseline_note([r.to_dict() for r in d2.reasons])
    assert note is not None and "both fail the contract; the candidate is not the cause" in note
    assert Decision.from_dict(d2.to_dict()) == d2
    # without the baseline's metrics (or when it meets them) nothing is said
    d3 = _decide(comparison, only, cand)
    assert baseline_note([r.to_dict() for r in d3.reasons]) is None

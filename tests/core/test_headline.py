"""The verdict in plain words, from real comparisons and decisions (core compare + decide)."""

from __future__ import annotations

import re

import numpy as np

from shipcall.config.contract import parse_contract
from shipcall.core.compare import compare
from shipcall.core.gate import decide, override
from shipcall.core.headline import headline

TOPICS = ("hr", "it", "finance")


def _runs(refusal_jump: float, seed: int = 3, n_per: int = 120):
    """Per-item values of two runs: the candidate refuses more answerable finance items
    (over_refusal_rate) and answers fewer unanswerable ones (false_answer_rate)."""
    rng = np.random.default_rng(seed)
    ids = [f"q-{t}-{i:03d}" for t in TOPICS for i in range(n_per)]
    tags = {i: {"topic": i.split("-")[1]} for i in ids}
    base, cand = {}, {}
    for i in ids:
        answerable = rng.random() < 0.8
        if answerable:
            r = float(rng.random() < 0.15)
            jump = refusal_jump if tags[i]["topic"] == "finance" else 0.0
            base[i] = {"contains_answer": float(rng.random() < 0.7), "over_refusal_rate": r}
            cand[i] = {"contains_answer": base[i]["contains_answer"],
                       "over_refusal_rate": 1.0 if r or rng.random() < jump else 0.0}
        else:
            f = float(rng.random() < 0.6)
            base[i] = {"contains_answer": 1 - f, "false_answer_rate": f}
            g = 0.0 if f and rng.random() < 0.6 else f
            cand[i] = {"contains_answer": 1 - g, "false_answer_rate": g}
    return base, cand, tags


CONTRACT = parse_contract({"primary": "contains_answer", "metrics": {"false_answer_rate": {"max": 0.9}},
                           "cohorts": ["topic"], "tolerance": 0.05,
                           "guarded": ["contains_answer", "false_answer_rate", "over_refusal_rate"]})


def _decide(base, cand, tags):
    cmp = compare(base, cand, tags, CONTRACT, n_resamples=2000)
    metrics = {m: float(np.mean([v[m] for v in cand.values() if m in v]))
               for m in ("contains_answer", "false_answer_rate", "over_refusal_rate")}
    d = decide(cmp, CONTRACT, candidate_metrics=metrics, candidate_items=cand, candidate_errors=0,
               candidate_n=len(cand), baseline_run="r1", candidate_run="r2", author="a", note="", created_at="t")
    return cmp, d, metrics


def test_wait_names_the_regression_in_words_with_its_numbers() -> None:
    base, cand, tags = _runs(refusal_jump=0.6)
    cmp, d, metrics = _decide(base, cand, tags)
    assert d.verdict == "WAIT"
    text = headline(d, cmp.rows, primary=CONTRACT.primary, guarded=CONTRACT.guarded, candidate_metrics=metrics,
                    contract=CONTRACT)
    assert text.startswith("WAIT: refusals of questions the documents answer rose from ")
    row = next(r for r in cmp.rows if r.metric == "over_refusal_rate" and r.verdict == "regressed")
    assert f"{100 * row.baseline:.1f}% to {100 * row.candidate:.1f}% ({row.n} items)" in text
    assert "topic=finance" in text
    assert "Better: wrong answers to questions the documents do not cover fell from" in text
    assert "p =" not in text and "over_refusal_rate" not in text  # words, not statistics or ids


def test_ship_says_what_held_and_a_threshold_miss_says_which() -> None:
    base, cand, tags = _runs(refusal_jump=0.0)
    cmp, d, metrics = _decide(base, cand, tags)
    assert d.verdict == "SHIP"
    text = headline(d, cmp.rows, primary=CONTRACT.primary, guarded=CONTRACT.guarded, contract=CONTRACT)
    assert text.startswith("SHIP: every threshold holds and no guarded metric got worse")
    strict = parse_contract({"primary": "contains_answer", "metrics": {"contains_answer": {"min": 0.99}}})
    d2 = decide(cmp, strict, candidate_metrics=metrics, candidate_items=cand, candidate_errors=0,
                candidate_n=len(cand), baseline_run="r1", candidate_run="r2", author="a", note="", created_at="t")
    text = headline(d2, cmp.rows, primary="contains_answer", candidate_metrics=metrics, contract=strict)
    assert re.match(r"WAIT: right answers at \d+\.\d%, below the contract's minimum of "
                    r"99\.0%\.", text)
    person = override(d2, verdict="SHIP", author="pm", note="known gap", created_at="t2")
    assert headline(person, cmp.rows, primary="contains_answer", candidate_metrics=metrics,
                    contract=strict).startswith("SHIP (a person's call, overriding the gate): ")

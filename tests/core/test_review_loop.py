"""The pure parts of the review loop: sampling, agreement, promotion rules, cohort assignment,
drift and production weighting."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from shipcall.config.contract import default_contract
from shipcall.core.cohorts import SimilarityIndex, assign_cohorts, keyword_value, terms
from shipcall.core.datasets import Item
from shipcall.core.drift import items_to_add, measure_drift
from shipcall.core.review import (
    Candidate,
    Review,
    agreement,
    cohen_kappa,
    highlight,
    item_from_reviews,
    low_score_ids,
    parse_tags,
    sample_queue,
)
from shipcall.core.weights import production_weighted, weighted_reasons
from shipcall.errors import ConfigError


def _cands() -> list[Candidate]:
    out = []
    for i in range(90):  # a big baseline cohort with many flags
        out.append(Candidate(f"b{i:03d}", "baseline", "topic=hr", ("abstained",) if i % 2 else ()))
    for i in range(6):  # a small canary
        out.append(Candidate(f"c{i:03d}", "small", "topic=hr", ()))
    for i in range(4):  # a small topic
        out.append(Candidate(f"t{i:03d}", "baseline", "topic=it", ("negative_feedback",) if i == 0 else ()))
    return out


def test_stratified_sample_prioritises_flags_and_spreads_over_strata() -> None:
    picked = sample_queue(_cands(), 12, strategy="stratified", seed=1)
    ids = [q.candidate.request_id for q in picked]
    assert len(ids) == len(set(ids)) == 12
    strata = Counter(q.candidate.stratum for q in picked)
    assert strata == {"baseline · topic=hr": 4, "small · topic=hr": 4, "baseline · topic=it": 4}
    assert ids[0] == "t000"  # negative feedback first
    hr = [q for q in picked if q.candidate.stratum == "baseline · topic=hr"]
    assert all("abstained" in q.reasons for q in hr)  # flagged before unflagged within a stratum
    assert sample_queue(_cands(), 12, seed=1) == picked  # seeded
    assert len(sample_queue(_cands(), 500)) == 100  # never more than the pool
    rnd = sample_queue(_cands(), 30, strategy="random", seed=2)
    assert all("random" in q.reasons for q in rnd) and len({q.candidate.request_id for q in rnd}) == 30
    with pytest.raises(ConfigError, match="unknown strategy"):
        sample_queue(_cands(), 5, strategy="best")


def test_low_scores_are_per_variant() -> None:
    scores = {f"a{i}": ("bm25", float(i)) for i in range(8)} | {f"d{i}": ("dense", i / 10) for i in range(8)}
    scores["none"] = ("bm25", None)
    low = low_score_ids(scores, 0.25)
    assert low == {"a0", "a1", "d0", "d1", "none"}


def test_cohen_kappa_and_agreement() -> None:
    # Cohen (1960)-style worked example: 50 cases, p_o = 0.7, p_e = 0.5 -> kappa 0.4
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None and cohen_kappa([], []) is None  # undefined, as judge
    rv = [Review("q1", "ann", "correct", rank=1), Review("q1", "bo", "correct", rank=2),
          Review("q2", "ann", "incorrect", rank=1), Review("q2", "bo", "correct", rank=2),
          Review("q3", "ann", "incorrect", rank=1)]
    ag = agreement(rv)
    assert ag["pairs"] == 2 and ag["observed"] == 0.5 and ag["table"]["incorrect"]["correct"] == 1


ENTRY = {"request_id": "abcdef0123456789abcdef0123456789", "created_at": "2026-01-01T00:00:00.000+00:00",
         "variant": "baseline", "question": "How many days of leave do I get? Mail [EMAIL]",
         "answer": "Employees get 25 days.", "abstained": False,
         "citations": [{"doc_id": "hr/leave.md", "chunk_id": "hr/leave.md#0"}]}


def test_promotion_rules() -> None:
    ok, why = item_from_reviews(ENTRY, [Review(ENTRY["request_id"], "ann", "correct", updated_at="t1")],
                                cohort_tags={"topic": "hr"})
    assert ok is not None and why is None
    assert ok.id == "prod-abcdef012345" and ok.answerable and ok.evidence == {"hr/leave.md": 1}
    assert ok.tags == {"topic": "hr", "origin": "production"} and "[EMAIL]" in ok.question
    assert ok.source["kind"] == "production" and ok.source["reviewer"] == "ann" and ok.source["reviewed_at"] == "t1"
    wrong, why = item_from_reviews(ENTRY, [Review(ENTRY["request_id"], "ann", "incorrect")])
    assert wrong is None and "gold answer" in why
    gold, _ = item_from_reviews(ENTRY, [Review(ENTRY["request_id"], "ann", "incorrect", gold_answer="20 days",
                                               tags={"topic": "pay"})], cohort_tags={"topic": "hr"})
    assert gold.answers == ("20 days",) and gold.evidence == {} and gold.tags["topic"] == "pay"
    un, _ = item_from_reviews(ENTRY, [Review(ENTRY["request_id"], "ann", "should_abstain")])
    assert not un.answerable and un.answers == ()
    abst, _ = item_from_reviews(ENTRY | {"abstained": True, "citations": []},
                                [Review(ENTRY["request_id"], "ann", "correct")])
    assert not abst.answerable
    split, why = item_from_reviews(ENTRY, [Review(ENTRY["request_id"], "ann", "correct", rank=1),
                                           Review(ENTRY["request_id"], "bo", "should_abstain", rank=2)])
    assert split is None and "disagree" in why and "ann: correct" in why


def test_tags_and_highlight() -> None:
    assert parse_tags("topic=hr, region = eu\nlevel=2") == {"topic": "hr", "region": "eu", "level": "2"}
    with pytest.raises(ConfigError, match="not a tag"):
        parse_tags("topic")
    text = "# Leave\n\nEmployees get 25 days of paid leave per year. Contractors get none. Ask HR."
    pieces = highlight(text, "Employees get 25 days of paid leave per year.")
    assert [p for p, marked in pieces if marked] == ["Employees get 25 days of paid leave per year."]
    assert "".join(p for p, _ in pieces) == text


ITEMS = [
    Item("q1", "How many days of paid leave do employees get?", ("25 days",), tags={"topic": "hr"}),
    Item("q2", "How long is parental leave for birth parents?", ("16 weeks",), tags={"topic": "hr"}),
    Item("q3", "How often are laptops replaced?", ("3 years",), tags={"topic": "it"}),
    Item("q4", "How do I connect to the VPN from home?", ("use the client",), tags={"topic": "it"}),
]


def test_cohort_assignment_by_keywords_then_nearest_item() -> None:
    assert terms("How are the Laptops replaced?") == ["laptop", "replac"]
    assert keyword_value(["book", "a", "hotel", "room"], {"travel": ["hotel room", "flight"], "it": ["room"]}) \
        == "travel"
    rules = {"topic": SimpleNamespace(keywords={"travel": ["flight", "hotel"]}, nearest=True)}
    qs = ["Can I book a flight in business class?", "How many days of paid leave do I get?",
          "What colour is the office cat?"]
    a = assign_cohorts(qs, ITEMS, ["topic"], rules, min_similarity=0.3)
    assert a[0].tags == {"topic": "travel"} and a[0].via == {"topic": "keyword"}
    assert a[1].tags == {"topic": "hr"} and a[1].via == {"topic": "nearest"} and a[1].nearest_item == "q1"
    assert a[2].tags == {} and a[2].unlike and a[2].similarity < 0.3
    idx = SimilarityIndex(ITEMS)
    assert idx.nearest(["how often are laptops replaced"])[0] == (2, pytest.approx(1.0))
    off = {"topic": SimpleNamespace(keywords={}, nearest=False)}
    assert assign_cohorts(qs[1:2], ITEMS, ["topic"], off)[0].tags == {}


def test_drift_says_plainly_when_the_dataset_no_longer_represents_production() -> None:
    items = [Item(f"h{i}", f"leave question {i}", ("x",), tags={"topic": "hr"}) for i in range(30)] + \
            [Item(f"i{i}", f"laptop question {i}", ("x",), tags={"topic": "it"}) for i in range(30)]
    same = [SimpleNamespace(tags={"topic": "hr" if i % 2 else "it"}, unlike=False) for i in range(100)]
    rep = measure_drift("d@1", items, ["q"] * 100, same, ["topic"], threshold=0.15, min_cohort_size=20)
    assert rep.represents is True and rep.keys[0].distance == pytest.approx(0.0)
    moved = [SimpleNamespace(tags={"topic": "it"}, unlike=False) for _ in range(80)] + \
            [SimpleNamespace(tags={"topic": "hr"}, unlike=False) for _ in range(10)] + \
            [SimpleNamespace(tags={"topic": "travel"}, unlike=False) for _ in range(10)]
    rep = measure_drift("d@1", items, ["q"] * 100, moved, ["topic"], threshold=0.15, min_cohort_size=20)
    assert rep.represents is False and rep.keys[0].distance == pytest.approx(0.4)  # ½(0.3 + 0.4 + 0.1)
    add = {a["cohort"]: a["items"] for a in rep.add}
    # it: 30 of 60 items, production share 0.8 -> (0.8·60 − 30) / 0.2 = 90 more items
    assert add["topic=it"] == 90 == items_to_add(30, 60, 0.8)
    assert add["topic=travel"] == 20  # a new cohort: to reach min_cohort_size at least
    assert "no longer represents production" in rep.summary and "topic=it +90" in rep.summary
    few = measure_drift("d@1", items, ["q"] * 5, moved[:5], ["topic"])
    assert few.represents is None and "too few" in few.summary
    novel = [SimpleNamespace(tags={}, unlike=True) for _ in range(40)] + same[:60]
    rep = measure_drift("d@1", items, [f"q{i}" for i in range(100)], novel, ["topic"])
    assert rep.represents is False and rep.unlike == 40 and rep.unlike_examples[:2] == ["q0", "q1"]


def test_production_weighting_reweights_cohort_deltas() -> None:
    rng = np.random.default_rng(0)
    base, cand, tags = {}, {}, {}
    for i in range(200):  # hr: candidate loses 0.3; it: candidate gains 0.1; 100 items each
        topic = "hr" if i < 100 else "it"
        b = float(rng.random() < 0.7)
        c = float(rng.random() < (0.4 if topic == "hr" else 0.8))
        base[f"q{i}"], cand[f"q{i}"], tags[f"q{i}"] = {"contains_answer": b}, {"contains_answer": c}, {"topic": topic}
    contract = default_contract().model_copy(update={"guarded": ["contains_answer"], "tolerance": 0.02})
    even = production_weighted(base, cand, tags, contract, {"topic": {"hr": 50, "it": 50}}, ["contains_answer"],
                               n_queries=100, n_resamples=2000)
    mostly_hr = production_weighted(base, cand, tags, contract, {"topic": {"hr": 90, "it": 10, "travel": 25}},
                                    ["contains_answer"], n_queries=125, n_resamples=2000)
    (e,), (h,) = even.rows, mostly_hr.rows
    assert e.delta == pytest.approx(e.eval_delta)  # production mix = eval mix
    d_hr = np.mean([cand[f"q{i}"]["contains_answer"] - base[f"q{i}"]["contains_answer"] for i in range(100)])
    d_it = np.mean([cand[f"q{i}"]["contains_answer"] - base[f"q{i}"]["contains_answer"] for i in range(100, 200)])
    assert h.delta == pytest.approx(0.9 * d_hr + 0.1 * d_it)
    assert h.ci_low < h.delta < h.ci_high and h.verdict == "regressed"
    assert h.coverage == pytest.approx(100 / 125) and mostly_hr.uncovered["topic"] == pytest.approx(0.2)
    assert mostly_hr.mixes["topic"][-1] == {"cohort": "topic=travel", "eval_n": 0, "eval_share": 0.0,
                                            "production_n": 25, "production_share": 0.2}
    (reason,) = weighted_reasons(mostly_hr, contract)
    assert reason.kind == "production_weighted" and reason.severity == "block"
    # one changed item in a tiny cohort, weighted up, is no evidence (the sign-flip test is exact)
    tiny_b = {"a": {"contains_answer": 1.0}, "b": {"contains_answer": 1.0}, "c": {"contains_answer": 1.0}}
    tiny_c = {"a": {"contains_answer": 0.0}, "b": {"contains_answer": 1.0}, "c": {"contains_answer": 1.0}}
    tiny_tags = {"a": {"topic": "hr"}, "b": {"topic": "it"}, "c": {"topic": "it"}}
    (t,) = production_weighted(tiny_b, tiny_c, tiny_tags, contract, {"topic": {"hr": 9, "it": 1}},
                               ["contains_answer"], n_queries=10, n_resamples=2000).rows
    assert t.delta == pytest.approx(-0.9) and t.p_value > 0.4 and t.verdict == "underpowered"
    assert not weighted_reasons(production_weighted(tiny_b, tiny_c, tiny_tags, contract, {"topic": {"hr": 9}},
                                                    ["contains_answer"], n_queries=9, n_resamples=500), contract)

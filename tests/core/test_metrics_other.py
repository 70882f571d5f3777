"""Abstention, assertions, groundedness, citations, score_item's coverage rules and aggregation,
with hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shipcall.core.datasets import Assertion, Item
from shipcall.core.metrics import (
    aggregate,
    check_assertion,
    citation_precision,
    content_tokens,
    groundedness,
    metric_matrix,
    score_item,
    split_sentences,
)
from shipcall.core.runs import Citation, ItemResult, Retrieved

LEAVE = "Leave policy. Employees get 20 days of paid leave per year. Unused days expire in March."
EXPENSES = "Expenses are reimbursed within 30 days when a receipt is attached."


def _cite(doc: str) -> Citation:
    return Citation(doc_id=doc, chunk_id=f"{doc}#0", heading_path=(), snippet="")


# --- abstention -----------------------------------------------------------------------------------


def test_abstention_metrics_per_item() -> None:
    answerable = Item(id="a", question="?", answers=("20 days",))
    unanswerable = Item(id="u", question="?", answerable=False)
    said = ItemResult(item_id="x", answer="20 days")
    refused = ItemResult(item_id="x", answer="Not in the documentation.", abstained=True)
    empty = ItemResult(item_id="x", answer="   ")  # an empty answer is an abstention
    assert score_item(answerable, said, ())["over_refusal_rate"] == 0.0
    assert score_item(answerable, refused, ())["over_refusal_rate"] == 1.0
    assert score_item(answerable, empty, ())["over_refusal_rate"] == 1.0
    m = score_item(unanswerable, said, ())
    assert m["false_answer_rate"] == 1.0 and m["abstain_recall"] == 0.0 and "over_refusal_rate" not in m
    m = score_item(unanswerable, refused, ())
    assert m["false_answer_rate"] == 0.0 and m["abstain_recall"] == 1.0
    assert "false_answer_rate" not in score_item(answerable, said, ())
    assert "abstain_precision" not in score_item(unanswerable, refused, ())  # aggregate only


def test_error_items_get_no_metrics() -> None:
    item = Item(id="a", question="?", answers=("x",), evidence={"d": 1})
    assert score_item(item, ItemResult(item_id="a", error="timeout"), (1, 5), ("text",)) == {}


# --- assertions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "text", "expected"),
    [
        ("contains", "PAID leave", "Employees get paid leave.", True),
        ("contains", "sick", "Employees get paid leave.", False),
        ("not-contains", "SALARY", "Your salary is private.", False),
        ("not-contains", "bonus", "Your salary is private.", True),
        ("regex", r"\b\d+ days\b", "You get 20 days.", True),
        ("regex", r"DAYS", "You get 20 days.", False),  # case-sensitive by default
        ("regex", r"(?i)DAYS", "You get 20 days.", True),
        ("regex", r"([unclosed", "anything", False),  # a bad regex fails, never raises
        ("not-regex", r"([unclosed", "anything", False),
        ("not-regex", r"\d", "no digits here", True),
        ("equals", "the 20 Days", "20 days.", True),
        ("equals", "20 days", "20 days of leave", False),
        ("min-length", 5, "12345", True),
        ("min-length", 6, "12345", False),
        ("max-length", 5, "12345", True),
        ("max-length", "4", "12345", False),
        ("max-length", "many", "12345", False),  # not a number: fails
        ("contains", 20, "You get 20 days.", True),  # non-string values are compared as text
    ],
)
def test_assertion_checks(kind: str, value: object, text: str, expected: bool) -> None:
    assert check_assertion(Assertion(kind, value), text) is expected


def test_assertion_pass_rate_on_the_prediction() -> None:
    item = Item(
        id="a",
        question="?",
        answers=("20 days",),
        assertions=(Assertion("contains", "20 days"), Assertion("max-length", 200),
                    Assertion("not-contains", "salary"), Assertion("regex", "^Employees")),
    )
    m = score_item(item, ItemResult(item_id="a", answer="You get 20 days."), ())
    assert m["assertion_pass_rate"] == pytest.approx(3 / 4)
    refused = score_item(item, ItemResult(item_id="a", answer="20 days", abstained=True), ())
    assert refused["assertion_pass_rate"] == pytest.approx(2 / 4)  # checked on "" for an abstention
    assert "assertion_pass_rate" not in score_item(Item(id="b", question="?", answers=("x",)),
                                                   ItemResult(item_id="b", answer="x"), ())


# --- sentences and groundedness ------------------------------------------------------------------


def test_split_sentences() -> None:
    text = (
        "Employees get 20 days of leave. Ask HR, e.g. via the portal. Dr. Smith approves it!\n"
        "- Carry over up to 5 days\n"
        "* See Fig. 3 for details\n"
        "1. File the form. 2. Wait for approval\n"
        "## Sick leave\n"
        "Is it paid? Yes. It costs 3.5 hours."
    )
    assert split_sentences(text) == [
        "Employees get 20 days of leave.",
        "Ask HR, e.g. via the portal.",
        "Dr. Smith approves it!",
        "Carry over up to 5 days",
        "See Fig. 3 for details",
        "File the form.",
        "Wait for approval",
        "Sick leave",
        "Is it paid?",
        "Yes.",
        "It costs 3.5 hours.",
    ]
    assert split_sentences("") == [] and split_sentences("---\n\n") == []
    assert split_sentences("J. R. Smith wrote it. (He left.) Then") == ["J. R. Smith wrote it.", "(He left.)", "Then"]


def test_content_tokens() -> None:
    assert content_tokens("The employees get 20 days of leave.") == {"employees", "get", "20", "days", "leave"}
    assert content_tokens("It is what it is.") == {"it", "is", "what"}  # only stopwords: keep them


def test_groundedness_support_rule() -> None:
    chunks = [LEAVE, EXPENSES]
    # 1: copied from a chunk (6/6 content tokens); 2: {unused paid days expire april}: 4/5 = 80% in
    # the first chunk; 3: {unused days expire quickly everywhere}: 3/5 = 60%; 4: all 7 content tokens
    # occur in the union of the chunks, but at most 5/7 in a single one
    answer = ("Employees get 20 days of paid leave. Unused paid days expire in April. "
              "Unused days expire quickly everywhere. Expenses are reimbursed within 30 days of paid leave.")
    assert len(split_sentences(answer)) == 4
    assert groundedness(answer, chunks) == pytest.approx(2 / 4)
    assert groundedness("Employees get 20 days of paid leave.", chunks) == 1.0
    assert groundedness("Unused paid days expire in April.", chunks) == 1.0
    assert groundedness("Unused days expire in April.", chunks) == 0.0  # 3/4 = 75%
    assert groundedness("It is what it is.", ["it is"]) == 0.0  # stopword-only: {it, is, what}, 2/3
    assert groundedness("Employees get 20 days.", []) is None
    item = Item(id="a", question="?", answers=("20 days",))
    m = score_item(item, ItemResult(item_id="a", answer=answer), (), chunks)
    assert m["groundedness"] == pytest.approx(0.5)
    assert "groundedness" not in score_item(item, ItemResult(item_id="a", answer=answer), ())
    refused = ItemResult(item_id="a", answer=answer, abstained=True)
    assert "groundedness" not in score_item(item, refused, (), chunks)


def test_citation_precision() -> None:
    assert citation_precision([_cite("hr.md"), _cite("hr.md"), _cite("it.md")], {"hr.md": 1}) == 0.5
    assert citation_precision([], {"hr.md": 1}) is None
    item = Item(id="a", question="?", answers=("20 days",), evidence={"hr.md": 1, "leave.md": 2})
    r = ItemResult(item_id="a", answer="20 days", citations=[_cite("hr.md"), _cite("it.md"), _cite("leave.md")])
    assert score_item(item, r, (1,))["citation_precision"] == pytest.approx(2 / 3)
    no_evidence = Item(id="b", question="?", answers=("20 days",))
    assert "citation_precision" not in score_item(no_evidence, r, (1,))
    refused = ItemResult(item_id="a", answer="", abstained=True, citations=[_cite("hr.md")])
    assert "citation_precision" not in score_item(item, refused, (1,))


def test_score_item_returns_only_applicable_metrics() -> None:
    item = Item(id="a", question="?", answers=("20 days",), evidence={"hr.md": 1}, assertions=(
        Assertion("contains", "days"),))
    r = ItemResult(item_id="a", answer="Employees get 20 days of paid leave.", citations=[_cite("hr.md")],
                   retrieved_docs=[Retrieved("hr.md", "hr.md#0", 3.0, 1)])
    m = score_item(item, r, (1, 3), [LEAVE])
    assert set(m) == {
        "recall@1", "precision@1", "hit@1", "mrr@1", "ndcg@1", "recall@3", "precision@3", "hit@3", "mrr@3",
        "ndcg@3", "exact_match", "f1", "contains_answer", "answer_recall", "over_refusal_rate",
        "assertion_pass_rate", "groundedness", "citation_precision",
    }
    assert m["precision@3"] == pytest.approx(1 / 3) and m["groundedness"] == 1.0


# --- aggregation ----------------------------------------------------------------------------------


def _agg_example() -> tuple[list[Item], list[ItemResult]]:
    items = [
        Item(id="1", question="?", answers=("apple",), tags={"topic": "hr", "lang": "en"}),
        Item(id="2", question="?", answers=("b",), tags={"topic": "hr"}),
        Item(id="3", question="?", answerable=False, tags={"topic": "it", "lang": "en"}),
        Item(id="4", question="?", answerable=False, tags={"topic": "it"}),
        Item(id="5", question="?", answers=("e",), tags={"topic": "it"}),
    ]
    results = [
        ItemResult(item_id="1", answer="apple", latency_ms={"total": 100.0}),
        ItemResult(item_id="2", answer="", abstained=True, latency_ms={"total": 300.0}),
        ItemResult(item_id="3", answer="", abstained=True, latency_ms={"total": 200.0}),
        ItemResult(item_id="4", answer="made up", latency_ms={"total": 400.0}),
        ItemResult(item_id="5", error="provider down", latency_ms={"total": 9000.0}),
    ]
    for it, r in zip(items, results, strict=True):
        r.metrics = score_item(it, r, (1,))
    return items, results


def test_aggregate_overall_and_cohorts_by_hand() -> None:
    items, results = _agg_example()
    overall, cohorts = aggregate(items, results)
    # exact_match: item1 1, item2 0 (abstained), item3 1 (empty = correct), item4 0; item5 error: absent
    assert overall["exact_match"] == pytest.approx(2 / 4)
    assert overall["over_refusal_rate"] == pytest.approx(1 / 2)  # items 1, 2
    assert overall["false_answer_rate"] == pytest.approx(1 / 2)  # items 3, 4
    assert overall["abstain_recall"] == pytest.approx(1 / 2)
    assert overall["abstain_precision"] == pytest.approx(1 / 2)  # abstained on 2 (answerable) and 3
    assert overall["latency_ms_p50"] == pytest.approx(250.0)  # errors excluded: 100 200 300 400
    assert overall["latency_ms_p95"] == pytest.approx(np.percentile([100, 200, 300, 400], 95))
    assert set(cohorts) == {"topic=hr", "topic=it", "lang=en"}
    hr, it, en = cohorts["topic=hr"], cohorts["topic=it"], cohorts["lang=en"]
    assert hr["n"] == 2 and it["n"] == 3 and en["n"] == 2
    assert hr["metrics"]["exact_match"] == pytest.approx(0.5)
    assert "false_answer_rate" not in hr["metrics"]
    assert hr["metrics"]["abstain_precision"] == 0.0  # its only abstention was on an answerable item
    assert it["metrics"]["false_answer_rate"] == pytest.approx(0.5)
    assert it["metrics"]["latency_ms_p50"] == pytest.approx(300.0)  # 200, 400 (item 5 errored)
    assert en["metrics"]["exact_match"] == 1.0 and en["metrics"]["abstain_precision"] == 1.0
    only_topic = aggregate(items, results, cohort_keys=["topic"])[1]
    assert set(only_topic) == {"topic=hr", "topic=it"}
    assert aggregate(items, results, cohort_keys=[])[1] == {}


def test_aggregate_without_abstentions_or_results() -> None:
    items = [Item(id="1", question="?", answers=("apple",))]
    results = [ItemResult(item_id="1", answer="apple", metrics={"exact_match": 1.0, "over_refusal_rate": 0.0})]
    overall, cohorts = aggregate(items, results)
    assert "abstain_precision" not in overall and "latency_ms_p50" not in overall and cohorts == {}
    assert aggregate([], []) == ({}, {})


def test_aggregate_order_follows_the_registry() -> None:
    items = [Item(id="1", question="?", evidence={"d": 1})]
    results = [ItemResult(item_id="1", metrics={"ndcg@100": 0.5, "recall@1": 1.0, "zzz_plugin": 0.2,
                                                "exact_match": 1.0}, latency_ms={"total": 5.0})]
    overall, _ = aggregate(items, results)
    assert list(overall) == ["recall@1", "ndcg@100", "exact_match", "latency_ms_p50", "latency_ms_p95",
                             "zzz_plugin"]


def test_metric_matrix_has_nan_for_missing() -> None:
    _, results = _agg_example()
    x = metric_matrix(results, ["exact_match", "false_answer_rate"])
    assert x.shape == (5, 2)
    assert x[0, 0] == 1.0 and math.isnan(x[0, 1]) and np.isnan(x[4]).all()

"""Failure classification on hand-built cases, one or more per mode, and the Pareto count."""

from __future__ import annotations

import pytest

from shipcall.core.datasets import Assertion, Item
from shipcall.core.failures import FAILURE_MODES, classify, pareto, spans_junction
from shipcall.core.runs import Citation, ItemResult, Retrieved

HR = "Leave policy. Employees get 20 days of paid leave per year. Unused days expire in March."
IT = "Expenses are reimbursed within 30 days when a receipt is attached."
VPN = "Connect to the VPN before opening the intranet."
ANSWER_OK = "Employees get 20 days of paid leave per year."


def _result(chunks: list[tuple[str, str]], answer: str = "", *, abstained: bool = False,
            cited: tuple[str, ...] = (), latency: float = 100.0, error: str | None = None) -> ItemResult:
    """chunks: (doc_id, text) in rank order."""
    retrieved = [Retrieved(doc, f"{doc}#{i}", 1.0 / (i + 1), i + 1) for i, (doc, _t) in enumerate(chunks)]
    docs: list[Retrieved] = []
    for r in retrieved:
        if r.doc_id not in {d.doc_id for d in docs}:
            docs.append(Retrieved(r.doc_id, r.chunk_id, r.score, len(docs) + 1))
    return ItemResult(
        item_id="i", retrieved=retrieved, retrieved_docs=docs, answer=answer, abstained=abstained,
        citations=[Citation(d, f"{d}#0", (), "") for d in cited], latency_ms={"total": latency}, error=error,
    )


def _classify(item: Item, chunks: list[tuple[str, str]], result: ItemResult, k_answer: int = 3,
              budget: float | None = None) -> list[str]:
    return classify(item, result, [t for _d, t in chunks], [d for d, _t in chunks], k_answer, budget)


LEAVE_ITEM = Item(id="i", question="How many days of leave?", answers=("20 days",), evidence={"hr.md": 1})
UNANSWERABLE = Item(id="i", question="What is the CEO's salary?", answerable=False)


def test_failure_mode_names() -> None:
    assert list(FAILURE_MODES) == [
        "error", "false_answer", "retrieval_miss", "chunk_boundary", "ranking", "over_refusal",
        "unsupported_answer", "wrong_answer", "assertion_failed", "latency_budget",
    ]
    assert all(desc and "\n" not in desc for desc in FAILURE_MODES.values())


def test_passing_items_have_no_mode() -> None:
    chunks = [("hr.md", HR), ("it.md", IT)]
    assert _classify(LEAVE_ITEM, chunks, _result(chunks, ANSWER_OK, cited=("hr.md",))) == []
    refused = _result(chunks, "Not in the documentation.", abstained=True)
    assert _classify(UNANSWERABLE, chunks, refused) == []


def test_error() -> None:
    chunks = [("hr.md", HR)]
    assert _classify(LEAVE_ITEM, chunks, _result(chunks, error="provider timeout")) == ["error"]


def test_false_answer_with_unsupported_secondary() -> None:
    chunks = [("hr.md", HR)]
    copied = _result(chunks, "Unused days expire in March.", cited=("hr.md",))
    assert _classify(UNANSWERABLE, chunks, copied) == ["false_answer"]
    invented = _result(chunks, "The CEO earns two million dollars.", cited=("hr.md",))
    assert _classify(UNANSWERABLE, chunks, invented) == ["false_answer", "unsupported_answer"]


def test_over_refusal() -> None:
    chunks = [("hr.md", HR), ("it.md", IT)]
    refused = _result(chunks, "", abstained=True)
    assert _classify(LEAVE_ITEM, chunks, refused) == ["over_refusal"]
    # without evidence on the item: a retrieved chunk contains the gold answer
    no_evidence = Item(id="i", question="How many days of leave?", answers=("20 days",))
    assert _classify(no_evidence, chunks, refused) == ["over_refusal"]


def test_retrieval_miss() -> None:
    chunks = [("it.md", IT), ("vpn.md", VPN)]
    wrong = _result(chunks, "Expenses are reimbursed within 30 days.", cited=("it.md",))
    assert _classify(LEAVE_ITEM, chunks, wrong) == ["retrieval_miss"]
    refused = _result(chunks, "", abstained=True)
    assert _classify(LEAVE_ITEM, chunks, refused) == ["retrieval_miss"]  # abstaining was right here
    no_evidence = Item(id="i", question="How many days of leave?", answers=("20 days",))
    assert _classify(no_evidence, chunks, wrong) == ["retrieval_miss"]


def test_ranking() -> None:
    chunks = [("it.md", IT), ("vpn.md", VPN), ("it.md", IT + " Keep receipts."), ("hr.md", HR)]
    # the evidence is the 4th chunk; the generator saw 3 and cited it.md
    answer = _result(chunks, "Expenses are reimbursed within 30 days.", cited=("it.md",))
    assert _classify(LEAVE_ITEM, chunks, answer, k_answer=3) == ["ranking"]
    # no citations: "used" = the first k_answer chunks
    uncited = _result(chunks, "Expenses are reimbursed within 30 days.")
    assert _classify(LEAVE_ITEM, chunks, uncited, k_answer=3) == ["ranking"]
    # abstaining when the evidence was ranked out of reach: ranking first, over_refusal second
    refused = _result(chunks, "", abstained=True)
    assert _classify(LEAVE_ITEM, chunks, refused, k_answer=3) == ["ranking", "over_refusal"]


def test_chunk_boundary() -> None:
    chunks = [("hr.md", "Leave policy. Employees get 20"), ("hr.md", "days of paid leave per year."),
              ("it.md", IT)]
    answer = _result(chunks, "Employees get 20.", cited=("hr.md",))
    modes = _classify(LEAVE_ITEM, chunks, answer)
    assert modes[0] == "chunk_boundary"
    assert "retrieval_miss" not in modes and "ranking" not in modes
    # a chunk edge inside a word, and overlapping chunks, are boundaries too
    cut = [("hr.md", "Employees get 20 da"), ("hr.md", "ys of paid leave.")]
    assert _classify(LEAVE_ITEM, cut, _result(cut, "", abstained=True))[0] == "chunk_boundary"
    long_gold = Item(id="i", question="?", answers=("20 days of paid leave",), evidence={"hr.md": 1})
    overlap = [("hr.md", "Employees get 20 days of"), ("hr.md", "days of paid leave per year.")]
    assert _classify(long_gold, overlap, _result(overlap, "", abstained=True))[0] == "chunk_boundary"
    # the answer split across chunks of two different documents is no chunk boundary
    two_docs = [("hr.md", "Employees get 20"), ("it.md", "days of paid leave.")]
    assert _classify(LEAVE_ITEM, two_docs, _result(two_docs, "", abstained=True)) == ["over_refusal"]


def test_spans_junction() -> None:
    assert spans_junction("employees get 20", "days of leave", "20 days")
    assert spans_junction("get 20 da", "ys of leave", "20 days")
    assert spans_junction("get 20 days of", "days of paid leave", "20 days of paid leave")
    assert not spans_junction("get 120", "days", "20 days")  # the gold must start on a token
    assert not spans_junction("get 20", "daystime", "20 days")  # and end on one
    assert not spans_junction("get 20 days", "of leave", "20 days")  # wholly in the first chunk


def test_unsupported_answer_then_wrong_answer() -> None:
    chunks = [("hr.md", HR), ("it.md", IT)]
    invented = _result(chunks, "Employees receive unlimited vacation with bonuses.", cited=("hr.md",))
    assert _classify(LEAVE_ITEM, chunks, invented) == ["unsupported_answer", "wrong_answer"]


def test_wrong_answer() -> None:
    chunks = [("hr.md", HR), ("it.md", IT)]
    wrong = _result(chunks, "Unused days expire in March.", cited=("hr.md",))
    assert _classify(LEAVE_ITEM, chunks, wrong) == ["wrong_answer"]


def test_assertion_failed() -> None:
    chunks = [("hr.md", HR)]
    item = Item(id="i", question="?", answers=("20 days",), evidence={"hr.md": 1},
                assertions=(Assertion("max-length", 20),))
    assert _classify(item, chunks, _result(chunks, ANSWER_OK, cited=("hr.md",))) == ["assertion_failed"]
    # a correct but partly unsupported answer that fails an assertion: assertion first
    long = _result(chunks, ANSWER_OK + " Managers may add a bonus week.", cited=("hr.md",))
    assert _classify(item, chunks, long) == ["assertion_failed", "unsupported_answer"]
    # a correct, partly unsupported answer alone does not fail
    assert _classify(LEAVE_ITEM, chunks, long) == []


def test_latency_budget() -> None:
    chunks = [("hr.md", HR)]
    slow = _result(chunks, ANSWER_OK, cited=("hr.md",), latency=5000.0)
    assert _classify(LEAVE_ITEM, chunks, slow, budget=2000.0) == ["latency_budget"]
    assert _classify(LEAVE_ITEM, chunks, slow) == []
    wrong_and_slow = _result(chunks, "Unused days expire in March.", cited=("hr.md",), latency=5000.0)
    assert _classify(LEAVE_ITEM, chunks, wrong_and_slow, budget=2000.0) == ["wrong_answer", "latency_budget"]


def test_evidence_only_items() -> None:
    item = Item(id="i", question="Where is the leave policy?", evidence={"hr.md": 1})
    chunks = [("it.md", IT), ("vpn.md", VPN), ("hr.md", HR)]
    answered = _result(chunks, "Expenses are reimbursed within 30 days.", cited=("it.md",))
    assert _classify(item, chunks, answered, k_answer=3) == []  # hit@3 = 1
    assert _classify(item, chunks, answered, k_answer=2) == ["ranking"]
    assert _classify(item, chunks, _result(chunks, "", abstained=True), k_answer=3) == ["over_refusal"]
    missed = [("it.md", IT), ("vpn.md", VPN)]
    assert _classify(item, missed, _result(missed, "Connect to the VPN.", cited=("vpn.md",))) == ["retrieval_miss"]


def test_pareto_counts_primary_modes() -> None:
    results = [ItemResult(item_id=str(i)) for i in range(7)]
    modes = [["retrieval_miss"], ["retrieval_miss", "unsupported_answer"], ["wrong_answer"],
             ["unsupported_answer", "wrong_answer"], ["retrieval_miss"], [], ["wrong_answer"]]
    for r, m in zip(results, modes, strict=True):
        r.failure_modes = m
    assert pareto(results) == [("retrieval_miss", 3, pytest.approx(0.5)), ("wrong_answer", 2, pytest.approx(1 / 3)),
                               ("unsupported_answer", 1, pytest.approx(1 / 6))]
    every = dict((m, c) for m, c, _s in pareto(results, primary_only=False))
    assert every == {"retrieval_miss": 3, "wrong_answer": 3, "unsupported_answer": 2}
    assert pareto([ItemResult(item_id="x")]) == []

"""The review queue, reviews and promotions in the store."""

from __future__ import annotations

import pytest

from shipcall.adapters.store.production_log import ProductionLog
from shipcall.adapters.store.reviews import ReviewStore
from shipcall.adapters.store.store import Store
from shipcall.core.review import Review
from tests.store.test_production_log import entry

N = 1100


@pytest.fixture
def rs(store: Store) -> ReviewStore:
    plog = ProductionLog(store)
    for i in range(4):
        plog.add(entry(i))
    return ReviewStore(store)


def queued(i: int, batch: str = "b1") -> dict[str, object]:
    return {"request_id": f"req{i:05d}", "batch": batch, "strategy": "stratified", "reasons": ["abstained"],
            "stratum": "baseline · topic=hr", "cohorts": {"topic": "hr"}, "nearest_item": "t-01", "similarity": 0.4}


def test_queue_in_order_without_duplicates(rs: ReviewStore) -> None:
    assert rs.enqueue([queued(2), queued(0), queued(2)]) == 2
    assert rs.enqueue([queued(0, "b2"), queued(1, "b2")]) == 1
    q = rs.queue()
    assert [(e.position, e.request_id, e.batch) for e in q] == [(1, "req00002", "b1"), (2, "req00000", "b1"),
                                                               (3, "req00001", "b2")]
    assert (q[0].reasons, q[0].cohorts, q[0].similarity, q[0].entry.question) == \
        (["abstained"], {"topic": "hr"}, 0.4, "question 2?")
    assert rs.queued_ids() == {"req00000", "req00001", "req00002"}
    assert [e.request_id for e in rs.queue(request_ids=["req00001"])] == ["req00001"]
    assert rs.queue_counts() == (3, 0)


def test_reviews_rank_and_revise(rs: ReviewStore) -> None:
    rs.enqueue([queued(0)])
    first = rs.save_review(Review("req00000", "ann", "incorrect", failure_mode="retrieval_miss",
                                  evidence=("a.md",), tags={"topic": "hr"}))
    second = rs.save_review(Review("req00000", "bob", "correct"))
    revised = rs.save_review(Review("req00000", "ann", "should_abstain", note="on second thought"))
    assert (first.rank, second.rank, revised.rank) == (1, 2, 1)
    assert (revised.verdict, revised.note, revised.created_at) == ("should_abstain", "on second thought",
                                                                    first.created_at)
    assert [(r.reviewer, r.verdict) for r in rs.reviews()] == [("ann", "should_abstain"), ("bob", "correct")]
    assert [len(e.reviews) for e in rs.queue()] == [2]
    assert rs.queue_counts() == (1, 1)
    assert rs.reviews(since="9999") == []


def test_reviews_and_queue_over_more_ids_than_a_statement_binds(rs: ReviewStore) -> None:
    rows = [queued(i) for i in range(N)]
    assert rs.enqueue(rows) == N  # the duplicate check binds every id
    assert rs.enqueue(rows) == 0
    for i in range(3):
        rs.save_review(Review(f"req{i:05d}", "ann", "correct"))
    ids = [f"req{i:05d}" for i in range(N)]
    assert [r.request_id for r in rs.reviews(request_ids=ids)] == ids[:3]
    assert len(rs.queue()) == 4  # only the queued queries still in the log


def test_promotions_are_recorded_once(rs: ReviewStore) -> None:
    rs.record_promotions("sample", 2, [("req00000", "prod-1"), ("req00001", "prod-2")])
    rs.record_promotions("sample", 3, [("req00000", "prod-1b")])
    got = rs.promoted("sample")
    assert {k: (v["version"], v["item_id"]) for k, v in got.items()} == {"req00000": (2, "prod-1"),
                                                                          "req00001": (2, "prod-2")}
    assert rs.promoted("other") == {}

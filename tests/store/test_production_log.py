"""The production log's one reader (`ProductionLog.entries`), used by `logs`, the API, review,
drift and monitoring alike; and its writes."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from shipcall.adapters.store import schema
from shipcall.adapters.store.production_log import MAX_LIMIT, ProductionLog
from shipcall.adapters.store.reviews import ReviewStore
from shipcall.adapters.store.store import Store
from shipcall.core.production import ProductionLogEntry
from shipcall.errors import NotFoundError

N = 1200


def entry(i: int, variant: str = "baseline") -> ProductionLogEntry:
    return ProductionLogEntry(
        request_id=f"req{i:05d}", created_at=f"2026-12-01T00:{i // 60 % 60:02d}:{i % 60:02d}.000+00:00",
        variant=variant, question=f"question {i}?", answer=f"answer {i}", abstained=i % 2 == 0, support=0.5,
        arm="candidate" if variant != "baseline" else "baseline", variant_hash="vh", user_hash=None,
        retrieved=[{"doc_id": "a.md", "chunk_id": "a.md#0", "score": 1.0, "rank": 1}],
        citations=[{"doc_id": "a.md", "chunk_id": "a.md#0"}], latency_ms={"total": 3.0},
        redactions={"EMAIL": 1} if i == 1 else {}, corpus_version="c1")


@pytest.fixture
def log(store: Store) -> ProductionLog:
    plog = ProductionLog(store)
    for i in range(6):
        plog.add(entry(i, "candidate" if i % 3 == 2 else "baseline"))
    plog.add_feedback("req00001", "down", "wrong")
    plog.add_feedback("req00001", "up", "now right")
    plog.add_feedback("req00004", "up")
    return plog


def test_add_and_get_round_trip(log: ProductionLog) -> None:
    got = log.get("req00001")
    assert got.to_dict() | {"feedback": []} == entry(1).to_dict()
    assert [(f.rating, f.comment) for f in got.feedback] == [("down", "wrong"), ("up", "now right")]
    with pytest.raises(NotFoundError, match="no logged query with request_id 'nope'"):
        log.get("nope")
    with pytest.raises(NotFoundError, match="no logged query"):
        log.add_feedback("nope", "up")


def test_entries_newest_first_with_limit_since_variant_and_ids(log: ProductionLog) -> None:
    def ids(entries: list[ProductionLogEntry]) -> list[int]:
        return [int(e.request_id[3:]) for e in entries]

    assert ids(log.entries()) == [5, 4, 3, 2, 1, 0]
    assert ids(log.entries(limit=2)) == [5, 4]
    assert ids(log.entries(oldest_first=True, limit=None)) == [0, 1, 2, 3, 4, 5]
    assert ids(log.entries(since="2026-12-01T00:00:03.000+00:00")) == [5, 4, 3]
    assert ids(log.entries(variant="candidate")) == [5, 2]
    assert ids(log.entries(ids=["req00004", "req00000", "req00004", "nope"])) == [4, 0]
    assert ids(log.entries(ids=[], limit=None)) == []
    assert [len(e.feedback) for e in log.entries()] == [0, 1, 0, 0, 2, 0]
    assert all(e.feedback == [] for e in log.entries(with_feedback=False))
    assert log.count() == 6 and log.count(variant="candidate") == 2
    assert log.count(since="2026-12-01T00:00:03.000+00:00") == 3
    assert log.request_ids() == {f"req{i:05d}" for i in range(6)}


def test_the_review_store_reads_the_log_through_the_same_reader(log: ProductionLog, store: Store) -> None:
    rs = ReviewStore(store)
    assert rs.log_entries() == log.entries(limit=None, oldest_first=True)
    assert rs.log_entries(since="2026-12-01T00:00:04.000+00:00") == log.entries(
        since="2026-12-01T00:00:04.000+00:00", oldest_first=True)
    assert rs.log_entry("req00004").feedback[0].rating == "up"
    with pytest.raises(NotFoundError) as e:
        rs.log_entry("nope")
    assert "review list" in (e.value.hint or "")


def test_reads_over_more_ids_than_a_statement_binds(store: Store) -> None:
    rows = [{"request_id": f"req{i:05d}", "created_at": f"2026-12-01T{i // 3600:02d}:{i // 60 % 60:02d}:"
             f"{i % 60:02d}.000+00:00", "variant": "baseline", "variant_hash": "", "arm": "baseline",
             "question": "q", "answer": "", "abstained": False, "support": 0.0, "retrieved": "[]",
             "citations": "[]", "latency_ms": "{}", "redactions": "{}", "corpus_version": ""} for i in range(N)]
    with store.engine.begin() as c:
        c.execute(insert(schema.production_log), rows)
        c.execute(insert(schema.production_feedback), [
            {"request_id": r["request_id"], "rating": "up", "comment": "", "redactions": "{}",
             "created_at": r["created_at"]} for r in rows])
    log = ProductionLog(store)
    every = log.entries(limit=None)  # feedback for 1,200 entries
    assert len(every) == N and all(len(e.feedback) == 1 for e in every)
    wanted = [r["request_id"] for r in rows]
    assert len(log.entries(ids=wanted, limit=None)) == N
    assert len(log.entries(ids=wanted)) == 100  # the default page, newest first
    assert log.entries(ids=wanted)[0].request_id == f"req{N - 1:05d}"
    assert len(log.entries(limit=MAX_LIMIT + 5)) == N
    assert len(ReviewStore(store).log_entries(ids=wanted)) == N

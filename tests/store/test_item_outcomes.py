"""Issue 21: `Store.item_outcomes` (what compare, gate and dataset health read of a run) gives
exactly the metrics, errors and failure modes of `item_results`, on SQLite and PostgreSQL, for
old (unversioned) rows too; a row it cannot read directly goes through the full reader, which
names it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from shipcall.adapters.store import schema
from shipcall.adapters.store.store import Store
from shipcall.core.runs import Citation, ItemOutcome, ItemResult, Retrieved, Run
from shipcall.errors import StoreError
from tests.store.conftest import V4, copy_store, sqlite_url


def _run(store: Store) -> Run:
    return store.create_run(Run(id="", variant="v", variant_hash="h", dataset="d", dataset_version=1,
                                corpus_version="c", code_version="x", started_at="t", config={}))


def _results() -> list[ItemResult]:
    return [ItemResult(item_id=f"q{i}", retrieved=[Retrieved("a.md", "a.md#0", 1.5, 1)], answer="yes",
                       citations=[Citation("a.md", "a.md#0", ("H",), "snippet")],
                       metrics={"f1": i / 10, "hit@5": float(i % 2)}, error="boom" if i == 3 else None,
                       failure_modes=[] if i % 3 == 0 else ["wrong_answer", "retrieval_miss"][: i % 3])
            for i in range(7)]


def _expected(results: list[ItemResult]) -> list[ItemOutcome]:
    return [ItemOutcome(r.item_id, r.metrics, r.error, r.failure_modes) for r in results]


def test_outcomes_are_the_results_metrics_errors_and_failure_modes(store_url: str) -> None:
    store = Store.open(store_url)
    run = _run(store)
    results = _results()
    store.save_item_results(run.id, list(enumerate(reversed(results))))  # stored order is the position's
    assert store.item_outcomes(run.id) == _expected(list(reversed(results)))
    assert store.item_outcomes("r999") == []
    store.close()


def test_old_unversioned_rows_read_alike(tmp_path: Path) -> None:
    store = Store.open(sqlite_url(copy_store(V4, tmp_path / "s.db")))
    for run in store.runs():
        assert store.item_outcomes(run.id) == _expected(store.item_results(run.id))
    store.close()


@pytest.mark.parametrize("data", [json.dumps({"schema_version": 99, "failure_modes": []}), "{not json"])
def test_a_row_it_cannot_read_directly_is_named_by_the_full_reader(tmp_path: Path, data: str) -> None:
    store = Store.open(sqlite_url(tmp_path / "s.db"))
    run = _run(store)
    store.save_item_results(run.id, list(enumerate(_results())))
    with store.engine.begin() as c:
        c.execute(update(schema.item_results).where(schema.item_results.c.item_id == "q2").values(data=data))
    with pytest.raises((StoreError, ValueError)) as e:
        store.item_outcomes(run.id)
    assert "q2" in str(e.value) or "schema_version" in str(e.value) or "JSON" in str(e.value)
    store.close()

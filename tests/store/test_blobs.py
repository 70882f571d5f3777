"""Typed, versioned JSON: written with the current schema_version, read from every older
version (rows without one are version 1), refused when a newer shipcall wrote them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from shipcall.adapters.store.blobs import EVIDENCE, ITEM, ITEM_RESULT, RUN_CONFIG, Blob
from shipcall.adapters.store.store import Store
from shipcall.core.datasets import Item, dataset_hash
from shipcall.core.runs import Citation, ItemResult, Retrieved, Run
from shipcall.errors import DatasetError, StoreError
from tests.store.conftest import V4, copy_store, sqlite_url


def test_write_stamps_the_version_and_read_removes_it() -> None:
    for blob in (ITEM, ITEM_RESULT, RUN_CONFIG, EVIDENCE):
        text = blob.dumps({"a": 1})
        assert json.loads(text) == {"schema_version": 2, "a": 1}
        assert blob.loads(text)["a"] == 1 and "schema_version" not in blob.loads(text)


def test_unversioned_rows_are_version_1_and_upgraded() -> None:
    old = json.dumps({"answer": "20 days", "abstained": False})  # an item result of an early version
    d = ITEM_RESULT.loads(old)
    assert d["answer"] == "20 days"
    assert (d["retrieved"], d["retrieved_docs"], d["citations"], d["failure_modes"], d["extra"]) == ([], [], [], [], {})
    assert RUN_CONFIG.loads('{"variant": {}, "limit": null, "k": [5]}') == {"variant": {}, "limit": None, "k": [5]}


def test_upgrades_run_in_order_from_the_stored_version() -> None:
    blob: Blob[dict[str, object]] = Blob("thing", [lambda d: d | {"b": 2}, lambda d: d | {"c": d["b"] * 10}])
    assert blob.version == 3
    assert blob.loads('{"a": 1}') == {"a": 1, "b": 2, "c": 20}
    assert blob.loads('{"schema_version": 2, "a": 1, "b": 5}') == {"a": 1, "b": 5, "c": 50}
    assert blob.loads('{"schema_version": 3, "a": 1}') == {"a": 1}


def test_a_newer_version_is_refused_not_misread() -> None:
    with pytest.raises(StoreError, match=r"item result of item q1 was written by a newer shipcall "
                                         r"\(schema_version 3; this one reads up to 2\)") as e:
        ITEM_RESULT.loads('{"schema_version": 3, "answer": "x"}', where="item q1")
    assert "upgrade shipcall" in (e.value.hint or "")
    for bad in ('{"schema_version": "2"}', '{"schema_version": 0}', '[1, 2]'):
        with pytest.raises(StoreError, match="damaged"):
            EVIDENCE.loads(bad)
    with pytest.raises(ValueError, match="the store's key"):
        EVIDENCE.dumps({"schema_version": 9})


def test_the_store_reads_old_and_new_rows_alike(tmp_path: Path) -> None:
    """A migrated v4 store: its rows are unversioned; new rows are versioned; both read the same."""
    path = copy_store(V4, tmp_path / "s.db")
    store = Store.open(sqlite_url(path))
    old = store.load_dataset("sample", 1)
    store.save_dataset("copy", list(old.items), dataset_hash(old.items), source="test", warnings=[])
    new = store.load_dataset("copy")
    assert new.items == old.items and new.task == old.task == "rag"

    r1 = store.get_run("r1")
    run = store.create_run(Run(id="", variant="baseline", variant_hash=r1.variant_hash, dataset="sample",
                               dataset_version=1, corpus_version=r1.corpus_version, code_version="test",
                               started_at="2026-12-01T00:00:00.000+00:00", config=r1.config, n_items=12))
    old_results = store.item_results("r1")
    store.save_item_results(run.id, list(enumerate(old_results)))
    assert store.item_results(run.id) == old_results
    assert store.get_run(run.id).config == r1.config

    d1 = store.decisions()[0]
    new_id = store.add_decision({k: d1[k] for k in ("verdict", "author", "created_at", "evidence", "reasons")})
    assert store.decisions()[-1]["evidence"] == d1["evidence"] and store.decisions()[-1]["id"] == new_id
    store.close()

    with sqlite3.connect(path) as c:
        def versions(sql: str) -> set[object]:
            return {r[0] for r in c.execute(sql)}

        assert versions("select json_extract(data, '$.schema_version') from dataset_items where dataset = 'sample'") \
            == {None}
        assert versions("select json_extract(data, '$.schema_version') from dataset_items where dataset = 'copy'") \
            == {2}
        assert versions(f"select json_extract(data, '$.schema_version') from item_results where run_id = '{run.id}'") \
            == {2}
        assert versions(f"select json_extract(config, '$.schema_version') from runs where id = '{run.id}'") == {2}
        assert versions(f"select json_extract(evidence, '$.schema_version') from decisions where id = {new_id}") \
            == {2}


def test_item_results_round_trip_every_field(tmp_path: Path) -> None:
    store = Store.open(sqlite_url(tmp_path / "s.db"))
    run = store.create_run(Run(id="", variant="v", variant_hash="h", dataset="d", dataset_version=1,
                               corpus_version="c", code_version="x", started_at="t", config={}, task="classify"))
    r = ItemResult(item_id="q1", retrieved=[Retrieved("a.md", "a.md#0", 1.5, 1)],
                   retrieved_docs=[Retrieved("a.md", "a.md#0", 1.5, 1)], answer="yes",
                   citations=[Citation("a.md", "a.md#0", ("H", "Sub"), "snippet")], abstained=False, support=0.7,
                   latency_ms={"total": 1.0}, error=None, metrics={"f1": 1.0}, failure_modes=["x"],
                   extra={"tokens": 3})
    store.save_item_results(run.id, [(0, r)])
    assert store.item_results(run.id) == [r]
    assert store.get_run(run.id).task == "classify"
    store.close()


def test_dataset_task_and_labels_are_stored_and_a_dataset_keeps_its_task(tmp_path: Path) -> None:
    from shipcall.core.tasks.classify import ClassifyItem

    store = Store.open(sqlite_url(tmp_path / "s.db"))
    items = [ClassifyItem(id="a", text="refund please", label="billing")]
    h = dataset_hash(items)
    assert store.save_dataset("inbox", items, h, source="s", warnings=[], task="classify",
                              labels=["billing", "spam"]) == (1, True)
    assert store.save_dataset("inbox", items, h, source="s", warnings=[], task="classify") == (1, False)
    loaded = store.load_dataset("inbox")
    assert loaded.task == "classify" and loaded.items == tuple(items) and loaded.labels == ("billing", "spam")
    assert [v["task"] for v in store.dataset_versions("inbox")] == ["classify"]
    rag = [Item(id="a", question="q?", answers=("yes",))]
    with pytest.raises(DatasetError, match="holds classify items; these are rag items"):  # one task per dataset
        store.save_dataset("inbox", rag, dataset_hash(rag), source="s", warnings=[])
    store.close()

"""The Store's own reads and writes, against a real SQLite file that (like old SQLite builds)
refuses more than 999 bound parameters per statement."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from shipcall.adapters.store import schema
from shipcall.adapters.store.chunked import chunks, select_in
from shipcall.adapters.store.store import Store
from shipcall.core.datasets import Item, dataset_hash
from shipcall.core.documents import Document, Section
from shipcall.core.runs import ItemResult, Run
from shipcall.errors import NotFoundError

N = 1500  # more ids than one statement may bind


def a_run(store: Store, **kw: object) -> Run:
    fields = {"id": "", "variant": "baseline", "variant_hash": "vh", "dataset": "d", "dataset_version": 1,
              "corpus_version": "c1", "code_version": "test", "started_at": "2026-12-01T00:00:00.000+00:00",
              "config": {"variant": {"k": 5}}, "n_items": N} | kw
    return store.create_run(Run(**fields))  # type: ignore[arg-type]


def results(ids: range, *, answer: str = "a") -> list[tuple[int, ItemResult]]:
    return [(i, ItemResult(item_id=f"q{i:05d}", answer=answer, metrics={"f1": 1.0})) for i in ids]


def test_the_parameter_limit_is_real(store: Store) -> None:
    if store.kind != "sqlite":
        pytest.skip("the 999-parameter limit is old SQLite's")
    t = schema.item_results
    with store.engine.connect() as c, pytest.raises(OperationalError, match="too many SQL variables"):
        c.execute(select(t).where(t.c.item_id.in_([str(i) for i in range(1000)])))


def test_chunks_are_distinct_in_order_and_bounded() -> None:
    assert list(chunks(["b", "a", "b", "c"], size=2)) == [["b", "a"], ["c"]]
    assert list(chunks([])) == []


def test_select_in_over_more_ids_than_a_statement_binds(store: Store) -> None:
    run = a_run(store)
    store.save_item_results(run.id, results(range(N)))
    t = schema.item_results
    with store.engine.connect() as c:
        rows = select_in(c, select(t.c.item_id), t.c.item_id, [f"q{i:05d}" for i in range(N)] + ["nope"])
    assert len(rows) == N


def test_item_results_resume_skips_existing_rows(store: Store) -> None:
    run = a_run(store)
    store.save_item_results(run.id, results(range(N)))  # one batch larger than a statement binds
    assert len(store.finished_item_ids(run.id)) == N
    # a resumed run saves an overlapping batch: existing rows stay as they were, new ones are added
    store.save_item_results(run.id, results(range(N - 10, N + 10), answer="second"))
    got = store.item_results(run.id)
    assert [r.item_id for r in got] == [f"q{i:05d}" for i in range(N + 10)]  # in item order
    assert {r.answer for r in got[:N]} == {"a"} and {r.answer for r in got[N:]} == {"second"}
    store.save_item_results(run.id, [])


def test_one_row_per_run_and_item(store: Store) -> None:
    run = a_run(store)
    store.save_item_results(run.id, results(range(1)))
    row = {"run_id": run.id, "item_id": "q00000", "position": 0, "data": "{}", "metrics": "{}"}
    with pytest.raises(IntegrityError), store.engine.begin() as c:
        c.execute(insert(schema.item_results).values(**row))
    other = a_run(store)
    store.save_item_results(other.id, results(range(1)))  # the same item in another run is fine
    assert len(store.item_results(other.id)) == 1


def test_runs_ids_lookup_and_finish(store: Store) -> None:
    r1, r2 = a_run(store), a_run(store, variant="candidate", variant_hash="vh2")
    assert (r1.id, r2.id) == ("r1", "r2")
    assert store.get_run("last").id == "r2" and store.get_run("1").id == "r1"
    assert [r.id for r in store.runs()] == ["r2", "r1"] and [r.id for r in store.runs(limit=1)] == ["r2"]
    with pytest.raises(NotFoundError, match="no run 'r9'"):
        store.get_run("r9")
    assert store.unfinished_run("vh", "d", 1, "c1").id == "r1"  # type: ignore[union-attr]
    r1.finished_at, r1.metrics, r1.cohorts, r1.errors = "2026-12-01T00:01:00.000+00:00", {"f1": 0.5}, {"t=a": {}}, 1
    store.finish_run(r1)
    assert store.unfinished_run("vh", "d", 1, "c1") is None
    back = store.get_run("r1")
    assert (back.status, back.metrics, back.cohorts, back.errors, back.config, back.task) == \
        ("finished", {"f1": 0.5}, {"t=a": {}}, 1, {"variant": {"k": 5}}, "rag")


def test_datasets_version_on_change_and_say_what_exists(store: Store) -> None:
    v1 = [Item(id=f"q{i}", question=f"question {i}?", answers=("x",), tags={"topic": "hr"}) for i in range(N)]
    assert store.save_dataset("big", v1, dataset_hash(v1), source="f.jsonl", warnings=["w"]) == (1, True)
    assert store.save_dataset("big", v1, dataset_hash(v1), source="f.jsonl", warnings=[]) == (1, False)
    v2 = v1[:-1]
    assert store.save_dataset("big", v2, dataset_hash(v2), source="f.jsonl", warnings=[]) == (2, True)
    assert store.load_dataset("big").items == tuple(v2)
    assert store.load_dataset("big", 1).items == tuple(v1)
    assert [(v["version"], v["n_items"], v["warnings"]) for v in store.dataset_versions("big")] == \
        [(1, N, ["w"]), (2, N - 1, [])]
    with pytest.raises(NotFoundError, match="no dataset 'big@3'") as e:
        store.load_dataset("big", 3)
    assert "datasets: big" in (e.value.hint or "")


def test_documents_change_and_are_versioned(store: Store) -> None:
    docs = [Document(id=f"d{i:04d}.md", text=f"text {i}", title=f"T{i}", hash=f"h{i}",
                     sections=(Section(("T",), 0, 4),)) for i in range(N)]
    store.apply_corpus_changes(docs, [], "v1")
    assert len(store.document_hashes()) == N and store.corpus_version() == "v1"
    changed = [Document(id="d0000.md", text="new", title="T0", hash="h0b")]
    store.apply_corpus_changes(changed, [d.id for d in docs[1:]], "v2")  # deletes more ids than a statement binds
    assert store.document_hashes() == {"d0000.md": "h0b"}
    assert store.document("d0000.md").text == "new"  # type: ignore[union-attr]
    assert store.document("d0001.md") is None
    assert [d.id for d in store.documents()] == ["d0000.md"]
    assert {("d0000.md", "h0"), ("d0000.md", "h0b")} <= set(store.document_first_seen())
    assert docs[1].sections == (Section(("T",), 0, 4),)
    store.set_meta("k", "1")
    store.set_meta("k", "2")
    assert store.get_meta("k") == "2" and store.get_meta("missing") is None


def test_decisions_round_trip(store: Store) -> None:
    d = {"verdict": "WAIT", "baseline_run": "r1", "candidate_run": "r2", "contract_hash": "c", "author": "ann",
         "note": "n", "override": False, "reasons": [{"kind": "threshold", "severity": "block"}],
         "evidence": {"regressed": [{"metric": "f1"}]}, "created_at": "2026-12-01T00:00:00.000+00:00"}
    first = store.add_decision(d)
    second = store.add_decision(d | {"override": True, "verdict": "SHIP"})
    got = store.decisions()
    assert [x["id"] for x in got] == [first, second]
    assert got[0]["reasons"] == d["reasons"] and got[0]["evidence"] == d["evidence"]
    assert (got[1]["override"], got[1]["verdict"]) == (True, "SHIP")

"""`shipcall sweep` on the fixture corpus: every combination a stored run, inapplicable keys
dropped, a table best first, significance against the base, finished runs reused."""

from __future__ import annotations

import json

import pytest

from shipcall.app.sweep import combinations, parse_grid
from shipcall.config.schema import Variant
from shipcall.errors import ConfigError
from tests.conftest import FIXTURES, Shipcall


def test_grid_parsing_and_combinations() -> None:
    axes = parse_grid(["chunker.kind=fixed,document", "chunker.size=16,128", "retriever.kind=bm25,hybrid"])
    assert axes[1] == ("chunker.size", [16, 128])
    base = Variant.model_validate({"chunker": {"kind": "heading", "size": 300, "overlap": 50},
                                   "retriever": {"kind": "bm25", "k": 5, "k1": 1.2}})
    combos, skipped = combinations(base, "b", axes)
    names = [c.name for c in combos]
    assert "b[chunker.kind=fixed,chunker.size=128,retriever.kind=bm25]" in names
    assert "b[chunker.kind=document,retriever.kind=hybrid]" in names  # size does not apply: dropped
    assert len(combos) == 6 and skipped == []  # document × two sizes is one combination, run once
    small = next(c.variant for c in combos if c.settings.get("chunker.size") == 16)
    assert small.chunker.overlap == 3  # 50/300 of 16: an overlap must stay below the size
    hybrid = next(c.variant for c in combos if c.settings["retriever.kind"] == "hybrid")
    assert hybrid.retriever.k == 5 and hybrid.retriever.bm25.k1 == 1.2  # the base's settings carried over
    for bad in (["chunker.size"], ["size=1,2"], ["chunker.size=1", "chunker.size=2"], []):
        with pytest.raises(ConfigError):
            parse_grid(bad)


def test_sweep_stores_runs_and_ranks_them(ingested) -> None:  # noqa: ANN001
    from shipcall.app.datasets import import_dataset
    from shipcall.app.sweep import sweep
    from shipcall.config.contract import default_contract

    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "fx")
    ds = ingested.store.load_dataset("fx")
    grid = ["chunker.kind=fixed,sentence,document", "chunker.size=16,64", "retriever.kind=bm25"]
    rep = sweep(ingested, ds, "baseline", grid, default_contract())
    assert len(rep.rows) == 1 + 5  # base + fixed×2 + sentence×2 + document×1
    runs = {r.id for r in ingested.store.runs()}
    assert {row.run.id for row in rep.rows} <= runs
    values = [row.run.metrics[rep.primary] for row in rep.rows]
    assert values == sorted(values, reverse=rep.higher_is_better)
    for row in rep.rows:
        assert row.index["bytes"] > 0 and row.run.status == "finished" and row.run.errors == 0
        if not row.is_base:
            assert set(row.vs_base) >= {"recall@5", "ndcg@10"}
            assert all("p_sweep_adjusted" in v for v in row.vs_base.values())
    again = sweep(ingested, ds, "baseline", grid, default_contract())
    assert all(r.reused for r in again.rows)


@pytest.mark.slow  # embeds a corpus
def test_sweep_cli_with_dense_and_hybrid(ingested, sc: Shipcall) -> None:  # noqa: ANN001
    pytest.importorskip("sentence_transformers")
    root = ingested.root
    sc("dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "fx", cwd=root)
    p = sc("sweep", "--dataset", "fx", "--variant", "baseline", "--grid", "chunker.kind=document",
           "--grid", "chunker.size=128", "--grid", "retriever.kind=bm25,dense,hybrid", "--json", cwd=root)
    out = json.loads(p.stdout)
    kinds = {r["settings"].get("retriever.kind") for r in out["rows"] if not r["is_base"]}
    assert kinds == {"bm25", "dense", "hybrid"}
    assert len(out["rows"]) == 1 + 3  # the base, document × 3 kinds (size does not apply to document)
    by_name = {r["variant"]: r for r in out["rows"]}
    dense = by_name["baseline[chunker.kind=document,retriever.kind=dense]"]
    assert dense["index"]["embedded"] > 0 and dense["metrics"]["recall@5"] > 0.5
    text = sc("sweep", "--dataset", "fx", "--grid", "chunker.kind=document", "--grid", "retriever.kind=bm25,hybrid",
              cwd=root).stdout
    assert "best first by" in text and "(base)" in text and "retriever.kind=hybrid" in text and "r" in text


def test_sweep_shows_guarded_metrics_cost_and_the_gates_call(ingested) -> None:  # noqa: ANN001
    from shipcall.app.datasets import import_dataset
    from shipcall.app.decisions import gate
    from shipcall.app.sweep import sweep
    from shipcall.cli.sweep import print_sweep

    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "fx")
    contract = ingested.contract()  # guards contains_answer, recall@5, false_answer_rate
    rep = sweep(ingested, ingested.store.load_dataset("fx"), "baseline", ["retriever.k=1"], contract)
    assert set(contract.guarded) <= set(rep.metrics)
    n_decisions = len(ingested.store.decisions())
    for row in rep.rows:
        d = row.to_dict()
        assert d["cost_per_1000"] == 0.0  # offline: nothing priced
        expected, _ = gate(ingested, rep.rows[0].run.id, row.run.id, contract, record_decision=False)
        assert d["gate"] == {"verdict": expected.verdict, "blocking": [r.detail for r in expected.blocking]}
    assert len(ingested.store.decisions()) == n_decisions  # marking a sweep records no decision
    print_sweep(rep)  # the table with its gate column and the blocking reasons listed


def test_sweep_table_marks_combinations_that_fail_the_gate(ingested, capsys) -> None:  # noqa: ANN001
    from shipcall.app.datasets import import_dataset
    from shipcall.app.sweep import sweep
    from shipcall.cli.sweep import print_sweep
    from shipcall.config.contract import parse_contract

    import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "fx")
    strict = parse_contract({"primary": "contains_answer", "metrics": {"latency_ms_p95": {"max": 1e-6}}})
    rep = sweep(ingested, ingested.store.load_dataset("fx"), "baseline", ["retriever.k=1"], strict)
    assert all(r.gate["verdict"] == "WAIT" for r in rep.rows)
    print_sweep(rep)
    out = capsys.readouterr().out
    assert out.count("WAIT ✗") == len(rep.rows) + 1 and "$/1000" in out and "gate" in out.splitlines()[2]
    assert "latency_ms_p95 = " in out and "above the contract's maximum 1e-06" in out

"""The store's side of the LLM providers: the response cache, the judge's verdicts, and merging
judge metrics into item results."""

from __future__ import annotations

from shipcall.adapters.store.llm import StoreResponseCache, judgements, save_judgements, update_item_metrics
from shipcall.adapters.store.store import Store
from tests.store.test_store_repo import a_run, results

N = 1200


def test_response_cache_keeps_the_first_reply(store: Store) -> None:
    cache = StoreResponseCache(store)
    assert cache.get("k1") is None and cache.count() == 0
    cache.put("k1", "openai", "m", {"text": "first", "tokens_in": 3, "tokens_out": 5})
    cache.put("k1", "openai", "m", {"text": "second"})  # the same request answered twice at once
    assert cache.get("k1") == {"text": "first", "tokens_in": 3, "tokens_out": 5}
    assert cache.count() == 1


def verdict(item: str, repeat: int, label: str = "4") -> dict[str, object]:
    return {"run_id": "r1", "item_id": item, "metric": "correctness", "repeat": repeat, "label": label,
            "value": 0.75, "reasoning": "fine", "judge_model": "m", "prompt_hash": "p", "error": None,
            "tokens_in": 1, "tokens_out": 2, "cost": 0.001, "cached": False}


def test_judgements_skip_existing_and_read_in_order(store: Store) -> None:
    save_judgements(store, [verdict("b", 0), verdict("a", 1), verdict("a", 0)])
    save_judgements(store, [verdict("a", 0, label="1"), verdict("c", 0)])  # a resumed judge
    got = judgements(store, "r1")
    assert [(j["item_id"], j["repeat"], j["label"]) for j in got] == [("a", 0, "4"), ("a", 1, "4"), ("b", 0, "4"),
                                                                       ("c", 0, "4")]
    assert got[0]["created_at"]
    save_judgements(store, [])
    assert judgements(store, "r2") == []


def test_judge_metrics_merge_into_more_item_results_than_a_statement_binds(store: Store) -> None:
    run = a_run(store)
    store.save_item_results(run.id, results(range(N)))
    update_item_metrics(store, run.id, {f"q{i:05d}": {"judge_correctness": i / N} for i in range(N)}
                        | {"unknown": {"judge_correctness": 1.0}})
    got = store.item_results(run.id)
    assert len(got) == N
    assert all(r.metrics == {"f1": 1.0, "judge_correctness": i / N} for i, r in enumerate(got))
    update_item_metrics(store, run.id, {})
